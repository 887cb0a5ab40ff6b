"""Comparing a student's array with the expected one, and saying how they differ.

The element-wise relative error is

    relative_error = |got - expected| / max(|expected|, floor)

with floor = 1e-3, so elements near zero are judged by their absolute error
(1e-9 at the default tolerance) instead of blowing up. The default tolerance
is 1e-6: two correct float64 implementations agree to about 1e-13.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from grader.child.protocol import Opaque

TOLERANCE = 1e-6
FLOOR = 1e-3
REAL_KINDS = "biuf"  # bool, int, unsigned, float: arrays that arithmetic treats as real numbers
# NaN or inf where the reference is finite: nearly always a tanh or sigmoid written with exp, which the
# extreme cases (pre-activations in the thousands) push past exp's range
NOT_FINITE_ADVICE = ("an exp that overflows does this for large |z| (exp(710) is inf and inf / inf is NaN), so "
                     "use np.tanh and the stable sigmoid; otherwise look for a division by zero")


@dataclass(frozen=True)
class Comparison:
    ok: bool
    problem: str           # "" when ok; otherwise one sentence, shape before values
    max_relative_error: float
    where: tuple[int, ...]
    mismatched: int
    total: int


def relative_error(got: np.ndarray, expected: np.ndarray, floor: float = FLOOR) -> np.ndarray:
    """Element-wise |got - expected| / max(|expected|, floor); shapes must match."""
    return np.abs(got - expected) / np.maximum(np.abs(expected), floor)


@dataclass(frozen=True)
class MissingKey:
    """Stands for grads[key] when the student's grads has no such key."""

    key: str

    def __repr__(self) -> str:
        return f"missing key {self.key!r}"


def describe_type(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"ndarray of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, Opaque):
        return value.type_name  # the object stayed in the child; its type is all the parent knows
    if isinstance(value, MissingKey):
        return f"nothing (grads has no key {value.key!r})"
    return type(value).__name__


def describe_value(value: object) -> str:
    """What a returned value is, for a sentence: "None", "a float", "a tuple of 2 items", ..."""
    if value is None:
        return "None"
    if isinstance(value, (tuple, list)):
        items = "item" if len(value) == 1 else "items"
        return f"a {type(value).__name__} of {len(value)} {items}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, MissingKey):
        return describe_type(value)
    name = describe_type(value)
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def shape_problem(function: str, name: str, got: object, expected_shape: tuple[int, ...]) -> str:
    """'' when `got` is an array of `expected_shape`; else a sentence that names both shapes.

    e.g. "lstm_forward returned h of shape (2, 5), expected (2, 4, 5)". `name`
    is the output's name, or '' for a function that returns a single array.
    """
    expected_shape = tuple(expected_shape)
    if isinstance(got, np.ndarray):
        if got.shape == expected_shape:
            return ""
        what = f"{name} " if name else "an array "
        return f"{function} returned {what}of shape {got.shape}, expected {expected_shape}"
    if isinstance(got, MissingKey):
        return f"{function} returned grads without the key {got.key!r}, expected an array of shape {expected_shape}"
    what = f"{name} as " if name else ""
    return f"{function} returned {what}{describe_value(got)}, expected an array of shape {expected_shape}"


def compare_array(got: object, expected: np.ndarray, tolerance: float = TOLERANCE) -> Comparison:
    """Check type, shape, dtype, finiteness, then values, in that order."""
    total = int(expected.size)
    if type(got) is not np.ndarray:
        return Comparison(False, f"returned {describe_type(got)}, expected a float64 numpy array "
                                 f"of shape {expected.shape}", float("inf"), (), total, total)
    if got.shape != expected.shape:
        return Comparison(False, f"shape {got.shape}, expected {expected.shape}",
                          float("inf"), (), total, total)
    if got.dtype != np.float64:
        return Comparison(False, f"dtype {got.dtype}, expected float64 (keep every step in float64)",
                          float("inf"), (), total, total)
    finite = np.isfinite(got)
    if not finite.all() and np.isfinite(expected).all():
        count = int((~finite).sum())
        where = tuple(int(i) for i in np.argwhere(~finite)[0])
        return Comparison(False, f"{count} of {total} elements are NaN or infinite (first at "
                                 f"{list(where)}); {NOT_FINITE_ADVICE}", float("inf"), where, count, total)
    if total == 0:
        return Comparison(True, "", 0.0, (), 0, 0)
    if np.array_equal(got, expected):  # the usual answer of a right part: no error to locate
        return Comparison(True, "", 0.0, (0,) * expected.ndim, 0, total)
    errors = relative_error(got, expected)
    errors[np.isnan(errors)] = np.inf
    worst_flat = int(np.argmax(errors))
    worst = float(errors.reshape(-1)[worst_flat])
    where = tuple(int(i) for i in np.unravel_index(worst_flat, errors.shape))
    mismatched = int((errors > tolerance).sum())
    if mismatched == 0:
        return Comparison(True, "", worst, where, 0, total)
    return Comparison(False, f"{mismatched} / {total} elements differ, max relative error "
                             f"{worst:.2g} at {list(where)} (allowed {tolerance:g})",
                      worst, where, mismatched, total)


def tensor_relative_error(got: np.ndarray, expected: np.ndarray, floor: float = 1e-8) -> float:
    """Norm-wise ||got - expected|| / max(||got|| + ||expected||, floor), for gradient checks.

    Infinite when either holds NaN or infinity: a NaN error would compare as
    "within tolerance" and let a broken gradient pass.
    """
    if not (np.isfinite(got).all() and np.isfinite(expected).all()):
        return float("inf")
    difference = float(np.linalg.norm(got - expected))
    scale = float(np.linalg.norm(got) + np.linalg.norm(expected))
    error = difference / max(scale, floor)
    return error if math.isfinite(error) else float("inf")


def excerpt(array: object, where: tuple[int, ...] = (), width: int = 6) -> str:
    """A short text view of an array around the worst element, for the failure panel."""
    if not isinstance(array, np.ndarray):
        return describe_type(array)
    if array.ndim == 0:
        return np.array2string(array, precision=4)
    if array.size == 0:
        return f"empty array of shape {array.shape}"
    inside = len(where) == array.ndim and all(0 <= int(i) < size for i, size in zip(where, array.shape))
    row = array
    index_prefix: list[int] = []
    # `where` comes from the expected array; a student array of another shape is shown from its start
    for axis_index in where[:-1] if inside else [0] * (array.ndim - 1):
        row = row[axis_index]
        index_prefix.append(int(axis_index))
    flat = np.asarray(row).reshape(-1)
    label = f"[{', '.join(map(str, index_prefix))}{', ' if index_prefix else ''}:{min(width, flat.size)}]"
    return f"{label} " + np.array2string(flat[:width], precision=4, suppress_small=True, max_line_width=200)
