"""The JSON reports of the solutions, the stubs and every mutant, as recorded in tests/golden/.

A refactoring that must not change behaviour regrades them all and compares
(tests/test_golden_reports.py); timings are left out. When a change of
behaviour is intended, record again and review the diff:

    python tests/golden_reports.py --update
"""
from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
GOLDEN_FILE = HERE / "golden" / "reports.json"
ROOT = HERE.parent
SEED = 1234


TIMING = re.compile(r"trained in [0-9.]+ s")
# an error this small is rounding, whose digits change with numpy's version and the BLAS it calls
ROUNDING = re.compile(r"\b[0-9]\.[0-9]e-(0[6-9]|[1-9][0-9])\b")


def machine_free(message: str) -> str:
    """A message without the digits that depend on the machine: training time, rounding-level errors."""
    return ROUNDING.sub("(rounding)", TIMING.sub("trained in (time) s", message))


def without_timings(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what depends on the machine: timings, rounding digits, the path, the isolation."""
    parts = [{key: ([machine_free(message) for message in value] if key == "messages" else value)
              for key, value in part.items() if key != "seconds"} for part in report["parts"]]
    kept = {key: value for key, value in report.items() if key not in ("parts", "submission", "isolation")}
    return {**kept, "parts": parts}


def current_reports() -> dict[str, dict[str, Any]]:
    """Grade the solutions, the exercises and every core mutant at SEED."""
    from grader.lstm.grading import grade
    from mutants import MUTANTS, SOLUTION_FILES, edit_of, edited_solutions

    reports = {
        "solutions": grade(ROOT / "solutions", seed=SEED),
        "exercises": grade(ROOT / "exercises", seed=SEED),
    }
    core = [part["name"] for part in reports["solutions"].to_dict()["parts"] if part["group"] != "bonus"]
    with tempfile.TemporaryDirectory() as scratch:
        for number, mutant in enumerate(MUTANTS):
            folder = edited_solutions(Path(scratch) / str(number), [edit_of(mutant)], SOLUTION_FILES)
            reports[mutant.id] = grade(folder, parts=core, seed=SEED)
    return {name: without_timings(report.to_dict()) for name, report in reports.items()}


def recorded_reports() -> dict[str, dict[str, Any]]:
    recorded = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))
    return {name: without_timings(report) for name, report in recorded.items()}


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/golden_reports.py --update")
    GOLDEN_FILE.write_text(json.dumps(current_reports(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {len(recorded_reports())} reports in {GOLDEN_FILE}")
