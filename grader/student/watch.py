"""`lstm-grader watch`: re-grade on every save, using watchdog's file-system events (no polling).

`watch_files` is the event loop: it blocks on a queue that watchdog's observer
thread fills, waits a moment for the editor to finish writing (editors often
save in several steps), then calls `on_change` once per burst of saves.
"""
from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any, Callable

WATCHED_SUFFIXES = (".py", ".ipynb")
IGNORED_PARTS = {".lstm-grader", "__pycache__", ".ipynb_checkpoints", ".git"}
SETTLE_SECONDS = 0.3


class WatchUnavailable(Exception):
    """watchdog is not installed."""


def relevant(path: str, only: Path | None) -> bool:
    """A saved source file of the submission (not our own progress file, not caches)."""
    candidate = Path(path)
    if candidate.suffix not in WATCHED_SUFFIXES or IGNORED_PARTS & set(candidate.parts):
        return False
    return only is None or candidate.resolve() == only.resolve()


def watch_files(submission: Path, on_change: Callable[[list[str]], None], stop: threading.Event,
                settle: float = SETTLE_SECONDS) -> None:
    """Call on_change([]) now, then on_change(saved_paths) after every burst of saves, until stop is set.

    Args:
        submission: a folder, or one .py / .ipynb file (its folder is watched).
        on_change: called with the paths saved since the last call.
        stop: set it (from another thread or a signal handler) to end the loop.
        settle: seconds without a save that end a burst.
    """
    folder = submission if submission.is_dir() else submission.parent
    only = None if submission.is_dir() else submission
    events: queue.Queue[str | None] = queue.Queue()  # saved paths; None once stop is set
    observer = start_observer(folder, only, events)
    threading.Thread(target=wake_on_stop, args=(stop, events), daemon=True).start()
    try:
        on_change([])
        while not stop.is_set():
            saved = next_burst(events, settle)
            if saved is None:
                break
            on_change(saved)
    finally:
        observer.stop()
        observer.join(timeout=5)


def start_observer(folder: Path, only: Path | None, events: queue.Queue[str | None]) -> Any:
    """A started watchdog observer that puts every relevant save under `folder` on `events`."""
    try:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer
    except ImportError:  # pragma: no cover (watchdog is a dependency)
        raise WatchUnavailable("lstm-grader watch needs watchdog: pip install watchdog") from None

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.is_directory or event.event_type not in ("created", "modified", "moved", "closed"):
                return
            path = str(getattr(event, "dest_path", "") or event.src_path)
            if relevant(path, only):
                events.put(path)

    observer = Observer()
    observer.schedule(Handler(), str(folder), recursive=True)
    observer.start()
    return observer


def wake_on_stop(stop: threading.Event, events: queue.Queue[str | None]) -> None:
    """Wake the loop once `stop` is set, wherever it waits."""
    stop.wait()
    events.put(None)


def next_burst(events: queue.Queue[str | None], settle: float) -> list[str] | None:
    """The paths of the next burst of saves (blocking until one starts), or None when stopped."""
    first = events.get()  # blocks until watchdog reports a save or stop is set
    if first is None:
        return None
    saved = {first}
    try:
        while True:  # gather the rest of this burst of saves
            path = events.get(timeout=settle)
            if path is None:
                return None
            saved.add(path)
    except queue.Empty:
        pass
    return sorted(saved)
