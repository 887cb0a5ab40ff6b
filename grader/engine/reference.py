"""The reference solutions, loaded in the trusted parent only.

They live in the repository's `solutions/` folder (or the folder named by the
LSTM_GRADER_SOLUTIONS environment variable) and are never shipped to, or
importable by, the child that runs student code.
"""
from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from grader.engine.load_reference import load_functions  # noqa: F401  (the loader's home for callers)
from grader.engine.parts import Mistake
from grader.engine.variants import variant
from grader.sandbox.view import solutions_dir  # noqa: F401  (where the solutions are is the sandbox's to say)


class ReferenceUnavailable(Exception):
    """The reference solutions cannot be found (e.g. in a student release)."""


def public_vectors_path() -> Path:
    """Where a student release keeps its public test vectors (see grader.engine.vectors)."""
    return Path(__file__).resolve().parents[1] / "public_vectors.npz"


class ReferenceSource(Protocol):
    """Where the reference's answers come from: `source("forget_gate")(*args)`.

    Two kinds exist, chosen by `grader.engine.reference_source.open_reference`:
    the solutions in the instructor's copy (`SolutionsReference`) and, in a
    student release, the public vectors recorded from them
    (`grader.engine.vectors.VectorReference`).

    Attributes:
        folder: the solutions folder; None when there is none (a release).
        fixed_seed: the only seed this source can answer for, or None for any seed.
        notes: what the report must say about this source (a self-check, say).
    """

    folder: Path | None
    fixed_seed: int | None
    notes: tuple[str, ...]

    def __call__(self, name: str) -> Callable[..., Any]: ...

    def variant(self, mistake: Mistake, name: str) -> Callable[..., Any]:
        """The reference function `name` as it computes with `mistake` made.

        Raises:
            ReferenceUnavailable: when this source cannot say (no recording for these inputs).
        """
        ...

    def on_mistaken_cache(self, mistake: Mistake, given: CacheGiven) -> Any:
        """What the reference backward gives on the cache the reference forward makes with `mistake` made.

        Raises:
            ReferenceUnavailable: when this source cannot say.
        """
        ...


@dataclass(frozen=True)
class CacheGiven:
    """A backward call on a forward's cache: backward(*upstream, forward(*forward_args)[cache_index])."""

    forward: str
    cache_index: int
    backward: str
    forward_args: tuple[Any, ...]
    upstream: tuple[Any, ...]


class SolutionsReference:
    """The reference functions of a solutions folder, by contract name."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise ReferenceUnavailable(f"no reference solutions at {folder}")
        self.folder: Path | None = folder
        self.fixed_seed: int | None = None
        self.notes: tuple[str, ...] = ()
        self.functions = load_functions(sorted(folder.glob("*.py")))

    def __call__(self, name: str) -> Callable[..., Any]:
        try:
            return self.functions[name]
        except KeyError:
            raise ReferenceUnavailable(f"the reference has no function {name!r}") from None

    def variant(self, mistake: Mistake, name: str) -> Callable[..., Any]:
        """The mistake made in a temporary copy of the solutions (see grader.engine.variants)."""
        return variant(mistake, name, self.folder)

    def on_mistaken_cache(self, mistake: Mistake, given: CacheGiven) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a mistaken forward may overflow; only its numbers matter here
            cache = self.variant(mistake, given.forward)(*copy.deepcopy(given.forward_args))[given.cache_index]
            return self(given.backward)(*copy.deepcopy(given.upstream), cache)
