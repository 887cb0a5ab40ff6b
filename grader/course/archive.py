"""Unpacking and copying what students hand in, without trusting it.

A zip may hold `../` paths, absolute paths, symlinks, a million tiny files or
a small file that inflates to gigabytes. `extract_zip` refuses the first three
and caps the others; `copy_entry` copies regular files only. Neither follows
a symlink.
"""
from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

MAX_FILES = 20_000
MAX_TOTAL_BYTES = 500 * 1024 * 1024
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ENTRY_BYTES = 20 * 1024 * 1024
MAX_ENTRY_FILES = 500


class ArchiveError(Exception):
    """The archive is unsafe or too large to extract."""


def safe_member_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise ArchiveError(f"{name!r}: path leaves the extraction folder")
    return path


def extract_zip(archive: Path, destination: Path) -> list[str]:
    """Extract `archive` into `destination`; returns what was skipped and why.

    Raises ArchiveError on a path traversal or when the caps are exceeded.
    """
    skipped: list[str] = []
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError(f"{archive}: not a readable zip file ({error})") from error
    with bundle:
        members = bundle.infolist()
        if len(members) > MAX_FILES:
            raise ArchiveError(f"{archive}: {len(members)} entries, over the limit of {MAX_FILES}")
        total = 0
        for member in members:
            relative = safe_member_path(member.filename)
            mode = member.external_attr >> 16
            if stat.S_ISLNK(mode):
                skipped.append(f"{member.filename}: a symlink, not extracted")
                continue
            target = destination.joinpath(*relative.parts)
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            if member.file_size > MAX_FILE_BYTES:
                skipped.append(f"{member.filename}: {member.file_size} bytes, over the per-file limit")
                continue
            total += member.file_size
            if total > MAX_TOTAL_BYTES:
                raise ArchiveError(f"{archive}: more than {MAX_TOTAL_BYTES} bytes once extracted")
            target.parent.mkdir(parents=True, exist_ok=True)
            with bundle.open(member) as source, open(target, "wb") as sink:
                copied = copy_capped(source, sink, MAX_FILE_BYTES)  # the declared size may lie
            if copied > MAX_FILE_BYTES:
                target.unlink()
                skipped.append(f"{member.filename}: inflates past the per-file limit")
    return skipped


def copy_capped(source, sink, limit: int) -> int:  # type: ignore[no-untyped-def]
    copied = 0
    while True:
        chunk = source.read(1 << 20)
        if not chunk:
            return copied
        copied += len(chunk)
        if copied > limit:
            return copied
        sink.write(chunk)


def copy_entry(source: Path, destination: Path) -> list[str]:
    """Copy one student's file or folder: regular files only, symlinks skipped,
    at most MAX_ENTRY_FILES files and MAX_ENTRY_BYTES bytes. Returns what was skipped."""
    skipped: list[str] = []
    if source.is_symlink():
        raise ArchiveError(f"{source.name}: a symlink, not graded")
    if source.is_file():
        if source.stat().st_size > MAX_ENTRY_BYTES:
            raise ArchiveError(f"{source.name}: over the size limit")
        shutil.copyfile(source, destination)
        return skipped
    destination.mkdir(parents=True)
    count = total = 0
    for item in sorted(source.rglob("*")):
        relative = item.relative_to(source)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        if item.is_symlink():
            skipped.append(f"{relative}: a symlink, not copied")
            continue
        if item.is_dir():
            (destination / relative).mkdir(parents=True, exist_ok=True)
            continue
        if not item.is_file():
            continue
        size = item.stat().st_size
        count += 1
        total += size
        if count > MAX_ENTRY_FILES or total > MAX_ENTRY_BYTES:
            skipped.append(f"{relative}: over the file-count or size limit, not copied")
            continue
        (destination / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(item, destination / relative)
    return skipped
