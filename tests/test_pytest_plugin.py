"""The pytest plugin: one item per part, pass/fail by the part, points in user_properties."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from grader.engine.results import PartResult
from grader.lstm import all_parts
from grader.student.pytest_plugin import failure_text

REPO = Path(__file__).resolve().parent.parent
WRONG = "import numpy as np\ndef sigmoid(z):\n    return 0.5 * (1 + np.tanh(z / 2))\n" \
        "def forget_gate(x, h_prev, W_f, U_f, b_f):\n    return np.tanh(x @ W_f + h_prev @ U_f + b_f)\n"


def run_pytest(tmp_path: Path, *arguments: str) -> tuple[subprocess.CompletedProcess[str], ElementTree.Element]:
    junit = tmp_path / "junit.xml"
    completed = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}",
                                "-q", *arguments], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    return completed, ElementTree.parse(junit).getroot()


def cases_by_name(root: ElementTree.Element) -> dict[str, ElementTree.Element]:
    return {case.get("name").split("::")[-1]: case for case in root.iter("testcase")}


def test_one_item_per_part_with_points(tmp_path: Path) -> None:
    submission = tmp_path / "answer.py"
    submission.write_text(WRONG)
    completed, root = run_pytest(tmp_path, "--lstm-submission", str(submission), "--lstm-timeout", "5")
    assert completed.returncode == 1, completed.stdout[-2000:]
    cases = cases_by_name(root)
    assert set(cases) == {part.name for part in all_parts()}
    sigmoid = {prop.get("name"): prop.get("value") for prop in cases["sigmoid"].iter("property")}
    assert sigmoid == {"points": "3.0", "max_points": "3.0"} and cases["sigmoid"].find("failure") is None
    assert cases["forget_gate"].find("failure") is not None
    assert "forget_gate  FAIL  0/4" in completed.stdout


def test_keyword_selection_grades_only_the_selected_parts(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("part1_cell_forward.py", "part2_cell_backward.py", "part3_sequence.py"):
        (tmp_path / "sub" / name).write_text((REPO / "solutions" / name).read_text())
    completed, root = run_pytest(tmp_path, "--lstm-submission", str(tmp_path / "sub"), "-k", "forget_gate")
    assert completed.returncode == 0, completed.stdout[-2000:]
    assert list(cases_by_name(root)) == ["forget_gate"]


def test_part_option_selects_exactly_the_named_parts(tmp_path: Path) -> None:
    """-k sigmoid would also take sigmoid_backward; --lstm-part sigmoid takes only sigmoid."""
    submission = tmp_path / "answer.py"
    submission.write_text(WRONG)
    completed, root = run_pytest(tmp_path, "--lstm-submission", str(submission), "--lstm-part", "sigmoid",
                                 "--lstm-part", "cell_update")
    assert sorted(cases_by_name(root)) == ["cell_update", "sigmoid"], completed.stdout[-2000:]


def test_junit_classnames_name_the_group_as_report_to_junit_does(tmp_path: Path) -> None:
    submission = tmp_path / "answer.py"
    submission.write_text(WRONG)
    _, root = run_pytest(tmp_path, "--lstm-submission", str(submission), "--lstm-part", "sigmoid",
                         "--lstm-part", "sigmoid_backward")
    assert {case.get("name"): case.get("classname") for case in root.iter("testcase")} == {
        "sigmoid": "lstm.forward", "sigmoid_backward": "lstm.backward"}


def test_an_unknown_part_is_a_usage_error(tmp_path: Path) -> None:
    completed = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--lstm-submission", "x.py",
                                "--lstm-part", "sigmoidd"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 4
    assert "--lstm-part: no part named sigmoidd" in completed.stderr + completed.stdout


def test_plugin_is_inert_without_the_option(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_one():\n    pass\n")
    completed, root = run_pytest(tmp_path)
    assert completed.returncode == 0 and list(cases_by_name(root)) == ["test_one"]


def test_failure_text_is_the_heading_and_the_lines_of_the_part() -> None:
    part = PartResult("forget_gate", "forward", "fail", 0, 4, ("18 / 18 elements differ",), hint="use sigmoid")
    assert failure_text(part).splitlines() == ["forget_gate  FAIL  0/4", "  18 / 18 elements differ",
                                               "  hint: use sigmoid", "  next: lstm-grader hint forget_gate"]
