"""Item statistics of a class: how each part went and which mistakes cost the most points.

In the spirit of PrairieLearn's question statistics, computed from the saved
per-student JSON reports (the contract's form), so summary.json, summary.md and
the dashboard (grader/report/dashboard.py) all count from the same numbers:

- per part: how many were graded and passed, the statuses, the mean points,
  the points the class lost there, and its discrimination (the correlation of
  the part's points with the rest of each student's score: near 1, the part
  separates strong from weak submissions; near 0 or below, it does not);
- per recognised mistake (a part's `diagnosis` id): the students who made it,
  the parts it showed in, and the points lost in those parts.
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass
class PartStats:
    """One part over the class's graded reports."""

    name: str
    group: str
    max_points: float = 0.0
    graded: int = 0
    passed: int = 0
    points: list[float] = field(default_factory=list)  # one per graded student, in the order of the reports
    statuses: Counter[str] = field(default_factory=Counter)
    diagnoses: Counter[str] = field(default_factory=Counter)
    discrimination: float | None = None

    @property
    def pass_rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0

    @property
    def mean_points(self) -> float:
        return sum(self.points) / len(self.points) if self.points else 0.0

    @property
    def lost(self) -> float:
        """The points the class did not get in this part."""
        return self.max_points * self.graded - sum(self.points)


@dataclass
class MistakeStats:
    """One recognised mistake over the class: who made it, where it showed, what it cost."""

    id: str
    students: list[str] = field(default_factory=list)
    parts: Counter[str] = field(default_factory=Counter)
    lost: float = 0.0

    @property
    def count(self) -> int:
        """Students who made it (a mistake in a helper shows in each part that calls it, counted once)."""
        return len(self.students)


def part_statistics(reports: Mapping[str, Mapping[str, Any]]) -> dict[str, PartStats]:
    """Every part that was graded, in the order the reports list them, with its numbers."""
    parts: dict[str, PartStats] = {}
    for report in reports.values():
        for part in report["parts"]:
            entry = parts.setdefault(part["name"], PartStats(part["name"], str(part.get("group", ""))))
            entry.max_points = max(entry.max_points, float(part.get("max_score", 0.0)))
            entry.graded += 1
            entry.passed += part["status"] == "pass"
            entry.points.append(float(part["score"]))
            entry.statuses[part["status"]] += 1
            if part.get("diagnosis"):
                entry.diagnoses[part["diagnosis"]] += 1
    for name, entry in parts.items():
        entry.discrimination = discrimination(name, reports)
    return parts


def discrimination(name: str, reports: Mapping[str, Mapping[str, Any]]) -> float | None:
    """The correlation of a part's points with the rest of the score, over the reports that graded it.

    None when it cannot be told: fewer than three students, or everyone got the
    same points in the part (or in the rest).
    """
    own, rest = [], []
    for report in reports.values():
        score = next((float(part["score"]) for part in report["parts"] if part["name"] == name), None)
        if score is not None:
            own.append(score)
            rest.append(float(report["score"]) + float(report.get("bonus", 0.0)) - score)
    if len(own) < 3 or len(set(own)) < 2 or len(set(rest)) < 2:
        return None
    return statistics.correlation(own, rest)


def mistake_statistics(reports: Mapping[str, Mapping[str, Any]]) -> list[MistakeStats]:
    """Every recognised mistake, the one made by the most students first (then the costliest, then by id)."""
    mistakes: dict[str, MistakeStats] = {}
    for student, report in reports.items():
        for part in report["parts"]:
            if not part.get("diagnosis"):
                continue
            entry = mistakes.setdefault(part["diagnosis"], MistakeStats(part["diagnosis"]))
            if student not in entry.students:
                entry.students.append(student)
            entry.parts[part["name"]] += 1
            entry.lost += float(part.get("max_score", 0.0)) - float(part["score"])
    return sorted(mistakes.values(), key=lambda mistake: (-mistake.count, -mistake.lost, mistake.id))


def hardest_parts(parts: Mapping[str, PartStats]) -> list[PartStats]:
    """The parts by how hard the class found them: the lowest pass rate, then the lowest share of points."""
    return sorted(parts.values(), key=lambda part: (part.pass_rate, part.mean_points / (part.max_points or 1.0)))


def costliest_mistakes(mistakes: list[MistakeStats]) -> list[MistakeStats]:
    """The mistakes that explain most lost points first."""
    return sorted(mistakes, key=lambda mistake: (-mistake.lost, -mistake.count, mistake.id))
