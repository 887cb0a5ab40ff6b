"""Name the mistake behind a failing part, or say nothing.

When a part fails, the checker hands over what it saw: for each case the
arguments (as the reference takes them), the student's outputs and the
reference's outputs. Every catalogued mistake that can show in the part (its
own, then those of the parts it calls) is computed on the same arguments; a
mistake is named only when its outputs match the student's on every case to a
tight tolerance while differing from the reference somewhere. When no entry
matches, generic detectors look for outputs in the wrong order or beside
extra values, a transposed output, a constant factor or sign, a shift by one
time step, one time step alone (the last one filled in, missing or returned
alone), the right values in another shape, or float32 precision.

A wrong diagnosis misleads more than none, so every test here is strict.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from grader.engine.output_patterns import (SMALL, constant_factor, float32_differences, is_last_step_alone,
                                            is_last_step_missing, is_negated, is_only_last_step, is_reshaped,
                                            is_scaled, is_shifted, is_time_reversed, is_transposed, same_array)
from grader.engine.parts import Mistake, Part
from grader.engine.results import Diagnosis
from grader.engine.variants import exception_line

# (mistake, function name) -> that reference function with the mistake made: a reference source's `variant`
Variants = Callable[[Mistake, str], Callable[..., Any]]


@dataclass(frozen=True)
class Observation:
    """One case of a failing part: reference-side arguments and both sides' named outputs."""

    args: tuple[Any, ...]
    got: dict[str, Any]
    expected: dict[str, Any]


def differs(observation: Observation, tolerance: float = 1e-6) -> bool:
    """Whether any output differs from the reference's by more than `tolerance` (the part's, say)."""
    return any(not same_array(observation.got.get(name), value, tolerance)
               for name, value in observation.expected.items())


def run_quietly(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    return run_recording(function, args)[0]


def run_recording(function: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, set[str]]:
    """The function's value on copies of `args`, and the warnings it raised ("RuntimeWarning: ...")."""
    copied = tuple(arg.copy() if isinstance(arg, np.ndarray) else arg for arg in args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = function(*copied)
    return value, {f"{warning.category.__name__}: {warning.message}"[:200] for warning in caught}


def diagnose(part: Part, observations: Sequence[Observation], variants: Variants,
             split: Callable[[Any], dict[str, Any]], warned: Sequence[str] = ()) -> Diagnosis | None:
    """The mistake that explains every observation of a failing part, or None.

    Args:
        part: the failing part; its candidate mistakes are its own, then its callees'.
        observations: the cases the checker compared (arguments as the reference takes them).
        variants: how each mistake computes (the reference source's `variant`).
        split: names a function's return value the way the checker does (h, c, dW_f, ...).
        warned: warnings the student's code raised, for a part that fails on warnings alone.
    """
    part_name = part.name
    failing = [observation for observation in observations if differs(observation, part.tolerance)]
    if not failing:
        # right values to the part's tolerance, yet failing: an output of dtype float32, or warnings
        return computes_in_float32(part_name, observations, part.tolerance) or (
            explain_warnings(part, observations, variants, split, set(warned)) if warned else None)
    ordered = failing + [observation for observation in observations
                         if not any(observation is other for other in failing)]
    matches = fitting_mistakes(part, ordered, variants, split)
    if matches:
        # two different mistakes of the nearest part fitting the same numbers: naming either could be wrong
        first, rivals = matches[0], matches[1:]
        if all(first.names(other.id) or other.names(first.id) for other in rivals):
            return named(first, part_name)
        return None
    return generic(part_name, observations, part.tolerance)


def fitting_mistakes(part: Part, observations: list[Observation], variants: Variants,
                     split: Callable[[Any], dict[str, Any]]) -> list[Mistake]:
    """The candidate mistakes of the nearest part with one that explains every observation (the part
    itself before what it calls): once one fits, only that part's other mistakes can rival it."""
    matches: list[Mistake] = []
    for mistake in part.candidate_mistakes():
        if matches and mistake.part != matches[0].part:
            continue
        if explains(mistake, part.name, observations, variants, split):
            matches.append(mistake)
    return matches


def named(mistake: Mistake, part_name: str) -> Diagnosis:
    found_in = mistake.part if mistake.part != part_name else ""
    return Diagnosis(mistake.id, mistake.explanation, mistake.equation, part_name, found_in)


def explains(mistake: Mistake, part_name: str, observations: list[Observation], variants: Variants,
             split: Callable[[Any], dict[str, Any]]) -> bool:
    function = variants(mistake, part_name)
    for observation in observations:
        try:
            produced = split(run_quietly(function, observation.args))
        except Exception:  # noqa: BLE001  (a variant that cannot run on these inputs explains nothing)
            return False
        if not all(same_array(value, produced.get(name)) for name, value in observation.got.items()):
            return False
    return True


def explain_warnings(part: Part, observations: Sequence[Observation], variants: Variants,
                     split: Callable[[Any], dict[str, Any]], warned: set[str]) -> Diagnosis | None:
    """Right values but a warning: the mistake with the same values that raises one of the same warnings."""
    for mistake in part.candidate_mistakes():
        raised: set[str] = set()
        try:
            function = variants(mistake, part.name)
            for observation in observations:
                value, caught = run_recording(function, observation.args)
                raised |= caught
                produced = split(value)
                if not all(same_array(got, produced.get(name)) for name, got in observation.got.items()):
                    break
            else:
                if raised == warned:  # the same warnings, no more and no fewer
                    return named(mistake, part.name)
        except Exception:  # noqa: BLE001
            continue
    return None


def diagnose_error(part: Part, args: tuple[Any, ...], error: str, variants: Variants,
                   holds: Callable[[Mistake], bool] = lambda mistake: True) -> Diagnosis | None:
    """The first mistake that raises exactly the student's exception on the same arguments and for which
    `holds` (say, the same on every case), or None. `error`: the line raised, "ValueError: matmul: ..."."""
    for mistake in part.candidate_mistakes():
        try:
            run_quietly(variants(mistake, part.name), args)
        except Exception as raised:  # noqa: BLE001
            if exception_line(raised).strip() == error.strip() and holds(mistake):  # numpy ends some with a space
                return named(mistake, part.name)
    return None


def generic(part_name: str, observations: Sequence[Observation], tolerance: float = 1e-6) -> Diagnosis | None:
    """Simple patterns that explain every output that differs by more than `tolerance`, in every case."""
    for whole in (outputs_swapped, extra_values_returned):
        found = whole(part_name, observations, tolerance)
        if found is not None:
            return found
    for name, detector, describe in DETECTORS:
        if all_explained(observations, detector, tolerance):
            outputs = sorted({output for observation in observations
                              for output, value in observation.expected.items()
                              if not same_array(observation.got.get(output), value, tolerance)})
            return Diagnosis(f"{part_name}.{name}", describe(", ".join(outputs), observations))
    return computes_in_float32(part_name, observations, tolerance)


def outputs_swapped(part_name: str, observations: Sequence[Observation], tolerance: float) -> Diagnosis | None:
    """Every output right but returned in another output's place, on every case: a wrong order."""
    if not observations or len(observations[0].expected) < 2:
        return None
    names = list(observations[0].expected)
    moved: dict[str, str] = {}  # the student's output at name's place -> the output it really is
    for name in names:
        sources = [other for other in names if other != name and all(
            same_array(observation.got.get(name), observation.expected.get(other)) for observation in observations)]
        if len(sources) == 1 and not all(same_array(observation.got.get(name), observation.expected.get(name))
                                         for observation in observations):
            moved[name] = sources[0]
    wrong = [name for name in names if any(not same_array(observation.got.get(name), observation.expected.get(name),
                                                          tolerance) for observation in observations)]
    if not wrong or set(wrong) != set(moved) or sorted(moved.values()) != sorted(moved):
        return None
    got_order = ", ".join(moved.get(name, name) for name in names)
    return Diagnosis(f"{part_name}.outputs_in_wrong_order",
                     f"your {part_name} returns ({got_order}): the right values in the wrong order; the contract's "
                     f"order is ({', '.join(names)})")


def extra_values_returned(part_name: str, observations: Sequence[Observation], tolerance: float) -> Diagnosis | None:
    """A part with one output that returns a tuple or list, the same item of which is the right answer on
    every case: the right value with something else beside it."""
    if not observations or len(observations[0].expected) != 1:
        return None
    (name,) = observations[0].expected
    sizes = {len(got) if isinstance(got, (tuple, list)) else 0 for got in (o.got.get(name) for o in observations)}
    if len(sizes) != 1 or min(sizes) < 2:
        return None
    (size,) = sizes
    right = [index for index in range(size)
             if all(same_array(observation.got[name][index], observation.expected[name], tolerance)
                    for observation in observations)]
    if len(right) != 1:
        return None
    place = ("first", "second", "third", "fourth")[right[0]] if right[0] < 4 else f"number {right[0] + 1}"
    return Diagnosis(f"{part_name}.returns_extra_values",
                     f"your {part_name} returns {size} values, the {place} of which is the right {name}; return "
                     f"{name} alone, as the contract says")


def computes_in_float32(part_name: str, observations: Sequence[Observation], tolerance: float) -> Diagnosis | None:
    """Every output that fails, by its values or its dtype, agrees with the reference as float32 numbers do,
    and float32 shows: an output of dtype float32, or rounding errors in both directions, both in sign and in
    magnitude (a stray offset goes one way in sign, a stray factor one way in magnitude)."""
    failing: set[str] = set()
    signs: set[tuple[str, float]] = set()
    narrow = False
    for observation in observations:
        for output, expected in observation.expected.items():
            got = observation.got.get(output)
            is_float32 = type(got) is np.ndarray and got.dtype == np.float32
            if not is_float32 and same_array(got, expected, tolerance):
                continue
            differences = float32_differences(got, expected)
            if differences is None:
                return None
            failing.add(output)
            narrow = narrow or is_float32
            difference, at = differences
            signs.update(("sign", value) for value in np.sign(difference).tolist())
            signs.update(("size", value) for value in np.sign(difference * np.sign(at)).tolist())
    if not failing or not (narrow or len(signs) == 4):
        return None
    outputs = ", ".join(sorted(failing))
    return Diagnosis(f"{part_name}.computes_in_float32",
                     f"your {outputs} agrees with the reference only to float32's precision (about 1e-7): your "
                     "code computes in float32 somewhere (dtype=np.float32, astype); compute in float64")


def all_explained(observations: Sequence[Observation], detector: Callable[[np.ndarray, np.ndarray], bool],
                  tolerance: float = 1e-6) -> bool:
    """Every differing output of every case fits the pattern, and at least one case shows it clearly."""
    seen = False
    for observation in observations:
        for output, expected in observation.expected.items():
            got = observation.got.get(output)
            if same_array(got, expected, tolerance):
                continue
            if type(got) is not np.ndarray or not detector(got, expected):
                return False
            if np.count_nonzero(np.abs(expected) > SMALL) >= 4:
                seen = True
    return seen


def describe_factor(outputs: str, observations: Sequence[Observation]) -> str:
    for observation in observations:
        for output, expected in observation.expected.items():
            got = observation.got.get(output)
            if type(got) is np.ndarray and not same_array(got, expected, 1e-6):
                factor = constant_factor(got, expected)
                if factor is not None:
                    return (f"your {outputs} is {factor:.3g} times the right value: look for a stray factor, "
                            "a mean instead of a sum, or a missing or extra term")
    return f"your {outputs} is off by a constant factor"


DETECTORS: tuple[tuple[str, Callable[[np.ndarray, np.ndarray], bool],
                       Callable[[str, Sequence[Observation]], str]], ...] = (
    ("transposed_output", is_transposed,
     lambda outputs, _: f"your {outputs} is the transpose of the right answer: check which side of @ "
                        "each factor goes and transpose where the shapes say so"),
    ("wrong_sign", is_negated,
     lambda outputs, _: f"your {outputs} has the right size but the opposite sign: look for a minus sign"),
    ("constant_factor", is_scaled, describe_factor),
    ("shifted_by_one_step", is_shifted,
     lambda outputs, _: f"your {outputs} is shifted by one time step: step t must be stored at index t"),
    ("time_reversed", is_time_reversed,
     lambda outputs, _: f"your {outputs} holds the right steps in reverse time order: step t belongs at index t"),
    ("only_last_step", is_only_last_step,
     lambda outputs, _: f"only the last time step of your {outputs} is filled in; store every step's value"),
    ("last_step_missing", is_last_step_missing,
     lambda outputs, _: f"your {outputs} is right at every step but the last, which stays zero: the time loop "
                        "stops one step early (range(T) runs t = 0 .. T - 1)"),
    ("returns_last_step_only", is_last_step_alone,
     lambda outputs, _: f"your {outputs} holds the last time step's value alone, without the time axis; return "
                        "every step's, stacked on axis 1"),
    ("wrong_shape", is_reshaped,
     lambda outputs, _: f"your {outputs} has the right values in the wrong shape, with an axis of length 1 too "
                        "many or too few: look for keepdims=True, a squeeze or a reshape"),
)
# every id kind a detector gives, "<failing part>.<kind>" (the table's, and those checked before or after it)
GENERIC_KINDS = (*(name for name, _, _ in DETECTORS), "outputs_in_wrong_order", "returns_extra_values",
                 "computes_in_float32")
