"""Supervise the workers that grade a class: a pool of processes, one retry alone, grader errors.

Each student is graded in a worker process (also with --jobs 1), so a crash
costs at most that student. When the grader or the machine fails instead (a
worker killed, a full temporary folder, MemoryError, a bug of ours), the
student is tried once more, alone, in a fresh worker; after that the failure
is handed back as a GraderFailure, never as the student's grade.
"""
from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Callable

from grader.course.students import Entry
from grader.sandbox.safe_text import clean_text

REASON_LIMIT = 1000
MAX_ATTEMPTS = 2


class GraderFailure(Exception):
    """Grading one student failed in our code or on this machine, not because of the submission.

    Carries one plain message ("OSError: ...") so that it always crosses back from a worker.
    """


def describe_failure(error: BaseException) -> str:
    """The grader's own failure as one safe line: "OSError: [Errno 28] No space left on device"."""
    return f"{type(error).__name__}: {clean_text(error, REASON_LIMIT)}".replace("\n", " ")


@dataclass(frozen=True)
class Task:
    """One student to grade; `attempt` counts from 1."""

    entry: Entry
    seed: int
    key: str
    attempt: int = 1


@dataclass(frozen=True)
class Outcome:
    """What a worker hands back for one student: the files to write, or why the
    submission could not be read (`unreadable`, the student's doing)."""

    report_json: str = ""
    feedback: str = ""
    score: float = 0.0
    points: str = ""
    unreadable: str | None = None


Job = Callable[[Entry, int], Outcome]  # grades one student (entry, seed) in a worker


def pool_initializer() -> None:
    # Ctrl-C is handled by the parent, which lets running submissions finish
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class WorkerPool:
    """Worker processes that run `job` (fork: they start with what `prepare` loaded).

    Rebuilt when a worker died (the executor is then broken) and before a
    retry, so that a retry always gets a fresh worker.
    """

    def __init__(self, workers: int, job: Job, prepare: Callable[[], None]) -> None:
        self.workers, self.job, self.prepare = workers, job, prepare
        self.executor: ProcessPoolExecutor | None = None
        self.used = False

    def submit(self, task: Task) -> Future[Outcome]:
        """Start grading `task`; raises BrokenProcessPool if a worker died since the last look."""
        if task.attempt > 1 and self.used:
            self.close()
        if self.executor is None:
            self.prepare()
            self.executor = ProcessPoolExecutor(max_workers=self.workers,
                                                mp_context=multiprocessing.get_context("fork"),
                                                initializer=pool_initializer)
        self.used = True
        return self.executor.submit(self.job, task.entry, task.seed)

    def close(self) -> None:
        """Let the workers finish what they run, then stop them; the next submit starts new ones."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor, self.used = None, False

    def kill(self) -> None:
        """Stop the workers at once, after starting them failed part-way (a started one would
        otherwise wait for work forever); the next submit starts new ones."""
        if self.executor is not None:
            # ProcessPoolExecutor has no public way to stop its workers before Python 3.14
            for process in list((getattr(self.executor, "_processes", None) or {}).values()):
                process.kill()
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor, self.used = None, False


class Schedule:
    """Which student to start next, and who is being graded.

    First attempts run up to `jobs` at a time. A retry runs alone: when a worker
    dies, everyone graded beside it fails too, and running each of them alone
    once more shows who it was, so a student who kills their worker costs no one
    else a grade.
    """

    def __init__(self, tasks: list[Task], jobs: int) -> None:
        self.jobs = jobs
        self.waiting: deque[Task] = deque(tasks)
        self.retries: deque[Task] = deque()
        self.running: dict[Future[Outcome], Task] = {}

    def unfinished(self) -> bool:
        return bool(self.waiting or self.retries or self.running)

    def next_task(self) -> Task | None:
        """The task to start now, or None when it must wait for the running ones."""
        if self.retries:
            return None if self.running else self.retries.popleft()
        if len(self.running) >= self.jobs or any(task.attempt > 1 for task in self.running.values()):
            return None
        return self.waiting.popleft() if self.waiting else None

    def put_back(self, task: Task) -> None:
        """A task that could not be started goes back to the front of its line."""
        (self.retries if task.attempt > 1 else self.waiting).appendleft(task)

    def retry(self, task: Task) -> bool:
        """Queue another attempt after a failed one; False when that was the last attempt."""
        if task.attempt >= MAX_ATTEMPTS:
            return False
        self.retries.append(replace(task, attempt=task.attempt + 1))
        return True


def attempt_outcome(future: Future[Outcome]) -> Outcome | GraderFailure:
    """What one finished attempt gave; a KeyboardInterrupt is passed on."""
    try:
        return future.result()
    except GraderFailure as failure:
        return failure
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001  (BrokenProcessPool: the worker died; or a result lost on the way)
        return GraderFailure(describe_failure(error))


def pool_broke(future: Future[Outcome]) -> bool:
    return isinstance(future.exception(), BrokenProcessPool)


class Supervisor:
    """Grades tasks in `pool`, at most `jobs` at a time, each under supervision.

    Args:
        pool: the worker processes.
        jobs: students graded at once (first attempts; a retry runs alone).
        finish: called with each task a worker graded.
        give_up: called with a task whose last attempt failed in the grader or the machine.
    """

    def __init__(self, pool: WorkerPool, jobs: int, finish: Callable[[Task, Outcome], None],
                 give_up: Callable[[Task, GraderFailure], None]) -> None:
        self.pool, self.finish, self.give_up = pool, finish, give_up
        self.schedule = Schedule([], jobs)

    def run(self, tasks: list[Task]) -> bool:
        """Grade every task; True when Ctrl-C stopped the run (the running ones were finished)."""
        self.schedule = Schedule(tasks, self.schedule.jobs)
        try:
            while self.schedule.unfinished():
                self.start_tasks()
                self.collect()
        except KeyboardInterrupt:
            self.finish_running()
            return True
        finally:
            self.pool.close()
        return False

    def start_tasks(self) -> None:
        schedule, pool = self.schedule, self.pool
        while (task := schedule.next_task()) is not None:
            try:
                future = pool.submit(task)
            except BrokenProcessPool:  # the task never started; the running ones fail with the pool
                schedule.put_back(task)
                if not schedule.running:
                    pool.close()
                return
            except OSError as error:  # no worker could be started (out of memory or processes)
                pool.kill()
                self.settle(task, GraderFailure(describe_failure(error)))
                continue
            schedule.running[future] = task

    def collect(self) -> None:
        """Wait for the next student to finish and settle it; when a worker died,
        settle everyone who was in the pool with it, and let the pool be rebuilt."""
        running = self.schedule.running
        if not running:
            return
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        if any(pool_broke(future) for future in finished):
            finished, _ = wait(running)
            self.pool.close()
        for future in finished:
            task = running.pop(future)
            self.settle(task, attempt_outcome(future))

    def settle(self, task: Task, outcome: Outcome | GraderFailure) -> None:
        """Hand on a finished student; after a failed attempt, retry it or give up on it for this run."""
        if isinstance(outcome, Outcome):
            self.finish(task, outcome)
        elif not self.schedule.retry(task):
            self.give_up(task, outcome)

    def finish_running(self) -> None:
        """After Ctrl-C: the students being graded finish (each is bounded by its timeouts)
        and are handed on; a second Ctrl-C stops waiting for them."""
        try:
            wait(self.schedule.running)
            for future, task in self.schedule.running.items():
                outcome = attempt_outcome(future)
                if isinstance(outcome, Outcome):
                    self.finish(task, outcome)
        except KeyboardInterrupt:
            pass
