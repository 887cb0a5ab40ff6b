"""A batch worker's students' children forked from a pre-started child (grader.sandbox.zygote).

Through the real child, in process and bwrap mode, so slow. Each fork must be
as confined as a child of its own, confined to its own student, unable to
touch the zygote, and gone with all it started before the next student.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.child.protocol import decode_value
from grader.engine.grading import grade_parts
from grader.lstm import get_part
from grader.sandbox import ChildDied, ChildSession, SandboxFailure, bwrap_works, resolve_sandbox
from grader.sandbox import view as child_view
from grader.sandbox.strays import carries_token, process_table
from grader.sandbox.zygote import Zygote, zygote_usable

pytestmark = pytest.mark.slow

MODES = ["process"] + (["bwrap"] if bwrap_works() else [])
PROBE = '''import os, resource, signal, time
def limits():
    return [float(resource.getrlimit(kind)[0]) for kind in (resource.RLIMIT_CPU, resource.RLIMIT_AS,
            resource.RLIMIT_NPROC, resource.RLIMIT_FSIZE, resource.RLIMIT_NOFILE)]
def read(path_id):
    path = PATHS[int(path_id)]
    os.path.realpath = lambda name, **_: os.getcwd()  # past the audit hook: only the kernel is left
    try:
        with open(path, "rb") as stream:
            stream.read(10)
        return 1.0
    except OSError:
        return 0.0
def leave():
    os._exit(3)
def kill_parent():
    try:
        os.kill(os.getppid(), signal.SIGKILL)
        return 1.0
    except OSError:
        return 0.0
def leave_sleeper():
    if os.fork() == 0:
        os.setsid()
        os.closerange(0, 256)  # holds no pipe of the grader's: only killing it ends it
        time.sleep(60)
        os._exit(0)
    return 1.0
'''


@pytest.fixture(params=MODES)
def zygote(request):
    sandbox = resolve_sandbox(request.param, quiet=True)
    assert zygote_usable(sandbox), "this machine has Landlock ABI 6 or later"
    started = Zygote(sandbox)
    started.start()
    yield started
    started.close()


def student(tmp_path: Path, name: str, paths: list[str]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "probe.py").write_text(PROBE + f"PATHS = {paths!r}\n")
    (folder / "secret_of_{}.py".format(name)).write_text(f"SECRET = {name!r}\n")
    return folder


def session_of(zygote: Zygote, folder: Path) -> ChildSession:
    files = sorted(folder.glob("*.py"))
    return ChildSession(files, [path.stem for path in files], None, sandbox=zygote.sandbox, spawner=zygote)


def value(session: ChildSession, function: str, *args):
    reply = session.call(function, list(args), timeout=10.0)
    assert reply.status == "ok", reply.header
    return decode_value(reply.header["value"], reply.arrays)


def test_a_fork_reads_only_its_own_students_files(zygote, tmp_path: Path):
    first = student(tmp_path, "first", [])
    root = zygote.inside
    # a fork's own domain names the runtime's folders whole: inside them, only the zygote's keeps
    # the package folders out, so one file of each is read too
    packaged = [next(path for path in sorted(Path(folder).rglob("*.py")) if path.is_file())
                for folder in child_view.package_folders()
                if any(folder.startswith(root + os.sep) for root in child_view.runtime_roots())]
    paths = [f"{root}/students/1/secret_of_first.py", f"{root}/students/2/secret_of_second.py",
             str(child_view.solutions_dir() / "part1_cell_forward.py"), *map(str, packaged)]
    second = student(tmp_path, "second", paths)
    with session_of(zygote, first) as one, session_of(zygote, second) as two:
        one.start()
        two.start()
        assert value(two, "read", 1.0) == 1.0  # its own file
        assert value(two, "read", 0.0) == 0.0  # the other student's, alive at the same time
        assert value(two, "read", 2.0) == 0.0  # the solutions
        assert packaged, "a package folder inside the runtime's folders (site-packages)"
        for index in range(3, len(paths)):
            assert value(two, "read", float(index)) == 0.0, paths[index]


def test_a_fork_has_the_limits_and_cannot_signal_the_zygote(zygote, tmp_path: Path):
    with session_of(zygote, student(tmp_path, "s", [])) as session:
        session.start()
        cpu, address_space, processes, file_size, open_files = value(session, "limits")
        limits = zygote.sandbox.limits
        assert (cpu, address_space, file_size) == (limits.cpu_seconds, limits.address_space_bytes,
                                                   limits.file_size_bytes)
        assert value(session, "kill_parent") == 0.0
    assert zygote.alive


def test_what_a_student_started_is_gone_before_the_next_one(zygote, tmp_path: Path):
    def processes_with_the_token() -> int:
        return sum(1 for pid, *_ in process_table() if carries_token(pid, zygote.token, None))

    before = processes_with_the_token()
    with session_of(zygote, student(tmp_path, "s", [])) as session:
        session.start()
        assert value(session, "leave_sleeper") == 1.0
        assert processes_with_the_token() >= before + 2  # the student's child and its sleeper
    assert processes_with_the_token() == before
    assert zygote.alive


def test_a_fork_that_exits_is_seen_gone_and_the_next_call_gets_a_new_one(zygote, tmp_path: Path):
    with session_of(zygote, student(tmp_path, "s", [])) as session:
        session.start()
        assert session.alive
        with pytest.raises(ChildDied, match="exited with code 3"):
            session.call("leave", [], timeout=10.0)
        assert not session.alive
        session.ensure_started()
        assert session.alive and value(session, "kill_parent") == 0.0


def test_a_student_graded_from_the_zygote_gets_the_same_report(zygote):
    parts = [get_part(name) for name in ("sigmoid", "forget_gate", "lstm_forward", "lstm_backward")]
    alone = grade_parts(child_view.solutions_dir(), parts, seed=7, sandbox=zygote.sandbox, parallel=False)
    forked = grade_parts(child_view.solutions_dir(), parts, seed=7, sandbox=zygote.sandbox, parallel=False,
                         spawner=zygote)

    def comparable(report):
        return [(part.name, part.status, part.score, part.messages) for part in report.parts], report.notes

    assert comparable(forked) == comparable(alone)
    assert forked.isolation == alone.isolation + "; forked from a pre-started child of its batch worker, " \
                                                 "with a Landlock domain of its own"


def test_a_zygote_that_died_is_the_graders_failure_and_is_replaced(tmp_path: Path, monkeypatch):
    import grader.course.grade_student as grade_student

    sandbox = resolve_sandbox("process", quiet=True)
    monkeypatch.setattr(grade_student, "_zygote", None)
    first = grade_student.worker_zygote(sandbox)
    assert first is not None and first.alive
    os.killpg(first.process.pid, 9)
    first.process.wait()
    descriptors = len(os.listdir("/proc/self/fd"))
    with pytest.raises(SandboxFailure):
        first.spawn([], None)
    assert len(os.listdir("/proc/self/fd")) == descriptors  # no pipe left open by the failed spawn
    second = grade_student.worker_zygote(sandbox)
    assert second is not first and second.alive
    second.close()


def test_where_no_zygote_can_start_the_worker_uses_children_of_its_own(monkeypatch):
    import grader.course.grade_student as grade_student
    import grader.sandbox.zygote as zygote_module

    sandbox = resolve_sandbox("process", quiet=True)
    monkeypatch.setattr(grade_student, "_zygote", None)
    monkeypatch.setattr(grade_student, "_zygote_failed", False)
    monkeypatch.setattr(child_view, "interpreter", lambda: "/bin/false")
    assert grade_student.worker_zygote(sandbox) is None
    assert grade_student._zygote_failed
    assert not zygote_module.zygote_usable(resolve_sandbox("none", quiet=True))


def test_no_staging_folder_is_left(zygote, tmp_path: Path):
    with session_of(zygote, student(tmp_path, "s", [])) as session:
        session.start()
    assert os.listdir(zygote.root / "students") == [] and os.listdir(zygote.root / "works") == []
    root = zygote.root
    zygote.close()
    assert not root.exists()


def test_the_seccomp_filter_refuses_system_v_ipc():
    """The students of one zygote share its IPC namespace, which Landlock does not cover."""
    import subprocess
    import sys

    script = ("import ctypes, errno, importlib.util, sys\n"
              f"spec = importlib.util.spec_from_file_location('seccomp', {str(child_view.CHILD_DIR / 'seccomp.py')!r})\n"
              "seccomp = importlib.util.module_from_spec(spec); spec.loader.exec_module(seccomp)\n"
              "libc = ctypes.CDLL(None, use_errno=True)\n"
              "before = libc.shmget(0, 4096, 0o1600)\n"
              "libc.shmctl(before, 0, None)\n"
              "seccomp.install()\n"
              "after = libc.shmget(0, 4096, 0o1600)\n"
              "print(before >= 0, after, ctypes.get_errno() == errno.EPERM)\n")
    result = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=30)
    assert result.stdout.split() == ["True", "-1", "True"], result.stderr


def test_a_forks_own_domain_names_the_runtimes_folders_whole_unless_one_holds_the_staging_root():
    outer = child_view.landlock_paths("/tmp/stage", ("students/1",), ("works/1",))
    nested = child_view.nested_landlock_paths("/tmp/stage", ("students/1",), ("works/1",))
    assert len(nested["read"]) < len(outer["read"]) / 5
    assert nested["write"] == outer["write"] == ["/tmp/stage/works/1", "/dev/null"]
    assert nested["read"][-3:] == ["/tmp/stage/runtime", "/tmp/stage/site", "/tmp/stage/students/1"]
    assert not any(path.startswith("/tmp/stage") for path in nested["read"][:-3])
    # a staging root inside a runtime folder: named whole, that folder would let a fork read every student
    inside = child_view.runtime_roots()[0] + "/stage"
    assert (child_view.nested_landlock_paths(inside, ("students/1",), ("works/1",))
            == child_view.landlock_paths(inside, ("students/1",), ("works/1",)))
