"""An in-process runner for the checkers' own tests: the child's code, without the child.

`FakeRunner` satisfies `grader.engine.runner.Runner`. It holds a real
`Worker` of `grader/child/worker.py` and hands it every request as the child
would get it: the request is written with the parent's `grader.child.protocol`
into a byte buffer, the worker reads it with its own copy of the protocol,
runs the student function, and its reply is read back within the same byte
budget and cleaned as `ChildSession.request` does. So values round-trip
exactly as they do through the pipe: arrays copied, caches kept as handles,
numpy warnings listed, inputs changed in place named in "modified", errors
described with the same headers, and files imported one "load" at a time.

What it leaves out is the process boundary: no sandbox, no audit hook, no
resource limits, no wall-clock limit (a `timeout` is accepted and ignored, so
a function that never returns hangs the test) and no crash isolation. It
imports the submission into the test process, so it is only ever for code the
project wrote itself (the solutions, their mutants, the tests' own functions),
never for untrusted code. Timeouts, crashes and hostile code are tested
through the real child.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.util
import inspect
import io
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import pytest

import grader.child
from grader.child import protocol
from grader.engine.checks import PartContext, check_part
from grader.engine.forward_blame import blame_dependencies
from grader.engine.grading import case_seed, import_notes
from grader.engine.parts import Part
from grader.engine.reference import ReferenceSource
from grader.engine.reference_source import open_reference
from grader.engine.results import PartResult, Report
from grader.engine.submission import Submission, load_submission
from grader.lstm import all_parts, get_part
from grader.lstm.grading import grade
from grader.sandbox.safe_text import clean_tree
from grader.sandbox import ChildDied, LoadResult, Reply
from grader.sandbox.calls import Call, Perturb, call_request, perturb_request, reply_budget, request_for

ISOLATION = "in-process fake runner (tests only): no isolation"
# loaded by path, never imported by name: importing it runs its start-up on the test's command line
WORKER_PATH = Path(grader.child.__file__).resolve().parent / "worker.py"


@functools.lru_cache(maxsize=None)
def worker_module() -> ModuleType:
    """The child's worker module, loaded once under a private name.

    It reads its command line when it is loaded; it gets one without
    --confine, so it confines nothing, as the child of `--sandbox none`.
    """
    spec = importlib.util.spec_from_file_location("fake_runner_worker", WORKER_PATH)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {WORKER_PATH}")
    module = importlib.util.module_from_spec(spec)
    saved_argv = sys.argv
    sys.argv = [str(WORKER_PATH)]
    try:
        spec.loader.exec_module(module)
    finally:
        sys.argv = saved_argv
    held = module.CONFINEMENT
    if held["errors"] or held["landlock"] or held["seccomp"]:
        raise RuntimeError(f"the in-process worker must not be confined: {held}")
    return module


@contextlib.contextmanager
def no_import_guard(module: ModuleType) -> Iterator[None]:
    """Keep the worker's audit hook out of the test process: once added, it cannot be removed."""
    guard = module.guard.install_guard
    module.guard.install_guard = lambda files, search_path: None
    try:
        yield
    finally:
        module.guard.install_guard = guard


class FakeRunner:
    """Answers the engine's requests in this process with the child's own code.

    Build one with `from_submission` (a .py file, a folder or a notebook, read
    as `lstm-grader check` reads it) or `from_functions` (functions by name).

    Args:
        submission: the files to import, or None.
        functions: functions by name, used when there is no submission.
        load_timeout: only named in messages; nothing is timed.
    """

    def __init__(self, submission: Submission | None = None,
                 functions: dict[str, Callable[..., Any]] | None = None, load_timeout: float = 10.0) -> None:
        self.submission = submission
        self.functions = dict(functions or {})
        self.load_timeout = load_timeout
        self.worker: Any = None
        self.load_result: LoadResult | None = None
        self.modules: dict[str, ModuleType] = {}  # the submission's, in sys.modules only while it runs
        self.request_count = 0

    @classmethod
    def from_submission(cls, path: str | Path, load_timeout: float = 10.0) -> FakeRunner:
        """A runner for the submission at `path`."""
        return cls(load_submission(path), load_timeout=load_timeout)

    @classmethod
    def from_functions(cls, functions: dict[str, Callable[..., Any]], load_timeout: float = 10.0) -> FakeRunner:
        """A runner whose submission is `functions`, by the names the contract gives them."""
        return cls(functions=functions, load_timeout=load_timeout)

    def ensure_started(self) -> LoadResult:
        """A fresh worker with the submission loaded, unless there is one."""
        if self.load_result is None:
            self.worker = worker_module().Worker(io.BytesIO(), io.BytesIO())
            self.modules = {}
            self.load_result = self.load_files() if self.submission is not None else self.install_functions()
        return self.load_result

    def load_files(self) -> LoadResult:
        """One "load" request per file, as `ChildSession.start` sends them."""
        submission = self.submission
        problems: list[dict[str, str]] = []
        output, functions = [], []
        search_path = str(submission.search_path) if submission.search_path else None
        with no_import_guard(worker_module()):
            for file, module_name in zip(submission.files, submission.module_names):
                reply = self.exchange({"op": "load", "files": [str(file)], "module_names": [module_name],
                                       "search_path": search_path})
                problems += reply.header.get("problems", [])
                output.append(reply.output)
                functions = list(reply.header.get("functions", []))
        return LoadResult(problems, "".join(output), functions)

    def install_functions(self) -> LoadResult:
        """Functions given directly: the worker holds them as if it had imported them."""
        self.worker.functions = dict(self.functions)
        self.worker.student_files = {str(Path(path).resolve()) for path in source_files(self.functions.values())}
        return LoadResult([], "", sorted(self.functions))

    def call(self, function: str, args: list[Any], *, arg_names: list[str] | None = None,
             keep: tuple[int, ...] = (), timeout: float = 10.0) -> Reply:
        """The request `ChildSession.call` sends; `timeout` is not enforced."""
        return self.exchange(*call_request(Call(function, args, arg_names, keep)))

    def calls(self, items: Sequence[Call | Perturb], *, timeout: float = 10.0) -> contextlib.closing[Iterator[Reply]]:
        """The requests `ChildSession.calls` sends, each made when its reply is asked for."""
        return contextlib.closing(self.exchange(*request_for(item)) for item in items)

    def perturb(self, function: str, args: list[Any], perturbations: Sequence[tuple[int, str | None, int, Any]],
                outputs: list[int | None], *, timeout: float = 10.0) -> Reply:
        """The request `ChildSession.perturb` sends; `timeout` is not enforced."""
        return self.exchange(*perturb_request(Perturb(function, args, perturbations, outputs)))

    def reset(self) -> None:
        """Forget the objects kept for the last part."""
        if self.worker is not None:
            self.exchange({"op": "reset"})

    def kill(self) -> None:
        """Forget the worker; the next request loads the submission again, as a new child would."""
        self.worker, self.load_result, self.modules = None, None, {}

    def exchange(self, header: dict[str, Any], arrays: list[np.ndarray] | None = None,
                 budget: int = reply_budget([])) -> Reply:
        """One request through the worker's own `serve`, both ways in the wire format."""
        if self.worker is None:
            raise ChildDied("the fake runner has no worker: call ensure_started first")
        self.request_count += 1
        request = io.BytesIO()
        protocol.send_message(request, dict(header, id=self.request_count), arrays or [])
        self.worker.channel_in = io.BytesIO(request.getvalue())
        self.worker.channel_out = io.BytesIO()
        try:
            with self.submission_imports():
                self.worker.serve()  # answers the one request, then stops at the end of the buffer
        except Exception as error:  # noqa: BLE001  (the child would have died of it)
            self.kill()
            raise ChildDied(f"the worker stopped on {type(error).__name__}: {error}") from error
        answer = io.BytesIO(self.worker.channel_out.getvalue())
        try:
            reply_header, reply_arrays = protocol.receive_message(answer, protocol.Budget(budget))
        except (EOFError, protocol.ProtocolError) as error:
            raise ChildDied(f"the worker's reply could not be read ({error})") from error
        if reply_header.get("id") != self.request_count:
            raise ChildDied(f"the worker answered request {reply_header.get('id')}, not {self.request_count}")
        return Reply(clean_tree(reply_header), reply_arrays)

    @contextlib.contextmanager
    def submission_imports(self) -> Iterator[None]:
        """The submission's modules and folder on the import path while its code runs, and only then.

        In the child they stay for good; here they would outlive the test and make
        the next submission's files look as if they shadowed a loaded module.
        """
        names = list(self.submission.module_names) if self.submission is not None else []
        saved_path, saved = list(sys.path), {name: sys.modules.get(name) for name in names}
        if self.submission is not None and self.submission.search_path:
            sys.path.append(str(self.submission.search_path))
        sys.modules.update(self.modules)
        saved_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # as the child: nothing beside the files
        try:
            yield
        finally:
            sys.dont_write_bytecode = saved_bytecode
            self.modules.update({name: sys.modules[name] for name in names if name in sys.modules})
            sys.path[:] = saved_path
            for name, module in saved.items():
                if module is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = module


def source_files(functions: Iterable[Callable[..., Any]]) -> list[str]:
    """The files the functions were written in, so errors show their frames as the child's do."""
    found = []
    for function in functions:
        try:
            found.append(inspect.getsourcefile(function) or "")
        except TypeError:  # a builtin or a numpy ufunc
            continue
    return [path for path in found if path]


@functools.lru_cache(maxsize=None)
def default_reference() -> ReferenceSource:
    """The solutions, loaded once for every test that uses the fake."""
    return open_reference()


def part_context(runner: FakeRunner, seed: int, reference: ReferenceSource | None = None,
                 timeout: float = 10.0) -> PartContext:
    """The context a checker runs in, around the fake runner."""
    return PartContext(runner, reference or default_reference(), seed, timeout)


def grade_in_process(submission: str | Path | dict[str, Callable[..., Any]],
                     parts: Iterable[str | Part] | None = None, seed: int | None = None, timeout: float = 10.0,
                     reference: ReferenceSource | None = None) -> Report:
    """Grade a trusted submission with `check_part`, as `grader.lstm.grading.grade` does, without a child.

    It takes `grade`'s arguments in `grade`'s order, so a test can run on either.

    Args:
        submission: a path as `lstm-grader check` takes it, or functions by name.
        parts: part names or `Part` objects, graded in this order; by default every part.
        seed: the case seed; by default the submission's own, as in `grade` (0 for functions).
        timeout: passed to the checkers (named in messages, never enforced).
        reference: the reference to grade against; by default the solutions.
    """
    reference = reference or default_reference()
    if isinstance(submission, dict):
        runner, display, notes = FakeRunner.from_functions(submission, timeout), "functions", []
        default_seed = 0
    else:
        runner = FakeRunner.from_submission(submission, timeout)
        display, notes = runner.submission.display, list(runner.submission.problems)
        default_seed = runner.submission.default_seed
    seed = case_seed(default_seed, seed, reference)
    try:
        notes = list(reference.notes) + notes + import_notes(runner.ensure_started())
        context = part_context(runner, seed, reference, timeout)
        chosen = [get_part(part) if isinstance(part, str) else part for part in parts or all_parts()]
        results = tuple(blame_dependencies(chosen, [check_part(part, context) for part in chosen]))
    finally:
        if runner.submission is not None:
            runner.submission.cleanup()
    return Report(display, results, seed, tuple(notes), ISOLATION)


def grade_part(functions: Callable[..., Any] | dict[str, Callable[..., Any]], part: str | Part,
               seed: int = 3) -> PartResult:
    """One part graded on a function (standing for the part's own) or on functions by name."""
    chosen = get_part(part) if isinstance(part, str) else part
    named = functions if isinstance(functions, dict) else {chosen.name: functions}
    return grade_in_process(named, [chosen], seed).parts[0]


# the two ways to grade, for a test that should also run end to end: the child only in the slow run
GRADERS = [pytest.param(grade_in_process, id="fake"), pytest.param(grade, id="child", marks=pytest.mark.slow)]
