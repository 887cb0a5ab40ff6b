"""nbgrader autograde against lstm-grader batch on the same notebook submissions.

    python benchmarks/bench_nbgrader.py [--students 50] [--jobs 2] [--keep DIR]

Builds a temporary nbgrader course from solutions/lstm_assignment.ipynb,
hands in N notebooks of mixed quality (solved, untouched, one of several
known mistakes, a function that loops forever), then times, in one run:

- `nbgrader autograde lstm` (a kernel per notebook; every test cell calls the
  grader, which runs the student's functions in its child process), and
- `lstm-grader batch submitted/ --jobs 1` and `--jobs J` (no kernel: the code
  cells are extracted and graded in the child directly).

It prints both times, the ratio, and how many students got the same total
from both (nbgrader's cell scores are min(public seed, hidden seed); batch uses
per-student seeds, so only seed-independent mistakes are expected to agree).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.instructor import notebooks  # noqa: E402

SOURCE = ROOT / "solutions" / notebooks.NOTEBOOK_NAME
STUDENT = ROOT / "exercises" / notebooks.NOTEBOOK_NAME

# (name, solution cell, old text, new text); None = hand in as is
VARIANTS: list[tuple[str, str | None, str, str]] = [
    ("solved", None, "", ""),
    ("tanh forget gate", "forget_gate", "f = sigmoid(", "f = np.tanh("),
    ("solved", None, "", ""),
    ("tanh_backward without the square", "tanh_backward", "(1.0 - t**2)", "(1.0 - t)"),
    ("gate_backward missing transpose", "gate_backward", "dx = dz @ W.T", "dx = dz @ W[:, :W.shape[0]]"),
    ("cell update swapped", "cell_update", "c = f * c_prev + i * g", "c = i * c_prev + f * g"),
    ("untouched release", "release", "", ""),
    ("BPTT without the carried dh", "lstm_backward", "dh[:, t] + dh_next", "dh[:, t]"),
    ("sigmoid that overflows", "sigmoid", "s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
     "s = 1.0 / (1.0 + np.exp(-z))"),
]
LOOP = ("endless loop in output_gate", "output_gate", "o = sigmoid(", "while True:\n        pass\n    o = sigmoid(")
LOOP_EVERY = 25  # a loop costs both graders their timeouts; one student in 25 hands one in


def variant_for(number: int) -> tuple[str, str | None, str, str]:
    if number % LOOP_EVERY == LOOP_EVERY - 1:
        return LOOP
    return VARIANTS[number % len(VARIANTS)]


def make_notebook(variant: tuple[str, str | None, str, str], path: Path) -> None:
    name, cell_id, old, new = variant
    if cell_id == "release":
        shutil.copy(STUDENT, path)
        return
    notebook = json.loads(SOURCE.read_text(encoding="utf-8"))
    if cell_id is not None:
        for cell in notebook["cells"]:
            if cell["id"] == f"solution-{cell_id}":
                source = "".join(cell["source"])
                if old not in source:
                    raise SystemExit(f"variant {name!r}: {old!r} not in {cell_id}")
                # the last occurrence: the first is often the docstring's equation
                before, found, after = source.rpartition(old)
                cell["source"] = before + new + after
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def nbgrader_totals(course: Path, students: list[str]) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {student: float(gradebook.find_submission(notebooks.ASSIGNMENT, student).score)
                for student in students}


def batch_totals(out: Path) -> dict[str, float]:
    with (out / "grades.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    key = next(name for name in rows[0] if name.lower() in ("student", "student_id", "id"))
    score = next(name for name in rows[0] if name.lower() in ("score", "total"))
    return {row[key]: float(row[score] or 0) for row in rows}


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    finished = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{finished.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", type=Path, default=None, help="build the course here and keep it")
    arguments = parser.parse_args()

    workdir = arguments.keep or Path(tempfile.mkdtemp(prefix="bench-nbgrader-"))
    course = workdir / "course"
    shutil.rmtree(course, ignore_errors=True)
    (course / "source" / notebooks.ASSIGNMENT).mkdir(parents=True)
    shutil.copy(SOURCE, course / "source" / notebooks.ASSIGNMENT / notebooks.NOTEBOOK_NAME)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    nbgrader = [sys.executable, "-m", "nbgrader"]
    timed(nbgrader + ["generate_assignment", notebooks.ASSIGNMENT, "--force"], course, env)

    students = []
    kinds: dict[str, str] = {}
    for number in range(arguments.students):
        variant = variant_for(number)
        student = f"student{number:02d}"
        folder = course / "submitted" / student / notebooks.ASSIGNMENT
        folder.mkdir(parents=True)
        make_notebook(variant, folder / notebooks.NOTEBOOK_NAME)
        students.append(student)
        kinds[student] = variant[0]

    print(f"{arguments.students} notebooks, {len({kind for kind in kinds.values()})} kinds, "
          f"{os.cpu_count()} cores", flush=True)
    nbgrader_seconds = timed(nbgrader + ["autograde", notebooks.ASSIGNMENT, "--force"], course, env)
    print(f"nbgrader autograde            {nbgrader_seconds:7.1f} s  ({nbgrader_seconds / len(students):.2f} s "
          "per notebook)", flush=True)
    lstm_grader = [sys.executable, "-m", "grader"]
    results = {}
    for jobs in sorted({1, arguments.jobs}):
        out = workdir / f"batch-jobs{jobs}"
        shutil.rmtree(out, ignore_errors=True)
        seconds = timed(lstm_grader + ["batch", str(course / "submitted"), "--out", str(out), "--jobs", str(jobs),
                                       "--force"], course, env)
        results[jobs] = (seconds, out)
        print(f"lstm-grader batch --jobs {jobs:<3}  {seconds:7.1f} s  ({seconds / len(students):.2f} s per "
              f"notebook)   nbgrader / batch = {nbgrader_seconds / seconds:.1f}x", flush=True)

    by_nbgrader = nbgrader_totals(course, students)
    by_batch = batch_totals(results[1][1])
    agree = [student for student in students if abs(by_nbgrader[student] - by_batch.get(student, -1)) < 1e-9]
    print(f"same total from both: {len(agree)} / {len(students)}")
    for student in students:
        if student not in agree:
            print(f"  {student} ({kinds[student]}): nbgrader {by_nbgrader[student]:g}, "
                  f"batch {by_batch.get(student, float('nan')):g}")
    if arguments.keep is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
