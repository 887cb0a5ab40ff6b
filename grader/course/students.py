"""Find the students of a class: one entry per student, from a folder, nbgrader's layout or a zip.

Nothing here reads a submission's code: it lists the entries, picks each
student's folder or notebook, and fingerprints what was handed in so that a
changed resubmission is noticed.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from grader.course.archive import ArchiveError, extract_zip

SUBMISSION_SUFFIXES = (".py", ".ipynb")
DIGESTED_FILES = 1000
DIGESTED_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One student's submission as found in the input."""

    student: str
    path: Path


def safe_student_id(name: str) -> str:
    """A file-name-safe student id: letters, digits, dot, dash and underscore."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip(".") or "student"
    return cleaned[:100]


def resolve_student_folder(folder: Path) -> Path:
    """A student's folder: itself if it holds code, else its one assignment folder
    (nbgrader), else its one notebook."""
    for _ in range(2):
        if any(item.suffix == ".py" and item.is_file() for item in folder.iterdir()):
            return folder
        notebooks = [item for item in folder.iterdir() if item.suffix == ".ipynb" and item.is_file()]
        if len(notebooks) == 1:
            return notebooks[0]
        subfolders = [item for item in folder.iterdir() if item.is_dir() and not item.name.startswith(".")
                      and not item.is_symlink()]
        if len(subfolders) != 1:
            return folder
        folder = subfolders[0]
    return folder


def student_folder(folder: Path) -> Path:
    try:
        return resolve_student_folder(folder)
    except OSError:  # graded as it is; what cannot be read shows up in that student's row
        return folder


def discover(root: Path) -> tuple[list[Entry], list[str]]:
    """The students under `root` (nbgrader's submitted/ is entered); returns entries and notes."""
    if (root / "submitted").is_dir():
        root = root / "submitted"
    entries: dict[str, Entry] = {}
    notes: list[str] = []
    for item in sorted(root.iterdir()):
        if item.name.startswith((".", "__")):
            continue
        if item.is_symlink():
            notes.append(f"{item.name}: a symlink, skipped")
            continue
        if item.is_dir():
            student, path = item.name, student_folder(item)
        elif item.suffix in SUBMISSION_SUFFIXES:
            student, path = item.stem, item
        else:
            notes.append(f"{item.name}: not a .py file, notebook or folder, skipped")
            continue
        student = safe_student_id(student)
        if student in entries:
            notes.append(f"{item.name}: a second entry for {student}, skipped")
            continue
        entries[student] = Entry(student, path)
    return list(entries.values()), notes


def unpack_input(source: Path, workspace: Path) -> tuple[Path, list[str]]:
    """The folder to discover students in: `source` itself, or a zip extracted safely."""
    if source.is_dir():
        return source, []
    if source.suffix == ".zip":
        target = workspace / "unzipped"
        target.mkdir()
        skipped = extract_zip(source, target)
        children = [item for item in target.iterdir() if not item.name.startswith(("__MACOSX", "."))]
        if len(children) == 1 and children[0].is_dir():
            target = children[0]
        return target, skipped
    raise ArchiveError(f"{source}: expected a folder or a .zip of one")


def entry_digest(path: Path) -> str:
    """sha256 over a submission's files (names and bytes), to notice a changed resubmission."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(item for item in path.rglob("*")
                                                 if item.is_file() and not item.is_symlink())
    for item in files[:DIGESTED_FILES]:
        digest.update(str(item.relative_to(path) if path.is_dir() else item.name).encode() + b"\0")
        with open(item, "rb") as stream:
            digest.update(hashlib.sha256(stream.read(DIGESTED_BYTES)).digest())
    return digest.hexdigest()
