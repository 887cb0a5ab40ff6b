"""The numerical check's float64 plan is drawn once per part: the requests sent ahead carry it, and
the gradients are computed against those same perturbations."""
from __future__ import annotations

from pathlib import Path

import grader.engine.gradcheck as gradcheck
from fake_runner import grade_in_process
from grader.lstm import get_part

BACKWARD_PARTS = ["gate_backward", "lstm_cell_backward", "lstm_backward"]
SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


def test_each_backward_part_draws_its_plan_once_and_still_passes(monkeypatch) -> None:
    drawn: list[int] = []
    original = gradcheck.perturbations_for

    def counting(setup, *args, **kwargs):
        drawn.append(id(setup))
        return original(setup, *args, **kwargs)

    monkeypatch.setattr(gradcheck, "perturbations_for", counting)
    report = grade_in_process(SOLUTIONS, BACKWARD_PARTS, seed=1234)
    assert [part.status for part in report.parts] == ["pass"] * len(BACKWARD_PARTS)
    assert all(part.gradients for part in report.parts), "every part was checked numerically"
    assert len(drawn) == len(BACKWARD_PARTS) == len(set(drawn))
    assert all(get_part(name).numerical is not None for name in BACKWARD_PARTS)
