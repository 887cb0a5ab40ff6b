"""The one list of gradable parts: name, group, points, cases and how each is checked.

Everything else (the CLI's --part choices, the report's order, the gradebook
columns, the pytest plugin) reads `PARTS`. Core points add up to 100; the
backward parts weigh more than the forward ones because they are harder.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from grader.lstm import cases as C
from grader.lstm.cases import Case

@dataclass(frozen=True)
class NumericalSetup:
    """How to check a backward part against central differences of a forward.

    Args:
        forward_args: arguments of the forward function at the base point.
        upstream: (output index or None for the whole result, dL/d that output);
            the loss is L = sum over outputs of sum(upstream * output).
        targets: (gradient name, argument index, dict key or None, element-wise);
            element-wise targets are perturbed all at once (a diagonal Jacobian).
    """

    forward_args: tuple[Any, ...]
    upstream: tuple[tuple[int | None, np.ndarray], ...]
    targets: tuple[tuple[str, int, str | None, bool], ...]


@dataclass(frozen=True)
class Part:
    """One gradable function of the contract.

    Args:
        name: the contract's function name; also the part's name.
        group: "forward", "backward" or "bonus".
        points: points for a full pass.
        arg_names: argument names in contract order (for messages).
        output_names: names of the returned values; "grads" expands to dW_f, ...;
            "cache" stays in the child and is never compared.
        make_cases: seed -> cases.
        hint: one sentence that points the student in the right direction.
        forward: for a backward part, the student function it differentiates.
        local_forward: for a backward part whose forward no stub computes alone
            (np.tanh, the gate's affine map), that forward, run by the grader.
        cache_from: for a backward part that takes a cache, the student forward
            that makes it; its outputs are checked first.
        numerical: builds the numerical gradient check from the gradient-check case.
        checker: "values" (compare with the reference), "backward" (reference plus
            numerical gradients), or a function (part, context) -> PartResult.
    """

    name: str
    group: str
    points: float
    arg_names: tuple[str, ...]
    output_names: tuple[str, ...]
    make_cases: Callable[[int], list[Case]]
    hint: str
    checker: str | Callable[..., Any] = "values"
    forward: str | None = None
    local_forward: Callable[..., Any] | None = None
    cache_from: str | None = None
    numerical: Callable[[Case], NumericalSetup] | None = None
    tolerance: float = 1e-6
    topic: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def kept_outputs(self) -> tuple[int, ...]:
        return tuple(index for index, name in enumerate(self.output_names) if name == "cache")


def stable_sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


GATE_SYMBOL = {"forget_gate": "f", "input_gate": "i", "candidate": "g", "output_gate": "o"}


def sigmoid_cases(seed: int) -> list[Case]:
    found = [Case(label, tuple(arrays)) for label, arrays, _ in C.elementwise_cases(seed, "sigmoid", 1)]
    big = np.array([[-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4]])
    return found + [Case("extremes |z| up to 1e4 (public)", (big,))]


def gate_cases(gate: str) -> Callable[[int], list[Case]]:
    def make(seed: int) -> list[Case]:
        found = []
        for case in C.cell_cases(seed, gate):
            params = case["params"]
            key = GATE_SYMBOL[gate]
            found.append(Case(case["label"], (case["x"], case["h_prev"], params["W_" + key],
                                              params["U_" + key], params["b_" + key])))
        return found
    return make


def cell_update_cases(seed: int) -> list[Case]:
    found = []
    for label, (c_prev, f, i, g), _ in C.elementwise_cases(seed, "cell_update", 4, extreme=False):
        found.append(Case(label, (c_prev, stable_sigmoid(f), stable_sigmoid(i), np.tanh(g))))
    return found


def hidden_state_cases(seed: int) -> list[Case]:
    return [Case(label, (3.0 * c, stable_sigmoid(o)))
            for label, (c, o), _ in C.elementwise_cases(seed, "hidden_state", 2)]


def cell_forward_cases(seed: int) -> list[Case]:
    return [Case(case["label"], (case["x"], case["h_prev"], case["c_prev"], case["params"]))
            for case in C.cell_cases(seed, "lstm_cell_forward")]


def sequence_forward_cases(seed: int) -> list[Case]:
    return [Case(case["label"], (case["x"], case["h0"], case["c0"], case["params"]))
            for case in C.sequence_cases(seed, "lstm_forward")]


def activation_backward_cases(name: str, activation: Callable[[np.ndarray], np.ndarray]
                              ) -> Callable[[int], list[Case]]:
    def make(seed: int) -> list[Case]:
        found = []
        for label, (upstream, z), gradient_check in C.elementwise_cases(seed, name, 2):
            found.append(Case(label, (upstream, activation(z)), {"z": z}, gradient_check))
        return found
    return make


def activation_numerical(case: Case) -> NumericalSetup:
    """d/dz of the activation at z (kept in case.extra), with the upstream gradient as the loss weights."""
    return NumericalSetup((case.extra["z"],), ((None, case.args[0]),), (("dz", 0, None, True),))


def hidden_state_backward_cases(seed: int) -> list[Case]:
    return [Case(label, (dh, 2.0 * c, stable_sigmoid(o)), {}, gradient_check)
            for label, (dh, c, o), gradient_check in C.elementwise_cases(seed, "hidden_state_backward", 3)]


def hidden_state_numerical(case: Case) -> NumericalSetup:
    dh, c, o = case.args
    return NumericalSetup((c, o), ((None, dh),), (("dc", 0, None, True), ("do", 1, None, True)))


def cell_update_backward_cases(seed: int) -> list[Case]:
    found = []
    for label, (dc, c_prev, f, i, g), gradient_check in C.elementwise_cases(
            seed, "cell_update_backward", 5, extreme=False):
        found.append(Case(label, (dc, c_prev, stable_sigmoid(f), stable_sigmoid(i), np.tanh(g)),
                          {}, gradient_check))
    return found


def cell_update_numerical(case: Case) -> NumericalSetup:
    dc, c_prev, f, i, g = case.args
    return NumericalSetup((c_prev, f, i, g), ((None, dc),),
                          (("dc_prev", 0, None, True), ("df", 1, None, True),
                           ("di", 2, None, True), ("dg", 3, None, True)))


def gate_backward_cases(seed: int) -> list[Case]:
    rng = C.part_rng(seed, "gate_backward:upstream")
    found = []
    for case in C.cell_cases(seed, "gate_backward"):
        params = case["params"]
        dz = rng.standard_normal(case["h_prev"].shape)
        found.append(Case(case["label"], (dz, case["x"], case["h_prev"], params["W_f"], params["U_f"]),
                          {"b": params["b_f"]}, case.get("gradient_check", False)))
    return found


def affine(x: np.ndarray, h_prev: np.ndarray, W: np.ndarray, U: np.ndarray, b: np.ndarray) -> np.ndarray:
    """z = x W + h_prev U + b: the pre-activation that gate_backward differentiates."""
    return x @ W + h_prev @ U + b


def gate_numerical(case: Case) -> NumericalSetup:
    dz, x, h_prev, W, U = case.args
    return NumericalSetup((x, h_prev, W, U, case.extra["b"]), ((None, dz),),
                          (("dx", 0, None, False), ("dh_prev", 1, None, False), ("dW", 2, None, False),
                           ("dU", 3, None, False), ("db", 4, None, False)))


def cell_backward_cases(seed: int) -> list[Case]:
    return step_backward_cases(seed, "lstm_cell_backward", C.cell_cases(seed, "lstm_cell_backward"))


def step_backward_cases(seed: int, part_name: str, step_cases: list[dict[str, Any]]) -> list[Case]:
    """Cases of a one-step backward: upstream (dh, dc), the forward's inputs kept aside for its cache."""
    rng = C.part_rng(seed, f"{part_name}:upstream")
    found = []
    for case in step_cases:
        forward_args = (case["x"], case["h_prev"], case["c_prev"], case["params"])
        dh = rng.standard_normal(case["h_prev"].shape)
        dc = rng.standard_normal(case["h_prev"].shape)
        found.append(Case(case["label"], (dh, dc), {"forward_args": forward_args},
                          case.get("gradient_check", False)))
    return found


def param_targets(argument_index: int) -> tuple[tuple[str, int, str | None, bool], ...]:
    return tuple(("d" + name, argument_index, name, False) for name in C.PARAM_NAMES)


def cell_numerical(case: Case) -> NumericalSetup:
    dh, dc = case.args
    targets = (("dx", 0, None, False), ("dh_prev", 1, None, False), ("dc_prev", 2, None, False))
    return NumericalSetup(case.extra["forward_args"], ((0, dh), (1, dc)), targets + param_targets(3))


def sequence_backward_cases(seed: int) -> list[Case]:
    rng = C.part_rng(seed, "lstm_backward:upstream")
    found = []
    for case in C.sequence_cases(seed, "lstm_backward"):
        forward_args = (case["x"], case["h0"], case["c0"], case["params"])
        N, T = case["x"].shape[:2]
        H = case["h0"].shape[1]
        found.append(Case(case["label"], (rng.standard_normal((N, T, H)),), {"forward_args": forward_args},
                          case.get("gradient_check", False)))
    return found


def sequence_numerical(case: Case) -> NumericalSetup:
    (dh,) = case.args
    targets = (("dx", 0, None, False), ("dh0", 1, None, False), ("dc0", 2, None, False))
    return NumericalSetup(case.extra["forward_args"], ((0, dh),), targets + param_targets(3))


def gate_part(name: str, symbol: str, activation: str, hint: str) -> Part:
    return Part(name, "forward", 4, ("x", "h_prev", f"W_{symbol}", f"U_{symbol}", f"b_{symbol}"),
                (symbol,), gate_cases(name), hint, topic="part1_cell_forward")


PARTS: tuple[Part, ...] = (
    Part("sigmoid", "forward", 3, ("z",), ("s",), sigmoid_cases,
         "sigmoid(z) = 1 / (1 + exp(-z)); for z < 0 use exp(z) / (1 + exp(z)) so exp never overflows.",
         topic="part1_cell_forward",
         extra={"no_warnings": "the contract asks for a stable sigmoid: no overflow warning for |z| up to "
                               "1e4; compute exp only of non-positive numbers"}),
    gate_part("forget_gate", "f", "sigmoid",
              "A gate is a sigmoid of an affine map of x and h_prev: f = sigmoid(x @ W_f + h_prev @ U_f + b_f)."),
    gate_part("input_gate", "i", "sigmoid",
              "The input gate has the same form as the forget gate, with its own weights W_i, U_i, b_i."),
    gate_part("candidate", "g", "tanh",
              "The candidate is not a gate: it uses tanh, so its values lie in (-1, 1)."),
    gate_part("output_gate", "o", "sigmoid",
              "The output gate is a sigmoid like the forget and input gates, with W_o, U_o, b_o."),
    Part("cell_update", "forward", 4, ("c_prev", "f", "i", "g"), ("c",), cell_update_cases,
         "Keep part of the old cell and write part of the candidate: c = f * c_prev + i * g.",
         topic="part1_cell_forward"),
    Part("hidden_state", "forward", 4, ("c", "o"), ("h",), hidden_state_cases,
         "Squash the new cell with tanh, then gate it: h = o * tanh(c).", topic="part1_cell_forward"),
    Part("lstm_cell_forward", "forward", 8, ("x", "h_prev", "c_prev", "params"), ("h", "c", "cache"),
         cell_forward_cases,
         "Compute f, i, g, o from (x, h_prev), then c from c_prev, then h from c; return (h, c, cache).",
         topic="part1_cell_forward"),
    Part("lstm_forward", "forward", 10, ("x", "h0", "c0", "params"), ("h", "c", "cache"),
         sequence_forward_cases,
         "Loop t = 0..T-1 over x[:, t], feeding each step's h and c into the next; store every step's states.",
         topic="part3_sequence"),
    Part("sigmoid_backward", "backward", 4, ("ds", "s"), ("dz",),
         activation_backward_cases("sigmoid_backward", stable_sigmoid),
         "Use the output: d sigmoid/dz = s * (1 - s), times the upstream ds.",
         checker="backward", forward="sigmoid", numerical=activation_numerical, topic="part2_cell_backward"),
    Part("tanh_backward", "backward", 4, ("dt", "t"), ("dz",),
         activation_backward_cases("tanh_backward", np.tanh),
         "Use the output: d tanh/dz = 1 - t**2, times the upstream dt.",
         checker="backward", local_forward=np.tanh, numerical=activation_numerical,
         topic="part2_cell_backward"),
    Part("hidden_state_backward", "backward", 6, ("dh", "c", "o"), ("dc", "do"), hidden_state_backward_cases,
         "h = o * tanh(c): do = dh * tanh(c), and dc = dh * o * (1 - tanh(c)**2).",
         checker="backward", forward="hidden_state", numerical=hidden_state_numerical,
         topic="part2_cell_backward"),
    Part("cell_update_backward", "backward", 6, ("dc", "c_prev", "f", "i", "g"), ("dc_prev", "df", "di", "dg"),
         cell_update_backward_cases,
         "c = f * c_prev + i * g is a sum of products: each factor's gradient is dc times the other factor.",
         checker="backward", forward="cell_update", numerical=cell_update_numerical,
         topic="part2_cell_backward"),
    Part("gate_backward", "backward", 8, ("dz", "x", "h_prev", "W", "U"), ("dx", "dh_prev", "dW", "dU", "db"),
         gate_backward_cases,
         "For z = x W + h_prev U + b: dx = dz W^T, dW = x^T dz, and db sums dz over the batch.",
         checker="backward", local_forward=affine, numerical=gate_numerical, topic="part2_cell_backward"),
    Part("lstm_cell_backward", "backward", 12, ("dh", "dc", "cache"), ("dx", "dh_prev", "dc_prev", "grads"),
         cell_backward_cases,
         "Add the dc that arrives through h to the upstream dc, then go back through the cell update and each gate.",
         checker="backward", forward="lstm_cell_forward", cache_from="lstm_cell_forward",
         numerical=cell_numerical, topic="part2_cell_backward"),
    Part("lstm_backward", "backward", 15, ("dh", "cache"), ("dx", "dh0", "dc0", "grads"),
         sequence_backward_cases,
         "Walk t from T-1 down to 0; carry dh and dc back to the previous step and add up the parameter gradients.",
         checker="backward", forward="lstm_forward", cache_from="lstm_forward",
         numerical=sequence_numerical, topic="part3_sequence"),
)

def all_parts() -> tuple[Part, ...]:
    """Core parts, then bonus parts, in the order a student learns them."""
    from grader.lstm.bonus import BONUS_PARTS  # late: bonus parts are built from this module's pieces

    return PARTS + tuple(BONUS_PARTS)


def part_names() -> list[str]:
    return [part.name for part in all_parts()]


def get_part(name: str) -> Part:
    for part in all_parts():
        if part.name == name:
            return part
    raise KeyError(f"no part named {name!r}; parts are: {', '.join(part_names())}")

