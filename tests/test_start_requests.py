"""A new child is sent its hello and its loads at once (grader.sandbox.hello): it starts on them as
soon as it is ready, and still imports nothing when its confinement failed.

Through the real child, so slow.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.engine.prelaunch import prelaunch
from grader.sandbox import resolve_sandbox
from grader.sandbox import view as child_view

pytestmark = pytest.mark.slow


def submission(folder: Path, marker: Path) -> Path:
    folder.mkdir()
    (folder / "part1.py").write_text("def sigmoid(z):\n    return z\n")
    # past the audit hook (only Landlock stops the write), and quiet when it is stopped
    (folder / "part2.py").write_text("import os\nos.path.realpath = lambda path, **_: os.getcwd()\n"
                                     f"try:\n    open({str(marker)!r}, 'w').write('imported')\n"
                                     "except OSError:\n    pass\ndef tanh(z):\n    return z\n")
    return folder


def test_the_prelaunched_child_is_sent_hello_and_every_load_before_it_is_asked(tmp_path: Path):
    ready = prelaunch(submission(tmp_path / "s", tmp_path / "work-marker"), resolve_sandbox("process", quiet=True),
                      timeout=5.0)
    try:
        assert [header["op"] for header, _ in ready.session.queued] == ["hello", "load", "load"]
        loaded = ready.session.start()
        assert ready.session.queued == []
        assert {"sigmoid", "tanh"} <= set(loaded.functions)
        assert not loaded.problems and not (tmp_path / "work-marker").exists()
    finally:
        ready.close()


def test_a_child_whose_confinement_failed_imports_nothing_it_was_sent(tmp_path: Path, monkeypatch):
    spec = child_view.confinement_spec

    def failing_spec(*arguments) -> str:
        # a rule on a path that cannot be opened makes the child's Landlock fail
        return spec(*arguments).replace('"read": [', '"read": ["/etc/passwd/x", ', 1)

    monkeypatch.setattr(child_view, "confinement_spec", failing_spec)
    marker = tmp_path / "marker"
    ready = prelaunch(submission(tmp_path / "s", marker), resolve_sandbox("process", quiet=True), timeout=5.0)
    try:
        # every reply read, so the child has handled every request before it is stopped
        replies = [ready.session.receive(request_id, 10.0) for _, request_id in ready.session.queued]
    finally:
        ready.close()
    assert "Landlock" in str(replies[0].header["confinement"]["errors"])
    assert [reply.status for reply in replies[1:]] == ["protocol_error", "protocol_error"]
    assert not marker.exists(), "a student file ran in a child that was not confined"


def test_a_child_gone_before_its_requests_is_the_graders_failure(tmp_path: Path, monkeypatch):
    """The requests sent at once meet a child that already exited: that is a child that did not start
    (SandboxFailure, the grader's), never a crash at the student's import."""
    from grader.sandbox import ChildSession, Sandbox, SandboxFailure
    from grader.sandbox.hello import start_requests

    (tmp_path / "s.py").write_text("def sigmoid(z):\n    return z\n")
    monkeypatch.setattr(child_view, "interpreter", lambda: "/bin/false")
    with ChildSession([tmp_path / "s.py"], ["s"], None, sandbox=Sandbox("process")) as session:
        files, names, search_path = session.launch()
        session.process.wait()
        session.send_ahead(start_requests(files, names, search_path))
        with pytest.raises(SandboxFailure, match="did not start"):
            session.hello()
