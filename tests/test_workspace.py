"""Progress per workspace (grader/student/workspace.py) and fresh workspaces (grader/student/start.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli.commands import main
from grader.lstm import PARTS, all_parts
from grader.engine.results import PartResult, Report
from grader.student.start import StartError, start_workspace
from grader.student.workspace import load_progress, progress_path, record

ROOT = Path(__file__).resolve().parent.parent


def result(name: str, status: str, score: float | None = None, diagnosis: str | None = None) -> PartResult:
    part = next(part for part in PARTS if part.name == name)
    return PartResult(name, part.group, status, part.points if score is None and status == "pass" else (score or 0.0),
                      float(part.points), (), diagnosis)


def report(*parts: PartResult) -> Report:
    return Report("submission", tuple(parts), 1)


def test_first_run_records_parts_best_score_and_date(tmp_path):
    view = record(report(result("sigmoid", "pass"), result("forget_gate", "fail", diagnosis="forget_gate.missing_bias")),
                  tmp_path, today="2025-03-01")
    data = json.loads(progress_path(tmp_path).read_text())
    assert data["best_score"] == 3.0 and data["best_on"] == "2025-03-01"
    assert data["parts"]["sigmoid"]["passed_on"] == "2025-03-01"
    assert data["parts"]["forget_gate"]["diagnosis"] == "forget_gate.missing_bias"
    assert view.next_part == "forget_gate" and view.passing == 1 and view.total == len(PARTS)
    assert view.newly_passing == ("sigmoid",) and view.score_before is None
    assert (tmp_path / ".lstm-grader" / ".gitignore").read_text().strip().endswith("*")


def test_second_run_says_what_changed_and_keeps_the_best(tmp_path):
    record(report(result("sigmoid", "pass"), result("forget_gate", "fail")), tmp_path, today="2025-03-01")
    view = record(report(result("sigmoid", "fail"), result("forget_gate", "pass")), tmp_path, today="2025-03-02")
    assert view.newly_passing == ("forget_gate",) and view.newly_failing == ("sigmoid",)
    assert view.score_before == 3.0 and view.score_now == 4.0
    assert view.best_score == 4.0 and view.best_on == "2025-03-02"
    worse = record(report(result("forget_gate", "fail")), tmp_path, today="2025-03-03")
    assert worse.best_score == 4.0 and worse.best_on == "2025-03-02" and worse.next_part == "sigmoid"


def test_parts_not_graded_keep_their_state(tmp_path):
    record(report(result("sigmoid", "pass")), tmp_path, today="2025-03-01")
    view = record(report(result("forget_gate", "pass")), tmp_path, today="2025-03-02")
    progress = load_progress(tmp_path)
    assert progress.parts["sigmoid"].passed_on == "2025-03-01" and view.passing == 2
    assert view.next_part == "input_gate"


def test_a_corrupt_progress_file_starts_afresh(tmp_path):
    progress_path(tmp_path).parent.mkdir()
    progress_path(tmp_path).write_text("{not json")
    assert load_progress(tmp_path).runs == 0
    assert record(report(result("sigmoid", "pass")), tmp_path, today="2025-03-01").passing == 1


def test_a_file_submission_keeps_progress_in_its_folder(tmp_path):
    submission = tmp_path / "my_lstm.py"
    submission.write_text("")
    record(report(result("sigmoid", "pass")), submission, today="2025-03-01")
    assert progress_path(tmp_path).is_file()


def test_check_records_progress_and_shows_the_next_part(tmp_path):
    folder = tmp_path / "work"
    start_workspace(folder)
    first = CliRunner().invoke(main, ["check", str(folder), "--part", "sigmoid", "--part", "forget_gate"])
    assert first.exit_code == 0, first.output
    assert "next part to work on: sigmoid (lstm-grader hint sigmoid)" in first.output
    assert "progress: 0 of 16 parts pass" in first.output
    solution = (ROOT / "solutions" / "part1_cell_forward.py").read_text()
    (folder / "part1_cell_forward.py").write_text(solution)
    second = CliRunner().invoke(main, ["check", str(folder), "--part", "sigmoid", "--part", "forget_gate"])
    assert "now passing: sigmoid, forget_gate" in second.output
    assert "next part to work on: input_gate" in second.output
    assert load_progress(folder).runs == 2


def test_check_json_records_progress_silently_and_no_progress_skips_it(tmp_path):
    folder = tmp_path / "work"
    start_workspace(folder)
    result_json = CliRunner().invoke(main, ["check", str(folder), "--part", "sigmoid", "--json"])
    assert json.loads(result_json.output)["schema"] == 1
    assert load_progress(folder).runs == 1
    CliRunner().invoke(main, ["check", str(folder), "--part", "sigmoid", "--no-progress"])
    assert load_progress(folder).runs == 1


def test_start_gives_the_generated_stubs_in_a_source_checkout(tmp_path):
    written = start_workspace(tmp_path / "new")
    names = sorted(path.name for path in written)
    assert names == sorted(path.name for path in (ROOT / "exercises").glob("*.py"))
    for path in written:
        assert path.read_text() == (ROOT / "exercises" / path.name).read_text()  # the checkout's are untouched stubs
    assert "NotImplementedError" in (tmp_path / "new" / "part1_cell_forward.py").read_text()


def test_start_prefers_the_packaged_copy_and_never_overwrites(tmp_path):
    packaged = tmp_path / "_exercises"
    packaged.mkdir()
    (packaged / "part1_cell_forward.py").write_text("# packaged\n")
    target = tmp_path / "mine"
    start_workspace(target, source=packaged)
    (target / "part1_cell_forward.py").write_text("# my work\n")
    with pytest.raises(StartError, match="already has part1_cell_forward.py"):
        start_workspace(target, source=packaged)
    assert (target / "part1_cell_forward.py").read_text() == "# my work\n"


def test_cli_start_tells_the_next_step(tmp_path):
    result_cli = CliRunner().invoke(main, ["start", str(tmp_path / "lstm")])
    assert result_cli.exit_code == 0 and f"lstm-grader check {tmp_path / 'lstm'}" in result_cli.output
    again = CliRunner().invoke(main, ["start", str(tmp_path / "lstm")])
    assert again.exit_code == 2 and "never overwritten" in again.output


def test_pyproject_ships_the_exercises_in_the_wheel():
    text = (ROOT / "pyproject.toml").read_text()
    assert '"exercises" = "grader/_exercises"' in text


# a notebook holds the core parts only: the bonus parts live in their own .py files


def every_part(core_status: str, bonus_status: str) -> Report:
    """A report on all 21 parts: the core parts with one status, the bonus parts with another."""
    statuses = {"pass": 1.0, "missing": 0.0}
    return report(*(PartResult(part.name, part.group, status, statuses[status] * part.points, float(part.points))
                    for part in all_parts()
                    for status in [bonus_status if part.group == "bonus" else core_status]))


def test_a_solved_notebook_is_not_sent_to_the_bonus_parts(tmp_path):
    notebook = tmp_path / "lstm_assignment.ipynb"
    view = record(every_part("pass", "missing"), notebook, today="2025-03-01")
    assert view.next_part is None and view.passing == view.total == len(PARTS)
    assert view.newly_passing == tuple(part.name for part in PARTS)
    assert set(load_progress(tmp_path).parts) == {part.name for part in PARTS}


def test_a_notebook_after_the_py_files_is_not_told_about_their_bonus_parts(tmp_path):
    record(every_part("pass", "pass"), tmp_path, today="2025-03-01")
    view = record(every_part("pass", "missing"), tmp_path / "lstm_assignment.ipynb", today="2025-03-02")
    assert view.next_part is None and view.newly_failing == ()
    assert load_progress(tmp_path).parts["peephole_cell_forward"].passed


def test_the_py_files_are_still_sent_to_the_bonus_parts_once_the_core_passes(tmp_path):
    view = record(every_part("pass", "missing"), tmp_path, today="2025-03-01")
    assert view.next_part == "peephole_cell_forward"


def test_check_on_the_solved_notebook_ends_without_a_bonus_part(tmp_path):
    notebook = tmp_path / "lstm_assignment.ipynb"
    notebook.write_bytes((ROOT / "solutions" / "lstm_assignment.ipynb").read_bytes())
    result_cli = CliRunner().invoke(main, ["check", str(notebook)])
    assert result_cli.exit_code == 0, result_cli.output
    assert "progress: 16 of 16 parts pass" in result_cli.output
    assert "every part passes: well done" in result_cli.output
    assert "next part to work on" not in result_cli.output
