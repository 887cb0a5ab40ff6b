"""The reference solutions, loaded in the trusted parent only.

They live in the repository's `solutions/` folder (or the folder named by the
LSTM_GRADER_SOLUTIONS environment variable) and are never shipped to, or
importable by, the child that runs student code.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any, Callable, Protocol

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
        folder: the solutions the mistake catalogue edits; None when there are none.
        fixed_seed: the only seed this source can answer for, or None for any seed.
        notes: what the report must say about this source (a self-check, say).
    """

    folder: Path | None
    fixed_seed: int | None
    notes: tuple[str, ...]

    def __call__(self, name: str) -> Callable[..., Any]: ...


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


def load_functions(files: list[Path]) -> dict[str, Callable[..., Any]]:
    """Import each file under a private name; their imports of each other resolve
    through temporary aliases that are removed afterwards."""
    aliases: dict[str, Any] = {}
    functions: dict[str, Callable[..., Any]] = {}
    try:
        for path in files:
            spec = importlib.util.spec_from_file_location(f"lstm_reference.{path.stem}", path)
            if spec is None or spec.loader is None:
                continue
            module = importlib.util.module_from_spec(spec)
            aliases[path.stem] = sys.modules.get(path.stem)
            sys.modules[path.stem] = module
            spec.loader.exec_module(module)
        for path in files:
            module = sys.modules[path.stem]
            for name, value in vars(module).items():
                if callable(value) and getattr(value, "__module__", "") == module.__name__:
                    functions[name] = value
    finally:
        for stem, previous in aliases.items():
            if previous is None:
                sys.modules.pop(stem, None)
            else:
                sys.modules[stem] = previous
    return functions
