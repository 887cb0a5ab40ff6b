"""Numerical gradients by central differences, computed in the parent.

For a forward F and upstream gradients u_k of its outputs, the loss is

    L(theta) = sum_k sum(u_k * F(theta)_k)

and dL/dtheta_j = (L(theta + eps e_j) - L(theta - eps e_j)) / (2 eps).

A gradient with more than DIRECTIONS elements is measured along DIRECTIONS
random unit directions v instead of every e_j (the "fast mode" of
torch.autograd.gradcheck): (L(theta + eps v) - L(theta - eps v)) / (2 eps) is
<dL/dtheta, v>, compared with the student's gradient projected on the same v.
A wrong gradient agrees on a random direction with probability zero, and the
forward runs 2 * DIRECTIONS times per gradient instead of twice per element.
The directions are drawn from the case's own upstream gradients, so each
seed has its own.

The forward's outputs at the perturbed points come from the child (the
student's own forward) or from a function of the grader; either way the
parent builds the differences itself. Element-wise forwards are perturbed
all at once, because their Jacobian is diagonal. The stacks from the child
are checked before any arithmetic: a student forward that returns the wrong
shape makes the check impossible (StackError), never a broadcasting accident.

The step suits a float64 forward. A forward that computes in float32 makes
central differences at eps = 1e-6 rounding noise (a relative error of about
0.1), so `precision_of` looks at the forward's outputs first: values that are
all exactly float32 (or float16) numbers, or a derivative that a step of 1e-9
cannot see while a step of 1e-4 can. A float32 forward is then checked with
a step suited to it and a wider tolerance; a float16 one is not checked at all.
"""
from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from grader.engine.compare import tensor_relative_error
from grader.engine.parts import NumericalSetup

EPSILON = FLOAT64_EPSILON = 1e-6
NUMERICAL_TOLERANCE = 1e-5
DIRECTIONS = 3  # random directions per gradient too large to measure element by element

# (argument index, dict key or None, flat index or -1 for the whole array, delta: a number or an array)
Perturbation = tuple[int, "str | None", int, "float | np.ndarray"]

PROBE_STEPS = (1e-9, 1e-4)  # a step float32 cannot resolve, and one it can
NOISE_LIMIT = 1e-2          # the probe's disagreement above which the forward is not float64-precise


@dataclass(frozen=True)
class Precision:
    """How precisely the forward computes, and how the numerical check treats it.

    Args:
        name: "float64", "float32" or "float16": the precision the outputs show.
        how: how it was seen, for the message ("" for float64).
        epsilon: the central-difference step to use.
        tolerance: the largest norm-wise relative error that passes.
        meaningful: False when no step gives a numerical gradient worth comparing.
    """

    name: str
    how: str = ""
    epsilon: float = 1e-6
    tolerance: float = 1e-5
    meaningful: bool = True

    @property
    def reduced(self) -> bool:
        return self.name != "float64"


FLOAT64 = Precision("float64")
# float32: the best step is about the cube root of its unit roundoff; the error left is about 1e-5
FLOAT32_EPSILON = 5e-3
FLOAT32_TOLERANCE = 1e-3


class StackError(ValueError):
    """The forward's outputs at the perturbed points cannot be used for the check.

    Args:
        output_index: which output of the forward (None: its whole result).
        got: the shape of one output as it came back (or a description of what did).
        expected: the shape the check needs, that of the upstream gradient.
    """

    def __init__(self, output_index: int | None, got: tuple[int, ...] | str, expected: tuple[int, ...]) -> None:
        super().__init__(f"output {output_index}: got {got}, expected {expected}")
        self.output_index = output_index
        self.got = got
        self.expected = expected


def target_array(args: tuple[Any, ...], argument_index: int, key: str | None) -> np.ndarray:
    value = args[argument_index]
    return value if key is None else value[key]


@dataclass(frozen=True)
class Estimate:
    """What central differences measured of one gradient.

    Args:
        values: the gradient itself (the target's shape), or its projections on `directions`, shape (k,).
        directions: None, or k unit directions, shape (k,) + the target's shape.
    """

    values: np.ndarray
    directions: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape the student's gradient must have."""
        return self.values.shape if self.directions is None else self.directions.shape[1:]

    @property
    def largest(self) -> float:
        """The largest magnitude measured (0 for a forward that does not move with this argument)."""
        return float(np.abs(self.values).max(initial=0.0))

    def error_of(self, student: np.ndarray) -> float:
        """Norm-wise relative error of a float64 gradient of `shape` against what was measured
        (infinite when it holds NaN or infinity, which its projections keep)."""
        measured = student if self.directions is None else np.tensordot(self.directions, student, axes=student.ndim)
        return tensor_relative_error(measured, self.values)


def directions_for(setup: NumericalSetup, target_index: int, shape: tuple[int, ...]) -> np.ndarray | None:
    """DIRECTIONS random unit directions of `shape`, (DIRECTIONS,) + shape; None for a small target,
    measured element by element. Drawn from the case's upstream gradients: the same for the same case."""
    if int(np.prod(shape)) <= DIRECTIONS:
        return None
    upstream = np.ascontiguousarray(setup.upstream[0][1], dtype=np.float64) if setup.upstream else np.zeros(0)
    return unit_directions(zlib.crc32(upstream.tobytes()), target_index, tuple(shape))


@functools.lru_cache(maxsize=256)
def unit_directions(upstream_crc: int, target_index: int, shape: tuple[int, ...]) -> np.ndarray:
    # asked for twice per target (the plan, then the differences), the same on the same case
    rng = np.random.default_rng([upstream_crc, target_index])
    directions = rng.standard_normal((DIRECTIONS,) + shape)
    norms = np.sqrt(np.sum(directions ** 2, axis=tuple(range(1, directions.ndim)), keepdims=True))
    directions = directions / norms
    directions.flags.writeable = False
    return directions


def perturbations_for(setup: NumericalSetup, epsilon: float = EPSILON) -> list[Perturbation]:
    """The perturbations to evaluate, in pairs (+eps, -eps): the whole of an element-wise target,
    each element of a small one, each of DIRECTIONS directions of a larger one."""
    plan: list[Perturbation] = []
    for target_index, (_, argument_index, key, elementwise) in enumerate(setup.targets):
        if elementwise:
            plan += [(argument_index, key, -1, epsilon), (argument_index, key, -1, -epsilon)]
            continue
        shape = target_array(setup.forward_args, argument_index, key).shape
        directions = directions_for(setup, target_index, shape)
        if directions is not None:
            for direction in directions:
                plan += [(argument_index, key, -1, epsilon * direction), (argument_index, key, -1, -epsilon * direction)]
            continue
        for flat_index in range(int(np.prod(shape))):
            plan += [(argument_index, key, flat_index, epsilon), (argument_index, key, flat_index, -epsilon)]
    return plan


def output_indices(setup: NumericalSetup) -> list[int | None]:
    return [index for index, _ in setup.upstream]


def evaluate_locally(forward: Callable[..., Any], setup: NumericalSetup,
                     plan: list[Perturbation]) -> list[np.ndarray]:
    """Evaluate a grader-side forward at each perturbation; returns one stack per output."""
    stacks: list[list[np.ndarray]] = [[] for _ in setup.upstream]
    for argument_index, key, flat_index, delta in plan:
        args = [dict(value) if isinstance(value, dict) else value for value in setup.forward_args]
        base = target_array(tuple(args), argument_index, key)
        moved = base.copy()
        if flat_index < 0:
            moved += delta
        else:
            moved.reshape(-1)[flat_index] += delta
        if key is None:
            args[argument_index] = moved
        else:
            args[argument_index][key] = moved
        result = forward(*args)
        for slot, (output_index, _) in enumerate(setup.upstream):
            stacks[slot].append(np.asarray(result if output_index is None else result[output_index]))
    return [np.stack(stack) for stack in stacks]


def checked_stacks(setup: NumericalSetup, plan: list[Perturbation], stacks: list[Any]) -> list[np.ndarray]:
    """The stacks as float64, each of shape (len(plan),) + its upstream's shape; else StackError."""
    if len(stacks) != len(setup.upstream):
        raise StackError(None, f"{len(stacks)} stacked outputs", (len(setup.upstream),))
    checked = []
    for stack, (output_index, upstream) in zip(stacks, setup.upstream):
        if type(stack) is not np.ndarray or stack.dtype.kind not in "biuf":
            what = f"dtype {stack.dtype}" if isinstance(stack, np.ndarray) else type(stack).__name__
            raise StackError(output_index, what, upstream.shape)
        if stack.shape != (len(plan),) + upstream.shape:
            if stack.ndim == 0 or stack.shape[0] != len(plan):
                raise StackError(output_index, f"{stack.shape[0] if stack.ndim else 0} evaluations for "
                                               f"{len(plan)} perturbations", upstream.shape)
            raise StackError(output_index, stack.shape[1:], upstream.shape)
        checked.append(stack.astype(np.float64, copy=False))
    return checked


def numerical_gradients(setup: NumericalSetup, plan: list[Perturbation], stacks: list[np.ndarray],
                        epsilon: float = EPSILON) -> dict[str, Estimate]:
    """Turn the forward's outputs at every perturbation into an estimate of dL/d(target), by name.

    Raises:
        StackError: a stack does not hold one output of the expected shape per perturbation.
    """
    stacks = checked_stacks(setup, plan, stacks)
    losses = sum(np.sum(stack * upstream, axis=tuple(range(1, stack.ndim)))
                 for stack, (_, upstream) in zip(stacks, setup.upstream))
    gradients: dict[str, Estimate] = {}
    position = 0
    for target_index, (name, argument_index, key, elementwise) in enumerate(setup.targets):
        shape = target_array(setup.forward_args, argument_index, key).shape
        if elementwise:
            # diagonal Jacobian: each output element moves only with its own input element
            plus, minus = position, position + 1
            derivative = sum((stack[plus] - stack[minus]) * upstream
                             for stack, (_, upstream) in zip(stacks, setup.upstream))
            gradients[name] = Estimate(np.asarray(derivative) / (2 * epsilon))
            position += 2
            continue
        directions = directions_for(setup, target_index, shape)
        count = int(np.prod(shape)) if directions is None else len(directions)
        pairs = np.asarray(losses[position:position + 2 * count]).reshape(count, 2)
        measured = (pairs[:, 0] - pairs[:, 1]) / (2 * epsilon)
        gradients[name] = Estimate(measured.reshape(shape)) if directions is None else Estimate(measured, directions)
        position += 2 * count
    return gradients


def probe_plan(setup: NumericalSetup) -> list[Perturbation]:
    """Four more evaluations, appended to the plan: the first target shifted as a whole by +-each probe step."""
    _, argument_index, key, _ = setup.targets[0]
    return [(argument_index, key, -1, sign * step) for step in PROBE_STEPS for sign in (1.0, -1.0)]


def exact_format(stacks: list[np.ndarray]) -> str:
    """ "float16" or "float32" when every value of the stacks is exactly such a number, else "float64".

    Values that are whole numbers (0, 1, a saturated gate) say nothing and are left out; a
    float64 computation gives an exact float32 number about once in 5e8 values.
    """
    values = np.concatenate([stack.reshape(-1) for stack in stacks]) if stacks else np.empty(0)
    values = values[np.isfinite(values)]
    values = values[values != np.round(values)]
    if values.size == 0:
        return "float64"
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for name in ("float16", "float32"):
            if np.array_equal(values.astype(name).astype(np.float64), values):
                return name
    return "float64"


def probe_disagreement(probe: list[np.ndarray]) -> float | None:
    """How far the forward's derivative along the probe direction at a step of 1e-9 is from that at 1e-4.

    About 1e-7 for a float64 forward; of order 1 for one that rounds to float32 anywhere. None
    when the forward hardly moves along the probe direction (nothing to tell).
    """
    small, large = PROBE_STEPS
    difference = scale = 0.0
    for stack in probe:
        fine = (stack[0] - stack[1]) / (2 * small)
        coarse = (stack[2] - stack[3]) / (2 * large)
        difference += float(np.linalg.norm(fine - coarse))
        scale += float(np.linalg.norm(coarse))
    if not (np.isfinite(difference) and np.isfinite(scale)) or scale < 1e-8:
        return None
    return difference / scale


def precision_of(stacks: list[np.ndarray], probe: list[np.ndarray]) -> Precision:
    """The precision the forward's outputs show (`stacks` at the plan's points, `probe` at `probe_plan`'s)."""
    shown = exact_format(stacks + probe)
    if shown == "float16":
        return Precision("float16", "its outputs are float16 numbers", meaningful=False)
    if shown == "float32":
        return Precision("float32", "its outputs are float32 numbers", FLOAT32_EPSILON, FLOAT32_TOLERANCE)
    disagreement = probe_disagreement(probe)
    if disagreement is not None and disagreement > NOISE_LIMIT:
        return Precision("float32", "a step of 1e-9 does not move its outputs as a step of 1e-4 does: float32 "
                                    "somewhere inside?", FLOAT32_EPSILON, FLOAT32_TOLERANCE)
    return FLOAT64
