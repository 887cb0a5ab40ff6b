"""Test cases for every part: fixed public inputs plus seeded random ones.

Shapes are chosen to catch shape bugs: in the main cases N, T, D and H are
all different, so a transposed weight or a sum over the wrong axis changes a
shape or a value. Edge cases add N = 1, H = 1, T = 1, saturated gates (large
pre-activations) and all-zero inputs. One small, non-saturated case per
backward part is marked `gradient_check` for the numerical gradient check.
"""
from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from grader.engine.parts import Case

GATE_KEYS = ("f", "i", "g", "o")
PARAM_NAMES = tuple(f"{kind}_{gate}" for gate in GATE_KEYS for kind in ("W", "U", "b"))

MAIN = {"N": 3, "T": 5, "D": 4, "H": 6}
GRADIENT_CHECK = {"N": 2, "T": 3, "D": 4, "H": 5}


def part_rng(seed: int, part_name: str) -> np.random.Generator:
    """A generator per (seed, part), so adding a part never changes another's cases."""
    return np.random.default_rng([seed, zlib.crc32(part_name.encode())])


def linspace_array(shape: tuple[int, ...], low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """Fixed, readable values for the public case: evenly spaced, reshaped."""
    size = int(np.prod(shape)) if shape else 1
    return np.linspace(low, high, size).reshape(shape)


def make_params(rng: np.random.Generator | None, D: int, H: int, scale: float = 0.5,
                fixed: bool = False) -> dict[str, np.ndarray]:
    """The 12 LSTM parameters, W_k (D, H), U_k (H, H), b_k (H,)."""
    shapes = {"W": (D, H), "U": (H, H), "b": (H,)}
    params = {}
    for offset, name in enumerate(PARAM_NAMES):
        shape = shapes[name[0]]
        if fixed or rng is None:
            # distinct per parameter so swapping two of them is visible
            params[name] = scale * linspace_array(shape, -1.0 + 0.05 * offset, 1.0 - 0.03 * offset)
        else:
            params[name] = scale * rng.standard_normal(shape)
    return params


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
        ("saturated", pick(MAIN), 12.0),
    ]
    if with_time:
        variants.insert(3, ("", pick({**MAIN, "T": 1}), 0.5))
    return variants


def step_inputs(rng: np.random.Generator, sizes: dict[str, int], scale: float) -> dict[str, np.ndarray]:
    N, D, H = sizes["N"], sizes["D"], sizes["H"]
    return {
        "x": rng.standard_normal((N, D)),
        "h_prev": np.tanh(rng.standard_normal((N, H))),
        "c_prev": rng.standard_normal((N, H)),
        "params": make_params(rng, D, H, scale),
    }


def cell_cases(seed: int, part_name: str) -> list[dict[str, Any]]:
    """Inputs of one LSTM step (x, h_prev, c_prev, params) for every variant."""
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
    return cases


def sequence_cases(seed: int, part_name: str) -> list[dict[str, Any]]:
    """Inputs of a whole sequence (x (N, T, D), h0, c0, params) for every variant."""
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
    return cases


def elementwise_cases(seed: int, part_name: str, count: int, extreme: bool = True
                      ) -> list[tuple[str, list[np.ndarray], bool]]:
    """`count` same-shaped (N, H) arrays per case: (label, arrays, gradient_check)."""
    rng = part_rng(seed, part_name)
    N, H = MAIN["N"], MAIN["H"]
    cases = [(f"N=2 H=4 (public)", [linspace_array((2, 4), -2.0 + k, 2.0 - k / 2) for k in range(count)], False),
             (sizes_label({"N": N, "H": H}, seed), [rng.standard_normal((N, H)) for _ in range(count)], True),
             (sizes_label({"N": 1, "H": H}, seed), [rng.standard_normal((1, H)) for _ in range(count)], False),
             (sizes_label({"N": N, "H": 1}, seed), [rng.standard_normal((N, 1)) for _ in range(count)], False),
             ("zeros: N=2 H=4", [np.zeros((2, 4)) for _ in range(count)], False)]
    if extreme:
        cases.append((sizes_label({"N": N, "H": H}, seed, "saturated"),
                      [20.0 * rng.standard_normal((N, H)) for _ in range(count)], False))
    return cases


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
