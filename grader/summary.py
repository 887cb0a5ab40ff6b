"""What the class got wrong: score histogram, pass rate per part, common diagnoses.

Computed from the saved per-student JSON reports, so it can be re-made at any
time. `diagnosis` ids come from the mistake catalogue; parts without one are
summarised by status.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

HISTOGRAM_BINS = 10


def summarise(reports: dict[str, dict[str, Any]], failures: dict[str, str]) -> dict[str, Any]:
    """A JSON-ready summary of graded reports (by student) and ungradable entries."""
    totals = [float(report["score"]) for report in reports.values()]
    max_score = max((float(report["max_score"]) for report in reports.values()), default=100.0) or 100.0
    width = max_score / HISTOGRAM_BINS
    histogram = [0] * HISTOGRAM_BINS
    for total in totals:
        histogram[min(int(total // width), HISTOGRAM_BINS - 1)] += 1
    parts: dict[str, dict[str, Any]] = {}
    for report in reports.values():
        for part in report["parts"]:
            entry = parts.setdefault(part["name"], {"graded": 0, "passed": 0, "statuses": Counter(),
                                                     "diagnoses": Counter()})
            entry["graded"] += 1
            entry["passed"] += part["status"] == "pass"
            entry["statuses"][part["status"]] += 1
            if part.get("diagnosis"):
                entry["diagnoses"][part["diagnosis"]] += 1
    return {
        "students": len(reports) + len(failures),
        "graded": len(reports),
        "ungradable": dict(sorted(failures.items())),
        "mean": round(sum(totals) / len(totals), 3) if totals else None,
        "histogram": [{"from": round(index * width, 3), "to": round((index + 1) * width, 3), "count": count}
                      for index, count in enumerate(histogram)],
        "parts": {name: {"pass_rate": round(entry["passed"] / entry["graded"], 4),
                         "statuses": dict(entry["statuses"]),
                         "diagnoses": entry["diagnoses"].most_common(5)}
                  for name, entry in parts.items()},
        "isolation": dict(Counter(report.get("isolation", "") for report in reports.values())),
    }


def render_summary_markdown(summary: dict[str, Any]) -> str:
    lines = ["# Class summary", "",
             f"{summary['graded']} of {summary['students']} submissions graded"
             + (f", mean score {summary['mean']:g}" if summary["mean"] is not None else "") + ".", "",
             "## Scores", "", "| score | students | |", "| --- | --- | --- |"]
    peak = max((row["count"] for row in summary["histogram"]), default=0) or 1
    for row in summary["histogram"]:
        bar = "#" * round(20 * row["count"] / peak)
        lines.append(f"| {row['from']:g}-{row['to']:g} | {row['count']} | `{bar}` |")
    lines += ["", "## Parts", "", "| part | pass rate | not passed | most common mistakes |", "| --- | --- | --- | --- |"]
    for name, part in summary["parts"].items():
        not_passed = ", ".join(f"{status} {count}" for status, count in sorted(part["statuses"].items())
                               if status != "pass") or "-"
        mistakes = ", ".join(f"`{diagnosis}` ({count})" for diagnosis, count in part["diagnoses"]) or "-"
        lines.append(f"| {name} | {part['pass_rate'] * 100:.0f}% | {not_passed} | {mistakes} |")
    if summary["ungradable"]:
        lines += ["", "## Not gradable", ""]
        lines += [f"- {student}: {reason}" for student, reason in summary["ungradable"].items()]
    if summary["isolation"]:
        lines += ["", "## Isolation", ""]
        lines += [f"- {level or 'not recorded'}: {count}" for level, count in summary["isolation"].items()]
    return "\n".join(lines) + "\n"
