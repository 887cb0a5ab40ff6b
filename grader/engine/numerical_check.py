"""The numerical gradient check of a backward part: central differences of the student's own forward.

The forward runs in the child at every perturbation of the plan
(grader.engine.gradcheck builds the plan and the differences in the parent).
A forward that does not compute in float64 is checked with a step and a
tolerance suited to its precision, or not at all when none suits it, and the
message says so: its rounding noise is never reported as a wrong backward.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from grader.engine import gradcheck
from grader.engine.checks import PartContext, StudentFailure
from grader.engine.compare import REAL_KINDS, compare_array, shape_problem
from grader.engine.parts import Case, NumericalSetup, Part
from grader.sandbox.calls import Call, Perturb


@dataclass(frozen=True)
class NumericalCheck:
    """The numerical gradient check of a backward part.

    Args:
        errors: the relative error of each student gradient, by name ({} when the check did not run).
        forward_note: why the student's own forward is wrong or unusable ('' when it is fine).
        depends_on_inputs: whether the forward depends on its inputs at all
            (a constant forward has all-zero gradients).
        precision: how precisely the student's forward computes, which chose the step and the tolerance.
    """

    errors: dict[str, float] = field(default_factory=dict)
    forward_note: str = ""
    depends_on_inputs: bool = False
    precision: gradcheck.Precision = gradcheck.FLOAT64


@dataclass(frozen=True)
class Prepared:
    """The student requests of a numerical check, made before the part's first answer so that they
    run while the grader compares: the student's own forward at the check's point (when it is
    checked there) and the forward at every perturbation of the float64 plan and the probes."""

    case: Case
    setup: NumericalSetup
    items: list[Call | Perturb]
    plan: list[gradcheck.Perturbation]  # the float64 plan, at the head of the Perturb's perturbations


def prepare_numerical_check(part: Part, cases: list[Case]) -> Prepared | None:
    """The requests `run_numerical_check` will make on the last case marked for it; None when it
    makes none in the child (no such case, or the grader's own forward)."""
    marked = [case for case in cases if case.gradient_check]
    forward = part.forward
    if not marked or part.numerical is None or part.local_forward is not None or forward is None:
        return None
    setup = part.numerical(marked[-1])
    items: list[Call | Perturb] = []
    if part.cache_from is None:
        items.append(Call(forward.name, setup.forward_args, forward.arg_names))
    plan = gradcheck.perturbations_for(setup)
    items.append(Perturb(forward.name, setup.forward_args, plan + gradcheck.probe_plan(setup),
                         gradcheck.output_indices(setup)))
    return Prepared(marked[-1], setup, items, plan)


def run_numerical_check(part: Part, context: PartContext, gradient_case: tuple[Case, dict[str, Any]] | None,
                        prepared: Prepared | None = None, answers: Iterator[Any] | None = None) -> NumericalCheck:
    """Relative error of each student gradient against central differences of its forward; with
    `prepared`, its requests' answers come from `answers` (they were sent with the part's calls)."""
    if gradient_case is None or part.numerical is None or (part.local_forward is None and part.forward is None):
        return NumericalCheck()
    case, got = gradient_case
    ahead = answers if prepared is not None and prepared.case is case else None
    setup = prepared.setup if ahead is not None and prepared is not None else part.numerical(case)
    forward_note = ""
    try:
        forward_note = own_forward_note(part, context, setup, ahead)
        numerical, precision = numerical_gradients_of(part, context, setup, ahead,
                                                      prepared.plan if ahead is not None and prepared else None)
    except StudentFailure as failure:
        return NumericalCheck(forward_note=f"your {forward_label(part)} could not be run ({failure.messages[0]})")
    except gradcheck.StackError as error:
        output_names = part.forward.output_names if part.local_forward is None and part.forward else ()
        unusable = stack_problem(part.forward.name if part.forward else "the forward", output_names, error)
        return NumericalCheck(forward_note=forward_note or f"{unusable}, so the numerical gradient check could not run")
    errors = {}
    for name, estimate in numerical.items():
        student = got.get(name)
        if type(student) is not np.ndarray or student.shape != estimate.shape or student.dtype.kind not in REAL_KINDS:
            errors[name] = float("inf")
        else:
            errors[name] = estimate.error_of(student.astype(np.float64))
    depends_on_inputs = any(estimate.largest > 1e-8 for estimate in numerical.values())
    return NumericalCheck(errors, forward_note, depends_on_inputs, precision)


def own_forward_note(part: Part, context: PartContext, setup: NumericalSetup, ahead: Iterator[Any] | None = None
                     ) -> str:
    """For a backward part without a cache: why the student's own forward is wrong at the check's point, or ''."""
    forward = part.forward
    if part.local_forward is not None or forward is None or part.cache_from is not None:
        return ""
    own, _ = next(ahead) if ahead is not None else context.call(forward.name, setup.forward_args, forward.arg_names)
    expected = context.reference(forward.name)(*setup.forward_args)
    comparison = compare_array(own, expected)
    if comparison.ok:
        return ""
    return shape_problem(forward.name, "", own, expected.shape) or f"your {forward.name} is wrong ({comparison.problem})"


def numerical_gradients_of(part: Part, context: PartContext, setup: NumericalSetup, ahead: Iterator[Any] | None = None,
                           plan: list[gradcheck.Perturbation] | None = None
                           ) -> tuple[dict[str, gradcheck.Estimate], gradcheck.Precision]:
    """Central differences of the part's forward, with a step suited to its precision ({} when none is).

    The student's forward is first evaluated at the float64 step's points (`plan`,
    when they were sent ahead) and at four probe points; a forward that shows
    float32 precision is evaluated again at a step suited to it.
    """
    plan = plan if plan is not None else gradcheck.perturbations_for(setup)
    if part.local_forward is not None:  # the grader's own float64 forward
        stacks = gradcheck.evaluate_locally(part.local_forward, setup, plan)
        return gradcheck.numerical_gradients(setup, plan, stacks), gradcheck.FLOAT64
    forward, outputs = part.forward, gradcheck.output_indices(setup)
    if forward is None:
        return {}, gradcheck.FLOAT64
    probed = plan + gradcheck.probe_plan(setup)
    arrays = next(ahead) if ahead is not None else context.perturb(forward.name, setup.forward_args, probed, outputs)
    stacks = gradcheck.checked_stacks(setup, probed, arrays)
    main, probe = [stack[:len(plan)] for stack in stacks], [stack[len(plan):] for stack in stacks]
    precision = gradcheck.precision_of(main, probe)
    if not precision.meaningful:
        return {}, precision
    if precision.reduced:
        plan = gradcheck.perturbations_for(setup, precision.epsilon)
        main = context.perturb(forward.name, setup.forward_args, plan, outputs)
    return gradcheck.numerical_gradients(setup, plan, main, precision.epsilon), precision


def precision_note(forward_name: str, precision: gradcheck.Precision) -> str:
    """What the numerical check did about a forward that does not compute in float64 ('' for one that does)."""
    if not precision.reduced:
        return ""
    said = (f"your {forward_name} does not compute in float64 ({precision.how}), so central differences "
            f"with eps = {gradcheck.FLOAT64_EPSILON:g} would measure its rounding noise")
    if not precision.meaningful:
        return said + "; no step gives numerical gradients worth comparing, so the numerical gradient check was left out"
    return said + (f"; the numerical gradient check used eps = {precision.epsilon:g} and allows "
                   f"{precision.tolerance:g} instead")


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
