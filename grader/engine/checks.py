"""The context a checker works in, and `check_part`, which runs one part's checker.

A checker calls the student's functions through `PartContext` (in the child)
and compares in the parent; forward parts use `check_values`
(grader.engine.check_values), backward parts `check_backward`
(grader.engine.check_backward). A student failure costs only its part.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from grader.child.protocol import ProtocolError, decode_value
from grader.engine import gradcheck
from grader.engine.diagnose import diagnose_error, run_quietly
from grader.engine.output_patterns import same_array
from grader.engine.outputs import finish, split_outputs
from grader.engine.parts import Mistake, Part
from grader.engine.reference import ReferenceSource
from grader.engine.results import Diagnosis, PartResult
from grader.engine.runner import Runner
from grader.engine.variants import exception_line
from grader.sandbox import DEFAULT_TIMEOUT, ChildDied, ChildTimeout, Reply, SandboxUnavailable
from grader.sandbox.calls import Call, Perturb, time_for


class StudentFailure(Exception):
    """A student function could not give an answer (missing, raised, timed out, crashed)."""

    def __init__(self, status: str, messages: list[str], function: str) -> None:
        super().__init__(messages[0] if messages else status)
        self.status = status
        self.messages = messages
        self.function = function


@dataclass
class PartContext:
    session: Runner
    reference: ReferenceSource
    seed: int
    timeout: float = DEFAULT_TIMEOUT
    output: list[str] = field(default_factory=list)
    warnings: set[str] = field(default_factory=set)
    # the arguments, as the reference takes them, of the student call being checked (for diagnose_error)
    diagnosis_args: tuple[Any, ...] | None = None
    # the student's and the reference's outputs of the forward that made the last cache (check_backward)
    forward_outputs: tuple[Any, Any] | None = None
    # how long the last call took where it was made ahead (in a copy of the child, meanwhile), else None
    ran_ahead_for: float | None = None

    @contextmanager
    def aside(self) -> Iterator[None]:
        """Student calls made only to look closer (probes, a callee run alone): what they print and the
        warnings they raise are not the part's own."""
        saved_output, saved_warnings = list(self.output), set(self.warnings)
        try:
            yield
        finally:
            self.output[:], self.warnings = saved_output, saved_warnings

    def call(self, function: str, args: tuple[Any, ...], arg_names: tuple[str, ...] = (),
             keep: tuple[int, ...] = ()) -> tuple[Any, list[str]]:
        """Run a student function on `args`; returns its decoded result and the names of the
        arguments it changed in place, or raises StudentFailure."""
        reply = self.ask(function, self.too_slow(function),
                         lambda: self.session.call(function, list(args), arg_names=list(arg_names) or None,
                                                   keep=keep, timeout=self.timeout))
        return self.answer(function, reply)

    @contextmanager
    def call_each(self, items: list[Call | Perturb]) -> Iterator[Iterator[Any]]:
        """`call` (or `perturb`) for each of `items` in order, as an iterator of their answers; the
        next ones are already in flight while the grader looks at one (the runner's `calls`).
        Nothing is sent before the first answer is asked for, and a failure is raised where the
        same requests made one at a time would raise it. Leaving the block early waits out what
        is still running, so the next request finds the child idle."""
        with self.session.calls(items, timeout=self.timeout) as replies:
            yield self.answers(items, replies)

    def answers(self, items: list[Call | Perturb], replies: Iterator[Reply]) -> Iterator[Any]:
        for position, item in enumerate(items):
            if position == 0:
                self.ensure_loaded(item.function)  # later functions that are missing: the child says so
            if isinstance(item, Perturb):
                yield self.answered(item.function, self.too_slow_for_gradients(item.function),
                                    lambda: next(replies)).arrays
                continue
            reply = self.answered(item.function, self.too_slow(item.function), lambda: next(replies))
            yield self.answer(item.function, reply)

    def too_slow_for_gradients(self, function: str) -> str:
        return f"{function} was too slow for the numerical gradient check"

    def too_slow(self, function: str) -> str:
        return f"{function} did not finish within {self.timeout:g} s and was stopped (an endless loop?)"

    def answer(self, function: str, reply: Reply) -> tuple[Any, list[str]]:
        """A call's decoded value and the arguments it changed; its warnings are the part's."""
        seconds = reply.header.get("seconds")
        self.ran_ahead_for = float(seconds) if type(seconds) in (int, float) and 0 <= seconds < 1e6 else None
        try:
            value = decode_value(reply.header["value"], reply.arrays)
        except (KeyError, ProtocolError) as error:
            raise StudentFailure("error", [f"{function} sent back an answer the grader cannot read "
                                           f"({str(error)[:200]})"], function) from None
        self.warnings.update(str(text) for text in listed(reply.header.get("warnings")))
        return value, [str(name) for name in listed(reply.header.get("modified"))]

    def perturb(self, function: str, args: tuple[Any, ...], plan: list[gradcheck.Perturbation],
                outputs: list[int | None]) -> list[np.ndarray]:
        """The student's forward at every perturbation of the plan; one stacked array per output."""
        perturb = Perturb(function, args, plan, outputs)
        reply = self.ask(function, self.too_slow_for_gradients(function),
                         lambda: self.session.perturb(function, list(args), plan, outputs,
                                                      timeout=time_for(perturb, self.timeout)))
        return reply.arrays

    def ask(self, function: str, too_slow: str, send: Callable[[], Reply]) -> Reply:
        """Send one request about `function`; any answer but "ok" becomes a StudentFailure."""
        self.ensure_loaded(function)
        return self.answered(function, too_slow, send)

    def answered(self, function: str, too_slow: str, send: Callable[[], Reply]) -> Reply:
        """The reply `send` gets about `function`; any answer but "ok" becomes a StudentFailure."""
        try:
            reply = send()
        except ChildTimeout:
            raise StudentFailure("timeout", [too_slow], function) from None
        except ChildDied as error:
            raise StudentFailure("error", [f"{function} crashed the process: {error}"], function) from None
        self.record_output(reply.output)
        if reply.status != "ok":
            raise failure_from_reply(function, reply.header)
        return reply

    def ensure_loaded(self, function: str) -> None:
        try:
            loaded = self.session.ensure_started()
        except ChildTimeout:
            raise StudentFailure("timeout", ["importing the submission did not finish within "
                                             f"{self.session.load_timeout:g} s (a loop at import time?)"],
                                 function) from None
        except ChildDied as error:
            raise StudentFailure("error", [f"importing the submission crashed the process: {error}"],
                                 function) from None
        if function not in loaded.functions:
            raise StudentFailure("missing", [f"{function} is not defined in the submission"], function)

    def record_output(self, text: str) -> None:
        if text:
            self.output.append(text)


def listed(value: Any) -> list[Any]:
    """A header field that should be a list, or [] when it is anything else."""
    return value if isinstance(value, list) else []


def failure_from_reply(function: str, header: dict[str, Any]) -> StudentFailure:
    status = header.get("status")
    if status == "missing":
        return StudentFailure("missing", [f"{function} is not defined in the submission"], function)
    if status == "not_implemented":
        return StudentFailure("missing", [f"{function} still raises NotImplementedError: "
                                          "write your code in its marked region"], function)
    error = str(header.get("error", "unknown error"))
    first, *rest = error.splitlines() or ["unknown error"]
    return StudentFailure("error", [f"{function} raised {first}", *rest], function)


def error_diagnosis(part: Part, context: PartContext, failure: StudentFailure) -> Diagnosis | None:
    """A catalogued mistake that raises exactly the student's exception on the same arguments."""
    prefix = f"{failure.function} raised "
    if failure.function != part.name or context.diagnosis_args is None or not failure.messages[0].startswith(prefix):
        return None
    try:
        with context.aside():
            # one exception proves little (another mistake can raise it too): the mistake named must also
            # do on every other case what the student's code does
            return diagnose_error(part, context.diagnosis_args, failure.messages[0][len(prefix):],
                                  context.reference.variant,
                                  lambda mistake: part.cache_from is not None
                                  or same_on_every_case(part, context, mistake))
    except Exception:  # noqa: BLE001  (see find_diagnosis)
        return None


def same_on_every_case(part: Part, context: PartContext, mistake: Mistake) -> bool:
    """Whether the student's function and the mistake raise the same or give the same on every case."""
    variant = context.reference.variant(mistake, part.name)
    for case in part.make_cases(context.seed):
        try:
            value, _ = context.call(part.name, case.args, part.arg_names, part.kept_outputs)
            student: Any = split_outputs(part, value)
        except StudentFailure as failure:
            student = failure.messages[0].partition(" raised ")[2] or failure.messages[0]
        try:
            mistaken: Any = split_outputs(part, run_quietly(variant, case.args))
        except Exception as raised:  # noqa: BLE001
            mistaken = exception_line(raised)
        if isinstance(student, str) or isinstance(mistaken, str):
            if student != mistaken:
                return False
        elif not all(same_array(got, mistaken.get(name)) for name, got in student.items()):
            return False
    return True


def failure_result(part: Part, context: PartContext, failure: StudentFailure, started: float) -> PartResult:
    """A student function that gave no answer: its messages, led by the case it failed on
    (a squeeze that breaks only at N = 1 shows only there), and the mistake that raises the same."""
    status = failure.status
    messages = list(failure.messages)
    if failure.function != part.name and status == "missing":
        status, messages = "error", [f"needs your {failure.function}: {messages[0]}"]
    diagnosis = error_diagnosis(part, context, failure) if status == "error" else None
    label = failing_case_label(part, context) if failure.function == part.name and status != "missing" else ""
    if label and messages:
        messages[0] = f"case {label}: {messages[0]}"
    return finish(part, context, status, 0, messages, started, diagnosis=diagnosis)


def failing_case_label(part: Part, context: PartContext) -> str:
    """The label of the case whose arguments the failing call was given ('' when unknown).

    A checker leaves the arguments of the call it is making in `diagnosis_args`
    (as the reference takes them: a backward's cache comes after the case's own).
    """
    given = context.diagnosis_args
    if given is None:
        return ""
    try:
        cases = part.make_cases(context.seed)
    except Exception:  # noqa: BLE001  (a label is extra help)
        return ""
    for case in cases:
        if len(case.args) <= len(given) and all(same_argument(own, other) for own, other in zip(case.args, given)):
            return case.label
    return ""


def same_argument(one: Any, other: Any) -> bool:
    """Whether two case arguments are the same values (arrays element by element, dicts key by key)."""
    if isinstance(one, np.ndarray) or isinstance(other, np.ndarray):
        return (isinstance(one, np.ndarray) and isinstance(other, np.ndarray) and one.shape == other.shape
                and one.dtype == other.dtype and bool(np.array_equal(one, other, equal_nan=one.dtype.kind in "fc")))
    if isinstance(one, dict) or isinstance(other, dict):
        return (isinstance(one, dict) and isinstance(other, dict) and one.keys() == other.keys()
                and all(same_argument(one[key], other[key]) for key in one))
    if isinstance(one, (tuple, list)) or isinstance(other, (tuple, list)):
        return (type(one) is type(other) and len(one) == len(other)
                and all(same_argument(a, b) for a, b in zip(one, other)))
    try:
        return bool(one is other or one == other)
    except Exception:  # noqa: BLE001
        return False


def check_part(part: Part, context: PartContext) -> PartResult:
    """Run one part's checker; a student failure costs this part only."""
    started = time.perf_counter()
    context.output = []
    context.warnings = set()
    context.diagnosis_args = None
    try:
        return part.checker(part, context)
    except StudentFailure as failure:
        return failure_result(part, context, failure, started)
    except (SandboxUnavailable, OSError, MemoryError):
        raise  # the machine's or the sandbox's failure, never the student's: the batch retries it
    except Exception as error:  # noqa: BLE001  (the last line of defence; the checkers check what they use)
        # a value of a structure no checker foresaw must cost this part only, never the whole report
        return finish(part, context, "error", 0,
                      [f"{part.name} could not be checked: the grader could not use what your code returned "
                       f"({type(error).__name__}: {str(error)[:200]})"], started)
    finally:
        try:
            context.session.reset()
        except (ChildTimeout, ChildDied):
            context.session.kill()
