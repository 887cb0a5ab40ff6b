"""One view of a part result: every renderer says the diagnosis once, in the view's words."""
from __future__ import annotations

import html
import io
import re
from dataclasses import replace
from xml.etree import ElementTree

import pytest
from rich.console import Console

from grader.course.gradescope import results_from_report
from grader.engine.results import Diagnosis, GradientRow, Mismatch, PartResult, Report
from grader.report import part_view as part_view_module
from grader.report.feedback import render_feedback, render_feedback_view
from grader.report.junit import report_to_junit
from grader.report.notebook_html import report_html
from grader.report.part_view import part_view, report_view
from grader.report.terminal import render_plain, render_rich
from grader.student.pytest_plugin import failure_text

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TAG = re.compile(r"<[^>]+>")
CASE_LINE = "case N=2 D=3 H=4 (seed 7): 8 / 8 elements differ, max relative error 0.5 at [0, 1] (allowed 1e-06)"
HINT = "The old cell state is scaled by the forget gate, not the candidate."
FINDING = Diagnosis("cell_update.forget_times_candidate",
                    "your cell update scales the candidate by the forget gate instead of the old cell state",
                    "c = f * c_prev + i * g", part="lstm_cell_forward", found_in="cell_update")
DIAGNOSED = PartResult("lstm_cell_forward", "forward", "fail", 2.0, 6.0, (CASE_LINE, *FINDING.messages()),
                       FINDING.id, HINT, 0.01,
                       mismatch=Mismatch("N=2 D=3 H=4 (seed 7)", "c", "[0, :4] [0.1 0.2]", "[0, :4] [0.3 0.4]",
                                         0.5, (0, 1), 8, 8, 1e-6),
                       finding=FINDING)
BACKWARD = PartResult("gate_backward", "backward", "fail", 1.0, 4.0, ("db 3.0e-01   (allowed 1e-06)",),
                      gradients=(GradientRow("dW", 2e-15, None, 1e-6, 1e-5), GradientRow("db", 0.3, 0.29, 1e-6, 1e-5)))
PASSING = PartResult("sigmoid", "forward", "pass", 3.0, 3.0, ("matches the reference on every case",))
REPORT = Report("exercises", (PASSING, DIAGNOSED, BACKWARD), 7, isolation="process: test")


def terminal(report: Report) -> str:
    console = Console(file=io.StringIO(), width=400, force_terminal=True, highlight=False)
    render_rich(report, console)
    return ANSI.sub("", console.file.getvalue())


def junit(report: Report) -> str:
    suite = ElementTree.fromstring(report_to_junit(report))
    details = [element for case in suite.iter("testcase") for element in case if element.tag in ("failure", "error")]
    return "\n".join(f"{element.get('message')}\n{element.text}" for element in details)


def gradescope(report: Report) -> str:
    results = results_from_report(report)
    return "\n".join([results["output"], *(test["output"] for test in results["tests"])])


def as_text(markup: str) -> str:
    return html.unescape(TAG.sub("", markup))


RENDERERS = {
    "terminal": terminal,
    "plain": render_plain,
    "notebook html": lambda report: as_text(report_html(report)),
    "markdown feedback": lambda report: render_feedback_view("ada", report_view(report), "md"),
    "html feedback": lambda report: as_text(render_feedback_view("ada", report_view(report), "html")),
    "gradescope": gradescope,
    "junit": junit,
    "pytest": lambda report: "\n".join(failure_text(part) for part in report.parts if part.status != "pass"),
}


@pytest.mark.parametrize("renderer", RENDERERS)
def test_each_renderer_shows_the_diagnosis_exactly_once(renderer: str) -> None:
    text = RENDERERS[renderer](REPORT)
    for line in FINDING.messages():
        assert text.count(line) == 1, (line, text)
    assert text.count("looks like: ") == 1, text
    assert CASE_LINE in text and HINT in text


def test_a_wording_change_in_the_view_shows_in_every_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(part_view_module.LABELS, "hint", "try this: ")
    monkeypatch.setattr(part_view_module, "status_word", lambda status: "NOT YET" if status == "fail" else "OK")
    for renderer, render in RENDERERS.items():
        text = render(REPORT)
        assert f"try this: {HINT}" in text and f"hint: {HINT}" not in text, renderer
        assert "NOT YET" in text and "FAIL" not in text, renderer


def test_notes_leave_out_the_diagnosis_lines_and_the_diagnosis_is_data() -> None:
    view = part_view(DIAGNOSED)
    assert [str(line) for line in view.notes] == [CASE_LINE]
    assert [str(line) for line in view.diagnosis_lines] == FINDING.messages()
    assert view.diagnosis == FINDING and view.diagnosis_lines[0].kind == "diagnosis"
    assert FINDING.messages()[0].endswith("(in cell_update, which your lstm_cell_forward calls)")


def test_a_message_that_only_reads_like_a_diagnosis_stays_a_note() -> None:
    lookalike = PartResult("forget_gate", "forward", "fail", 0.0, 4.0, ("looks like: words, not a finding",))
    view = part_view(lookalike)
    assert view.diagnosis is None and view.diagnosis_lines == ()
    assert [line.kind for line in view.notes] == ["note"]


def test_a_finding_missing_from_the_messages_is_still_shown_once() -> None:
    view = part_view(PartResult("forget_gate", "forward", "fail", 0.0, 4.0, (CASE_LINE,), finding=FINDING))
    assert [str(line) for line in view.lines()].count(FINDING.messages()[0]) == 1
    assert [str(line) for line in view.notes] == [CASE_LINE]


def test_the_view_words_points_status_mismatch_gradients_and_next_step() -> None:
    view = part_view(DIAGNOSED)
    assert (view.status_word, view.points, view.heading) == ("FAIL", "2/6", "lstm_cell_forward  FAIL  2/6")
    assert [str(line) for line in view.mismatch] == ["expected c: [0, :4] [0.1 0.2]", "got      c: [0, :4] [0.3 0.4]"]
    assert str(view.next_step) == "next: lstm-grader hint cell_update"  # the diagnosis found the mistake there
    rows = {row.name: row for row in part_view(BACKWARD).gradients}
    assert (rows["dW"].vs_reference, rows["dW"].vs_numerical, rows["dW"].verdict) == ("2.0e-15", "-", "ok")
    assert (rows["db"].vs_reference, rows["db"].verdict, rows["db"].ok) == ("3.0e-01", "WRONG", False)


@pytest.mark.parametrize("renderer", ["terminal", "plain", "notebook html", "gradescope", "junit", "pytest"])
def test_the_failing_gradient_rows_are_drawn_by_every_text_renderer(renderer: str) -> None:
    text = RENDERERS[renderer](REPORT)
    assert any("db" in line and "3.0e-01" in line and "WRONG" in line for line in text.splitlines()), text
    assert "2.0e-15" in text


def test_feedback_from_the_saved_json_reads_as_from_the_report() -> None:
    report = Report("exercises", (PASSING, replace(DIAGNOSED, mismatch=None)), 7)
    assert render_feedback("ada", report.to_dict()) == render_feedback_view("ada", report_view(report))
    assert "mistake id: `cell_update.forget_times_candidate`" in render_feedback("ada", report.to_dict())


def test_totals_are_worded_once_for_the_report() -> None:
    view = report_view(Report("s", (PASSING, PartResult("peephole", "bonus", "fail", 1.0, 5.0)), 3))
    assert (view.score, view.bonus, view.summary) == ("3 / 3", "1 / 5", "score 3 / 3   bonus 1 / 5   (seed 3)")
    assert view.next_part is not None and view.next_part.name == "peephole"
