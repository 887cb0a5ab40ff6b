"""Every hostile submission is contained: the hostile part scores 0, the honest parts
keep their points, no process is left behind and the submission is unchanged."""
from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from grader.lstm.grading import grade
from grader.sandbox import bwrap_works
from hostile_submissions import (CASES, REPO, HONEST_PARTS, SECRET, TARGET, Hostile, build, digest,
                                 sandbox_processes)

TIMEOUT = 4.0  # generous: the honest parts must not time out on a busy 2-core machine


def wait_for_no_sandbox_processes(seconds: float = 3.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := sandbox_processes()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def check_contained(case: Hostile, folder: Path, report, before: str) -> None:
    for name in HONEST_PARTS:
        part = report.part(name)
        assert part.status == "pass", f"{case.name}: honest {name} lost points: {part.messages}"
    if case.hostile_part:
        part = report.part(case.hostile_part)
        assert part.score == 0, f"{case.name}: hostile {case.hostile_part} scored {part.score}: {part.messages}"
    honest = [*HONEST_PARTS] + ([] if case.hostile_part else [TARGET])
    assert report.score == sum(report.part(name).max_score for name in honest)
    assert digest(folder) == before, f"{case.name}: the submission folder changed"
    assert not wait_for_no_sandbox_processes(), f"{case.name}: processes were left behind"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_submission_is_contained_in_the_process_sandbox(case: Hostile, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSTM_GRADER_SECRET", SECRET)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    folder = build(case, tmp_path / "submission", listener.getsockname()[1])
    before = digest(folder)
    report = grade(folder, parts=[*HONEST_PARTS, TARGET], seed=7, timeout=TIMEOUT, sandbox="process")
    check_contained(case, folder, report, before)
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected
    listener.close()
    assert not (tmp_path / "results.json").exists()
    assert not (REPO / "results.json").exists(), "the child wrote into the repository"
    assert not any(tmp_path.rglob("*_RAN")), "a sitecustomize, conftest or .pth file was executed"


def test_enough_hostile_cases() -> None:
    assert len(CASES) >= 25


def test_flooded_output_is_capped_in_the_report(tmp_path: Path) -> None:
    case = next(case for case in CASES if case.name == "floods_output")
    report = grade(build(case, tmp_path / "s"), parts=[TARGET], seed=7, timeout=TIMEOUT, sandbox="process")
    assert len(report.part(TARGET).output) < 10_000


def test_honest_copy_of_the_gate_scores_so_the_secret_probe_can_fail(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The reads_the_environment case returns a correct answer when it finds the secret:
    show that this answer does score, so its 0 in the suite means the secret stayed hidden."""
    case = next(case for case in CASES if case.name == "reads_the_environment")
    leaky = Hostile("leaky", case.source.replace(f"found = {SECRET!r} in", "found = True or"))
    report = grade(build(leaky, tmp_path / "s"), parts=[TARGET], seed=7, timeout=TIMEOUT, sandbox="process")
    assert report.part(TARGET).status == "pass"


@pytest.mark.skipif(not bwrap_works(), reason="bubblewrap cannot create namespaces here")
@pytest.mark.parametrize("name", ["reads_the_solutions", "fork_sleepers", "loopback_connection",
                                  "deletes_files_around_it", "os_exit_at_import"])
def test_hostile_submission_is_contained_in_bubblewrap(name: str, tmp_path: Path) -> None:
    case = next(case for case in CASES if case.name == name)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    folder = build(case, tmp_path / "submission", listener.getsockname()[1])
    before = digest(folder)
    report = grade(folder, parts=[*HONEST_PARTS, TARGET], seed=7, timeout=TIMEOUT, sandbox="bwrap")
    assert report.isolation.startswith("bwrap")
    check_contained(case, folder, report, before)
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()


@pytest.mark.slow
def test_hostile_class_batch_finishes_and_keeps_honest_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every hostile case as one student of a class, graded with --jobs 2 in the default sandbox."""
    from grader.course.batch import BatchOptions, run_batch
    from grader.course.secret import CourseSecret
    from grader.sandbox import resolve_sandbox

    monkeypatch.setenv("LSTM_GRADER_SECRET", SECRET)
    root = tmp_path / "class"
    root.mkdir()
    for case in CASES:
        build(case, root / case.name)
    before = digest(root)
    out = tmp_path / "out"
    options = BatchOptions(out=out, jobs=2, timeout=TIMEOUT, parts=[*HONEST_PARTS, TARGET],
                           sandbox=resolve_sandbox("auto", quiet=True), secret=CourseSecret(SECRET.encode(), "test"))
    result = run_batch(root, options)
    assert result.graded == len(CASES) and not result.ungradable and not result.interrupted
    import csv
    import json

    rows = {row["student"]: row for row in csv.DictReader(open(out / "grades.csv"))}
    for case in CASES:
        row = rows[case.name]
        for name in HONEST_PARTS:
            assert float(row[name]) > 0, f"{case.name}: honest {name} scored 0"
        if case.hostile_part:
            assert float(row[case.hostile_part]) == 0, f"{case.name}: hostile part scored"
        report = json.loads((out / "reports" / f"{case.name}.json").read_text())
        assert report["isolation"]
    assert digest(root) == before
    assert not wait_for_no_sandbox_processes()
    assert not list(out.rglob("results.json"))
