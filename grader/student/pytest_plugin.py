"""A pytest plugin: `pytest --lstm-submission PATH` grades PATH, one test item per part.

Registered through the `pytest11` entry point, so it is active wherever the
package is installed and does nothing unless --lstm-submission is given. Each
item passes when its part passes; its points are in `item.user_properties`
(("points", score), ("max_points", max_score)), which JUnit XML and GitHub
Classroom's pytest-based grading read. The submission is graded once, for the
parts still selected after --lstm-part, -k and deselection.
"""
from __future__ import annotations

from typing import Any

import pytest

from grader.engine.results import PartResult
from grader.lstm import all_parts, part_names
from grader.report.part_view import part_view, text_lines
from grader.sandbox.launch import DEFAULT_TIMEOUT

REPORT_KEY = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lstm-grader")
    group.addoption("--lstm-submission", metavar="PATH", default=None,
                    help="grade this submission (.py, folder or notebook): one test per part")
    group.addoption("--lstm-part", action="append", default=[], metavar="PART", dest="lstm_parts",
                    help="grade only this part, exactly (repeatable; -k matches substrings: "
                         "-k sigmoid also selects sigmoid_backward)")
    group.addoption("--lstm-timeout", type=float, default=DEFAULT_TIMEOUT,
                    help=f"seconds per part (default {DEFAULT_TIMEOUT:g})")
    group.addoption("--lstm-seed", type=int, default=None, help="seed of the random cases")
    group.addoption("--lstm-sandbox", default="auto", choices=("auto", "bwrap", "process", "none"),
                    help="how to isolate the submission (default: auto, the strongest available)")


class PartFailed(Exception):
    """A part did not pass; the lines of its view are the failure text."""


def failure_text(result: PartResult) -> str:
    """What pytest prints for a part that did not pass: its heading and the lines of its view.

    The next step is included: the plugin comes with the lstm-grader command.
    """
    view = part_view(result)
    return "\n".join([view.heading, *text_lines(view)])


class LstmPart(pytest.Item):
    def __init__(self, *, part_name: str, max_points: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.part_name = part_name
        self.max_points = max_points

    def runtest(self) -> None:
        report = graded_report(self.session)
        part = report.part(self.part_name)
        self.user_properties.append(("points", part.score))
        self.user_properties.append(("max_points", part.max_score))
        if part.status != "pass":
            raise PartFailed(failure_text(part))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, PartFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"lstm part {self.part_name} ({self.max_points:g} points)"


def graded_report(session: pytest.Session) -> Any:
    """Grade the submission once, for the selected parts."""
    if REPORT_KEY not in session.stash:
        from grader.lstm.grading import grade

        config = session.config
        names = [item.part_name for item in session.items if isinstance(item, LstmPart)]
        session.stash[REPORT_KEY] = grade(config.getoption("lstm_submission"), parts=names,
                                          seed=config.getoption("lstm_seed"),
                                          timeout=config.getoption("lstm_timeout"),
                                          sandbox=config.getoption("lstm_sandbox"))
    return session.stash[REPORT_KEY]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("lstm_submission"):
        return
    chosen = config.getoption("lstm_parts")
    unknown = sorted(set(chosen) - set(part_names()))
    if unknown:
        raise pytest.UsageError(f"--lstm-part: no part named {', '.join(unknown)}; parts are: {', '.join(part_names())}")
    for part in all_parts():
        if chosen and part.name not in chosen:
            continue
        # the node id gives JUnit's classname: lstm.forward, lstm.backward, lstm.bonus (as report_to_junit)
        items.append(LstmPart.from_parent(session, name=f"lstm::{part.name}", nodeid=f"lstm/{part.group}::{part.name}",
                                          part_name=part.name,
                                          max_points=float(part.points)))
