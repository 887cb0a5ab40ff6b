"""Grading results: frozen data, no behaviour beyond arithmetic and `to_dict()`.

`PartResult.to_dict()` and `Report.to_dict()` produce exactly the JSON report of
the contract; the extra fields (details, output, seed) feed the renderers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from grader.engine.parts import Group

SCHEMA_VERSION = 1
Status = Literal["pass", "fail", "error", "timeout", "missing"]
STATUSES: tuple[Status, ...] = get_args(Status)


@dataclass(frozen=True)
class GradientRow:
    """One gradient of a backward part, e.g. dW_f, with its two errors.

    `vs_reference` compares with the reference backward on the same inputs;
    `vs_numerical` compares with central differences of the student's own
    forward. Either is None when that check did not run. `problem` names what
    made a comparison impossible (a wrong shape), so no one reads an infinite
    error as an infinite gradient.
    """

    name: str
    vs_reference: float | None
    vs_numerical: float | None
    tolerance: float
    numerical_tolerance: float
    problem: str = ""

    @property
    def ok(self) -> bool:
        reference_ok = self.vs_reference is None or self.vs_reference <= self.tolerance
        numerical_ok = self.vs_numerical is None or self.vs_numerical <= self.numerical_tolerance
        return reference_ok and numerical_ok


def error_listing(rows: list[GradientRow], attribute: str) -> str:
    """ "dW_f 4.1e-01  db shape (3, 6), expected (6,)": each row's `attribute` error, or why it has none."""
    return "  ".join(f"{row.name} {row.problem}" if row.problem else f"{row.name} {getattr(row, attribute):.1e}"
                     for row in rows)


@dataclass(frozen=True)
class Mismatch:
    """Expected against got for one output of one case, for the failure panel."""

    case: str
    output: str
    expected: str
    got: str
    max_relative_error: float
    where: tuple[int, ...]
    mismatched: int
    total: int
    tolerance: float


@dataclass(frozen=True)
class Diagnosis:
    """A recognised mistake: the contract's id and what to tell the student."""

    id: str
    explanation: str
    equation: str = ""
    part: str = ""          # the part that failed
    found_in: str = ""      # the part whose code holds the mistake, when it is one the failing part calls
    via: str = ""           # the forward whose cache the failing part was given, when the mistake is there

    def messages(self) -> list[str]:
        # a finding made through a forward (`via`) names where the mistake is in its explanation
        where = f" (in {self.found_in}, which your {self.part} calls)" if self.found_in and not self.via else ""
        found = [f"looks like: {self.explanation}{where}"]
        if self.equation:
            found.append(f"the equation: {self.equation}")
        return found


@dataclass(frozen=True)
class PartResult:
    name: str
    group: Group
    status: Status
    score: float
    max_score: float
    messages: tuple[str, ...] = ()
    diagnosis: str | None = None
    hint: str | None = None
    seconds: float = 0.0
    gradients: tuple[GradientRow, ...] = ()
    mismatch: Mismatch | None = None
    output: str = ""
    finding: Diagnosis | None = None  # the diagnosis as data; `diagnosis` is its id, for the JSON report

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")

    @property
    def reason(self) -> str:
        """The one-line reason shown in the table."""
        return self.messages[0] if self.messages else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "group": self.group,
            "status": self.status,
            "score": float(self.score),
            "max_score": float(self.max_score),
            "messages": list(self.messages),
            "diagnosis": self.diagnosis,
            "hint": self.hint,
            "seconds": round(float(self.seconds), 6),
        }


@dataclass(frozen=True)
class Report:
    submission: str
    parts: tuple[PartResult, ...]
    seed: int
    notes: tuple[str, ...] = field(default=())
    isolation: str = ""

    def _total(self, bonus: bool, attribute: str) -> float:
        return float(sum(getattr(part, attribute) for part in self.parts
                         if (part.group == "bonus") == bonus))

    @property
    def score(self) -> float:
        return self._total(False, "score")

    @property
    def max_score(self) -> float:
        return self._total(False, "max_score")

    @property
    def bonus(self) -> float:
        return self._total(True, "score")

    @property
    def max_bonus(self) -> float:
        return self._total(True, "max_score")

    def part(self, name: str) -> PartResult:
        for part in self.parts:
            if part.name == name:
                return part
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "bonus": self.bonus,
            "max_bonus": self.max_bonus,
            "parts": [part.to_dict() for part in self.parts],
            **({"isolation": self.isolation} if self.isolation else {}),
        }
