"""When the diagnosis finds the mistake in a function the part calls, the hint and the next step point there."""
from __future__ import annotations

from pathlib import Path

from fake_runner import grade_in_process
from grader.lstm import get_part
from grader.report.part_view import part_view
from mutants import SOLUTION_FILES, edited_solutions

DB_MEAN = ("part2_cell_backward.py", "db = dz.sum(axis=0)", "db = dz.mean(axis=0)")


def test_a_mistake_in_a_callee_sends_the_student_to_the_callee(tmp_path: Path) -> None:
    folder = edited_solutions(tmp_path / "submission", [DB_MEAN], SOLUTION_FILES)
    result = grade_in_process(folder, ["lstm_cell_backward"], seed=1234).parts[0]
    assert result.finding is not None and result.finding.found_in == "gate_backward", result.messages
    assert result.hint == get_part("gate_backward").hint
    assert part_view(result).next_step.text.endswith("lstm-grader hint gate_backward")


def test_a_mistake_in_the_part_itself_keeps_its_own_hint(tmp_path: Path) -> None:
    folder = edited_solutions(tmp_path / "submission", [DB_MEAN], SOLUTION_FILES)
    result = grade_in_process(folder, ["gate_backward"], seed=1234).parts[0]
    assert result.finding is not None and result.finding.found_in == ""
    assert result.hint == get_part("gate_backward").hint
    assert part_view(result).next_step.text.endswith("lstm-grader hint gate_backward")
