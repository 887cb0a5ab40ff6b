"""`lstm-grader start DIR`: a fresh workspace of untouched exercise stubs.

The stubs come from one of two places, never from an `exercises/` folder a
student may have edited:

- in the project's checkout (an editable install), they are generated from
  `solutions/` by grader.instructor.stubs, exactly as `lstm-grader make-exercises` does;
- in an installed wheel, they are the copy packaged as `grader/_exercises`
  (the student release's wheel from `lstm-grader release`, or hatch's force-include).
"""
from __future__ import annotations

import importlib.util
import shutil
import tempfile
from importlib import resources
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
PACKAGED = "_exercises"


class StartError(Exception):
    """The workspace cannot be created."""


def checkout_solutions(checkout: Path = CHECKOUT) -> Path | None:
    """The checkout's solutions/ folder when the stub generator is here too, else None."""
    solutions = checkout / "solutions"
    if not solutions.is_dir():
        return None
    try:
        generator = importlib.util.find_spec("grader.instructor.stubs")
    except ModuleNotFoundError:  # a student release leaves grader/instructor out
        return None
    return solutions if generator is not None else None


def packaged_exercises() -> Path | None:
    """The stubs shipped inside the installed package (grader/_exercises), else None."""
    packaged = resources.files("grader").joinpath(PACKAGED)
    return Path(str(packaged)) if packaged.is_dir() else None


def missing_exercises_message() -> str:
    """What to do when this install has neither the packaged stubs nor solutions/ to make them from."""
    package = Path(str(resources.files("grader")))
    return (f"this copy of lstm-grader has no exercises to copy: {package} has no {PACKAGED} folder and there "
            "is no solutions/ folder beside it to generate them from. Install the wheel of your course's "
            "student release (pip install --force-reinstall lstm_autograder-*.whl, from the folder your "
            "instructor shared) and run start again, or copy that release's exercises/ folder yourself")


def exercises_source(staging: Path) -> Path:
    """A folder of untouched exercise stubs.

    Args:
        staging: an empty folder to generate the stubs into, used only in a source checkout.

    Returns:
        `staging` with the stubs generated from solutions/ in a checkout, else the packaged copy.

    Raises:
        StartError: when a solution cannot be stubbed, or this install has no stubs at all.
    """
    solutions = checkout_solutions()
    if solutions is not None:
        from grader.instructor.stubs import StubError, generate_exercises

        try:
            generate_exercises(solutions, staging)
        except StubError as error:
            raise StartError(f"cannot make the stubs from {solutions}: {error}") from error
        return staging
    packaged = packaged_exercises()
    if packaged is None:
        raise StartError(missing_exercises_message())
    return packaged


def exercise_files(source: Path) -> list[Path]:
    """The exercise files of `source`, sorted (helpers starting with `_` left out)."""
    files = sorted(path for path in source.glob("*.py") if not path.name.startswith("_"))
    if not files:
        raise StartError(f"no exercise files in {source}")
    return files


def start_workspace(target: Path, source: Path | None = None) -> list[Path]:
    """Copy untouched exercise stubs into `target` (new or empty).

    Args:
        target: the folder to create; existing files are never overwritten.
        source: a folder of stubs to copy; by default `exercises_source`.

    Returns:
        The files written, sorted by name.

    Raises:
        StartError: when `target` is a file or already holds an exercise, or no stubs are found.
    """
    with tempfile.TemporaryDirectory(prefix="lstm-start-") as staging:
        files = exercise_files(source or exercises_source(Path(staging)))
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
