"""`lstm-grader start DIR`: a fresh exercise workspace for a student who installed from an index.

The wheel ships the exercises as grader/_exercises (hatch force-include); a
source checkout has them in the repository's exercises/ folder.
"""
from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path


class StartError(Exception):
    """The workspace cannot be created."""


def exercises_source() -> Path:
    """Where the exercise files are: inside the installed package, else the source checkout."""
    packaged = resources.files("grader").joinpath("_exercises")
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "exercises"
    if checkout.is_dir():
        return checkout
    raise StartError("the exercises are not installed with this copy of lstm-grader (no grader/_exercises "
                     "and no exercises/ folder next to it); reinstall it: pip install lstm-autograder")


def start_workspace(target: Path, source: Path | None = None) -> list[Path]:
    """Copy the exercise files into `target` (new or empty); returns the files written."""
    source = source or exercises_source()
    files = sorted(path for path in source.glob("*.py") if not path.name.startswith("_"))
    if not files:
        raise StartError(f"no exercise files in {source}")
    if target.exists() and not target.is_dir():
        raise StartError(f"{target} is a file; give a folder name")
    clashes = [path.name for path in files if (target / path.name).exists()]
    if clashes:
        raise StartError(f"{target} already has {', '.join(clashes)}; pick a new folder so your work "
                         "is never overwritten")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for path in files:
        shutil.copyfile(path, target / path.name)
        written.append(target / path.name)
    return written
