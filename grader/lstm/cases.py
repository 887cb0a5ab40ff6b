"""Test cases for every part: fixed public inputs plus seeded random ones.

Shapes are chosen to catch shape bugs: in the main cases N, T, D and H are
all different, so a transposed weight or a sum over the wrong axis changes a
shape or a value. Edge cases add N = 1, H = 1, T = 1, saturated gates (large
pre-activations) and all-zero inputs; the parts built on the cell also get an
extreme case, with pre-activations and cell states in the hundreds and
thousands, where an exp-based tanh or sigmoid overflows. One small,
non-saturated case per backward part is marked `gradient_check` for the
numerical gradient check (central differences mean nothing at saturation).
"""
from __future__ import annotations

import functools
import zlib
from typing import Any

import numpy as np

from grader.engine.parts import Case

GATE_KEYS = ("f", "i", "g", "o")
PARAM_NAMES = tuple(f"{kind}_{gate}" for gate in GATE_KEYS for kind in ("W", "U", "b"))

MAIN = {"N": 3, "T": 5, "D": 4, "H": 6}
GRADIENT_CHECK = {"N": 2, "T": 3, "D": 4, "H": 5}

EXTREME = "extreme: pre-activations in the hundreds and thousands,"
# exp overflows beyond 709.78, so an exp-ratio tanh gives inf / inf = NaN there. The candidate and
# the cell state go well beyond; the sigmoid gates stay below it, in the hundreds: the sigmoid's own
# cases go to 1e4 and tell an overflowing sigmoid apart, and tanh has no part of its own.
SIGMOID_GATE_BOUND = 600.0
CANDIDATE_BOUND = 6000.0
EXTREME_CELL_SCALE = 2000.0


def part_rng(seed: int, part_name: str) -> np.random.Generator:
    """A generator per (seed, part), so adding a part never changes another's cases."""
    return np.random.default_rng([seed, zlib.crc32(part_name.encode())])


def linspace_array(shape: tuple[int, ...], low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """Fixed, readable values for the public case: evenly spaced, reshaped (a fresh copy each time)."""
    return evenly_spaced(tuple(shape), low, high).copy()


@functools.lru_cache(maxsize=1024)
def evenly_spaced(shape: tuple[int, ...], low: float, high: float) -> np.ndarray:
    # the same for every student and seed, and asked for hundreds of times a grading
    size = int(np.prod(shape)) if shape else 1
    values = np.linspace(low, high, size).reshape(shape)
    values.flags.writeable = False
    return values


def make_params(rng: np.random.Generator | None, D: int, H: int, scale: float = 0.5,
                fixed: bool = False) -> dict[str, np.ndarray]:
    """The 12 LSTM parameters, W_k (D, H), U_k (H, H), b_k (H,)."""
    shapes = {"W": (D, H), "U": (H, H), "b": (H,)}
    if fixed or rng is None:
        # distinct per parameter so swapping two of them is visible
        return {name: scale * linspace_array(shapes[name[0]], -1.0 + 0.05 * offset, 1.0 - 0.03 * offset)
                for offset, name in enumerate(PARAM_NAMES)}
    # one draw cut into the twelve: the same numbers as a draw per parameter, in that order
    sizes = [int(np.prod(shapes[name[0]])) for name in PARAM_NAMES]
    pieces = np.split(scale * rng.standard_normal(sum(sizes)), np.cumsum(sizes)[:-1])
    return {name: piece.reshape(shapes[name[0]]) for name, piece in zip(PARAM_NAMES, pieces)}


def sizes_label(sizes: dict[str, int], seed: int | None, kind: str = "") -> str:
    dims = " ".join(f"{key}={value}" for key, value in sizes.items())
    prefix = f"{kind} " if kind else ""
    return f"{prefix}{dims}" + (f" (seed {seed})" if seed is not None else " (public)")


def shape_variants(with_time: bool) -> list[tuple[str, dict[str, int], float]]:
    """(kind, sizes, weight scale): the main shape first, then the edge cases."""
    keys = ("N", "T", "D", "H") if with_time else ("N", "D", "H")

    def pick(values: dict[str, int]) -> dict[str, int]:
        return {key: values[key] for key in keys}

    variants = [
        ("", pick(MAIN), 0.5),
        ("", pick({**MAIN, "N": 1}), 0.5),
        ("", pick({**MAIN, "H": 1}), 0.5),
        # D = H: x @ U and h_prev @ W run, so a mix-up of x and h_prev gives numbers, not the same shape error
        ("", pick({**MAIN, "D": MAIN["H"]}), 0.5),
        ("saturated", pick(MAIN), 12.0),
    ]
    if with_time:
        variants.insert(3, ("", pick({**MAIN, "T": 1}), 0.5))
    return variants


def extreme_params(rng: np.random.Generator, x_rows: np.ndarray, H: int) -> dict[str, np.ndarray]:
    """The 12 parameters scaled gate by gate so that, for these inputs and any |h_prev| <= 1, a
    sigmoid gate's pre-activation stays within SIGMOID_GATE_BOUND and the candidate's within
    CANDIDATE_BOUND (which it reaches to within a small factor)."""
    params = make_params(rng, x_rows.shape[1], H, 1.0)
    for gate in GATE_KEYS:
        W, U, b = (params[f"{kind}_{gate}"] for kind in "WUb")
        largest = float(np.max(np.abs(x_rows) @ np.abs(W) + np.abs(U).sum(axis=0) + np.abs(b)))
        factor = (CANDIDATE_BOUND if gate == "g" else SIGMOID_GATE_BOUND) / largest
        for kind in "WUb":
            params[f"{kind}_{gate}"] = factor * params[f"{kind}_{gate}"]
    return params


def extreme_cell_state(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """A cell state in the thousands: tanh(c) is +-1 to the last bit, exp(c) is inf."""
    return EXTREME_CELL_SCALE * rng.standard_normal(shape)


def extreme_step_case(seed: int, part_name: str) -> dict[str, Any]:
    """One step at MAIN's sizes with extreme pre-activations and an extreme c_prev."""
    rng = part_rng(seed, part_name + ":extreme")
    N, D, H = MAIN["N"], MAIN["D"], MAIN["H"]
    x = rng.standard_normal((N, D))
    return {"label": sizes_label({"N": N, "D": D, "H": H}, seed, EXTREME), "x": x,
            "h_prev": np.tanh(rng.standard_normal((N, H))), "c_prev": extreme_cell_state(rng, (N, H)),
            "params": extreme_params(rng, x, H)}


def extreme_sequence_case(seed: int, part_name: str) -> dict[str, Any]:
    """A sequence at MAIN's sizes with extreme pre-activations at every step and an extreme c0."""
    rng = part_rng(seed, part_name + ":extreme")
    N, T, D, H = MAIN["N"], MAIN["T"], MAIN["D"], MAIN["H"]
    x = rng.standard_normal((N, T, D))
    return {"label": sizes_label(dict(MAIN), seed, EXTREME), "x": x, "h0": np.tanh(rng.standard_normal((N, H))),
            "c0": extreme_cell_state(rng, (N, H)), "params": extreme_params(rng, x.reshape(-1, D), H)}


def step_inputs(rng: np.random.Generator, sizes: dict[str, int], scale: float) -> dict[str, np.ndarray]:
    N, D, H = sizes["N"], sizes["D"], sizes["H"]
    return {
        "x": rng.standard_normal((N, D)),
        "h_prev": np.tanh(rng.standard_normal((N, H))),
        "c_prev": rng.standard_normal((N, H)),
        "params": make_params(rng, D, H, scale),
    }


def cell_cases(seed: int, part_name: str, extreme: bool = False) -> list[dict[str, Any]]:
    """Inputs of one LSTM step (x, h_prev, c_prev, params) for every variant; with `extreme`,
    the extreme case last."""
    rng = part_rng(seed, part_name)
    fixed = {"N": 2, "D": 3, "H": 4}
    cases = [{
        "label": sizes_label(fixed, None),
        "x": linspace_array((2, 3)),
        "h_prev": linspace_array((2, 4), -0.5, 0.5),
        "c_prev": linspace_array((2, 4), 1.0, -1.0),
        "params": make_params(None, 3, 4, fixed=True),
    }]
    for kind, sizes, scale in shape_variants(with_time=False):
        cases.append({"label": sizes_label(sizes, seed, kind), **step_inputs(rng, sizes, scale)})
    zero = {"N": 2, "D": 3, "H": 4}
    cases.append({"label": "zeros: " + sizes_label(zero, None).replace(" (public)", ""),
                  "x": np.zeros((2, 3)), "h_prev": np.zeros((2, 4)), "c_prev": np.zeros((2, 4)),
                  "params": {name: np.zeros_like(value) for name, value in make_params(None, 3, 4).items()}})
    small = {key: GRADIENT_CHECK[key] for key in ("N", "D", "H")}
    cases.append({"label": sizes_label(small, seed, "gradient check"), **step_inputs(rng, small, 0.5),
                  "gradient_check": True})
    return cases + ([extreme_step_case(seed, part_name)] if extreme else [])


def sequence_cases(seed: int, part_name: str, extreme: bool = False) -> list[dict[str, Any]]:
    """Inputs of a whole sequence (x (N, T, D), h0, c0, params) for every variant; with `extreme`,
    the extreme case last."""
    rng = part_rng(seed, part_name)
    fixed = {"N": 2, "T": 3, "D": 3, "H": 4}
    cases = [{
        "label": sizes_label(fixed, None),
        "x": linspace_array((2, 3, 3)),
        "h0": linspace_array((2, 4), -0.5, 0.5),
        "c0": linspace_array((2, 4), 1.0, -1.0),
        "params": make_params(None, 3, 4, fixed=True),
    }]
    variants = shape_variants(with_time=True) + [("gradient check", dict(GRADIENT_CHECK), 0.5)]
    for kind, sizes, scale in variants:
        N, T, D, H = sizes["N"], sizes["T"], sizes["D"], sizes["H"]
        cases.append({
            "label": sizes_label(sizes, seed, kind),
            "x": rng.standard_normal((N, T, D)),
            "h0": np.tanh(rng.standard_normal((N, H))),
            "c0": rng.standard_normal((N, H)),
            "params": make_params(rng, D, H, scale),
            "gradient_check": kind == "gradient check",
        })
    cases.append({"label": "zeros: N=2 T=3 D=3 H=4", "x": np.zeros((2, 3, 3)), "h0": np.zeros((2, 4)),
                  "c0": np.zeros((2, 4)),
                  "params": {name: np.zeros_like(value) for name, value in make_params(None, 3, 4).items()}})
    return cases + ([extreme_sequence_case(seed, part_name)] if extreme else [])


def elementwise_cases(seed: int, part_name: str, count: int, extreme: bool = True
                      ) -> list[tuple[str, list[np.ndarray], bool]]:
    """`count` same-shaped (N, H) arrays per case: (label, arrays, gradient_check)."""
    rng = part_rng(seed, part_name)
    N, H = MAIN["N"], MAIN["H"]
    cases = [("N=2 H=4 (public)", [linspace_array((2, 4), -2.0 + k, 2.0 - k / 2) for k in range(count)], False),
             (sizes_label({"N": N, "H": H}, seed), [rng.standard_normal((N, H)) for _ in range(count)], True),
             (sizes_label({"N": 1, "H": H}, seed), [rng.standard_normal((1, H)) for _ in range(count)], False),
             (sizes_label({"N": N, "H": 1}, seed), [rng.standard_normal((N, 1)) for _ in range(count)], False),
             ("zeros: N=2 H=4", [np.zeros((2, 4)) for _ in range(count)], False)]
    if extreme:
        cases.append((sizes_label({"N": N, "H": H}, seed, "saturated"),
                      [20.0 * rng.standard_normal((N, H)) for _ in range(count)], False))
    return cases


def extreme_cell_state_case(seed: int, part_name: str, count: int) -> tuple[str, list[np.ndarray]]:
    """`count` (N, H) arrays for a part that takes a cell state: c in the thousands first, then the
    others standard normal."""
    rng = part_rng(seed, part_name + ":extreme")
    N, H = MAIN["N"], MAIN["H"]
    arrays = [extreme_cell_state(rng, (N, H))] + [rng.standard_normal((N, H)) for _ in range(count - 1)]
    return sizes_label({"N": N, "H": H}, seed, "extreme: |c| in the thousands,"), arrays


def stable_sigmoid(z: np.ndarray) -> np.ndarray:
    """sigmoid(z) = (1 + tanh(z / 2)) / 2, which never overflows (the cases' inputs; the exercise's own
    stable form is the student's to write)."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def step_backward_cases(seed: int, part_name: str, step_cases: list[dict[str, Any]]) -> list[Case]:
    """Cases of a one-step backward: upstream (dh, dc), the forward's inputs kept aside for its cache."""
    rng = part_rng(seed, f"{part_name}:upstream")
    found = []
    for case in step_cases:
        forward_args = (case["x"], case["h_prev"], case["c_prev"], case["params"])
        dh = rng.standard_normal(case["h_prev"].shape)
        dc = rng.standard_normal(case["h_prev"].shape)
        found.append(Case(case["label"], (dh, dc), {"forward_args": forward_args},
                          case.get("gradient_check", False)))
    return found


def param_targets(argument_index: int) -> tuple[tuple[str, int, str | None, bool], ...]:
    return tuple(("d" + name, argument_index, name, False) for name in PARAM_NAMES)
