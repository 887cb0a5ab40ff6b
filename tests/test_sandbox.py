"""The sandbox launcher: limits, clean environment, staging, isolation levels, fallback."""
from __future__ import annotations

from pathlib import Path

import pytest

import grader.sandbox.resolve as resolve
from grader.sandbox import view as child_view
from grader.sandbox import (DEFAULT_TIMEOUT, DISABLE_LANDLOCK_VARIABLE, ChildSession, Limits, Sandbox,
                            SandboxUnavailable, bwrap_works, resolve_sandbox)
from grader.sandbox.strays import kill_strays

PROBE = '''import os, resource
def limits():
    return [float(resource.getrlimit(kind)[0]) for kind in (resource.RLIMIT_CPU, resource.RLIMIT_AS,
            resource.RLIMIT_NPROC, resource.RLIMIT_FSIZE, resource.RLIMIT_NOFILE)]
def environment():
    return [int("LSTM_GRADER_SECRET" in os.environ), int(any("hush" in value for value in os.environ.values()))]
def where():
    return [os.getcwd(), os.path.dirname(os.path.abspath(__file__))]
'''
MODES = ["process"] + (["bwrap"] if bwrap_works() else [])


def session_for(tmp_path: Path, mode: str, limits: Limits | None = None) -> ChildSession:
    (tmp_path / "probe.py").write_text(PROBE)
    return ChildSession([tmp_path / "probe.py"], ["submission"], None,
                        sandbox=resolve_sandbox(mode, limits=limits))


def call_value(session: ChildSession, function: str):
    reply = session.call(function, [], timeout=DEFAULT_TIMEOUT)
    assert reply.status == "ok", reply.header
    return reply.header["value"], reply.arrays


@pytest.mark.parametrize("mode", MODES)
def test_child_runs_with_the_configured_limits(tmp_path: Path, mode: str) -> None:
    limits = Limits(cpu_seconds=33, address_space_bytes=900 * 2**20, processes=77, file_size_bytes=5 * 2**20,
                    open_files=55)
    with session_for(tmp_path, mode, limits) as session:
        session.start()
        tree, arrays = call_value(session, "limits")
        values = [item["scalar"] for item in tree["seq"]]
    assert values == [33, 900 * 2**20, 77, 5 * 2**20, 55]


@pytest.mark.parametrize("mode", MODES)
def test_child_environment_holds_no_secret_and_runs_on_a_copy(tmp_path: Path, mode: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSTM_GRADER_SECRET", "hush")
    with session_for(tmp_path, mode) as session:
        session.start()
        seen = [item["scalar"] for item in call_value(session, "environment")[0]["seq"]]
        reply = session.call("where", [], timeout=DEFAULT_TIMEOUT)
    assert seen == [0, 0]  # neither the secret's name nor its value reaches the child
    assert reply.status == "ok"
    assert "LSTM_GRADER_SECRET" not in str(reply.header) and "hush" not in str(reply.header)
    assert str(tmp_path) not in str(reply.header)  # the child imports a staged copy, not the original


def test_every_report_names_its_isolation(tmp_path: Path) -> None:
    from grader.lstm.grading import grade

    (tmp_path / "s.py").write_text("import numpy as np\ndef sigmoid(z):\n    return 0.5 * (1 + np.tanh(z / 2))\n")
    report = grade(tmp_path / "s.py", parts=["sigmoid"], sandbox="process")
    assert report.isolation.startswith("process") and report.to_dict()["isolation"] == report.isolation


def test_auto_falls_back_with_one_notice_when_bwrap_cannot_run(monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(resolve, "bwrap_binary", lambda: None)
    monkeypatch.setattr(resolve, "_notices_given", set())
    first = resolve_sandbox("auto")
    second = resolve_sandbox("auto")
    assert first.mode == second.mode == "process"
    assert capsys.readouterr().err.count("process sandbox") == 1
    with pytest.raises(SandboxUnavailable):
        resolve_sandbox("bwrap")


def test_bwrap_probe_fails_without_the_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resolve, "bwrap_binary", lambda: None)
    assert bwrap_works() is False


@pytest.mark.skipif(not bwrap_works(), reason="bubblewrap cannot create namespaces here")
def test_bwrap_view_hides_the_repository_and_the_network(tmp_path: Path) -> None:
    (tmp_path / "probe.py").write_text(
        "import os, socket\n"
        f"def look():\n    return [float(os.path.exists({str(child_view.GRADER_DIR.parent / 'solutions')!r})),"
        " float(os.path.exists('/etc/passwd')), float(len(socket.if_nameindex()))]\n")
    with ChildSession([tmp_path / "probe.py"], ["submission"], None, sandbox=resolve_sandbox("bwrap")) as session:
        session.start()
        reply = session.call("look", [], timeout=DEFAULT_TIMEOUT)
    # solutions and /etc/passwd are absent; socket.if_nameindex is refused by the guard or shows only loopback
    if reply.status == "ok":
        values = [item["scalar"] for item in reply.header["value"]["seq"]]
        assert values[0] == 0.0 and values[1] == 0.0 and values[2] <= 1
    else:
        assert reply.status == "error"


def test_stray_sweep_kills_a_process_that_left_the_session(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    import time

    marker = "LSTM_GRADER_CHILD=t0k3n"
    escaped = subprocess.Popen([sys.executable, "-c", "import os, time; os.setsid(); time.sleep(60)"],
                               env={"LSTM_GRADER_CHILD": "t0k3n"})
    time.sleep(0.2)
    killed = kill_strays(session=-12345, token="t0k3n", user=None)
    assert killed >= 1
    escaped.wait(timeout=5)  # already reaped by the sweep (it is our child)
    assert not os.path.exists(f"/proc/{escaped.pid}/environ") or marker.encode() not in open(
        f"/proc/{escaped.pid}/environ", "rb").read()


def test_without_landlock_or_a_uid_of_its_own_nothing_is_graded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DISABLE_LANDLOCK_VARIABLE, "1")
    monkeypatch.setattr(resolve.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(resolve, "bwrap_binary", lambda: None)
    with pytest.raises(SandboxUnavailable) as refused:
        resolve_sandbox("auto")
    message = str(refused.value)
    assert "Landlock is not available" in message and "install bubblewrap" in message
    assert "--sandbox none" in message
    unsafe = resolve_sandbox("none")
    assert unsafe.isolation.startswith("none: NO ISOLATION")


def test_a_landlock_child_reports_its_confinement(tmp_path: Path) -> None:
    (tmp_path / "probe.py").write_text("def reach():\n    try:\n        open('/etc/passwd').read(1)\n"
                                       "    except OSError:\n        return [0.0]\n    return [1.0]\n")
    chosen = resolve_sandbox("process")
    assert chosen.landlock_abi >= 6 or chosen.own_users
    with ChildSession([tmp_path / "probe.py"], ["submission"], None, sandbox=chosen) as session:
        session.start()
        reply = session.call("reach", [], timeout=DEFAULT_TIMEOUT)
    if chosen.landlock_abi:
        assert reply.header["value"]["seq"][0]["scalar"] == 0.0  # /etc is outside the child's view


def test_a_carved_out_folder_stays_unreadable(tmp_path: Path) -> None:
    (tmp_path / "lib" / "site-packages" / "grader").mkdir(parents=True)
    (tmp_path / "lib" / "os.py").write_text("")
    (tmp_path / "lib" / "encodings").mkdir()
    (tmp_path / "bin").mkdir()
    allowed = child_view.allowed_except(str(tmp_path), [str(tmp_path / "lib" / "site-packages")])
    assert sorted(allowed) == sorted(str(tmp_path / name) for name in ("bin", "lib/encodings", "lib/os.py"))
    assert child_view.allowed_except(str(tmp_path / "bin"), [str(tmp_path / "lib")]) == [str(tmp_path / "bin")]
    (tmp_path / "link").symlink_to(tmp_path)  # a root reached through a symlink: the real paths, links left out
    through_link = child_view.allowed_except(str(tmp_path / "link"), [str(tmp_path / "lib" / "site-packages")])
    assert sorted(through_link) == sorted(allowed)


def test_readable_by_others_follows_the_folders_above(tmp_path: Path) -> None:
    import tempfile

    shared = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        shared.chmod(0o755)
        (shared / "solutions").mkdir()
        (shared / "solutions" / "part1.py").write_text("answer")
        assert resolve.readable_by_others(shared / "solutions")
        (shared / "solutions" / "part1.py").chmod(0o600)
        assert not resolve.readable_by_others(shared / "solutions")
        (shared / "solutions" / "part1.py").chmod(0o644)
        shared.chmod(0o700)
        assert not resolve.readable_by_others(shared / "solutions")  # nobody else can reach it
    finally:
        import shutil

        shutil.rmtree(shared)


def test_permission_check_names_the_exposed_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resolve, "readable_by_others", lambda path: "solutions" in str(path))
    refused = resolve.permission_problem(Sandbox("process", own_users=True), [])
    assert refused and "chmod -R o-rwx" in refused and "solutions" in refused
    assert resolve.permission_problem(Sandbox("process", landlock_abi=7, own_users=True), []) is None


def test_a_uid_that_cannot_reach_the_interpreter_is_refused_from_the_file_modes(monkeypatch):
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(dir="/tmp"))  # every folder above it is open to others
    try:
        base.chmod(0o755)
        private = base / "private"
        (private / "bin").mkdir(parents=True)
        python = private / "bin" / "python3"
        python.write_text("")
        python.chmod(0o755)
        private.chmod(0o700)
        monkeypatch.setattr(resolve.child_view, "interpreter", lambda: str(python))
        problem = resolve.interpreter_problem(Sandbox("process", own_users=True))
        assert problem is not None and str(python) in problem and f"{private} is mode 700" in problem
        assert resolve.interpreter_problem(Sandbox("process", own_users=False)) is None
        private.chmod(0o755)
        assert resolve.interpreter_problem(Sandbox("process", own_users=True)) is None
    finally:
        shutil.rmtree(base)


def test_wait_for_exit_answers_when_the_process_exits_and_not_before():
    import subprocess
    import sys
    import time

    from grader.sandbox.strays import wait_for_exit

    quick = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    assert wait_for_exit(quick, 10) == 3
    assert wait_for_exit(quick, 10) == 3  # reaped already: its code, without looking at the pid again
    slow = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = time.monotonic()
        with pytest.raises(subprocess.TimeoutExpired):
            wait_for_exit(slow, 0.2)
        assert time.monotonic() - started >= 0.2
    finally:
        slow.kill()
        assert wait_for_exit(slow, 10) == -9
