"""The first screen of a new student: untouched stubs are grouped in one line, not a table row each."""
from __future__ import annotations

import io
import re

from rich.console import Console

from grader.engine.results import PartResult, Report
from grader.lstm import all_parts
from grader.report.terminal import render_plain, render_rich


def untouched_report(started: tuple[PartResult, ...] = ()) -> Report:
    done = {part.name for part in started}
    stubs = tuple(PartResult(part.name, part.group, "missing", 0.0, float(part.points),
                             (f"{part.name} still raises NotImplementedError: write your code in its marked region",))
                  for part in all_parts() if part.name not in done)
    return Report("exercises", started + stubs, 7)


def test_untouched_stubs_take_a_few_lines_not_one_row_each() -> None:
    plain = render_plain(untouched_report())
    assert len(plain.splitlines()) <= 10, plain
    assert plain.count("NotImplementedError") == 1
    body = plain.split("\nscore ")[0]  # the last lines name the next part to work on
    assert all(len(re.findall(rf"\b{part.name}\b", body)) == 1 for part in all_parts()), plain
    assert "21 parts worth 120 points" in plain
    console = Console(file=io.StringIO(), width=120, force_terminal=True)
    render_rich(untouched_report(), console)
    assert len(console.file.getvalue().splitlines()) <= 10


def test_a_started_part_keeps_its_row_and_the_rest_are_grouped() -> None:
    started = (PartResult("sigmoid", "forward", "fail", 0.0, 3.0, ("case x: 3 / 3 elements differ",)),)
    plain = render_plain(untouched_report(started))
    assert any(line.startswith("sigmoid ") and "FAIL" in line for line in plain.splitlines()), plain
    grouped = plain[plain.index("not started yet"):].split("\n\n")[0]
    assert "20 parts worth 117 points" in grouped and not re.search(r"\bsigmoid\b", grouped), grouped


def test_a_missing_function_is_not_mistaken_for_an_untouched_stub() -> None:
    gone = (PartResult("sigmoid", "forward", "missing", 0.0, 3.0, ("sigmoid is not defined in the submission",)),)
    plain = render_plain(untouched_report(gone))
    assert any(line.startswith("sigmoid ") and "MISSING" in line for line in plain.splitlines()), plain
