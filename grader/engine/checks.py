"""The context a checker works in, and `check_part`, which runs one part's checker.

A checker calls the student's functions through `PartContext` (in the child)
and compares in the parent; forward parts use `check_values`
(grader.engine.check_values), backward parts `check_backward`
(grader.engine.check_backward). A student failure costs only its part.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from grader.child.protocol import ProtocolError, decode_value
from grader.engine import gradcheck
from grader.engine.diagnose import diagnose_error
from grader.engine.outputs import finish
from grader.engine.parts import Part
from grader.engine.reference import ReferenceSource
from grader.engine.results import Diagnosis, PartResult
from grader.engine.runner import Runner
from grader.sandbox import DEFAULT_TIMEOUT, ChildDied, ChildTimeout, Reply, SandboxUnavailable


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

    def call(self, function: str, args: tuple[Any, ...], arg_names: tuple[str, ...] = (),
             keep: tuple[int, ...] = ()) -> Any:
        """Run a student function on `args`; returns its decoded result or raises StudentFailure."""
        reply = self.ask(function, f"{function} did not finish within {self.timeout:g} s "
                                   "and was stopped (an endless loop?)",
                         lambda: self.session.call(function, list(args), arg_names=list(arg_names) or None,
                                                   keep=keep, timeout=self.timeout))
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
        reply = self.ask(function, f"{function} was too slow for the numerical gradient check",
                         lambda: self.session.perturb(function, list(args), plan, outputs,
                                                      timeout=self.timeout * 3))
        return reply.arrays

    def ask(self, function: str, too_slow: str, send: Callable[[], Reply]) -> Reply:
        """Send one request about `function`; any answer but "ok" becomes a StudentFailure."""
        self.ensure_loaded(function)
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
        return diagnose_error(part, context.diagnosis_args, failure.messages[0][len(prefix):],
                              context.reference.variant)
    except Exception:  # noqa: BLE001  (see find_diagnosis)
        return None


def check_part(part: Part, context: PartContext) -> PartResult:
    """Run one part's checker; a student failure costs this part only."""
    started = time.perf_counter()
    context.output = []
    context.warnings = set()
    context.diagnosis_args = None
    try:
        return part.checker(part, context)
    except StudentFailure as failure:
        status = failure.status
        messages = failure.messages
        if failure.function != part.name and status == "missing":
            status, messages = "error", [f"needs your {failure.function}: {messages[0]}"]
        return finish(part, context, status, 0, messages, started,
                      diagnosis=error_diagnosis(part, context, failure) if status == "error" else None)
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
