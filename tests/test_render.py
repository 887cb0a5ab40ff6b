"""What the student reads: the failure panel with its diagnosis, plain text, NO_COLOR and JSON."""
from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from grader.cli.commands import main
from grader.report.json_report import render_json
from grader.report.terminal import render_plain, render_report, render_rich
from grader.engine.results import Diagnosis, GradientRow, Mismatch, PartResult, Report
from grader.student.workspace import ProgressView

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")

TANH_GATE = Diagnosis("forget_gate.tanh_instead_of_sigmoid",
                      "your forget gate uses tanh; a gate decides how much to let through, so it uses sigmoid "
                      "and lies in (0, 1)", "f = sigmoid(x @ W_f + h_prev @ U_f + b_f)", "forget_gate")
FORGET = PartResult(
    "forget_gate", "forward", "fail", 0.0, 4.0,
    ("case N=3 D=4 H=6 (seed 1234): 18 / 18 elements differ, max relative error 0.83 at [1, 2] (allowed 1e-06)",
     *TANH_GATE.messages()),
    TANH_GATE.id, "A gate is a sigmoid of an affine map.", 0.01,
    mismatch=Mismatch("N=3 D=4 H=6 (seed 1234)", "f", "[1, :4] [0.42 0.55]", "[1, :4] [-0.31 0.21]",
                      0.83, (1, 2), 18, 18, 1e-6),
    finding=TANH_GATE)
BACKWARD = PartResult(
    "lstm_cell_backward", "backward", "fail", 9.0, 12.0, ("dW_f 4.1e-01   (allowed 1e-06; all other gradients agree)",),
    None, None, 0.02,
    gradients=(GradientRow("dx", 1e-15, 2e-9, 1e-6, 1e-5), GradientRow("dW_f", 0.41, 0.4, 1e-6, 1e-5)))
SIGMOID = PartResult("sigmoid", "forward", "pass", 3.0, 3.0, ("matches the reference on every case",))
REPORT = Report("exercises", (SIGMOID, FORGET, BACKWARD), 1234)
PROGRESS = ProgressView(passing=1, total=16, best_score=12.0, max_score=100.0, best_on="2025-03-01",
                        next_part="forget_gate", newly_passing=("sigmoid",), newly_failing=(),
                        score_before=0.0, score_now=12.0)


def rich_text(report: Report, progress: ProgressView | None = None) -> str:
    console = Console(file=io.StringIO(), width=80, force_terminal=True, highlight=False)
    render_rich(report, console, progress)
    return console.file.getvalue()


def test_failure_panel_shows_the_diagnosis_the_numbers_and_the_next_step():
    coloured = rich_text(REPORT, PROGRESS)
    text = ANSI.sub("", coloured)
    assert "\x1b[" in coloured
    panel = " ".join(text[text.index("forget_gate  FAIL  0/4"):].replace("│", " ").split())
    for expected in ("18 / 18 elements differ, max relative error 0.83",
                     "looks like: your forget gate uses tanh",
                     "the equation: f = sigmoid(x @ W_f + h_prev @ U_f + b_f)",
                     "expected f: [1, :4] [0.42 0.55]",
                     "next: lstm-grader hint forget_gate"):
        assert expected in panel, expected
    assert all(len(line) <= 80 for line in text.splitlines())


def test_the_diagnosis_is_highlighted_and_the_word_fail_is_always_there():
    coloured = rich_text(REPORT)
    assert re.search(r"\x1b\[[0-9;]*33m[^\x1b]*looks like: ", coloured)
    assert "FAIL" in ANSI.sub("", coloured)


def test_a_message_that_only_reads_like_a_diagnosis_is_not_highlighted():
    lookalike = PartResult("sigmoid", "forward", "fail", 0.0, 3.0, ("looks like: a note, not a finding",))
    coloured = rich_text(Report("exercises", (lookalike,), 1))
    assert "looks like: a note" in ANSI.sub("", coloured)
    assert not re.search(r"\x1b\[[0-9;]*33m[^\x1b]*looks like: ", coloured)


def test_backward_parts_show_the_gradient_table_with_the_failing_rows_marked():
    text = ANSI.sub("", rich_text(REPORT))
    rows = {line.split()[1]: line for line in text.splitlines() if re.match(r"│\s+d(x|W_f)\s", line)}
    assert "WRONG" in rows["dW_f"] and "4.1e-01" in rows["dW_f"] and "ok" in rows["dx"]


def test_progress_lines_are_shown_and_newly_passing_parts_are_green():
    coloured = rich_text(REPORT, PROGRESS)
    assert re.search(r"\x1b\[[0-9;]*32m[^\x1b]*now passing: ", coloured)
    text = ANSI.sub("", coloured)
    assert "since the last run: score 0 -> 12" in text
    assert "progress: 1 of 16 parts pass; best score 12 / 100 on 2025-03-01" in text
    assert "next part to work on: forget_gate (lstm-grader hint forget_gate)" in text


def test_plain_text_has_the_same_content_without_colour():
    text = render_plain(REPORT, PROGRESS)
    assert "\x1b[" not in text
    block = text[text.index("\nforget_gate  FAIL  0/4"):text.index("\nlstm_cell_backward  FAIL  9/12")]
    assert block.strip().splitlines() == [
        "forget_gate  FAIL  0/4",
        "  case N=3 D=4 H=6 (seed 1234): 18 / 18 elements differ, max relative error 0.83 at [1, 2] "
        "(allowed 1e-06)",
        "  looks like: your forget gate uses tanh; a gate decides how much to let through, so it uses sigmoid "
        "and lies in (0, 1)",
        "  the equation: f = sigmoid(x @ W_f + h_prev @ U_f + b_f)",
        "  expected f: [1, :4] [0.42 0.55]",
        "  got      f: [1, :4] [-0.31 0.21]",
        "  hint: A gate is a sigmoid of an affine map.",
        "  next: lstm-grader hint forget_gate",
    ]
    assert text.rstrip().endswith("next part to work on: forget_gate (lstm-grader hint forget_gate)")


def test_no_color_gives_plain_text_even_on_a_terminal_stream(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("NO_COLOR", "1")
    stream = Terminal()
    render_report(REPORT, stream)
    assert "\x1b[" not in stream.getvalue() and "looks like: your forget gate" in stream.getvalue()
    monkeypatch.delenv("NO_COLOR")
    coloured = Terminal()
    render_report(REPORT, coloured)
    assert "\x1b[" in coloured.getvalue()


def test_json_carries_the_diagnosis_id_and_explanation_without_colour(tmp_path):
    data = json.loads(render_json(REPORT))
    forget = next(part for part in data["parts"] if part["name"] == "forget_gate")
    assert forget["diagnosis"] == "forget_gate.tanh_instead_of_sigmoid"
    assert any(message.startswith("looks like: ") for message in forget["messages"])


def test_cli_json_of_a_real_mistake_has_no_ansi_codes(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    for name in ("part1_cell_forward.py", "part2_cell_backward.py", "part3_sequence.py"):
        shutil.copy(ROOT / "solutions" / name, folder / name)
    path = folder / "part2_cell_backward.py"
    path.write_text(path.read_text().replace("db = dz.sum(axis=0)", "db = dz.mean(axis=0)"))
    result = CliRunner().invoke(main, ["check", str(folder), "--part", "gate_backward", "--json", "--no-progress"],
                                color=True)
    assert "\x1b[" not in result.output
    part = json.loads(result.output)["parts"][0]
    assert part["diagnosis"] == "gate_backward.db_mean"
    assert "looks like: your db averages dz over the batch; b is added to every row, so db sums dz over " \
           "the batch" in part["messages"]
