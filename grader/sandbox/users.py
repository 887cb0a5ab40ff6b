"""Unprivileged uids for children, one per concurrent child.

Where Landlock is missing, the boundary between a child and everything else
is the uid: a child that runs as its own user can signal, trace or read the
files of neither the grader (root) nor another student's child (another uid).
A uid is held with an exclusive lock on a file in a root-only folder for as
long as its child lives, so concurrent graders on one machine never share one;
before a uid is handed out and when it is given back, whatever still runs as
it is killed and whatever it left in /tmp, /var/tmp and /dev/shm is removed.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import signal
import tempfile
from pathlib import Path

FIRST_UID = 61_000
UID_COUNT = 512
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm")


class NoFreeUser(Exception):
    """Every uid of the range is held by a running child."""


def lock_folder() -> Path:
    folder = Path(tempfile.gettempdir()) / f"lstm-grader-uids-{os.geteuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.is_symlink() or folder.stat().st_uid != os.geteuid() or folder.stat().st_mode & 0o077:
        raise NoFreeUser(f"{folder} is not a private folder of this user; remove it")
    return folder


class ChildUser:
    """One leased uid (its gid is the same number); `release` gives it back."""

    def __init__(self, uid: int, lock: int) -> None:
        self.uid = uid
        self.lock = lock

    def release(self) -> None:
        if self.lock >= 0:
            kill_processes_of(self.uid)
            remove_files_of(self.uid)
            os.close(self.lock)
            self.lock = -1


def lease_user() -> ChildUser:
    """A uid no other child holds now."""
    folder = lock_folder()
    for uid in range(FIRST_UID, FIRST_UID + UID_COUNT):
        handle = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            continue
        kill_processes_of(uid)
        remove_files_of(uid)
        return ChildUser(uid, handle)
    raise NoFreeUser(f"all {UID_COUNT} child uids from {FIRST_UID} are in use")


def remove_files_of(uid: int, folders: tuple[str, ...] = SHARED_FOLDERS) -> int:
    """Remove what `uid` left in the world-writable folders (sticky: it can only have made
    top-level entries there), so nothing a child wrote outlives it; returns how many."""
    removed = 0
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
                removed += 1
            except OSError:
                continue
    return removed


def kill_processes_of(uid: int) -> int:
    """SIGKILL every process running as `uid`; returns how many."""
    killed = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != uid:
                continue
            os.kill(int(entry), signal.SIGKILL)
            killed += 1
        except (OSError, ProcessLookupError):
            continue
    return killed
