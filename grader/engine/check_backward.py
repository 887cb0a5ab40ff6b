"""Backward parts: every gradient against the reference, and against numerical
gradients of the student's own forward.

So the feedback can tell "your backward does not match your own forward" from
"your forward is wrong". A part that takes a cache gets it from the student's
own forward, and is judged against the reference only where that forward agrees.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from grader.engine import gradcheck
from grader.engine.check_values import find_diagnosis
from grader.engine.checks import PartContext, StudentFailure
from grader.engine.compare import REAL_KINDS, compare_array, describe_value, shape_problem, tensor_relative_error
from grader.engine.diagnose import Observation
from grader.engine.outputs import (OutputShapeError, OutputVerdict, compare_outputs, finish, make_mismatch,
                                   partial_points, split_outputs)
from grader.engine.parts import Case, Part
from grader.engine.results import GradientRow, PartResult, error_listing


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
        try:
            args, reference_args, problem = arguments_with_cache(part, context, case)
        except MissingCache as missing:
            return dependency_failure(part, context, str(missing), started)
        if problem:
            forward_problem = forward_problem or f"case {case.label}: {problem}"
        context.diagnosis_args = reference_args
        value, _ = context.call(part.name, args, part.arg_names)
        try:
            got = split_outputs(part, value)
        except OutputShapeError as error:
            return finish(part, context, "fail", 0, [f"case {case.label}: {error}"], started)
        if case.gradient_check:
            gradient_case = (case, got)
        if problem:
            continue  # the cache came from a wrong forward: the reference cannot judge this case
        expected = split_outputs(part, reference(*reference_args))
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
                             part.tolerance, gradcheck.NUMERICAL_TOLERANCE, shape_note(verdicts.get(name)))
                 for name in names)
    return backward_verdict(part, context, started, verdicts, rows, forward_problem, observations,
                            depends_on_inputs, numerical_note)


class MissingCache(Exception):
    """The student's forward that makes the cache failed or returned no cache; the message says which."""


def arguments_with_cache(part: Part, context: PartContext, case: Case) -> tuple[tuple[Any, ...], tuple[Any, ...], str]:
    """The student's and the reference's arguments for one case, and why the student's cache is wrong ('').

    A part that takes a cache gets the student's cache (made by the student's own
    forward, kept in the child) and the reference gets the reference's.
    """
    if part.cache_from is None:
        return case.args, case.args, ""
    maker, at = part.cache_from, part.cache_from.cache_index
    try:
        forward_value, _ = context.call(maker.name, case.extra["forward_args"], maker.arg_names, keep=(at,))
    except StudentFailure as failure:
        raise MissingCache(f"which failed: {failure.messages[0]}") from None
    if not isinstance(forward_value, (tuple, list)) or len(forward_value) <= at:
        raise MissingCache(f"which returned {describe_value(forward_value)}, expected a tuple (h, c, cache)")
    forward_expected = context.reference(maker.name)(*case.extra["forward_args"])
    problem = forward_disagreement(maker.name, forward_value, forward_expected)
    return case.args + (forward_value[at],), case.args + (forward_expected[at],), problem


def shape_note(verdict: OutputVerdict | None) -> str:
    """"shape (3, 6), expected (6,)" when the student's gradient cannot be compared at all, else ''."""
    if verdict is None or verdict.comparison is None or not isinstance(verdict.expected, np.ndarray):
        return ""
    if not isinstance(verdict.got, np.ndarray):
        return f"{describe_value(verdict.got)}, expected shape {verdict.expected.shape}"
    if verdict.got.shape != verdict.expected.shape:
        return f"shape {verdict.got.shape}, expected {verdict.expected.shape}"
    return ""


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
    maker = part.cache_from.name if part.cache_from else "forward"
    return finish(part, context, "error", 0, [f"needs the cache from your {maker}, {reason}"], started)


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
    elif part.forward is not None:
        forward = part.forward
        output_names = forward.output_names
        try:
            if part.cache_from is None:
                own, _ = context.call(forward.name, setup.forward_args, forward.arg_names)
                expected = context.reference(forward.name)(*setup.forward_args)
                comparison = compare_array(own, expected)
                if not comparison.ok:
                    forward_note = (shape_problem(forward.name, "", own, expected.shape)
                                    or f"your {forward.name} is wrong ({comparison.problem})")
            stacks = context.perturb(forward.name, setup.forward_args, plan, gradcheck.output_indices(setup))
        except StudentFailure as failure:
            return {}, f"your {forward.name} could not be run ({failure.messages[0]})", False
    else:
        return {}, "", False
    try:
        numerical = gradcheck.numerical_gradients(setup, plan, stacks)
    except gradcheck.StackError as error:
        unusable = stack_problem(part.forward.name if part.forward else "the forward", output_names, error)
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


def forward_label(part: Part) -> str:
    """How the forward a backward part is checked against is named in messages."""
    if part.local_forward is not None:
        return part.local_forward_label
    return (part.cache_from or part.forward or part).name


def backward_verdict(part: Part, context: PartContext, started: float, verdicts: dict[str, OutputVerdict],
                     rows: tuple[GradientRow, ...], forward_problem: str,
                     observations: list[Observation] | None = None, depends_on_inputs: bool = True,
                     numerical_note: str = "") -> PartResult:
    """The verdict of a backward part from its gradient rows.

    `numerical_note` says why the numerical check of a cache-taking part's own
    forward could not run ('' when it ran).
    """
    if part.cache_from and forward_problem:
        return verdict_on_own_forward(part, context, started, rows, forward_problem, depends_on_inputs,
                                      numerical_note)
    failing = {name: verdict for name, verdict in verdicts.items() if verdict.comparison is not None}
    if not failing:
        return passing_verdict(part, context, started, verdicts, rows, forward_problem, numerical_note)
    return failing_verdict(part, context, started, verdicts, failing, rows, forward_problem, observations or [],
                           numerical_note)


def verdict_on_own_forward(part: Part, context: PartContext, started: float, rows: tuple[GradientRow, ...],
                           forward_problem: str, depends_on_inputs: bool, numerical_note: str) -> PartResult:
    """A cache-taking part whose forward is wrong: judged by its own forward's numerical gradients only.

    Not punished twice: a backward that is right for the student's own forward keeps
    up to half its points, the half that could not be checked against the reference.
    """
    forward_name = forward_label(part)
    numerical_rows = [row for row in rows if row.vs_numerical is not None]
    numerical_bad = [row for row in numerical_rows if row.vs_numerical > row.numerical_tolerance]
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
                        + error_listing(numerical_bad, "vs_numerical")
                        + f" (allowed {gradcheck.NUMERICAL_TOLERANCE:g})")
    elif numerical_note:
        messages.append(numerical_note)
    if numerical_rows and not depends_on_inputs:
        messages.append(f"your {forward_name} does not depend on its inputs, so there is nothing to check")
    return finish(part, context, "fail", score, messages, started, gradients=rows)


def passing_verdict(part: Part, context: PartContext, started: float, verdicts: dict[str, OutputVerdict],
                    rows: tuple[GradientRow, ...], forward_problem: str, numerical_note: str) -> PartResult:
    """Every gradient agrees with the reference; say how closely, and what else was noticed."""
    numerical_rows = [row for row in rows if row.vs_numerical is not None]
    numerical_bad = [row for row in numerical_rows if row.vs_numerical > row.numerical_tolerance]
    worst = max((verdict.worst for verdict in verdicts.values()), default=0.0)
    matched = "the gradient matches" if len(verdicts) == 1 else f"all {len(verdicts)} gradients match"
    messages = [f"{matched} the reference (max relative error {worst:.1e})"]
    if numerical_rows and not numerical_bad:
        worst_numerical = max(row.vs_numerical for row in numerical_rows)  # type: ignore[type-var]
        messages.append(f"numerical gradient check of your own {forward_label(part)}: max relative error "
                        f"{worst_numerical:.1e}")
    if forward_problem and not part.cache_from:
        messages.append(f"note: {forward_problem}; this backward was checked against the reference forward")
    if numerical_note:
        messages.append(f"note: {numerical_note}")
    return finish(part, context, "pass", part.points, messages, started, gradients=rows)


def failing_verdict(part: Part, context: PartContext, started: float, verdicts: dict[str, OutputVerdict],
                    failing: dict[str, OutputVerdict], rows: tuple[GradientRow, ...], forward_problem: str,
                    observations: list[Observation], numerical_note: str) -> PartResult:
    """Some gradients disagree with the reference: which, by how much, and whether the numbers say why."""
    good = len(verdicts) - len(failing)
    failing_rows = [row for row in rows if row.name in failing]
    if len(verdicts) > 1:
        summary = error_listing(failing_rows, "vs_reference") + f"   (allowed {part.tolerance:g}; " + (
            "all other gradients agree)" if good else "no gradient agrees)")
    else:
        only = next(iter(failing.values()))
        summary = f"case {only.case}: {only.problem}"
    first_name, first = next(iter(failing.items()))
    messages = [summary, f"first difference: {first_name} in case {first.case}: {first.problem}"]
    if numerical_note:
        messages.append(f"note: {numerical_note}")
    numerical_bad = [row for row in rows if row.vs_numerical is not None and row.vs_numerical > row.numerical_tolerance]
    if forward_problem and not part.cache_from:
        messages.append(f"{forward_problem}, so this part was checked against the reference forward")
    elif any(row.vs_numerical is not None for row in rows):
        disagree = [row for row in numerical_bad if row.name in failing]
        if disagree:
            messages.append("your backward does not match your own forward either: numerical gradients give "
                            + error_listing(disagree, "vs_numerical")
                            + f" (allowed {gradcheck.NUMERICAL_TOLERANCE:g})")
    mismatch = make_mismatch(first, first_name, part.tolerance)
    return finish(part, context, "fail", partial_points(part.points, good, len(verdicts)),
                  messages, started, gradients=rows, mismatch=mismatch,
                  diagnosis=find_diagnosis(part, context, observations))
