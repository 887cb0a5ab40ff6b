"""How a part is checked: call the student's function in the child, compare in the parent.

`check_values` serves forward parts: every output of every case against the
reference. `check_backward` serves backward parts: every gradient against the
reference, plus a numerical gradient check of the student's own forward, so the
feedback can tell "your backward does not match your own forward" from "your
forward is wrong". Checkers return `PartResult`s and never print.

Whatever comes back from the child (any structure, shape or dtype) is checked
before the parent does arithmetic or indexing on it: a wrong shape fails the
part with a message naming both shapes, and the other parts are still graded.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from grader.engine import gradcheck
from grader.lstm.cases import Case, PARAM_NAMES
from grader.engine.compare import (REAL_KINDS, Comparison, MissingKey, compare_array, describe_value, excerpt,
                            shape_problem, tensor_relative_error)
from grader.engine.diagnose import Diagnosis, Observation, diagnose, diagnose_error
from grader.child.protocol import ProtocolError, decode_value
from grader.engine.reference import Reference
from grader.lstm.registry import Part, get_part
from grader.engine.results import GradientRow, Mismatch, PartResult
from grader.sandbox.session import ChildDied, ChildSession, ChildTimeout, Reply, SandboxUnavailable

OUTPUT_SHOWN = 2_000


class StudentFailure(Exception):
    """A student function could not give an answer (missing, raised, timed out, crashed)."""

    def __init__(self, status: str, messages: list[str], function: str) -> None:
        super().__init__(messages[0] if messages else status)
        self.status = status
        self.messages = messages
        self.function = function


@dataclass
class PartContext:
    session: ChildSession
    reference: Reference
    seed: int
    timeout: float = 10.0
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


def split_outputs(part_name: str, value: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """Name each returned value; a dict output called "grads" is flattened to dW_f, ...

    The keys of "grads" are the 12 LSTM parameters unless the part names its own
    in `extra["grad_keys"]` (the peephole cell adds p_f, p_i, p_o).
    """
    grad_keys = grad_key_names(part_name)
    if len(names) == 1:
        named = {names[0]: value}
    else:
        if not isinstance(value, (tuple, list)) or len(value) != len(names):
            raise OutputShapeError(f"{part_name} returned {describe_value(value)}, "
                                   f"expected a tuple ({', '.join(names)})")
        named = dict(zip(names, value))
    flat: dict[str, Any] = {}
    for name, item in named.items():
        if name == "cache":
            continue
        if name == "grads":
            if not isinstance(item, dict):
                raise OutputShapeError(f"{part_name} returned grads as {describe_value(item)}, "
                                       f"expected a dict with the keys {' '.join(grad_keys)}")
            extra = sorted(set(item) - set(grad_keys))
            if extra:
                raise OutputShapeError(f"{part_name} returned grads with unexpected keys {extra}; "
                                       f"expected exactly {' '.join(grad_keys)}")
            for key in grad_keys:
                flat["d" + key] = item.get(key, MissingKey(key))
        else:
            flat[name] = item
    return flat


def grad_key_names(part_name: str) -> tuple[str, ...]:
    try:
        return tuple(get_part(part_name).extra.get("grad_keys", PARAM_NAMES))
    except KeyError:
        return PARAM_NAMES


class OutputShapeError(Exception):
    """The returned value does not have the contract's structure."""


def output_label(part: Part, name: str) -> str:
    """How an output is named in a message: '' for a single array, grads['W_f'] for dW_f, else its name."""
    if len(part.output_names) == 1:
        return ""
    if "grads" in part.output_names and name not in part.output_names and name[1:] in grad_key_names(part.name):
        return f"grads[{name[1:]!r}]"
    return name


def partial_points(points: float, good: int, total: int) -> float:
    """Points in proportion to the outputs that are right, rounded down to half points."""
    if total == 0:
        return 0.0
    return math.floor(points * good / total * 2) / 2


def finish(part: Part, context: PartContext, status: str, score: float, messages: list[str],
           started: float, diagnosis: Diagnosis | None = None, **extra: Any) -> PartResult:
    output = "".join(context.output)
    if diagnosis is not None:
        messages = list(messages) + diagnosis.messages()
    if len(output) > OUTPUT_SHOWN:
        # each call's output was already capped in the child, so the true total is unknown here
        output = output[:OUTPUT_SHOWN] + f"\n... (output trimmed to its first {OUTPUT_SHOWN} characters)"
    hint = None if status == "pass" else part.hint
    return PartResult(part.name, part.group, status, float(score), float(part.points), tuple(messages),
                      diagnosis.id if diagnosis else None, hint, time.perf_counter() - started, output=output, **extra)


@dataclass
class OutputVerdict:
    """The first failing case of one output, or None while all agree."""

    comparison: Comparison | None = None
    case: str = ""
    expected: Any = None
    got: Any = None
    worst: float = 0.0
    problem: str = ""  # the failure in one sentence: which function returned which shape, or the comparison's


def check_values(part: Part, context: PartContext) -> PartResult:
    """Forward parts: shape, dtype, finiteness and values of every output, inputs untouched."""
    started = time.perf_counter()
    verdicts: dict[str, OutputVerdict] = {}
    modified_inputs: set[str] = set()
    reference = context.reference(part.name)
    observations: list[Observation] = []
    for case in part.make_cases(context.seed):
        context.diagnosis_args = case.args
        value, modified = context.call(part.name, case.args, part.arg_names, part.kept_outputs)
        modified_inputs.update(modified)
        expected = split_outputs(part.name, reference(*case.args), part.output_names)
        try:
            got = split_outputs(part.name, value, part.output_names)
        except OutputShapeError as error:
            return finish(part, context, "fail", 0, [f"case {case.label}: {error}"], started)
        compare_outputs(part, verdicts, case, got, expected)
        observations.append(Observation(case.args, got, expected))
    good = sum(1 for verdict in verdicts.values() if verdict.comparison is None)
    failing = [(name, verdict) for name, verdict in verdicts.items() if verdict.comparison is not None]
    warned = sorted(context.warnings) if part.extra.get("no_warnings") else []
    if not failing and not modified_inputs and not warned:
        worst = max((verdict.worst for verdict in verdicts.values()), default=0.0)
        return finish(part, context, "pass", part.points,
                      [f"matches the reference on every case (max relative error {worst:.1e})"], started)
    messages = []
    mismatch = None
    for name, verdict in failing:
        label = f"{name}: " if len(verdicts) > 1 and not verdict.problem.startswith(part.name) else ""
        messages.append(f"case {verdict.case}: {label}{verdict.problem}")
        if mismatch is None:
            mismatch = make_mismatch(verdict, name, part.tolerance)
    score = partial_points(part.points, good, len(verdicts))
    if modified_inputs:
        messages.append(f"changed its input {', '.join(sorted(modified_inputs))} in place; "
                        "work on new arrays (x = x * 2, not x *= 2)")
        score = min(score, part.points / 2)
    if warned:
        messages += [f"numpy warned while {part.name} ran: {'; '.join(warned)}", part.extra["no_warnings"]]
        score = min(score, part.points / 2)
    return finish(part, context, "fail", score, messages, started, mismatch=mismatch,
                  diagnosis=find_diagnosis(part, context, observations, warned) if failing or warned else None)


def find_diagnosis(part: Part, context: PartContext, observations: list[Observation],
                   warned: list[str] | None = None) -> Diagnosis | None:
    """The catalogued mistake behind a failing part; never lets the tutor break the grading."""
    try:
        return diagnose(part.name, observations, context.reference.folder,
                        lambda value: split_outputs(part.name, value, part.output_names), warned or ())
    except Exception:  # noqa: BLE001  (a diagnosis is extra help; a grade without one is still right)
        return None


def compare_outputs(part: Part, verdicts: dict[str, OutputVerdict], case: Case, got: dict[str, Any],
                    expected: dict[str, Any]) -> None:
    """Record each output's comparison in its verdict: the worst error while it agrees, else the first failure."""
    for name, expected_value in expected.items():
        verdict = verdicts.setdefault(name, OutputVerdict())
        got_value = got.get(name)
        comparison = compare_array(got_value, expected_value, part.tolerance)
        if comparison.ok:
            verdict.worst = max(verdict.worst, comparison.max_relative_error)
        elif verdict.comparison is None:
            verdict.comparison, verdict.case = comparison, case.label
            verdict.expected, verdict.got = expected_value, got_value
            verdict.problem = (shape_problem(part.name, output_label(part, name), got_value, expected_value.shape)
                               or comparison.problem)


def failure_of(verdict: OutputVerdict) -> Comparison:
    """The failing comparison of a verdict that is known to have failed."""
    if verdict.comparison is None:
        raise RuntimeError("failure_of() called on an output that agrees")
    return verdict.comparison


def make_mismatch(verdict: OutputVerdict, name: str, tolerance: float) -> Mismatch:
    comparison = failure_of(verdict)
    return Mismatch(verdict.case, name, excerpt(verdict.expected, comparison.where),
                    excerpt(verdict.got, comparison.where), comparison.max_relative_error,
                    comparison.where, comparison.mismatched, comparison.total, tolerance)


def check_backward(part: Part, context: PartContext) -> PartResult:
    """Backward parts: every gradient against the reference and against numerical
    gradients of the student's own forward."""
    started = time.perf_counter()
    reference = context.reference(part.name)
    verdicts: dict[str, OutputVerdict] = {}
    forward_problem = ""
    gradient_case: tuple[Case, dict[str, Any]] | None = None
    observations: list[Observation] = []
    for case in part.make_cases(context.seed):
        args, reference_args = case.args, case.args
        if part.cache_from:
            try:
                forward_value, _ = context.call(part.cache_from, case.extra["forward_args"],
                                                get_part(part.cache_from).arg_names, keep=(2,))
            except StudentFailure as failure:
                return dependency_failure(part, context, f"which failed: {failure.messages[0]}", started)
            if not isinstance(forward_value, (tuple, list)) or len(forward_value) < 3:
                return dependency_failure(part, context, f"which returned {describe_value(forward_value)}, "
                                                         "expected a tuple (h, c, cache)", started)
            forward_expected = context.reference(part.cache_from)(*case.extra["forward_args"])
            problem = forward_disagreement(part.cache_from, forward_value, forward_expected)
            if problem:
                forward_problem = forward_problem or f"case {case.label}: {problem}"
            args = case.args + (forward_value[2],)
            reference_args = case.args + (forward_expected[2],)
        else:
            problem = ""
        context.diagnosis_args = reference_args
        value, _ = context.call(part.name, args, part.arg_names)
        try:
            got = split_outputs(part.name, value, part.output_names)
        except OutputShapeError as error:
            return finish(part, context, "fail", 0, [f"case {case.label}: {error}"], started)
        if case.gradient_check:
            gradient_case = (case, got)
        if problem:
            continue  # the cache came from a wrong forward: the reference cannot judge this case
        expected = split_outputs(part.name, reference(*reference_args), part.output_names)
        compare_outputs(part, verdicts, case, got, expected)
        observations.append(Observation(reference_args, got, expected))

    numerical_errors, forward_note, depends_on_inputs = run_numerical_check(part, context, gradient_case)
    numerical_note = ""
    if part.cache_from is None and part.forward and forward_note:
        forward_problem = forward_note
    elif forward_note:
        numerical_note = forward_note
    names = list(numerical_errors) or list(verdicts)
    rows = tuple(GradientRow(name, verdict_error(verdicts.get(name)), numerical_errors.get(name),
                             part.tolerance, gradcheck.NUMERICAL_TOLERANCE) for name in names)
    return backward_verdict(part, context, started, verdicts, rows, forward_problem, observations,
                            depends_on_inputs, numerical_note)


def verdict_error(verdict: OutputVerdict | None) -> float | None:
    if verdict is None:
        return None
    if verdict.comparison is not None:
        return verdict.comparison.max_relative_error
    return verdict.worst


def forward_disagreement(function: str, got: Any, expected: Any) -> str:
    """Why the student's (h, c, cache) disagrees with the reference forward, or ''."""
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return f"{function} returned {describe_value(got)}, expected a tuple (h, c, cache)"
    for name, got_value, expected_value in (("h", got[0], expected[0]), ("c", got[1], expected[1])):
        comparison = compare_array(got_value, expected_value)
        if not comparison.ok:
            return shape_problem(function, name, got_value, expected_value.shape) or f"{name}: {comparison.problem}"
    return ""


def dependency_failure(part: Part, context: PartContext, reason: str, started: float) -> PartResult:
    """The forward that makes the cache failed or returned no cache (`reason` says which);
    find out whether the backward exists at all."""
    try:
        context.call(part.name, tuple([None] * len(part.arg_names)), part.arg_names)
    except StudentFailure as own:
        if own.status in ("missing", "timeout"):
            return finish(part, context, own.status, 0, own.messages, started)
    except Exception:  # noqa: BLE001  (any answer means the function exists)
        pass
    return finish(part, context, "error", 0, [f"needs the cache from your {part.cache_from}, {reason}"], started)


def run_numerical_check(part: Part, context: PartContext, gradient_case: tuple[Case, dict[str, Any]] | None
                        ) -> tuple[dict[str, float], str, bool]:
    """Relative error of each student gradient against central differences of its forward.

    Returns the errors by gradient name, a note when the student's own forward
    is wrong or unusable (then the errors are left out), and whether the forward
    depends on its inputs at all (a constant forward has all-zero gradients).
    """
    if gradient_case is None or part.numerical is None:
        return {}, "", False
    case, got = gradient_case
    setup = part.numerical(case)
    plan = gradcheck.perturbations_for(setup)
    forward_note = ""
    output_names: tuple[str, ...] = ()
    if part.local_forward is not None:
        stacks = gradcheck.evaluate_locally(part.local_forward, setup, plan)
    else:
        forward_part = get_part(str(part.forward))
        output_names = forward_part.output_names
        try:
            if part.cache_from is None:
                own, _ = context.call(part.forward, setup.forward_args, forward_part.arg_names)
                expected = context.reference(part.forward)(*setup.forward_args)
                comparison = compare_array(own, expected)
                if not comparison.ok:
                    forward_note = (shape_problem(part.forward, "", own, expected.shape)
                                    or f"your {part.forward} is wrong ({comparison.problem})")
            stacks = context.perturb(part.forward, setup.forward_args, plan, gradcheck.output_indices(setup))
        except StudentFailure as failure:
            return {}, f"your {part.forward} could not be run ({failure.messages[0]})", False
    try:
        numerical = gradcheck.numerical_gradients(setup, plan, stacks)
    except gradcheck.StackError as error:
        unusable = stack_problem(str(part.forward), output_names, error)
        return {}, forward_note or f"{unusable}, so the numerical gradient check could not run", False
    errors = {}
    for name, gradient in numerical.items():
        student = got.get(name)
        if type(student) is not np.ndarray or student.shape != gradient.shape or student.dtype.kind not in REAL_KINDS:
            errors[name] = float("inf")
        else:
            errors[name] = tensor_relative_error(student.astype(np.float64), gradient)
    depends_on_inputs = any(float(np.abs(gradient).max(initial=0.0)) > 1e-8 for gradient in numerical.values())
    return errors, forward_note, depends_on_inputs


def stack_problem(function: str, output_names: tuple[str, ...], error: gradcheck.StackError) -> str:
    """The sentence for a forward whose outputs at the perturbed points have the wrong shape."""
    index = error.output_index
    name = output_names[index] if index is not None and 0 <= index < len(output_names) else ""
    if isinstance(error.got, tuple):
        what = f"{name} " if name else "an array "
        return f"{function} returned {what}of shape {error.got}, expected {error.expected}"
    what = f"{name} with " if name else ""
    return f"{function} returned {what}{error.got}, expected an array of shape {error.expected}"


def format_errors(rows: list[GradientRow], attribute: str) -> str:
    return "  ".join(f"{row.name} {getattr(row, attribute):.1e}" for row in rows)


def local_forward_label(part: Part) -> str:
    if part.local_forward is np.tanh:
        return "forward np.tanh"
    return "forward z = x W + h_prev U + b"


def backward_verdict(part: Part, context: PartContext, started: float, verdicts: dict[str, OutputVerdict],
                     rows: tuple[GradientRow, ...], forward_problem: str,
                     observations: list[Observation] | None = None, depends_on_inputs: bool = True,
                     numerical_note: str = "") -> PartResult:
    """The verdict of a backward part from its gradient rows.

    `numerical_note` says why the numerical check of a cache-taking part's own
    forward could not run ('' when it ran).
    """
    numerical_rows = [row for row in rows if row.vs_numerical is not None]
    numerical_bad = [row for row in numerical_rows if row.vs_numerical > row.numerical_tolerance]
    forward_name = part.cache_from or part.forward or local_forward_label(part)
    if part.cache_from and forward_problem:
        # not punished twice: a backward that is right for the student's own forward keeps
        # up to half its points, the half that could not be checked against the reference
        messages = [f"your {forward_name} does not match the reference ({forward_problem}), so this "
                    "backward could not be checked against the reference; it was checked against numerical "
                    "gradients of your own forward instead, for up to half the points"]
        consistent = len(numerical_rows) - len(numerical_bad)
        score = partial_points(part.points / 2, consistent, len(numerical_rows)) if depends_on_inputs else 0.0
        if numerical_rows and not numerical_bad:
            messages.append("your backward is consistent with your own forward: "
                            f"fix {forward_name} and this part should pass")
        elif numerical_bad:
            messages.append("against numerical gradients of your own forward it disagrees too: "
                            + format_errors(numerical_bad, "vs_numerical")
                            + f" (allowed {gradcheck.NUMERICAL_TOLERANCE:g})")
        elif numerical_note:
            messages.append(numerical_note)
        if numerical_rows and not depends_on_inputs:
            messages.append(f"your {forward_name} does not depend on its inputs, so there is nothing to check")
        return finish(part, context, "fail", score, messages, started, gradients=rows)
    failing = {name: verdict for name, verdict in verdicts.items() if verdict.comparison is not None}
    good = len(verdicts) - len(failing)
    if not failing:
        worst = max((verdict.worst for verdict in verdicts.values()), default=0.0)
        matched = "the gradient matches" if len(verdicts) == 1 else f"all {len(verdicts)} gradients match"
        messages = [f"{matched} the reference (max relative error {worst:.1e})"]
        if numerical_rows and not numerical_bad:
            worst_numerical = max(row.vs_numerical for row in numerical_rows)  # type: ignore[type-var]
            messages.append(f"numerical gradient check of your own {forward_name}: max relative error "
                            f"{worst_numerical:.1e}")
        if forward_problem and not part.cache_from:
            messages.append(f"note: {forward_problem}; this backward was checked against the reference forward")
        if numerical_note:
            messages.append(f"note: {numerical_note}")
        return finish(part, context, "pass", part.points, messages, started, gradients=rows)
    failing_rows = [row for row in rows if row.name in failing]
    if len(verdicts) > 1:
        summary = format_errors(failing_rows, "vs_reference") + f"   (allowed {part.tolerance:g}; " + (
            "all other gradients agree)" if good else "no gradient agrees)")
    else:
        only = next(iter(failing.values()))
        summary = f"case {only.case}: {only.problem}"
    first_name, first = next(iter(failing.items()))
    messages = [summary, f"first difference: {first_name} in case {first.case}: {first.problem}"]
    if numerical_note:
        messages.append(f"note: {numerical_note}")
    if forward_problem and not part.cache_from:
        messages.append(f"{forward_problem}, so this part was checked against the reference forward")
    elif numerical_rows:
        disagree = [row for row in numerical_bad if row.name in failing]
        if disagree:
            messages.append("your backward does not match your own forward either: numerical gradients give "
                            + format_errors(disagree, "vs_numerical")
                            + f" (allowed {gradcheck.NUMERICAL_TOLERANCE:g})")
    mismatch = make_mismatch(first, first_name, part.tolerance)
    return finish(part, context, "fail", partial_points(part.points, good, len(verdicts)),
                  messages, started, gradients=rows, mismatch=mismatch,
                  diagnosis=find_diagnosis(part, context, observations or []))


CHECKERS = {"values": check_values, "backward": check_backward}


def error_diagnosis(part: Part, context: PartContext, failure: StudentFailure) -> Diagnosis | None:
    """A catalogued mistake that raises exactly the student's exception on the same arguments."""
    prefix = f"{failure.function} raised "
    if failure.function != part.name or context.diagnosis_args is None or not failure.messages[0].startswith(prefix):
        return None
    try:
        return diagnose_error(part.name, context.diagnosis_args, failure.messages[0][len(prefix):],
                              context.reference.folder)
    except Exception:  # noqa: BLE001  (see find_diagnosis)
        return None


def check_part(part: Part, context: PartContext) -> PartResult:
    """Run one part's checker; a student failure costs this part only."""
    started = time.perf_counter()
    context.output = []
    context.warnings = set()
    context.diagnosis_args = None
    checker = part.checker if callable(part.checker) else CHECKERS[part.checker]
    try:
        return checker(part, context)
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
