"""The one place that chooses which reference grades: the solutions, or a release's recorded vectors."""
from __future__ import annotations

from pathlib import Path

from grader.engine.reference import (ReferenceSource, ReferenceUnavailable, SolutionsReference, public_vectors_path,
                                     solutions_dir)
from grader.engine.vectors import VectorReference


def open_reference(folder: Path | None = None) -> ReferenceSource:
    """The solutions in `folder`; without one, the default solutions, else the release's public vectors.

    Raises:
        ReferenceUnavailable: when there is neither.
    """
    if folder is not None:
        return SolutionsReference(Path(folder))
    default = solutions_dir()
    if default.is_dir():
        return SolutionsReference(default)
    if public_vectors_path().is_file():
        return VectorReference(public_vectors_path())
    raise ReferenceUnavailable(f"no reference solutions at {default} and no public vectors at "
                               f"{public_vectors_path()}")
