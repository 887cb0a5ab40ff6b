"""Numerical gradients by central differences, computed in the parent.

For a forward F and upstream gradients u_k of its outputs, the loss is

    L(theta) = sum_k sum(u_k * F(theta)_k)

and dL/dtheta_j = (L(theta + eps e_j) - L(theta - eps e_j)) / (2 eps).

The forward's outputs at the perturbed points come from the child (the
student's own forward) or from a function of the grader; either way the
parent builds the differences itself. Element-wise forwards are perturbed
all at once, because their Jacobian is diagonal. The stacks from the child
are checked before any arithmetic: a student forward that returns the wrong
shape makes the check impossible (StackError), never a broadcasting accident.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from grader.engine.parts import NumericalSetup

EPSILON = 1e-6
NUMERICAL_TOLERANCE = 1e-5

Perturbation = tuple[int, "str | None", int, float]


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


def perturbations_for(setup: NumericalSetup, epsilon: float = EPSILON) -> list[Perturbation]:
    """The list of (argument index, dict key, flat index or -1, delta) to evaluate, in pairs (+eps, -eps)."""
    plan: list[Perturbation] = []
    for _, argument_index, key, elementwise in setup.targets:
        if elementwise:
            plan += [(argument_index, key, -1, epsilon), (argument_index, key, -1, -epsilon)]
            continue
        size = target_array(setup.forward_args, argument_index, key).size
        for flat_index in range(size):
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
                        epsilon: float = EPSILON) -> dict[str, np.ndarray]:
    """Turn the forward's outputs at every perturbation into dL/d(target), by name.

    Raises:
        StackError: a stack does not hold one output of the expected shape per perturbation.
    """
    stacks = checked_stacks(setup, plan, stacks)
    losses = sum(np.sum(stack * upstream, axis=tuple(range(1, stack.ndim)))
                 for stack, (_, upstream) in zip(stacks, setup.upstream))
    gradients: dict[str, np.ndarray] = {}
    position = 0
    for name, argument_index, key, elementwise in setup.targets:
        shape = target_array(setup.forward_args, argument_index, key).shape
        if elementwise:
            # diagonal Jacobian: each output element moves only with its own input element
            plus, minus = position, position + 1
            derivative = sum((stack[plus] - stack[minus]) * upstream
                             for stack, (_, upstream) in zip(stacks, setup.upstream))
            gradients[name] = np.asarray(derivative) / (2 * epsilon)
            position += 2
            continue
        size = int(np.prod(shape))
        pairs = np.asarray(losses[position:position + 2 * size]).reshape(size, 2)
        gradients[name] = ((pairs[:, 0] - pairs[:, 1]) / (2 * epsilon)).reshape(shape)
        position += 2 * size
    return gradients
