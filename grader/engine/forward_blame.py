"""When a part fails because of a part it builds on: prove a backward right, or name what to fix first.

A backward part that takes a cache gets it from the student's own forward, so a
mistake in that forward (say tanh in forget_gate) makes a correct backward
disagree with numerical gradients of the forward it was given. Whether the
backward is right can still be proved: when the forward's numbers are those of
one catalogued mistake, the reference forward with that mistake made gives the
same cache values, and the reference backward on that cache must give what the
student's backward gave on theirs, on every case. Only then is it said.

A part that fails with no diagnosis while a part it builds on fails in the same
report (gradient_norms on a wrong lstm_forward, the forecast on a wrong
lstm_backward) is told to fix that part first.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

from grader.engine.checks import PartContext, StudentFailure
from grader.engine.diagnose import Observation, diagnose
from grader.engine.output_patterns import same_array
from grader.engine.outputs import split_outputs
from grader.engine.parts import Mistake, Part
from grader.engine.reference import CacheGiven
from grader.engine.results import Diagnosis, PartResult

# the student's backward and the reference's, on the same cache values: two codings of one formula
SAME_BACKWARD = 1e-7


@dataclass(frozen=True)
class ForwardCase:
    """One case of a cache-taking backward part whose forward disagreed with the reference.

    Args:
        forward_args: the inputs the forward made the cache from.
        forward_got: the student's forward outputs, named (h, c).
        forward_expected: the reference forward's, named alike.
        upstream: the backward's arguments before the cache (dh, dc).
        backward_got: the student's backward outputs on the student's cache, named (dx, ..., dW_f, ...).
    """

    forward_args: tuple[Any, ...]
    forward_got: dict[str, Any]
    forward_expected: dict[str, Any]
    upstream: tuple[Any, ...]
    backward_got: dict[str, Any]


def forward_mistake(maker: Part, context: PartContext, cases: Sequence[ForwardCase]) -> Mistake | None:
    """The catalogued mistake the student's forward makes, proved on every case, or None."""
    observations = [Observation(case.forward_args, case.forward_got, case.forward_expected) for case in cases]
    found = diagnose(maker, observations, context.reference.variant, lambda value: split_outputs(maker, value))
    if found is None:
        return None
    return next((mistake for mistake in maker.candidate_mistakes() if mistake.id == found.id), None)


def proven_right_backward(part: Part, context: PartContext, cases: Sequence[ForwardCase]) -> Diagnosis | None:
    """Say "your backward is right" when the numbers prove it (see the module docstring), else None.

    Never lets the proof break the grading: any failure to compute it means nothing is said.
    """
    maker = part.cache_from
    if maker is None or not cases:
        return None
    try:
        mistake = forward_mistake(maker, context, cases)
        if mistake is None or not agrees_on_mistaken_cache(part, maker, mistake, context, cases):
            return None
    except Exception:  # noqa: BLE001  (extra help; the grade never depends on it)
        return None
    return Diagnosis(
        mistake.id,
        f"your {part.name} is right: on the cache your {maker.name} makes it gives what the reference's "
        f"backward gives on that cache; the failure comes from your {mistake.part}: {mistake.explanation}",
        mistake.equation, part.name, found_in=mistake.part if mistake.part != maker.name else "", via=maker.name)


def agrees_on_mistaken_cache(part: Part, maker: Part, mistake: Mistake, context: PartContext,
                             cases: Sequence[ForwardCase]) -> bool:
    for case in cases:
        given = CacheGiven(maker.name, maker.cache_index, part.name, case.forward_args, case.upstream)
        expected = split_outputs(part, context.reference.on_mistaken_cache(mistake, given))
        if not all(same_array(case.backward_got.get(name), value, SAME_BACKWARD) for name, value in expected.items()):
            return False
    return True


def where_it_is(part: Part, context: PartContext, found: Diagnosis) -> Diagnosis:
    """A diagnosis that names a function `part` calls, kept only if that function is wrong on its own:
    when the student's own one is right, the composite computes the same numbers itself."""
    callee = next((called for called in part.callees() if called.name == found.found_in), None)
    if callee is None or callee.cache_from is not None:
        return found
    try:
        with context.aside():
            right = all(right_on_own_case(callee, context, case) for case in callee.make_cases(context.seed))
    except StudentFailure:
        right = False
    if not right:
        return found
    return replace(found, found_in="", explanation=f"your {part.name} gives the numbers of this mistake in "
                                                   f"{callee.name}, yet your own {callee.name} is right, so look in "
                                                   f"{part.name}: {found.explanation}")


def right_on_own_case(part: Part, context: PartContext, case: Any) -> bool:
    value, _ = context.call(part.name, case.args, part.arg_names, part.kept_outputs)
    got, expected = split_outputs(part, value), split_outputs(part, context.reference(part.name)(*case.args))
    return all(same_array(got.get(name), value, part.tolerance) for name, value in expected.items())


def builds_on(part: Part) -> list[Part]:
    """The parts whose code this part's result depends on: what it calls, and the forward it is given
    or differentiates, with what those call; nearest first."""
    found: list[Part] = []
    for base in [*part.calls, *(other for other in (part.cache_from, part.forward) if other is not None)]:
        for candidate in [base, *base.callees()]:
            if candidate is not part and candidate not in found:
                found.append(candidate)
    return found


def blame_dependencies(parts: Sequence[Part], results: Sequence[PartResult]) -> list[PartResult]:
    """Each failing part without a diagnosis, whose base parts fail in the same report, names them and
    the one to fix first (a failing base part that builds on no other failing part)."""
    failed = {result.name for result in results if result.status != "pass"}
    blamed = []
    for part, result in zip(parts, results):
        culprits = [base for base in builds_on(part) if base.name in failed]
        if result.status in ("pass", "missing") or result.finding is not None or not culprits:
            blamed.append(result)
            continue
        first = next((base for base in culprits if not any(deeper.name in failed for deeper in builds_on(base))),
                     culprits[-1])
        if any(f"fix {first.name}" in message for message in result.messages):
            blamed.append(result)  # the checker said so already (a backward consistent with its forward)
            continue
        names = [base.name for base in culprits]
        listed = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        note = (f"{part.name} builds on your {listed}, which {'fails' if len(names) == 1 else 'fail'} too: "
                f"fix {first.name} first, then check this part again")
        blamed.append(replace(result, messages=(*result.messages, note)))
    return blamed
