"""Behaviour kept: the reports of the solutions, the stubs and every mutant match tests/golden/."""
from __future__ import annotations

import json

import pytest

from golden_reports import current_reports, recorded_reports


@pytest.mark.slow
def test_reports_are_those_recorded() -> None:
    recorded = recorded_reports()
    current = current_reports()
    assert sorted(current) == sorted(recorded), "the set of graded submissions changed"
    changed = []
    for name, report in recorded.items():
        for before, after in zip(report["parts"], current[name]["parts"]):
            if before != after:
                changed.append(f"{name} / {before['name']}:\n  before {json.dumps(before)}\n  after  {json.dumps(after)}")
        if {**report, "parts": None} != {**current[name], "parts": None}:
            changed.append(f"{name}: totals {report['score']} -> {current[name]['score']}")
    assert not changed, "reports changed (if intended: python tests/golden_reports.py --update):\n" + "\n".join(
        changed[:10])
