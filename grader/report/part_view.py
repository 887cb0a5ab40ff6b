"""One view of a result, already worded, that every renderer draws.

`part_view(result)` turns a `PartResult` into the lines a person reads: the
status word, the points, the notes, the diagnosis, expected against got, the
gradient rows, what the code printed, the hint and the next command. The
terminal, plain text, notebook HTML, feedback files, Gradescope, JUnit and the
pytest plugin all draw these lines, so a wording change is made here once.

Each `Line` says what kind of line it is, so a renderer can colour a kind
(the diagnosis in yellow, the hint in cyan) without reading its words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Mapping

from grader.engine.results import Diagnosis, GradientRow, PartResult, Report, error_listing

PRINTED_SHOWN = 500  # characters of the student's printed output shown under a part
GRADIENT_HEADING = "gradients (relative error vs reference / vs numerical of your forward):"
GRADIENT_COLUMNS = ("gradient", "vs reference", "vs numerical", "")
AFTER_GRADIENTS = ("printed", "hint", "next")
# what stands before each kind of line; the padding of "got" lines it up under "expected"
LABELS = {"expected": "expected ", "got": "got      ", "printed": "your code printed: ", "hint": "hint: ",
          "next": "next: ", "mistake": "mistake id: "}


NOT_STARTED = "still raises NotImplementedError"


def points(value: float) -> str:
    """Points as a person writes them: 3, 2.5, 0."""
    return f"{value:g}"


def status_word(status: str) -> str:
    """The word that always stands next to a status colour: PASS, FAIL, ..."""
    return status.upper()


@dataclass(frozen=True)
class Line:
    """One line under a part: its kind (for colour), a label and the text after it.

    `str(line)` is the line as plain text; the label carries its own separator
    ("hint: ", "expected "), so renderers never add wording.
    """

    kind: str  # note, diagnosis, expected, got, printed, hint, next, mistake
    text: str
    label: str = ""

    def __str__(self) -> str:
        return self.label + self.text


@dataclass(frozen=True)
class GradientLine:
    """One gradient of a backward part, its two errors formatted ("4.1e-01", "-")."""

    name: str
    vs_reference: str
    vs_numerical: str
    verdict: str  # "ok" or "WRONG"
    ok: bool


@dataclass(frozen=True)
class PartView:
    """Everything any renderer shows of one part, already worded.

    `notes` are the part's messages without the diagnosis lines; those are in
    `diagnosis_lines` (the exact lines `Diagnosis.messages()` adds to the
    messages), and `diagnosis` is the finding itself, or None.
    """

    name: str
    group: str
    status: str           # the status kind, for colour: pass, fail, error, timeout, missing
    status_word: str      # PASS, FAIL, ...: always printed, so colour never carries meaning alone
    points: str           # "3/4"
    reason: str           # the one line of the table
    notes: tuple[Line, ...]
    diagnosis: Diagnosis | None
    diagnosis_lines: tuple[Line, ...]
    mistake: Line | None  # the diagnosis id, for the files an instructor keeps
    mismatch: tuple[Line, ...]
    gradients: tuple[GradientLine, ...]
    printed: Line | None
    hint: Line | None
    next_step: Line

    @property
    def heading(self) -> str:
        """"forget_gate  FAIL  0/4": the first line of a part's details."""
        return f"{self.name}  {self.status_word}  {self.points}"

    @property
    def not_started(self) -> bool:
        """A stub nobody has touched yet: it still raises NotImplementedError."""
        return self.status == "missing" and NOT_STARTED in self.reason

    @property
    def detailed(self) -> bool:
        """Whether the part gets a panel of details (a part that passed or is missing needs none)."""
        return self.status not in ("pass", "missing")

    @property
    def failed(self) -> bool:
        """Whether expected-vs-got, gradient rows and printed output are worth showing."""
        return self.status != "pass"

    def lines(self, *, with_next: bool = True, with_mistake: bool = False) -> tuple[Line, ...]:
        """The part's lines in reading order; the details of a failure and the next step only for a failure."""
        found = list(self.notes) + list(self.diagnosis_lines)
        found += [self.mistake] if with_mistake and self.mistake else []
        if self.failed:
            found += list(self.mismatch) + ([self.printed] if self.printed else [])
        found += [self.hint] if self.hint else []
        return tuple(found + ([self.next_step] if with_next and self.failed else []))


def error_text(value: float | None) -> str:
    """A relative error as "4.1e-01", or "-" when that check did not run."""
    return "-" if value is None else f"{value:.1e}"


def hinted_part(result: PartResult) -> str:
    """The part whose hint helps: the called function that holds the mistake, when the diagnosis names one.

    A diagnosis id is "<part>.<mistake>" with the part whose code holds it (the
    finding's `found_in`), which the saved JSON report keeps too.
    """
    if result.diagnosis and "." in result.diagnosis:
        return result.diagnosis.split(".", 1)[0]
    return result.name


def gradient_line(row: GradientRow) -> GradientLine:
    """One gradient row, worded."""
    reference = row.problem if row.problem else error_text(row.vs_reference)
    numerical = "-" if row.problem and row.vs_numerical == float("inf") else error_text(row.vs_numerical)
    return GradientLine(row.name, reference, numerical, "ok" if row.ok else "WRONG", row.ok)


def without_lines(messages: tuple[str, ...], removed: list[str]) -> list[str]:
    """`messages` less one occurrence of each of `removed`, taken from the end where finish() put them."""
    kept = list(messages)
    for line in removed:
        if line in kept:
            del kept[len(kept) - 1 - kept[::-1].index(line)]
    return kept


def labelled(kind: str, text: str) -> Line:
    """A line of `kind` with the label `LABELS` gives that kind."""
    return Line(kind, text, LABELS[kind])


def part_view(result: PartResult) -> PartView:
    """The view of one part; the diagnosis lines are told apart by `result.finding`, never by their words."""
    finding = result.finding
    found = finding.messages() if finding is not None else []
    mismatch = result.mismatch
    printed = result.output.strip()[:PRINTED_SHOWN]
    return PartView(
        name=result.name, group=result.group, status=result.status, status_word=status_word(result.status),
        points=f"{points(result.score)}/{points(result.max_score)}", reason=compact(result.reason, result),
        notes=tuple(Line("note", compact(message, result)) for message in without_lines(result.messages, found)),
        diagnosis=finding, diagnosis_lines=tuple(Line("diagnosis", line) for line in found),
        mistake=labelled("mistake", result.diagnosis) if result.diagnosis else None,
        mismatch=() if mismatch is None else (labelled("expected", f"{mismatch.output}: {mismatch.expected}"),
                                              labelled("got", f"{mismatch.output}: {mismatch.got}")),
        gradients=tuple(gradient_line(row) for row in result.gradients),
        printed=labelled("printed", printed) if printed else None,
        hint=labelled("hint", result.hint) if result.hint else None,
        next_step=labelled("next", f"lstm-grader hint {hinted_part(result)}"))


COMPACT_FROM = 4  # up to three errors read well inline; more are left to the gradient table


def error_listings(result: PartResult) -> list[str]:
    """The lists of gradient errors the checker writes into messages ("dW_f 1.1e+00  dU_f 2.4e+00"), longest first.

    Rebuilt from the gradient rows themselves, so the view can leave the numbers
    to the gradient table without reading the messages' words.
    """
    wrong = [row for row in result.gradients if row.vs_reference is not None
             and (row.problem or row.vs_reference > row.tolerance)]
    unlike_own = [row for row in result.gradients if row.vs_numerical is not None
                  and row.vs_numerical > row.numerical_tolerance]
    candidates = [error_listing(wrong, "vs_reference"), error_listing(unlike_own, "vs_numerical"),
                  error_listing([row for row in unlike_own if row in wrong], "vs_numerical")]
    return sorted({text for text in candidates if text.count("  ") >= COMPACT_FROM - 1}, key=len, reverse=True)


def compact(message: str, result: PartResult) -> str:
    """A message with a list of COMPACT_FROM or more gradient errors replaced by a pointer to the gradient table."""
    if result.status == "pass":
        return message
    for listing in error_listings(result):
        if listing in message:
            count = listing.count("  ") + 1
            return message.replace(listing, f"{count} gradient errors in the table below", 1)
    return message


# a fixed case, the same at every seed, is labelled "... (public)" (grader.lstm.cases)
PUBLIC_CASE = re.compile(r"\bcase [^:]*\(public\):")
PUBLIC_SHOWN_ABOVE = ("fails on a public case, shown above; once the public cases pass, "
                      "this block reports the hidden ones")


def without_public_cases(result: PartResult) -> PartResult:
    """The result as a test cell's hidden-tests block shows it: no line about a public case.

    The cell's first check, at the public seed, runs the same fixed cases and
    shows their failure; at the hidden seed it would be the first failure again.
    """
    public = [message for message in result.messages if PUBLIC_CASE.search(message)]
    if not public:
        return result
    messages = list(result.messages)
    messages[messages.index(public[0])] = PUBLIC_SHOWN_ABOVE
    mismatch = result.mismatch
    if mismatch is not None and PUBLIC_CASE.search(f"case {mismatch.case}:"):
        mismatch = None
    return replace(result, messages=tuple(message for message in messages if message not in public),
                   mismatch=mismatch)


def part_result_from_dict(data: Mapping[str, Any]) -> PartResult:
    """A part of the contract's JSON report as a PartResult (no finding, mismatch or gradients: JSON has none)."""
    return PartResult(str(data["name"]), str(data["group"]), str(data["status"]), float(data["score"]),
                      float(data["max_score"]), tuple(str(message) for message in data.get("messages", ())),
                      data.get("diagnosis"), data.get("hint"), float(data.get("seconds", 0.0)))


def around_gradients(lines: tuple[Line, ...]) -> tuple[list[Line], list[Line]]:
    """The lines drawn before the gradient rows, and those after (printed output, hint, next)."""
    after = [line for line in lines if line.kind in AFTER_GRADIENTS]
    return [line for line in lines if line.kind not in AFTER_GRADIENTS], after


def shown_gradients(view: PartView) -> tuple[GradientLine, ...]:
    """The gradient rows worth drawing: those of a backward part that did not pass."""
    return view.gradients if view.failed else ()


def text_lines(view: PartView, *, indent: str = "  ", with_next: bool = True) -> list[str]:
    """The part's lines as plain text, the gradient rows in columns where they belong.

    Args:
        view: the part.
        indent: what starts every line; gradient rows and continued lines get two spaces more.
        with_next: end with the command to run next (for readers who have lstm-grader).
    """
    nested = indent + "  "
    before, after = around_gradients(view.lines(with_next=with_next))
    text = [indent + str(line).replace("\n", "\n" + nested) for line in before]
    if shown_gradients(view):
        text.append(indent + GRADIENT_HEADING)
        text += [f"{nested}{row.name:<9} {row.vs_reference:>9}  {row.vs_numerical:>9}  {row.verdict}"
                 for row in view.gradients]
    return text + [indent + str(line).replace("\n", "\n" + nested) for line in after]


@dataclass(frozen=True)
class ReportView:
    """The report's header and totals, worded, with the view of every part."""

    submission: str
    parts: tuple[PartView, ...]
    score: str            # "12 / 100"
    bonus: str            # "3 / 20", or "" when the report has no bonus parts
    seed: int | None      # None for a report read back from JSON, which does not record it
    notes: tuple[str, ...]
    isolation: str

    @property
    def summary(self) -> str:
        """"score 12 / 100   bonus 3 / 20   (seed 1234)": the last line of the terminal view."""
        line = f"score {self.score}" + (f"   bonus {self.bonus}" if self.bonus else "")
        return line + (f"   (seed {self.seed})" if self.seed is not None else "")

    @property
    def started_parts(self) -> tuple[PartView, ...]:
        """The parts the table lists: all but the untouched stubs, which `not_started_line` groups."""
        return tuple(part for part in self.parts if not part.not_started)

    @property
    def not_started_line(self) -> str:
        """"not started yet, 21 parts worth 120 points (...): sigmoid, forget_gate, ...", or ''."""
        untouched = [part for part in self.parts if part.not_started]
        if not untouched:
            return ""
        worth = sum(float(part.points.split("/")[-1]) for part in untouched)
        return (f"not started yet, {len(untouched)} parts worth {points(worth)} points (each still raises "
                f"NotImplementedError: write your code in its marked region): "
                + ", ".join(part.name for part in untouched))

    @property
    def next_part(self) -> PartView | None:
        """The first part that does not pass: what to work on next."""
        return next((part for part in self.parts if part.status != "pass"), None)


def totals(score: float, max_score: float, bonus: float, max_bonus: float) -> tuple[str, str]:
    """The score and the bonus as "12 / 100"; the bonus is "" when there are no bonus points to get."""
    return f"{points(score)} / {points(max_score)}", (f"{points(bonus)} / {points(max_bonus)}" if max_bonus else "")


def report_view(report: Report) -> ReportView:
    """The view of a whole report: its header, totals and every part."""
    score, bonus = totals(report.score, report.max_score, report.bonus, report.max_bonus)
    return ReportView(report.submission, tuple(part_view(part) for part in report.parts), score, bonus,
                      report.seed, tuple(report.notes), report.isolation)


def report_view_from_dict(data: Mapping[str, Any]) -> ReportView:
    """The view of a report in the contract's JSON form, e.g. one saved by a batch."""
    score, bonus = totals(float(data["score"]), float(data["max_score"]), float(data.get("bonus", 0.0)),
                          float(data.get("max_bonus", 0.0)))
    parts = tuple(part_view(part_result_from_dict(part)) for part in data["parts"])
    return ReportView(str(data["submission"]), parts, score, bonus, None,
                      tuple(str(note) for note in data.get("notes", ())), str(data.get("isolation", "")))
