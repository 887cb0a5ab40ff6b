"""Gradescope: build an autograder bundle, and run it inside Gradescope's container.

    lstm-grader gradescope build OUT.zip      (the command: grader/cli/gradescope.py)

writes a zip with `setup.sh`, `run_autograder`, the grader package, the
reference solutions and a course secret. On Gradescope, `run_autograder`
calls `python3 -m grader.gradescope run`, which grades /autograder/submission
and writes /autograder/results/results.json in Gradescope's format: a total
`score`, and one test per part with `name`, `score`, `max_score`, `output`,
`visibility` and `status`. bubblewrap cannot create namespaces in Gradescope's
Docker container, so the child runs in the process sandbox: Landlock where the
kernel offers it, else a uid of its own per child (the system Python that
setup.sh installs into can be run by such a uid); setup.sh makes the solutions
and the secret readable by root only, which the uid fallback checks.
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from grader.sandbox import DEFAULT_TIMEOUT

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source, when the image is built.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v pip3 >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3-pip
fi
pip3 install --quiet "numpy>=1.24" "rich>=13.0" "click>=8.1" "jinja2>=3.1" 2>/dev/null \\
    || pip3 install --quiet --break-system-packages "numpy>=1.24" "rich>=13.0" "click>=8.1" "jinja2>=3.1"
# the child runs as nobody: it must not read the reference or the seed secret
chmod -R go-rwx solutions course_secret
chmod -R go+rX grader
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it must write results/results.json.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${LSTM_GRADER_PYTHON:-python3}"
cd "$ROOT/source"
export PYTHONPATH="$ROOT/source"
export LSTM_GRADER_SOLUTIONS="$ROOT/source/solutions"
exec "$PYTHON" -m grader.gradescope run --root "$ROOT"
"""

VISIBILITY = "visible"


def package_root() -> Path:
    return Path(__file__).resolve().parents[1]


def build_bundle(out: Path, solutions: Path | None = None, secret: str | None = None) -> list[str]:
    """Write the autograder zip; returns the names it holds."""
    from grader.engine.reference import solutions_dir

    solutions = solutions or solutions_dir()
    if not solutions.is_dir():
        raise FileNotFoundError(f"no reference solutions at {solutions}")
    names = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        def add(name: str, data: bytes | str, executable: bool = False) -> None:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if executable else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, data)
            names.append(name)

        add("setup.sh", SETUP_SH, executable=True)
        add("run_autograder", RUN_AUTOGRADER, executable=True)
        for path in sorted(package_root().rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".typed", ".yml",
                                                                                        ".csv", ".json", ".md",
                                                                                        ".html", ".css", ".js"):
                add("grader/" + path.relative_to(package_root()).as_posix(), path.read_bytes())
        for path in sorted(solutions.glob("*.py")):
            add("solutions/" + path.name, path.read_bytes())
        add("course_secret", (secret or secrets.token_hex(32)) + "\n")
    return names


def submission_path(root: Path) -> Path:
    from grader.course.students import resolve_student_folder

    return resolve_student_folder(root / "submission")


def student_id(root: Path) -> str:
    """The first submitter's id from submission_metadata.json, or "student"."""
    try:
        metadata = json.loads((root / "submission_metadata.json").read_text())
        user = metadata["users"][0]
        return str(user.get("id") or user.get("email") or "student")
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return "student"


def gradescope_test_output(part: Any) -> str:
    """A Gradescope test's output: the status and points, then the lines of the part's view."""
    from grader.report.part_view import text_lines

    return "\n".join([f"{part.status_word}  {part.points}", *text_lines(part, indent="", with_next=False)])


def results_from_report(report: Any) -> dict[str, Any]:
    """Gradescope's results.json from a Report: one test per part, drawn from the part's view.

    The score is the core score plus the bonus: set the assignment's points to 100
    in Gradescope and the bonus counts as extra credit (up to 120).
    """
    from grader.report.part_view import report_view

    view = report_view(report)
    tests = [{"name": part.name, "number": str(number), "score": float(result.score),
              "max_score": float(result.max_score), "output": gradescope_test_output(part),
              "visibility": VISIBILITY, "status": "passed" if part.status == "pass" else "failed",
              "tags": [part.group]}
             for number, (part, result) in enumerate(zip(view.parts, report.parts), start=1)]
    notes = "".join(f"\n{note}" for note in view.notes)
    totals = f"LSTM grader: {view.score}" + (
        f", bonus {view.bonus} (extra credit: Gradescope's score is the two added together)" if view.bonus else "")
    return {"score": float(report.score + report.bonus), "visibility": VISIBILITY, "stdout_visibility": "hidden",
            "output": feedback_html(report, f"{totals}{notes}\nGraded in: {view.isolation}"),
            "output_format": "html", "test_output_format": "text", "tests": tests}


def feedback_html(report: Any, summary: str) -> str:
    """The top of the results page: the summary, then the body of the student's feedback page
    (grader/report/feedback_page.py), escaped by its template; Gradescope shows it as HTML."""
    from html import escape

    from grader.course.grade_student import clean_result
    from grader.report.feedback_page import render_feedback_body
    from grader.report.part_view import report_view

    body = render_feedback_body("your submission", report_view(clean_result(report)))
    return f"<pre>{escape(summary)}</pre>\n{body}"


def run(root: Path, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Grade root/submission and write root/results/results.json; never raises for a bad submission."""
    from grader.course.secret import load_secret
    from grader.lstm.grading import grade
    from grader.engine.submission import SubmissionError

    started = time.monotonic()
    results_file = root / "results" / "results.json"
    results_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        secret = load_secret(root / "source" / "course_secret")
        seed = secret.seed_for(student_id(root)) if secret.configured else None
        report = grade(submission_path(root), seed=seed, timeout=timeout, sandbox="auto")
        results = results_from_report(report)
    except SubmissionError as error:
        results = {"score": 0.0, "output": f"Your submission could not be read: {error}", "tests": [],
                   "visibility": VISIBILITY}
    results["execution_time"] = round(time.monotonic() - started, 3)
    results_file.write_text(json.dumps(results, indent=2) + "\n")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope")
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="grade /autograder/submission (inside Gradescope)")
    run_parser.add_argument("--root", type=Path, default=Path("/autograder"))
    run_parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    arguments = parser.parse_args(argv)
    run(arguments.root, arguments.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
