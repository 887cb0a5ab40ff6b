"""`lstm-grader watch`: one grade at start, one per burst of saves, none for our own files."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from grader.student.watch import relevant, watch_files

pytest.importorskip("watchdog")


class Recorder:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.changed = threading.Condition()

    def __call__(self, saved: list[str]) -> None:
        with self.changed:
            self.calls.append(saved)
            self.changed.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: len(self.calls) >= count, timeout)


@pytest.fixture
def watching(tmp_path):
    recorder, stop = Recorder(), threading.Event()
    (tmp_path / "part1.py").write_text("x = 1\n")
    thread = threading.Thread(target=watch_files, args=(tmp_path, recorder, stop), kwargs={"settle": 0.2})
    thread.start()
    assert recorder.wait_for(1), "no first grade"
    time.sleep(0.3)  # let the observer settle before the first save
    yield tmp_path, recorder
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive(), "watch did not stop"


def test_a_save_triggers_one_regrade_naming_the_file(watching):
    folder, recorder = watching
    (folder / "part1.py").write_text("x = 2\n")
    (folder / "part1.py").write_text("x = 3\n")  # an editor saving twice is one burst
    assert recorder.wait_for(2), "the save was not noticed"
    time.sleep(0.6)
    assert len(recorder.calls) == 2
    assert [Path(path).name for path in recorder.calls[1]] == ["part1.py"]


def test_progress_files_and_caches_do_not_trigger_a_regrade(watching):
    folder, recorder = watching
    (folder / ".lstm-grader").mkdir()
    (folder / ".lstm-grader" / "progress.json").write_text("{}")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "part1.cpython-311.py").write_text("")
    (folder / "notes.txt").write_text("")
    assert not recorder.wait_for(2, timeout=1.0)


def test_relevant_files():
    assert relevant("/w/part1.py", None) and relevant("/w/lstm.ipynb", None)
    assert not relevant("/w/.lstm-grader/progress.json", None)
    assert not relevant("/w/__pycache__/part1.py", None)
    assert not relevant("/w/other.py", Path("/w/mine.py"))
