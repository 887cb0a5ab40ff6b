"""Find the students of a class: one entry per student, from a folder, nbgrader's layout or a zip.

Nothing here reads a submission's code: it lists the entries, picks each
student's folder or notebook, and fingerprints what was handed in so that a
changed resubmission is noticed.

A student's id is the entry's name when that name is already file-safe
(letters, digits, dot, dash, underscore). Any other name gets a readable safe
form (accents dropped, other characters made `_`) plus `-` and a digest of the
name itself: `zoë.py` is `zoe-<8 hex>`, `zo .py` is `zo_-<8 hex>`. The id so
depends on the entry's own name only, never on who else is in the class, so it
stays the same from run to run (the journal, the reports and the seed follow
it) even when a look-alike name is handed in later. Names that are the same
after Unicode normalisation are one student: the second entry is skipped and
said so.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from grader.course.archive import ArchiveError, extract_zip

SUBMISSION_SUFFIXES = (".py", ".ipynb")
DIGESTED_FILES = 1000
DIGESTED_BYTES = 32 * 1024 * 1024
ID_LIMIT = 100
SUFFIX_LENGTHS = (8, 16, 64)  # hex digits of the name's digest; longer only if a shorter one is taken


@dataclass(frozen=True)
class Entry:
    """One student's submission as found in the input; `name` is the entry's name there."""

    student: str
    path: Path
    name: str = ""


def safe_student_id(name: str) -> str:
    """A readable file-name-safe form of `name`: letters, digits, dot, dash and underscore."""
    folded = "".join(character for character in unicodedata.normalize("NFKD", name)
                     if not unicodedata.combining(character))
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", folded).strip(".") or "student"
    return cleaned[:ID_LIMIT]


def name_digest(name: str) -> str:
    """sha256 of the name, normalised (NFC) so that the same name typed two ways is one student."""
    return hashlib.sha256(unicodedata.normalize("NFC", name).encode("utf-8", "surrogatepass")).hexdigest()


def assign_ids(names: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Give every name its own id; returns name -> id and, for a repeated name, name -> the name kept.

    Names that are already safe keep themselves and are placed first, so no
    other name can take them; the others get a digest suffix, lengthened only
    when the shorter id is taken by a different name (so never in practice).
    """
    ids: dict[str, str] = {}
    taken: dict[str, str] = {}  # id -> the name that has it
    repeats: dict[str, str] = {}
    safe = {name for name in names if safe_student_id(name) == name}
    for name in [name for name in names if name in safe] + [name for name in names if name not in safe]:
        if name in safe:
            candidates = [name]
        else:
            digest = name_digest(name)
            candidates = [f"{safe_student_id(name)}-{digest[:length]}" for length in SUFFIX_LENGTHS]
        holder = taken.get(candidates[0])
        free = next((candidate for candidate in candidates if candidate not in taken), None)
        if free is None or (holder is not None and name_digest(holder) == name_digest(name)):
            repeats[name] = holder or taken[candidates[-1]]  # the same name typed another way (NFC and NFD)
            continue
        ids[name], taken[free] = free, name
    return ids, repeats


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
    """The students under `root` (nbgrader's submitted/ is entered).

    Returns the entries, each with its own id, and what was skipped, one
    "name: why" per entry that is not a student's submission (none silently).
    """
    if (root / "submitted").is_dir():
        root = root / "submitted"
    found: dict[str, list[tuple[str, Path]]] = {}  # a student's name -> (entry name, submission)
    skipped: list[str] = []
    for item in sorted(root.iterdir()):
        reason = skip_reason(item)
        if reason:
            skipped.append(f"{item.name}: {reason}")
            continue
        student, path = (item.name, student_folder(item)) if item.is_dir() else (item.stem, item)
        found.setdefault(student, []).append((item.name, path))
    ids, repeats = assign_ids(list(found))
    entries = []
    for student, submissions in found.items():
        kept = repeats.get(student, student)
        graded = found[kept][0][0]
        how = "another entry of the same student as" if kept == student else "the same name, in other Unicode, as"
        for name, _ in submissions[1:] if student == kept else submissions:
            skipped.append(f"{name}: {how} {graded}, the one graded")
        if student == kept:
            entries.append(Entry(ids[student], submissions[0][1], submissions[0][0]))
    return sorted(entries, key=lambda entry: entry.name), skipped


def skip_reason(item: Path) -> str:
    """Why an entry of the submissions folder is not a student's submission ("" when it is one)."""
    if item.name.startswith((".", "__")):
        return "a hidden or system entry"
    if item.is_symlink():
        return "a symlink"
    if not item.is_dir() and item.suffix not in SUBMISSION_SUFFIXES:
        return "not a .py file, notebook or folder"
    return ""


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
