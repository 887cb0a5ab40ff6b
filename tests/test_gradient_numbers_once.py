"""A backward part with many wrong gradients shows each error once, in the gradient table."""
from __future__ import annotations

from pathlib import Path

from fake_runner import grade_in_process
from grader.engine.results import Report
from grader.report.terminal import render_plain
from mutants import SOLUTION_FILES, edited_solutions

GRADS_OVERWRITTEN = ("part3_sequence.py", "grads[name] = grads.get(name, 0.0) + value", "grads[name] = value")
FEW_WRONG = ("part2_cell_backward.py", "db = dz.sum(axis=0)", "db = dz.mean(axis=0)")


def plain_of(tmp_path: Path, edit: tuple[str, str, str], part: str) -> tuple[str, Report]:
    folder = edited_solutions(tmp_path / "submission", [edit], SOLUTION_FILES)
    report = grade_in_process(folder, [part], seed=1234)
    return render_plain(report), report


def test_each_of_many_errors_is_printed_once(tmp_path: Path) -> None:
    plain, report = plain_of(tmp_path, GRADS_OVERWRITTEN, "lstm_backward")
    rows = [row for row in report.parts[0].gradients if not row.ok]
    assert len(rows) >= 4
    for row in rows:  # the table pads its columns; an inline listing writes "dW_f 1.1e+00"
        assert f"{row.name} {row.vs_reference:.1e}" not in plain, (row.name, plain)
        assert f"{row.name} {row.vs_numerical:.1e}" not in plain, (row.name, plain)
        assert len([line for line in plain.splitlines() if line.split()[:1] == [row.name]]) == 1
    assert "12 gradient errors in the table below" in plain
    assert report.parts[0].messages[0].startswith("dW_f "), "the JSON report keeps the numbers"


def test_a_few_errors_stay_inline(tmp_path: Path) -> None:
    plain, report = plain_of(tmp_path, FEW_WRONG, "gate_backward")
    assert "in the table below" not in plain
    assert "db " in plain.splitlines()[1]
