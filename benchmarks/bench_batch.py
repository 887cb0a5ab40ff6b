"""Batch throughput: 200 submissions of mixed quality with --jobs 2.

    python benchmarks/bench_batch.py [--count 200] [--jobs 2] [--sandbox auto]

Mix: 60% correct, 30% wrong (a tanh forget gate), 10% hostile (a loop in a
part, a loop at import, os._exit, a memory hog, a fork of sleepers). Prints
submissions per second, CPU seconds per correct submission (parent + child),
the sandbox overhead (the time to start a child and import a submission in
each sandbox, against a plain `python -I` start), and where the batch's
worker-seconds went, by kind of student (timed around each student's job in
its worker), with the class files at the end.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from grader.sandbox.modes import use_one_blas_thread  # noqa: E402

use_one_blas_thread()  # as `lstm-grader batch` does, before numpy is imported
from grader.course import batch as batch_module  # noqa: E402
from grader.course.batch import BatchOptions, run_batch  # noqa: E402
from grader.sandbox.zygote import Zygote  # noqa: E402
from grader.sandbox import ChildSession, bwrap_works, resolve_sandbox  # noqa: E402
from hostile_submissions import CASES, HONEST_FILES, build  # noqa: E402

WRONG_FORGET_GATE = ("f = sigmoid(x @ W_f + h_prev @ U_f + b_f)\n    return f",
                     "f = np.tanh(x @ W_f + h_prev @ U_f + b_f)\n    return f")
HOSTILE = ("loop_in_part", "loop_at_import", "os_exit_in_part", "memory_hog_at_once", "fork_sleepers")


def kind_of(index: int) -> str:
    """What make_class made of student `index`: correct, wrong, or the hostile case's name."""
    slot = index % 10
    return "correct" if slot < 6 else "wrong" if slot < 9 else HOSTILE[(index // 10) % len(HOSTILE)]


def make_class(root: Path, count: int) -> dict[str, int]:
    kinds = {"correct": 0, "wrong": 0, "hostile": 0}
    cases = {case.name: case for case in CASES}
    for index in range(count):
        folder, kind = root / f"student{index:03d}", kind_of(index)
        if kind in ("correct", "wrong"):
            folder.mkdir()
            for name in HONEST_FILES:
                shutil.copyfile(REPO / "solutions" / name, folder / name)
        if kind == "wrong":
            path = folder / "part1_cell_forward.py"
            source = path.read_text()
            # the forget gate's code, not the docstring above it that shows the same equation
            assert source.count(WRONG_FORGET_GATE[0]) == 1, "the solutions changed: update WRONG_FORGET_GATE"
            path.write_text(source.replace(*WRONG_FORGET_GATE))
        elif kind != "correct":
            build(cases[kind], folder)
        kinds[kind if kind in kinds else "hostile"] += 1
    return kinds


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start_cost(mode: str, repeats: int = 10, spawner: Zygote | None = None) -> tuple[float, float]:
    """Median seconds to start a child in `mode` (forked from `spawner` when given) and import the
    reference files, and the CPU seconds each start took (this process and its children)."""
    times = []
    files = [REPO / "solutions" / name for name in HONEST_FILES]
    sandbox = spawner.sandbox if spawner else resolve_sandbox(mode, quiet=True)
    before = time.process_time() + children_cpu() + (zygote_cpu(spawner) if spawner else 0.0)
    for _ in range(repeats):
        started = time.perf_counter()
        with ChildSession(files, [path.stem for path in files], REPO / "solutions", sandbox=sandbox,
                          spawner=spawner) as session:
            session.start()
        times.append(time.perf_counter() - started)
    cpu = time.process_time() + children_cpu() + (zygote_cpu(spawner) if spawner else 0.0) - before
    return sorted(times)[len(times) // 2], cpu / repeats


def zygote_cpu(zygote: Zygote) -> float:
    """CPU seconds of the zygote's process tree, with the children each reaped (the forks), from
    /proc: the forks are not this process's children, so RUSAGE_CHILDREN misses them."""
    assert zygote.process is not None
    total, pending = 0.0, [zygote.process.pid]
    while pending:
        pid = pending.pop()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime .. cstime
        pending += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return total


def plain_start(repeats: int = 10) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "import numpy"], check=True)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def correct_cpu(mode: str) -> float:
    """CPU seconds (this process + its children) to grade one correct submission."""
    from grader.lstm.grading import grade

    folder = Path(tempfile.mkdtemp(prefix="bench-one-"))
    for name in HONEST_FILES:
        shutil.copyfile(REPO / "solutions" / name, folder / name)
    grade(folder, sandbox=mode)  # warm the reference import
    before = time.process_time() + children_cpu()
    grade(folder, sandbox=mode)
    shutil.rmtree(folder)
    return time.process_time() + children_cpu() - before


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--sandbox", default="auto", choices=("auto", "bwrap", "process"))
    arguments = parser.parse_args()
    modes = ["process"] + (["bwrap"] if bwrap_works() else [])
    base = plain_start()
    print(f"plain `python -I -c 'import numpy'`: {base * 1000:.0f} ms")
    for mode in modes:
        cost, cpu = start_cost(mode)
        print(f"{mode:8s} child start + import: {cost * 1000:.0f} ms, {cpu * 1000:.0f} ms of CPU (sandbox overhead "
              f"{max(cost - base, 0) * 1000:.0f} ms); CPU for one correct submission: {correct_cpu(mode):.2f} s")
        zygote = Zygote(resolve_sandbox(mode, quiet=True))
        try:
            zygote.start()
            cost, cpu = start_cost(mode, spawner=zygote)
            print(f"{mode:8s} forked from a batch worker's zygote + import: {cost * 1000:.0f} ms, "
                  f"{cpu * 1000:.0f} ms of CPU")
        finally:
            zygote.close()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as folder:
        root = Path(folder) / "class"
        root.mkdir()
        kinds = make_class(root, arguments.count)
        options = BatchOptions(out=Path(folder) / "out", jobs=arguments.jobs, timeout=arguments.timeout,
                               sandbox=resolve_sandbox(arguments.sandbox, quiet=True))
        timings = Path(folder) / "timings.jsonl"
        started = time.perf_counter()
        with timed_jobs(timings):
            result = run_batch(root, options)
        elapsed = time.perf_counter() - started
        rows = [json.loads(line) for line in timings.read_text().splitlines()]
    print(f"batch of {arguments.count} ({kinds}) with --jobs {arguments.jobs}, --sandbox {options.sandbox.mode}: "
          f"{elapsed:.1f} s, {arguments.count / elapsed:.2f} submissions/s, {len(result.ungradable)} not gradable, "
          f"{len(result.grader_errors)} grader errors, cpus {os.cpu_count()}")
    print_by_kind(rows, elapsed, arguments.jobs)


TIMINGS: list[Path] = []  # where timed_job and timed_class_files append, while timed_jobs is entered
UNTIMED = (batch_module.grade_and_render, batch_module.BatchRun.write_class_files)


def record(name: str, started: float) -> None:
    with open(TIMINGS[0], "a") as stream:  # one short line per write: whole even from two workers
        stream.write(json.dumps({"student": name, "seconds": time.perf_counter() - started}) + "\n")


def timed_job(entry, *args, **kwargs):  # type: ignore[no-untyped-def]
    """A student's job in a batch worker, timed (module level: the pool sends it by name)."""
    started = time.perf_counter()
    try:
        return UNTIMED[0](entry, *args, **kwargs)
    finally:
        record(entry.student, started)


def timed_class_files(run, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    try:
        return UNTIMED[1](run, *args)
    finally:
        record("class files", started)


@contextlib.contextmanager
def timed_jobs(path: Path) -> Iterator[None]:
    """Within it, each student's job in a batch worker appends {student, seconds} to `path`, and so do
    the class files written at the end, as "class files" (the job is looked up in grader.course.batch
    when the batch starts, so it is replaced there)."""
    TIMINGS[:] = [path]
    batch_module.grade_and_render, batch_module.BatchRun.write_class_files = timed_job, timed_class_files
    try:
        yield
    finally:
        batch_module.grade_and_render, batch_module.BatchRun.write_class_files = UNTIMED


def print_by_kind(rows: list[dict], elapsed: float, jobs: int) -> None:
    """Worker-seconds by kind of student: how many, the mean, the total and its share of all the workers' time."""
    totals: dict[str, list[float]] = collections.defaultdict(list)
    for row in rows:
        name = row["student"]
        totals[name if name == "class files" else kind_of(int(name.removeprefix("student")))].append(row["seconds"])
    available = elapsed * jobs
    print(f"where the {available:.1f} worker-seconds went ({jobs} workers x {elapsed:.1f} s):")
    for kind, seconds in sorted(totals.items(), key=lambda item: -sum(item[1])):
        print(f"  {kind:20s} {len(seconds):4d} x {1000 * sum(seconds) / len(seconds):6.0f} ms = {sum(seconds):6.2f} s"
              f" ({100 * sum(seconds) / available:4.1f}%)")


if __name__ == "__main__":
    main()
