"""The feedback page of `batch --feedback html`: one file, drawn from the part views, every student string escaped.

What a person sees in a real browser is tested in tests/test_pages_in_browser.py;
these tests read the HTML.
"""
from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

from grader.engine.results import Diagnosis, GradientRow, Mismatch, PartResult, Report
from grader.report.feedback import render_feedback, render_feedback_view
from grader.report.html_page import TEMPLATES
from grader.report.part_view import report_view

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
FINDING = Diagnosis("forget_gate.tanh_instead_of_sigmoid", "your forget gate uses tanh",
                    "f = sigmoid(x @ W_f + h_prev @ U_f + b_f)", part="forget_gate")
FORGET = PartResult("forget_gate", "forward", "fail", 0.0, 4.0,
                    ("case N=2 D=3 H=4 (public): 8 / 8 elements differ", *FINDING.messages()), FINDING.id,
                    "A gate is a sigmoid.",
                    mismatch=Mismatch("N=2 D=3 H=4 (public)", "f", "[0.41 0.55]", "[-0.31 0.21]", 1.8, (1, 0), 8, 8,
                                      1e-8),
                    output=f"printed {HOSTILE}", finding=FINDING)
GATE = PartResult("gate_backward", "backward", "fail", 6.0, 8.0, ("db 5.0e-01   (allowed 1e-06)",), None, "db sums dz.",
                  gradients=(GradientRow("dx", 0.0, 2e-10, 1e-6, 1e-5), GradientRow("db", 0.5, 0.33, 1e-6, 1e-5)))
CRASH = PartResult("tanh_backward", "backward", "error", 0.0, 4.0, (f"tanh_backward raised ValueError: {HOSTILE}",))
STUB = PartResult("candidate", "forward", "missing", 0.0, 4.0, ("candidate still raises NotImplementedError",))
PASSED = PartResult("sigmoid", "forward", "pass", 3.0, 3.0, ("matches the reference on every case",))
BONUS = PartResult("peephole_cell_forward", "bonus", "timeout", 0.0, 3.0, ("ran longer than 10 s",))
REPORT = Report("ada", (PASSED, FORGET, STUB, CRASH, GATE, BONUS), 1234, (f"note from {HOSTILE}",), "process: test")


class Elements(HTMLParser):
    """Every start tag of a page, with its attributes, and the text inside each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.in_script = tag == "script"
        if self.in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False if tag == "script" else self.in_script

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.scripts[-1] += data


def parsed(page: str) -> Elements:
    elements = Elements()
    elements.feed(page)
    return elements


def page(report: Report = REPORT, student: str = "ada") -> str:
    return render_feedback_view(student, report_view(report), "html")


def test_student_text_is_escaped_everywhere_and_only_our_script_is_on_the_page() -> None:
    html = page(student=HOSTILE)
    elements = parsed(html)
    assert [tag for tag, _ in elements.tags].count("script") == 1
    assert not [tag for tag, _ in elements.tags if tag == "img"]
    assert not any(name.startswith("on") for _, attrs in elements.tags for name in attrs)
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # the name, the note, the message, the output


def test_the_page_loads_nothing_and_allows_only_its_own_script_by_hash() -> None:
    html = page()
    elements = parsed(html)
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:|//)", html)
    links = [attrs for tag, attrs in elements.tags if tag == "link"]
    assert all((attrs.get("href") or "").startswith("data:") for attrs in links)
    policy = next(attrs["content"] for _, attrs in elements.tags
                  if attrs.get("http-equiv") == "Content-Security-Policy")
    digest = base64.b64encode(hashlib.sha256(elements.scripts[0].encode()).digest()).decode()
    assert "default-src 'none'" in (policy or "") and f"'sha256-{digest}'" in (policy or "")
    assert elements.scripts[0] == (TEMPLATES / "print_open.js").read_text(encoding="utf-8")


def test_a_panel_for_each_started_part_that_did_not_pass_and_the_passing_parts_folded() -> None:
    elements = parsed(page())
    panels = [attrs for tag, attrs in elements.tags if tag == "details" and "panel" in (attrs.get("class") or "")]
    assert [attrs["data-part"] for attrs in panels] == ["forget_gate", "tanh_backward", "gate_backward",
                                                       "peephole_cell_forward"]
    assert all("open" not in attrs for attrs in panels)  # folded until opened; print opens them all
    statuses = [attrs["class"] for tag, attrs in elements.tags if tag == "tr" and "data-part" in attrs]
    assert statuses == [f"status-row status-{part.status}" for part in REPORT.parts]
    folded = [attrs for tag, attrs in elements.tags if tag == "details" and attrs.get("id") == "passing"]
    assert folded and "open" not in folded[0]


def test_the_panel_shows_the_check_the_diagnosis_once_expected_against_got_and_the_gradient_rows() -> None:
    html = page()
    assert html.count("looks like: your forget gate uses tanh") == 1
    assert html.count("the equation: f = sigmoid(x @ W_f + h_prev @ U_f + b_f)") == 1
    assert "expected f: [0.41 0.55]" in html and "got      f: [-0.31 0.21]" in html
    rows = re.findall(r"<tr( class=\"wrong\")?><td class=\"mono\">(\w+)</td>", html)
    assert rows == [("", "dx"), (' class="wrong"', "db")]
    assert "<code>lstm-grader hint forget_gate</code>" in html
    assert "still raises NotImplementedError" in html and "9 / 23" in html


def test_the_html_from_a_saved_json_report_is_the_same_page_without_the_details() -> None:
    saved = render_feedback("ada", REPORT.to_dict(), "html")
    assert "looks like: your forget gate uses tanh" in saved and "expected f:" not in saved
    assert saved.startswith("<!doctype html>")
