"""What a student function returned, named and compared output by output, and the result it makes.

Whatever comes back from the child (any structure, shape or dtype) is checked
before the parent does arithmetic or indexing on it: a wrong shape fails the
part with a message naming both shapes.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grader.engine.compare import Comparison, MissingKey, compare_array, describe_value, excerpt, shape_problem
from grader.engine.parts import Case, Part
from grader.engine.results import Diagnosis, Mismatch, PartResult

if TYPE_CHECKING:
    from grader.engine.checks import PartContext

OUTPUT_SHOWN = 2_000


def split_outputs(part: Part, value: Any) -> dict[str, Any]:
    """Name each returned value; a dict output called "grads" is flattened to one
    gradient per key in `part.grad_keys` (dW_f, ...)."""
    part_name, names, grad_keys = part.name, part.output_names, part.grad_keys
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


class OutputShapeError(Exception):
    """The returned value does not have the contract's structure."""


def output_label(part: Part, name: str) -> str:
    """How an output is named in a message: '' for a single array, grads['W_f'] for dW_f, else its name."""
    if len(part.output_names) == 1:
        return ""
    if "grads" in part.output_names and name not in part.output_names and name[1:] in part.grad_keys:
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
    hint = None if status == "pass" else hint_for(part, diagnosis)
    return PartResult(part.name, part.group, status, float(score), float(part.points), tuple(messages),
                      diagnosis.id if diagnosis else None, hint, time.perf_counter() - started, output=output,
                      finding=diagnosis, **extra)


def hint_for(part: Part, diagnosis: Diagnosis | None) -> str:
    """The part's hint, or, when the mistake is in a function it calls, that function's hint."""
    if diagnosis is not None and (diagnosis.found_in or diagnosis.via):
        given = [part.cache_from, *part.cache_from.callees()] if part.cache_from else []
        holder = diagnosis.found_in or diagnosis.via
        callee = next((called for called in [*part.callees(), *given] if called.name == holder), None)
        if callee is not None:
            return callee.hint
    return part.hint


@dataclass
class OutputVerdict:
    """The first failing case of one output, or None while all agree."""

    comparison: Comparison | None = None
    case: str = ""
    expected: Any = None
    got: Any = None
    worst: float = 0.0
    problem: str = ""  # the failure in one sentence: which function returned which shape, or the comparison's


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
