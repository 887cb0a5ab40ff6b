"""The Gradescope bundle: run_autograder against a fake /autograder layout writes a valid results.json."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from click.testing import CliRunner

from grader.cli.commands import main
from grader.course.gradescope import build_bundle, results_from_report
from grader.engine.results import PartResult, Report
from grader.lstm import all_parts

REPO = Path(__file__).resolve().parent.parent
TEST_KEYS = {"name", "score", "max_score", "output", "visibility"}


def fake_autograder(tmp_path: Path, submission_files: dict[str, str]) -> Path:
    root = tmp_path / "autograder"
    tmp_path.mkdir(parents=True, exist_ok=True)
    bundle = tmp_path / "bundle.zip"
    build_bundle(bundle, secret="test-secret")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    shutil.copyfile(root / "source" / "run_autograder", root / "run_autograder")
    os.chmod(root / "run_autograder", 0o755)
    (root / "submission").mkdir()
    for name, text in submission_files.items():
        (root / "submission" / name).write_text(text)
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"id": "12345", "email": "a@b.c"}]}))
    return root


def run_autograder(root: Path) -> dict:
    environment = dict(os.environ, AUTOGRADER_ROOT=str(root), LSTM_GRADER_PYTHON=sys.executable)
    environment.pop("LSTM_GRADER_SECRET", None)
    completed = subprocess.run(["bash", str(root / "run_autograder")], env=environment, capture_output=True,
                               text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_writes_gradescope_results_for_a_correct_submission(tmp_path: Path) -> None:
    files = {name: (REPO / "solutions" / name).read_text()
             for name in ("part1_cell_forward.py", "part2_cell_backward.py", "part3_sequence.py")}
    results = run_autograder(fake_autograder(tmp_path, files))
    assert {test["name"] for test in results["tests"]} == {part.name for part in all_parts()}
    for test in results["tests"]:
        assert TEST_KEYS <= set(test), test
        assert 0 <= test["score"] <= test["max_score"]
        assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    core = [test for test in results["tests"] if "forward" in test["tags"] or "backward" in test["tags"]]
    assert sum(test["score"] for test in core) == 100
    assert results["score"] == sum(test["score"] for test in results["tests"])
    assert "Graded in:" in results["output"]


def test_run_autograder_scores_a_stub_zero_and_survives_an_unreadable_submission(tmp_path: Path) -> None:
    results = run_autograder(fake_autograder(tmp_path / "a", {"lstm.py": "def sigmoid(z):\n    return z\n"}))
    assert results["score"] == 0
    assert all(test["status"] == "failed" for test in results["tests"])
    broken = run_autograder(fake_autograder(tmp_path / "b", {"notes.txt": "no code"}))
    assert broken["score"] == 0 and "could not be read" in broken["output"]


def test_gradescope_build_command_writes_setup_and_run_autograder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["gradescope", "build", str(tmp_path / "out.zip")])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        names = set(archive.namelist())
        assert {"setup.sh", "run_autograder", "grader/course/gradescope.py", "grader/child/worker.py",
                "solutions/part1_cell_forward.py", "course_secret"} <= names
        assert (archive.getinfo("run_autograder").external_attr >> 16) & 0o111


def test_each_test_output_is_the_status_points_and_lines_of_the_part() -> None:
    report = Report("sub.py", (PartResult("sigmoid", "forward", "pass", 3, 3, ("matches",)),
                               PartResult("forget_gate", "forward", "fail", 0, 4, ("18 / 18 elements differ",),
                                          hint="use sigmoid")), seed=5, isolation="process: test")
    results = results_from_report(report)
    outputs = {test["name"]: test["output"].splitlines() for test in results["tests"]}
    assert outputs == {"sigmoid": ["PASS  3/3", "matches"],
                       "forget_gate": ["FAIL  0/4", "18 / 18 elements differ", "hint: use sigmoid"]}
    assert results["output"].startswith("<pre>LSTM grader: 3 / 7\nGraded in: process: test</pre>")
    assert results["score"] == 3 and results["output_format"] == "html" and results["test_output_format"] == "text"


def test_the_results_page_is_the_feedback_page_body_with_student_text_escaped() -> None:
    hostile = "<script>alert(1)</script> & <b>bold</b>"
    report = Report("sub.py", (PartResult("sigmoid", "forward", "pass", 3, 3, ("matches",)),
                               PartResult("forget_gate", "forward", "error", 0, 4, (f"forget_gate raised {hostile}",),
                                          hint="use sigmoid")), seed=5, isolation="process: test")
    output = results_from_report(report)["output"]
    assert "<script" not in output and "<b>bold" not in output
    assert "forget_gate" in output and "ERROR" in output and "3 / 7" in output
    assert "<html" not in output and "<style" not in output  # a fragment inside Gradescope's own page
    # the details are in the part's own test box, once: not repeated in the page above it
    assert "use sigmoid" not in output
    tests = {test["name"]: test["output"] for test in results_from_report(report)["tests"]}
    # a test's output is text (test_output_format), which Gradescope shows as text: the student's line as it is
    assert "use sigmoid" in tests["forget_gate"] and "raised <script>alert(1)</script>" in tests["forget_gate"]
