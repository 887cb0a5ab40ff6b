"""Backward parts: every gradient against the reference, and against numerical
gradients of the student's own forward (grader.engine.numerical_check).

So the feedback can tell "your backward does not match your own forward" from
"your forward is wrong". A part that takes a cache gets it from the student's
own forward, and is judged against the reference only where that forward agrees.
Every argument, upstream gradients and the cache included, must come back
unchanged (grader.engine.in_place).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from grader.engine.check_values import find_diagnosis
from grader.engine.checks import PartContext, StudentFailure
from grader.engine.compare import compare_array, describe_value, shape_problem
from grader.engine.diagnose import Observation
from grader.engine.forward_blame import ForwardCase, proven_right_backward
from grader.engine.in_place import PassedOn, in_place_messages, root_name, slice_text, with_in_place_policy
from grader.engine.numerical_check import (forward_label, precision_note, prepare_numerical_check,
                                           run_numerical_check)
from grader.engine.outputs import (OutputShapeError, OutputVerdict, compare_outputs, finish, make_mismatch,
                                   partial_points, split_outputs)
from grader.engine.parts import Case, Part
from grader.engine.results import GradientRow, PartResult, error_listing
from grader.child.protocol import Opaque, kept_handle
from grader.sandbox.calls import Call


def check_backward(part: Part, context: PartContext) -> PartResult:
    """Backward parts: every gradient against the reference and against numerical
    gradients of the student's own forward, every argument left as it was."""
    started = time.perf_counter()
    cases = part.make_cases(context.seed)
    prepared = prepare_numerical_check(part, cases)
    # every call is known before the first answer: the next ones run while the grader compares
    with context.call_each(case_calls(part, cases) + (prepared.items if prepared else [])) as answers:
        run = run_cases(part, context, started, cases, answers)
        if isinstance(run, PartResult):
            return run
        numerical = run_numerical_check(part, context, run.gradient_case, prepared, answers)
    forward_problem, numerical_note = run.forward_problem, ""
    if part.cache_from is None and part.forward and numerical.forward_note:
        forward_problem = numerical.forward_note
    elif numerical.forward_note:
        numerical_note = numerical.forward_note
    numerical_note = numerical_note or precision_note(forward_label(part), numerical.precision)
    verdicts = run.verdicts
    names = list(numerical.errors) or list(verdicts)
    rows = tuple(GradientRow(name, verdict_error(verdicts.get(name)), numerical.errors.get(name),
                             part.tolerance, numerical.precision.tolerance, shape_note(verdicts.get(name)))
                 for name in names)
    result = backward_verdict(part, context, started, verdicts, rows, forward_problem, run.observations,
                              numerical.depends_on_inputs, numerical_note, run.forward_cases)
    changed = run.changed
    passed = passed_on(part, context, run.first_case, {root_name(name) for name in changed}) if changed else []
    return with_in_place_policy(part, result, in_place_messages(part, changed, passed))


@dataclass
class CaseRun:
    """What the student's backward gave on every case, before the numerical check."""

    first_case: Case
    verdicts: dict[str, OutputVerdict] = field(default_factory=dict)
    forward_problem: str = ""
    gradient_case: tuple[Case, dict[str, Any]] | None = None
    observations: list[Observation] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # the arguments changed in place, in the order first seen
    forward_cases: list[ForwardCase] = field(default_factory=list)  # the cases whose cache came from a wrong forward


def forward_case(part: Part, context: PartContext, case: Case, got: dict[str, Any]) -> ForwardCase:
    """A case whose cache the student's wrong forward made, as `proven_right_backward` reads it."""
    maker = part.cache_from
    assert maker is not None
    forward_value, forward_expected = context.forward_outputs
    kept = set(maker.kept_outputs)

    def named(value: Any) -> dict[str, Any]:
        return {name: item for index, (name, item) in enumerate(zip(maker.output_names, value)) if index not in kept}

    return ForwardCase(case.extra["forward_args"], named(forward_value), named(forward_expected), case.args, got)


def run_cases(part: Part, context: PartContext, started: float, cases: list[Case],
              answers: Iterator[tuple[Any, list[str]]]) -> CaseRun | PartResult:
    """The student's backward on every case (its answers, and those of the forwards that make its
    cache, from `answers`, in the order of `case_calls`), compared with the reference where that can
    judge; a PartResult when the part cannot be checked further."""
    reference = context.reference(part.name)
    run = CaseRun(cases[0])
    for case in cases:
        try:
            _, reference_args, problem = arguments_with_cache(part, context, case, lambda: next(answers))
        except MissingCache as missing:
            return dependency_failure(part, context, str(missing), started)
        if problem:
            run.forward_problem = run.forward_problem or f"case {case.label}: {problem}"
        context.diagnosis_args = reference_args
        # the cache came from a wrong forward: the reference cannot judge this case
        expected = None if problem else split_outputs(part, reference(*reference_args))
        value, modified = next(answers)
        run.changed += [name for name in modified if name not in run.changed]
        try:
            got = split_outputs(part, value)
        except OutputShapeError as error:
            return finish(part, context, "fail", 0, [f"case {case.label}: {error}"], started)
        if case.gradient_check:
            run.gradient_case = (case, got)
        if expected is None:
            run.forward_cases.append(forward_case(part, context, case, got))
            continue
        compare_outputs(part, run.verdicts, case, got, expected)
        run.observations.append(Observation(reference_args, got, expected))
    return run


def case_calls(part: Part, cases: list[Case]) -> list[Call]:
    """The student calls of every case, in order: the backward, after the forward that makes its cache
    (kept in the child under a name of the case, so the backward can be sent before the forward answers)."""
    calls = []
    for index, case in enumerate(cases):
        args = case.args
        if part.cache_from is not None:
            maker, name = part.cache_from, f"{part.name}-{index}"
            calls.append(Call(maker.name, case.extra["forward_args"], maker.arg_names,
                              (maker.cache_index,), (name,)))
            args = case.args + (Opaque(kept_handle(name), "cache"),)
        calls.append(Call(part.name, args, part.arg_names))
    return calls


class MissingCache(Exception):
    """The student's forward that makes the cache failed or returned no cache; the message says which."""


def arguments_with_cache(part: Part, context: PartContext, case: Case,
                         forward: Callable[[], tuple[Any, list[str]]] | None = None,
                         ) -> tuple[tuple[Any, ...], tuple[Any, ...], str]:
    """The student's and the reference's arguments for one case, and why the student's cache is wrong ('').

    A part that takes a cache gets the student's cache (made by the student's own
    forward, kept in the child) and the reference gets the reference's. `forward`
    gives the answer of that forward when it is already on its way (`case_calls`);
    without it the forward is called here.
    """
    if part.cache_from is None:
        return case.args, case.args, ""
    maker, at = part.cache_from, part.cache_from.cache_index
    try:
        forward_value, _ = forward() if forward is not None else context.call(
            maker.name, case.extra["forward_args"], maker.arg_names, keep=(at,))
    except StudentFailure as failure:
        raise MissingCache(f"which failed: {failure.messages[0]}") from None
    if not isinstance(forward_value, (tuple, list)) or len(forward_value) <= at:
        raise MissingCache(f"which returned {describe_value(forward_value)}, expected a tuple (h, c, cache)")
    forward_expected = context.reference(maker.name)(*case.extra["forward_args"])
    problem = forward_disagreement(maker.name, forward_value, forward_expected)
    context.forward_outputs = (forward_value, forward_expected)  # for proven_right_backward
    return case.args + (forward_value[at],), case.args + (forward_expected[at],), problem


def passed_on(part: Part, context: PartContext, case: Case, roots: set[str]) -> list[PassedOn]:
    """The changed arguments `part` hands on to a function it calls under the same name, and whether
    that function, run alone on its first case, changes them in place too."""
    found = []
    with context.aside():
        for callee in part.calls:
            shared = [name for name in callee.arg_names if name in roots and name in part.arg_names]
            if not shared:
                continue
            callee_case = callee.make_cases(context.seed)[0]
            try:
                args, _, _ = arguments_with_cache(callee, context, callee_case)
                _, modified = context.call(callee.name, args, callee.arg_names)
            except (StudentFailure, MissingCache):
                modified = []
            there = {root_name(name) for name in modified}
            for name in shared:
                own, theirs = argument(part, case, name), argument(callee, callee_case, name)
                sliced = (slice_text(name, own.shape, theirs.shape)
                          if isinstance(own, np.ndarray) and isinstance(theirs, np.ndarray) else "")
                found.append(PassedOn(name, callee.name, sliced, name in there))
    return found


def argument(part: Part, case: Case, name: str) -> Any:
    """The case's argument called `name` (None for the cache, which the case does not hold)."""
    index = part.arg_names.index(name)
    return case.args[index] if index < len(case.args) else None


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


def backward_verdict(part: Part, context: PartContext, started: float, verdicts: dict[str, OutputVerdict],
                     rows: tuple[GradientRow, ...], forward_problem: str,
                     observations: list[Observation] | None = None, depends_on_inputs: bool = True,
                     numerical_note: str = "", forward_cases: list[ForwardCase] | None = None) -> PartResult:
    """The verdict of a backward part from its gradient rows.

    `numerical_note` says why the numerical check of a cache-taking part's own
    forward could not run ('' when it ran).
    """
    if part.cache_from and forward_problem:
        return verdict_on_own_forward(part, context, started, rows, forward_problem, depends_on_inputs,
                                      numerical_note, forward_cases or [])
    failing = {name: verdict for name, verdict in verdicts.items() if verdict.comparison is not None}
    if not failing:
        return passing_verdict(part, context, started, verdicts, rows, forward_problem, numerical_note)
    return failing_verdict(part, context, started, verdicts, failing, rows, forward_problem, observations or [],
                           numerical_note)


def verdict_on_own_forward(part: Part, context: PartContext, started: float, rows: tuple[GradientRow, ...],
                           forward_problem: str, depends_on_inputs: bool, numerical_note: str,
                           forward_cases: list[ForwardCase]) -> PartResult:
    """A cache-taking part whose forward is wrong: judged by its own forward's numerical gradients only.

    Not punished twice: a backward that is right for the student's own forward keeps
    up to half its points, the half that could not be checked against the reference;
    so does one proved right on the cache of a catalogued forward mistake
    (grader.engine.forward_blame), which its own forward's gradients cannot show.
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
    proof = proven_right_backward(part, context, forward_cases) if numerical_bad else None
    if proof is not None:
        score = part.points / 2
        messages.append(f"fix {proof.found_in or forward_name} and this part should pass")
    elif numerical_bad:
        messages.append("against numerical gradients of your own forward it disagrees too: "
                        + error_listing(numerical_bad, "vs_numerical")
                        + f" (allowed {numerical_bad[0].numerical_tolerance:g})")
    if numerical_note:
        messages.append(numerical_note)
    if numerical_rows and not depends_on_inputs:
        messages.append(f"your {forward_name} does not depend on its inputs, so there is nothing to check")
    return finish(part, context, "fail", score, messages, started, gradients=rows, diagnosis=proof)


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
                            + f" (allowed {disagree[0].numerical_tolerance:g})")
    mismatch = make_mismatch(first, first_name, part.tolerance)
    return finish(part, context, "fail", partial_points(part.points, good, len(verdicts)),
                  messages, started, gradients=rows, mismatch=mismatch,
                  diagnosis=find_diagnosis(part, context, observations))
