"""Public test vectors: the reference's answers on the public cases, without its code.

The student release cannot ship the reference solutions, yet the checks
compare with them. So the maintainer grades the solutions once at the public
seed through a `RecordingReference`, which notes every call the grader makes
to the reference (a digest of the arguments -> the outputs), and the release
ships the outputs in an .npz file loaded with `allow_pickle=False`. In the
release, `VectorReference` answers the same calls by looking them up.

The calls the grader makes to the reference depend only on the seed and the
registry (never on the student's answers), so the recording covers every
submission graded at that seed. Objects the vectors cannot hold (anything but
arrays, numbers, strings, tuples, lists and dicts) become tokens: a recorded
output gives back a `Token`, and a later call that takes it (a backward given
the forward's cache) is keyed on the token.

The diagnosis needs to know what each catalogued mistake gives, which a
release cannot compute without the reference. So for every reference call the
recording also runs the mistakes that can show in that function and keeps
their outputs, the warnings they raised and the exception they raised
("variants"); `VectorReference.variant` replays them the same way.
"""
from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from grader.engine.parts import Mistake
from grader.engine.reference import CacheGiven, ReferenceUnavailable
from grader.engine.variants import RecordedError

PUBLIC_SEED = 1234
FORMAT_VERSION = 1
VECTORS_FILE = "public_vectors.npz"
DIGITS = 9  # digests round to this many decimals, so an ulp of difference in a case does not miss

SELF_CHECK_NOTE = ("self-check: graded against the public test vectors (seed {seed}) and the gradient checks "
                   "of your own code; this is not your final grade, which uses hidden cases too")


@dataclass(frozen=True)
class Token:
    """Stands for an output the vectors cannot hold, e.g. an opaque cache object."""

    token: str


class VectorError(ValueError):
    """A vectors file that cannot be read."""


def feed(value: Any, hasher: Any, tokens: dict[int, str]) -> None:
    """Add a canonical form of `value` to `hasher`."""
    if id(value) in tokens:
        hasher.update(b"T" + tokens[id(value)].encode())
    elif isinstance(value, Token):
        hasher.update(b"T" + value.token.encode())
    elif isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind in "fc":
            array = np.round(array.astype(np.complex128 if array.dtype.kind == "c" else np.float64), DIGITS) + 0.0
        elif array.dtype.kind in "biu":
            array = array.astype(np.int64)
        hasher.update(f"A{array.dtype.str}{array.shape}".encode())
        hasher.update(np.ascontiguousarray(array).tobytes())
    elif isinstance(value, (tuple, list)):
        hasher.update(f"S{len(value)}(".encode())
        for item in value:
            feed(item, hasher, tokens)
        hasher.update(b")")
    elif isinstance(value, dict):
        hasher.update(f"D{len(value)}{{".encode())
        for key in sorted(value, key=repr):
            hasher.update(repr(key).encode() + b":")
            feed(value[key], hasher, tokens)
        hasher.update(b"}")
    elif isinstance(value, float):
        hasher.update(b"F" + repr(round(value, DIGITS) + 0.0).encode())
    elif value is None or isinstance(value, (bool, int, str)):
        hasher.update(b"V" + repr(value).encode())
    else:
        hasher.update(b"O" + type(value).__name__.encode())


def digest(args: tuple[Any, ...], tokens: dict[int, str] | None = None) -> str:
    hasher = hashlib.sha256()
    feed(args, hasher, tokens or {})
    return hasher.hexdigest()[:32]


class Recorder:
    """Turns outputs into a JSON tree plus a list of arrays."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.stored: dict[bytes, int] = {}  # content digest -> index, so equal arrays are kept once
        self.tokens: dict[int, str] = {}
        self.kept_alive: list[Any] = []  # so no id() is reused while recording

    def encode(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, (np.ndarray, np.generic)) and np.asarray(value).dtype.kind in "biufc":
            return {"array": self.store(np.array(value)), "scalar": isinstance(value, np.generic)}
        if isinstance(value, (tuple, list)) and depth < 8:
            return {"seq": [self.encode(item, depth + 1) for item in value], "kind": type(value).__name__}
        if isinstance(value, dict) and depth < 8 and all(isinstance(key, str) for key in value):
            return {"dict": {key: self.encode(item, depth + 1) for key, item in value.items()}}
        if value is None or isinstance(value, (bool, int, float, str)):
            return {"value": value}
        token = self.tokens.get(id(value))
        if token is None:
            token = f"token{len(self.tokens)}"
            self.tokens[id(value)] = token
            self.kept_alive.append(value)
        return {"token": token}


    def store(self, array: np.ndarray) -> int:
        content = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode() + array.tobytes()).digest()
        if content not in self.stored:
            self.arrays.append(array)
            self.stored[content] = len(self.arrays) - 1
        return self.stored[content]


def decode(tree: Any, arrays: dict[str, np.ndarray]) -> Any:
    if "array" in tree:
        array = arrays[f"a{tree['array']}"].copy()
        return array[()] if tree.get("scalar") else array
    if "seq" in tree:
        items = [decode(item, arrays) for item in tree["seq"]]
        return tuple(items) if tree["kind"] == "tuple" else items
    if "dict" in tree:
        return {key: decode(item, arrays) for key, item in tree["dict"].items()}
    if "token" in tree:
        return Token(tree["token"])
    return tree["value"]


class VectorReference:
    """Answers the grader's reference calls from a vectors file, for the public seed only."""

    def __init__(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as data:
                self.arrays = {key: data[key] for key in data.files}
        except (OSError, ValueError) as error:
            raise VectorError(f"{path}: not a readable vectors file ({error})") from error
        try:
            index = json.loads(self.arrays.pop("index").tobytes().decode())
        except (KeyError, ValueError) as error:
            raise VectorError(f"{path}: the vectors file has no index") from error
        if index.get("version") != FORMAT_VERSION:
            raise VectorError(f"{path}: vectors format {index.get('version')}, expected {FORMAT_VERSION}")
        self.calls: dict[str, dict[str, Any]] = index["calls"]
        self.variants: dict[str, dict[str, Any]] = index.get("variants", {})
        self.mistaken_caches: dict[str, dict[str, Any]] = index.get("mistaken_caches", {})
        self.fixed_seed: int | None = int(index["seed"])
        self.notes: tuple[str, ...] = (SELF_CHECK_NOTE.format(seed=self.fixed_seed),)
        self.folder: Path | None = None  # no solutions here
        self.functions = {name: self.replay(name) for name in self.calls}

    def replay(self, name: str) -> Callable[..., Any]:
        recorded = self.calls[name]

        def replayed(*args: Any) -> Any:
            tree = recorded.get(digest(args))
            if tree is None:
                raise ReferenceUnavailable(
                    f"the public vectors hold no {name} answer for these inputs; the self-check covers "
                    f"only the public cases (seed {self.fixed_seed})")
            return decode(tree, self.arrays)

        return replayed

    def __call__(self, name: str) -> Callable[..., Any]:
        try:
            return self.functions[name]
        except KeyError:
            raise ReferenceUnavailable(f"the public vectors have no function {name!r}") from None

    def variant(self, mistake: Mistake, name: str) -> Callable[..., Any]:
        """What `mistake` gave in `name` on the same inputs when the release was built, replayed."""
        recorded = self.variants.get(variant_key(mistake, name), {})

        def replayed(*args: Any) -> Any:
            entry = recorded.get(digest(args))
            if entry is None:
                raise ReferenceUnavailable(f"no recording of {mistake.id} in {name} for these inputs")
            for line in entry.get("warnings", ()):
                category, _, message = line.partition(": ")
                warnings.warn(message, WARNING_CATEGORIES.get(category, RuntimeWarning), stacklevel=2)
            if "raised" in entry:
                raise RecordedError(entry["raised"])
            return decode(entry["value"], self.arrays)

        return replayed


    def on_mistaken_cache(self, mistake: Mistake, given: CacheGiven) -> Any:
        """The reference backward on a mistaken forward's cache, as recorded when the release was built."""
        tree = self.mistaken_caches.get(cache_key(mistake, given), {}).get(digest(given.forward_args + given.upstream))
        if tree is None:
            raise ReferenceUnavailable(f"no recording of {given.backward} on the cache of {mistake.id}")
        return decode(tree, self.arrays)


WARNING_CATEGORIES = {category.__name__: category for category in (
    RuntimeWarning, UserWarning, DeprecationWarning, FutureWarning, SyntaxWarning, ResourceWarning)}


def variant_key(mistake: Mistake, name: str) -> str:
    return f"{mistake.id} {name}"


def cache_key(mistake: Mistake, given: CacheGiven) -> str:
    return f"{mistake.id} {given.forward}->{given.backward}"
