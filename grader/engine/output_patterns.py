"""How a student's output relates to the reference's, for the diagnosis (grader.engine.diagnose).

`same_array` is the tight comparison every catalogued mistake is proved with;
the predicates name what a wrong output is next to the right one: its
transpose, its negation, a constant multiple, one time step late or early,
the steps in reverse order, the last step missing, alone or the only one
filled in, the right values in another shape, or float32-sized differences.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from grader.engine.compare import FLOOR

# two implementations of the same formula agree to ~1e-13; a different mistake differs by far more
MATCH_TOLERANCE = 1e-8
SMALL = 1e-9


def same_array(got: Any, other: Any, tolerance: float = MATCH_TOLERANCE) -> bool:
    """Same shape and values to `tolerance`; NaN matches NaN and inf matches inf of the same sign."""
    got, other = as_sent(got), as_sent(other)
    if type(got) is not np.ndarray or not isinstance(other, np.ndarray) or got.shape != other.shape:
        return False
    if got.dtype.kind not in "fc" or other.dtype.kind not in "fc":
        return False
    with np.errstate(all="ignore"):
        difference = np.abs(got - other)
        if np.isfinite(difference).all():  # both finite everywhere: the common case, without the masks
            return bool((difference / np.maximum(np.abs(other), FLOOR) <= tolerance).all())
    both_nan = np.isnan(got) & np.isnan(other)
    both_inf = np.isinf(got) & np.isinf(other) & (np.sign(got) == np.sign(other))
    finite = ~(both_nan | both_inf)
    if not (np.isfinite(got[finite]).all() and np.isfinite(other[finite]).all()):
        return False
    with np.errstate(all="ignore"):
        error = np.abs(got[finite] - other[finite]) / np.maximum(np.abs(other[finite]), FLOOR)
    return bool((error <= tolerance).all())


def as_sent(value: Any) -> Any:
    """A single number as the child sends one back, an array of shape (1,); anything else as it is."""
    if isinstance(value, np.generic) or (type(value) is np.ndarray and value.ndim == 0):
        return np.asarray(value).reshape(1)
    return value


def is_transposed(got: np.ndarray, expected: np.ndarray) -> bool:
    return expected.ndim == 2 and not same_array(expected.T, expected) and same_array(got, expected.T)


def is_negated(got: np.ndarray, expected: np.ndarray) -> bool:
    return same_array(got, -expected)


def constant_factor(got: np.ndarray, expected: np.ndarray) -> float | None:
    if got.shape != expected.shape or not np.isfinite(got).all() or not np.isfinite(expected).all():
        return None
    norm = float(np.sum(expected * expected))
    if norm < SMALL:
        return None
    factor = float(np.sum(got * expected)) / norm
    if abs(factor - 1.0) < 1e-6 or abs(factor) < 1e-6 or not same_array(got, factor * expected):
        return None
    return factor


def is_scaled(got: np.ndarray, expected: np.ndarray) -> bool:
    factor = constant_factor(got, expected)
    return factor is not None and abs(factor + 1.0) > 1e-6


def is_shifted(got: np.ndarray, expected: np.ndarray) -> bool:
    """A (N, T, ...) output one time step late or early (the free step may hold anything)."""
    if got.shape != expected.shape or expected.ndim != 3 or expected.shape[1] < 2:
        return False
    late = same_array(got[:, 1:], expected[:, :-1])
    early = same_array(got[:, :-1], expected[:, 1:])
    return late or early


def is_time_reversed(got: np.ndarray, expected: np.ndarray) -> bool:
    """A (N, T, ...) output stored in reverse time order."""
    if got.shape != expected.shape or expected.ndim != 3 or expected.shape[1] < 2:
        return False
    return same_array(got, expected[:, ::-1]) and not same_array(expected, expected[:, ::-1])


FLOAT32_AGREEMENT = 1e-5  # float32 rounds to ~6e-8 relative; a few operations keep it well under this


def float32_differences(got: Any, expected: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """The differences from the reference that are more than float64 rounding and the reference's values there,
    when all are float32-sized (at most FLOAT32_AGREEMENT relative); None when any is larger or shapes differ."""
    if (type(got) is not np.ndarray or not isinstance(expected, np.ndarray) or got.dtype.kind != "f"
            or got.shape != expected.shape or got.size == 0 or not np.isfinite(got).all()
            or not np.isfinite(expected).all()):
        return None
    with np.errstate(all="ignore"):
        difference = got.astype(np.float64) - expected
        error = np.abs(difference) / np.maximum(np.abs(expected), FLOOR)
    if error.max() > FLOAT32_AGREEMENT:
        return None
    return difference[error > 1e-12], expected[error > 1e-12]


def is_reshaped(got: np.ndarray, expected: np.ndarray) -> bool:
    """The right values in a shape that differs only by axes of length 1 ((1, H) for (H,), say)."""
    squeezed = tuple(size for size in expected.shape if size != 1)
    return (got.shape != expected.shape and tuple(size for size in got.shape if size != 1) == squeezed
            and same_array(got.reshape(expected.shape), expected))


def is_last_step_missing(got: np.ndarray, expected: np.ndarray) -> bool:
    """A (N, T, ...) output right at every step but the last, which is all zeros."""
    if got.shape != expected.shape or expected.ndim != 3:
        return False
    return (bool(np.all(got[:, -1] == 0)) and bool(np.any(np.abs(expected[:, -1]) > SMALL))
            and same_array(got[:, :-1], expected[:, :-1]))


def is_last_step_alone(got: np.ndarray, expected: np.ndarray) -> bool:
    """Only the last step of a (N, T, ...) output returned, without the time axis."""
    return expected.ndim == 3 and got.shape == expected[:, -1].shape and same_array(got, expected[:, -1])


def is_only_last_step(got: np.ndarray, expected: np.ndarray) -> bool:
    if got.shape != expected.shape or expected.ndim != 3 or expected.shape[1] < 2:
        return False
    return (bool(np.all(got[:, :-1] == 0)) and bool(np.any(np.abs(expected[:, :-1]) > SMALL))
            and same_array(got[:, -1], expected[:, -1]))
