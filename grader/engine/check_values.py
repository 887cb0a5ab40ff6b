"""Forward parts: every output of every case against the reference, inputs untouched."""
from __future__ import annotations

import time

from grader.engine.checks import PartContext
from grader.engine.diagnose import Observation, diagnose
from grader.engine.forward_blame import where_it_is
from grader.engine.outputs import (OutputShapeError, OutputVerdict, compare_outputs, finish, make_mismatch,
                                   partial_points, split_outputs)
from grader.engine.parts import Part
from grader.engine.results import Diagnosis, PartResult
from grader.sandbox.calls import Call


def check_values(part: Part, context: PartContext) -> PartResult:
    """Forward parts: shape, dtype, finiteness and values of every output, inputs untouched."""
    started = time.perf_counter()
    verdicts: dict[str, OutputVerdict] = {}
    modified_inputs: set[str] = set()
    reference = context.reference(part.name)
    observations: list[Observation] = []
    cases = part.make_cases(context.seed)
    calls = [Call(part.name, case.args, part.arg_names, part.kept_outputs) for case in cases]
    with context.call_each(calls) as answers:
        for case in cases:
            context.diagnosis_args = case.args  # before the answer: a failing call is diagnosed on its own case
            expected = split_outputs(part, reference(*case.args))
            value, modified = next(answers)
            modified_inputs.update(modified)
            try:
                got = split_outputs(part, value)
            except OutputShapeError as error:
                return finish(part, context, "fail", 0, [f"case {case.label}: {error}"], started)
            compare_outputs(part, verdicts, case, got, expected)
            observations.append(Observation(case.args, got, expected))
    good = sum(1 for verdict in verdicts.values() if verdict.comparison is None)
    failing = [(name, verdict) for name, verdict in verdicts.items() if verdict.comparison is not None]
    warned = sorted(context.warnings) if part.warning_rule else []
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
        messages += [f"numpy warned while {part.name} ran: {'; '.join(warned)}", str(part.warning_rule)]
        score = min(score, part.points / 2)
    return finish(part, context, "fail", score, messages, started, mismatch=mismatch,
                  diagnosis=find_diagnosis(part, context, observations, warned) if failing or warned else None)


def find_diagnosis(part: Part, context: PartContext, observations: list[Observation],
                   warned: list[str] | None = None) -> Diagnosis | None:
    """The catalogued mistake behind a failing part; never lets the tutor break the grading."""
    try:
        found = diagnose(part, observations, context.reference.variant, lambda value: split_outputs(part, value),
                         warned or ())
        with context.aside():  # the calls made to look closer print and warn outside the part's output
            if found is not None and found.found_in:
                found = where_it_is(part, context, found)
            if found is None and part.localise is not None:
                found = part.localise(part, context, observations)
        return found
    except Exception:  # noqa: BLE001  (a diagnosis is extra help; a grade without one is still right)
        return None
