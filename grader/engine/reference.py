"""The reference solutions, loaded in the trusted parent only.

They live in the repository's `solutions/` folder (or the folder named by the
LSTM_GRADER_SOLUTIONS environment variable) and are never shipped to, or
importable by, the child that runs student code.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any, Callable


class ReferenceUnavailable(Exception):
    """The reference solutions cannot be found (e.g. in a student release)."""


def solutions_dir() -> Path:
    configured = os.environ.get("LSTM_GRADER_SOLUTIONS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "solutions"


def public_vectors_path() -> Path:
    """Where a student release keeps its public test vectors (see grader.engine.vectors)."""
    return Path(__file__).resolve().parents[1] / "public_vectors.npz"


class Reference:
    """The reference functions by contract name, e.g. `reference("forget_gate")`.

    In a student release there is no solutions folder; then, when the release's
    public vectors are present, the functions replay the recorded answers, and
    `fixed_seed` and `notes` tell the grader to use the public seed and to say
    the report is a self-check.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or solutions_dir()
        self.fixed_seed: int | None = None
        self.notes: tuple[str, ...] = ()
        if not self.folder.is_dir():
            if folder is None and public_vectors_path().is_file():
                from grader.engine.vectors import VectorReference

                replay = VectorReference(public_vectors_path())
                self.functions: dict[str, Callable[..., Any]] = replay.functions
                self.fixed_seed, self.notes = replay.fixed_seed, replay.notes
                return
            raise ReferenceUnavailable(f"no reference solutions at {self.folder}")
        self.functions = load_functions(sorted(self.folder.glob("*.py")))

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
