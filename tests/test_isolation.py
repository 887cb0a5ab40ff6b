"""The security review's attacks, in every sandbox mode this machine offers.

Modes: `process` (Landlock and seccomp, the grader's uid), `bwrap` (namespaces
and the same rules inside), and `uid` (Landlock switched off: each child runs
as a uid of its own). The uid mode needs a Python with numpy that such a uid
can run, outside /root: `.ci/run` makes one from /usr/bin/python3 (see
UID_PYTHON); elsewhere the mode is skipped when that Python is missing.

Each attack is graded through the real command line, as an instructor would
run it, next to honest parts; then a class of honest students and attackers
is graded with --jobs 2 and compared with the honest students graded alone.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox import view as child_view
from grader.sandbox import DISABLE_LANDLOCK_VARIABLE, bwrap_works, landlock_abi
from isolation_attacks import Targets, build, sources

REPO = Path(__file__).resolve().parent.parent
UID_PYTHON = Path(os.environ.get("LSTM_GRADER_UID_PYTHON", "/opt/lstm-grader-uid-venv/bin/python"))
PARTS = ("sigmoid", "cell_update", "forget_gate")
HONEST_SCORE = 3 + 4 + 4
SHARED_LEFTOVERS = ("/tmp/lstm-attack-ballast", "/dev/shm/lstm-attack-ballast")


def uid_mode_available() -> bool:
    return os.geteuid() == 0 and UID_PYTHON.exists()


MODES = (["process"] if landlock_abi() >= 6 else []) + (["bwrap"] if bwrap_works() else []) + (
    ["uid"] if uid_mode_available() else [])
ATTACKS_NOT_FOR = {"uid": {"fills_tmpfs"}}  # without Landlock /tmp is the host's; leftovers are removed instead


def test_the_ci_machine_offers_every_mode() -> None:
    """CI installs bubblewrap and makes the uid-mode Python; there, every mode must run."""
    if not os.environ.get("CI"):
        pytest.skip("outside CI a missing mode is skipped")
    assert MODES == ["process", "bwrap", "uid"], MODES


@pytest.fixture
def course(tmp_path: Path):
    """Private solutions, a secret file and a journal: what no child may read."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    shutil.copytree(REPO / "solutions", private / "solutions")
    secret = private / "secret"
    secret.write_text("course-secret-7f3a\n")
    secret.chmod(0o600)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".journal.jsonl").write_text('{"student": "someone", "score": 100}\n')
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    targets = Targets(grader_folders=(*grader_folders(), str(out)),
                      secrets=(str(private / "solutions"), str(secret), str(out / ".journal.jsonl")),
                      evidence=str(tmp_path / "evidence"), victim_pid=victim.pid)
    yield {"solutions": private / "solutions", "targets": targets, "victim": victim, "out": out}
    victim.kill()
    victim.wait()


def grader_folders() -> list[str]:
    folders = set(child_view.package_folders())
    if UID_PYTHON.exists():
        folders |= {str(path) for path in UID_PYTHON.parent.parent.glob("lib/python3*/site-packages")}
    return sorted(folders)


def snapshot(folders: list[str]) -> dict[str, list[str]]:
    return {folder: sorted(os.listdir(folder)) for folder in folders if os.path.isdir(folder)}


def run_grader(mode: str, arguments: list[str], solutions: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run `lstm-grader ARGUMENTS` in `mode`; returns the result and the peak RSS (KiB) of the
    grader and everything it started."""
    python = str(UID_PYTHON) if mode == "uid" else sys.executable
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LSTM_GRADER")}
    environment.update(LSTM_GRADER_SOLUTIONS=str(solutions), NO_COLOR="1")
    if mode == "uid":
        environment[DISABLE_LANDLOCK_VARIABLE] = "1"
    sandbox = "bwrap" if mode == "bwrap" else "process"
    measure = ("import resource, subprocess, sys\n"
               "done = subprocess.run(sys.argv[1:])\n"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
               "sys.exit(done.returncode)")
    result = subprocess.run([sys.executable, "-c", measure, python, "-m", "grader", *arguments,
                             "--sandbox", sandbox], capture_output=True, text=True, env=environment,
                            timeout=600, cwd=str(solutions.parent))
    peak = int(result.stderr.strip().splitlines()[-1])
    return result, peak


def strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key, *strings_in(item)]]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []


def process_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(sources(Targets((), (), "", 0))))
def test_attack_is_contained(mode: str, name: str, course, tmp_path: Path) -> None:
    if name in ATTACKS_NOT_FOR.get(mode, ()):
        pytest.skip(f"{name} does not apply in {mode} mode")
    targets: Targets = course["targets"]
    folder = build(tmp_path / "submission", sources(targets)[name], course["solutions"])
    before = snapshot(list(targets.grader_folders))
    parts = [argument for part in PARTS for argument in ("--part", part)]
    result, peak_kib = run_grader(mode, ["check", str(folder), "--json", "--no-progress", "--timeout", "6",
                                         *parts], course["solutions"])
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    scores = {part["name"]: part for part in report["parts"]}
    assert scores["sigmoid"]["status"] == scores["cell_update"]["status"] == "pass", scores
    assert scores["forget_gate"]["score"] == 0, f"{name} broke out in {mode}: {scores['forget_gate']}"
    expected = {"process": "process: own session; Landlock", "bwrap": "bwrap:", "uid": "process: own session; no Landlock"}
    assert report["isolation"].startswith(expected[mode]), report["isolation"]
    if mode == "uid":
        assert "a uid of its own" in report["isolation"]
    assert snapshot(list(targets.grader_folders)) == before, "a file appeared in the grader's environment"
    assert not os.path.exists(targets.evidence), "the attack left a file outside its folder"
    for leftover in SHARED_LEFTOVERS:
        assert not os.path.exists(leftover), f"{leftover} outlived the child"
    assert course["victim"].poll() is None and process_state(targets.victim_pid) != "T", "the neighbour was hit"
    shown = "".join(strings_in(report))
    for forbidden in ("\x1b", "\x07", "\x00", "\udcff"):
        assert forbidden not in shown, f"{forbidden!r} reached the report"
    assert peak_kib < 400 * 1024, f"the grader or its child peaked at {peak_kib // 1024} MiB"


def write_class(root: Path, targets: Targets, solutions: Path, attackers: list[str]) -> None:
    attack_sources = sources(targets)
    build(root / "aaa_honest_first", "", solutions)
    for name in attackers:
        build(root / name, attack_sources[name], solutions)
    build(root / "zzz_honest_last", "", solutions)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_a_class_with_attackers_grades_every_honest_student_in_full(mode: str, course, tmp_path: Path) -> None:
    targets: Targets = course["targets"]
    attackers = [name for name in sorted(sources(targets)) if name not in ATTACKS_NOT_FOR.get(mode, ())]
    root = tmp_path / "class"
    write_class(root, targets, course["solutions"], attackers)
    out = tmp_path / "graded"
    before = snapshot(list(targets.grader_folders))
    parts = [argument for part in PARTS for argument in ("--part", part)]
    result, _ = run_grader(mode, ["batch", str(root), "--out", str(out), "--jobs", "2", "--timeout", "6",
                                  *parts], course["solutions"])
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {row["student"]: row for row in csv.DictReader(open(out / "grades.csv"))}
    for honest in ("aaa_honest_first", "zzz_honest_last"):
        assert float(rows[honest]["total"]) == HONEST_SCORE, rows[honest]
    for name in attackers:
        assert float(rows[name]["sigmoid"]) == 3 and float(rows[name]["cell_update"]) == 4, rows[name]
        assert float(rows[name]["forget_gate"]) == 0, rows[name]
    assert snapshot(list(targets.grader_folders)) == before
    assert not os.path.exists(targets.evidence)
    assert course["victim"].poll() is None and process_state(targets.victim_pid) != "T"
    for name in attackers:
        shutil.rmtree(root / name)
    result, _ = run_grader(mode, ["batch", str(root), "--out", str(out), "--jobs", "2", "--timeout", "6",
                                  *parts], course["solutions"])
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {row["student"]: row for row in csv.DictReader(open(out / "grades.csv"))}
    assert set(rows) == {"aaa_honest_first", "zzz_honest_last"}
    assert all(float(row["total"]) == HONEST_SCORE for row in rows.values()), rows


def test_a_stopped_child_is_not_a_students_timeout_when_it_never_ran_their_code(tmp_path: Path,
                                                                                monkeypatch) -> None:
    """A child that cannot even say hello (here: the interpreter is replaced by one that exits)
    is the grader's failure: SandboxFailure, never a timeout or an error on the student's parts."""
    from grader.sandbox import Sandbox, SandboxFailure
    from grader.lstm.grading import grade

    (tmp_path / "s.py").write_text("def sigmoid(z):\n    return z\n")
    monkeypatch.setattr(child_view, "interpreter", lambda: "/bin/false")
    with pytest.raises(SandboxFailure):
        grade(tmp_path / "s.py", parts=["sigmoid"], sandbox=Sandbox("process"))


@pytest.mark.skipif(not uid_mode_available(), reason="needs root and the uid-mode Python")
def test_a_venv_whose_base_python_has_no_numpy_grades_correct_code_in_full(course) -> None:
    """Finding 11: the grader in a venv made from /usr/bin/python3 (which has no numpy); the child
    must run that interpreter with the venv's numpy, with Landlock on, and give full marks."""
    solutions = course["solutions"]
    probe = subprocess.run(["/usr/bin/python3", "-c", "import numpy"], capture_output=True)
    assert probe.returncode != 0, "this test needs a base interpreter without numpy"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LSTM_GRADER")}
    environment["LSTM_GRADER_SOLUTIONS"] = str(solutions)
    parts = [argument for part in ("sigmoid", "lstm_forward", "lstm_backward") for argument in ("--part", part)]
    result = subprocess.run([str(UID_PYTHON), "-m", "grader", "check", str(solutions), "--json", "--no-progress",
                             "--sandbox", "process", *parts], capture_output=True, text=True, env=environment,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["score"] == 3 + 10 + 15, report
    assert "Landlock" in report["isolation"] and "a uid of its own" in report["isolation"]


HEAD_START_ATTACK = '''    import os, signal
    os.path.realpath = lambda path, **_: os.getcwd()  # past the audit hook: only the kernel is left
    broke = []
    for path in {secrets!r}:
        try:
            open(path).read()
            broke.append("read " + path)
        except OSError:
            pass
    try:
        open({evidence!r}, "w").write("the copy wrote outside its folder")
        broke.append("wrote")
    except OSError:
        pass
    try:
        os.kill({victim}, signal.SIGKILL)
        broke.append("killed")
    except OSError:
        pass
    if not broke:
        return {{}}
'''
TRAINING_START = "    x, y = make_windows(series, window)\n    model = init_forecaster(hidden_size, seed)\n"


@pytest.mark.parametrize("mode", MODES)
def test_an_attack_in_the_forecasts_head_start_is_contained(mode: str, course, tmp_path: Path) -> None:
    """The forecast's training runs ahead in a fork of the child: it must be as confined as the
    child. The attack trains properly (full marks for the forecast) only if it broke out."""
    targets: Targets = course["targets"]
    folder = tmp_path / "submission"
    shutil.copytree(course["solutions"], folder, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    forecast_file = folder / "part7_forecast.py"
    source = forecast_file.read_text()
    assert source.count(TRAINING_START) == 1, "the solutions changed: update TRAINING_START"
    attack_body = HEAD_START_ATTACK.format(secrets=list(targets.secrets), evidence=targets.evidence,
                                           victim=targets.victim_pid)
    forecast_file.write_text(source.replace(TRAINING_START, attack_body + TRAINING_START))
    result, _ = run_grader(mode, ["check", str(folder), "--json", "--no-progress", "--part", "sigmoid",
                                  "--part", "forecast"], course["solutions"])
    assert result.returncode == 0, result.stderr[-2000:]
    scores = {part["name"]: part for part in json.loads(result.stdout)["parts"]}
    assert scores["sigmoid"]["status"] == "pass", scores
    assert scores["forecast"]["score"] == 0, f"the head start broke out in {mode}: {scores['forecast']}"
    assert scores["forecast"]["status"] == "fail", scores["forecast"]  # the empty model: nothing got out
    assert not os.path.exists(targets.evidence)
    assert course["victim"].poll() is None, "the head start killed a process of the grader's uid"
