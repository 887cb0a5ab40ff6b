import json
import re
from pathlib import Path

from click.testing import CliRunner

from grader.cli.commands import main

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[")


def test_check_json_follows_the_contract_schema():
    result = CliRunner().invoke(main, ["check", str(ROOT / "solutions"), "--json", "--seed", "5"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["schema"] == 1
    assert report["score"] == report["max_score"] == 100.0
    assert {"submission", "bonus", "max_bonus", "parts"} <= set(report)
    part = report["parts"][0]
    assert set(part) == {"name", "group", "status", "score", "max_score", "messages", "diagnosis", "hint",
                         "seconds"}
    assert not ANSI.search(result.output)


def test_check_one_part_grades_only_that_part():
    result = CliRunner().invoke(main, ["check", str(ROOT / "solutions"), "--json", "--part", "forget_gate"])
    assert [part["name"] for part in json.loads(result.output)["parts"]] == ["forget_gate"]


def test_unknown_part_is_a_usage_error():
    result = CliRunner().invoke(main, ["check", str(ROOT / "solutions"), "--part", "forgot_gate"])
    assert result.exit_code == 2
    assert "unknown part forgot_gate" in result.output


def test_unreadable_submission_exits_2_with_the_path(tmp_path):
    result = CliRunner().invoke(main, ["check", str(tmp_path / "missing.py")])
    assert result.exit_code == 2
    assert "missing.py: no such file or folder" in result.output


def test_wrong_submission_still_exits_0_and_plain_text_names_the_failure(tmp_path):
    answer = tmp_path / "answer.py"
    answer.write_text("import numpy as np\n\ndef forget_gate(x, h_prev, W_f, U_f, b_f):\n"
                      "    return np.tanh(x @ W_f + h_prev @ U_f + b_f)\n")
    result = CliRunner().invoke(main, ["check", str(answer), "--part", "forget_gate", "--seed", "2"])
    assert result.exit_code == 0
    assert "forget_gate" in result.output and "FAIL" in result.output
    assert "elements differ, max relative error" in result.output
    assert not ANSI.search(result.output)


def test_help_shows_an_example():
    result = CliRunner().invoke(main, ["check", "--help"])
    assert result.exit_code == 0 and "Examples:" in result.output and "lstm-grader check" in result.output


def test_junit_file_holds_one_test_case_per_part_with_failures_marked(tmp_path):
    import xml.etree.ElementTree as ElementTree

    answer = tmp_path / "answer.py"
    answer.write_text("import numpy as np\n\ndef forget_gate(x, h_prev, W_f, U_f, b_f):\n"
                      "    return np.tanh(x @ W_f + h_prev @ U_f + b_f)\n")
    junit = tmp_path / "out" / "results.xml"
    junit.parent.mkdir()
    result = CliRunner().invoke(main, ["check", str(answer), "--part", "forget_gate", "--part", "sigmoid",
                                       "--junit", str(junit), "--no-progress"])
    assert result.exit_code == 0, result.output
    cases = {case.get("name"): case for case in ElementTree.parse(junit).getroot().iter("testcase")}
    assert set(cases) == {"forget_gate", "sigmoid"}
    assert cases["forget_gate"].find("failure") is not None


def test_check_without_exercises_here_points_to_start(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2
    assert "lstm-grader start" in result.output


def test_check_inside_a_started_workspace_grades_it(tmp_path, monkeypatch):
    workspace = tmp_path / "my-lstm"
    assert CliRunner().invoke(main, ["start", str(workspace)]).exit_code == 0
    monkeypatch.chdir(workspace)
    result = CliRunner().invoke(main, ["check", "--part", "sigmoid", "--json", "--no-progress"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["submission"] == "." and report["parts"][0]["status"] == "missing"
