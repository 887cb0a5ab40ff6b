"""How long `lstm-grader check solutions/` takes against the floor, and where the time goes.

The floor is what any check must pay: two interpreters that import numpy (the
grader and the child), `python -I -c "import numpy"` twice. Targets (issue 15),
as ratios to the floor measured side by side in the same run: `--help` at most
0.6, the core parts at most 1.5, every part (bonus included) at most 2.

    python benchmarks/bench_check.py [--runs 7]

Prints the median wall times and their ratios, then where the time goes: the
grader's start-up before and after it launches the child (fresh interpreters),
then, measured in one process, loading the reference and the submission,
starting the child and importing the submission, the forward and backward
parts, within them what is left of the numerical gradient checks once the cases are
checked (their child work is sent with the cases), the bonus parts (the
forecast trains a model), the time spent naming the mistakes of a wrong
submission, and the peak memory of the child and of the grader.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"lstm-grader --help": 0.6, "check, core parts": 1.5, "check, every part": 2.0}


# Bytecode caches as an installed package has them: a machine that sets PYTHONDONTWRITEBYTECODE
# would otherwise make every run compile the grader from source and time the compiler.
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def wall_time(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=ENVIRONMENT)
    return time.perf_counter() - started


class Stopwatch:
    """A function wrapped so that the seconds spent in it add up in `seconds`."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function, self.seconds = function, 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        begun = time.perf_counter()
        try:
            return self.function(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - begun


def start_up(runs: int) -> dict[str, float]:
    """The grader's own start-up, each in a fresh interpreter (median): what runs before the child is
    launched (no numpy), and the grading machinery imported after it, while the child starts."""
    before_launch = "import grader.cli.early_check, grader.engine.prelaunch, grader.sandbox.resolve"
    machinery_after = ", grader.cli.commands"
    machinery = before_launch + machinery_after + ", grader.sandbox.session, grader.lstm.grading, grader.engine.checks"
    figures = {}
    for name, imports in (("grader start-up before the child is launched", before_launch),
                          ("grader start-up with the grading machinery", machinery)):
        figures[name] = statistics.median(wall_time([sys.executable, "-c", imports]) for _ in range(runs))
    return figures


def diagnosis_seconds() -> float:
    """Seconds spent naming mistakes while grading the core parts of a submission with a tanh forget gate
    (grader.engine.check_values.find_diagnosis: the catalogue's variants and the generic detectors)."""
    import shutil
    import tempfile

    import grader.engine.check_backward as check_backward
    import grader.engine.check_values as check_values
    from grader.lstm import PARTS
    from grader.lstm.grading import grade

    original = check_values.find_diagnosis
    timed = Stopwatch(original)
    with tempfile.TemporaryDirectory(prefix="bench-diagnosis-") as folder:
        for path in (ROOT / "solutions").glob("*.py"):
            shutil.copyfile(path, Path(folder) / path.name)
        wrong = Path(folder) / "part1_cell_forward.py"
        right = "f = sigmoid(x @ W_f + h_prev @ U_f + b_f)\n    return f"
        wrong.write_text(wrong.read_text().replace(right, right.replace("sigmoid(", "np.tanh("), 1))
        check_values.find_diagnosis = check_backward.find_diagnosis = timed
        try:
            report = grade(folder, parts=[part.name for part in PARTS], seed=1, sandbox="process", parallel=False)
        finally:
            check_values.find_diagnosis = check_backward.find_diagnosis = original
    assert report.score < report.max_score, "the wrong submission passed: update the edit"
    return timed.seconds


def split() -> dict[str, float]:
    import grader.engine.check_backward as check_backward
    from grader.engine.checks import PartContext, check_part
    from grader.engine.reference_source import open_reference
    from grader.lstm import BONUS_PARTS, PARTS
    from grader.sandbox import ChildSession, resolve_sandbox
    from grader.engine.submission import load_submission

    figures: dict[str, float] = {}
    started = time.perf_counter()
    submission = load_submission(ROOT / "solutions")
    reference = open_reference()
    figures["load reference + submission"] = time.perf_counter() - started
    with ChildSession(submission.files, submission.module_names, submission.search_path,
                      sandbox=resolve_sandbox("process")) as session:
        started = time.perf_counter()
        session.start()
        figures["start child + import submission"] = time.perf_counter() - started
        context = PartContext(session, reference, seed=1)
        # the numerical check's child work is sent ahead with the cases; this is what is left to wait for
        timed_numerical = Stopwatch(check_backward.run_numerical_check)
        check_backward.run_numerical_check = timed_numerical
        forward = backward = 0.0
        for part in PARTS:
            begun = time.perf_counter()
            check_part(part, context)
            elapsed = time.perf_counter() - begun
            if part.group == "forward":
                forward += elapsed
            else:
                backward += elapsed
        figures["forward parts"] = forward
        figures["backward parts"] = backward
        figures["  of which the numerical gradient checks, after the cases"] = timed_numerical.seconds
        check_backward.run_numerical_check = timed_numerical.function
        child_peak = child_peak_mib(session)
        for part in BONUS_PARTS:
            begun = time.perf_counter()
            check_part(part, context)
            figures[f"bonus: {part.name}"] = time.perf_counter() - begun
            child_peak = max(child_peak, child_peak_mib(session))
    figures["peak RSS of the child, MiB (target under 150)"] = child_peak
    grader_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    figures["peak RSS of the grader, MiB (target under 150)"] = grader_peak
    return figures


def child_peak_mib(session) -> float:  # type: ignore[no-untyped-def]
    """The child's peak resident memory so far (VmHWM), in MiB; 0 when it cannot be read."""
    try:
        status = Path(f"/proc/{session.process.pid}/status").read_text()
    except (AttributeError, OSError):
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")), 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    from grader.lstm import PARTS

    core_only = [argument for part in PARTS for argument in ("--part", part.name)]
    check = [sys.executable, "-m", "grader", "check", "solutions", "--seed", "1", "--no-progress", "--json"]
    commands = {
        "lstm-grader --help": [[sys.executable, "-m", "grader", "--help"]],
        "check, core parts": [check + core_only],
        "check, every part": [check],
    }
    numpy_alone = [sys.executable, "-I", "-c", "import numpy"]
    floors, figures = [], {name: [] for name in commands}
    for command, in commands.values():  # writes the bytecode caches the timed runs read
        wall_time(command)
    for _ in range(runs):  # side by side, so a busy moment costs every figure alike
        floors.append(wall_time(numpy_alone) + wall_time(numpy_alone))
        for name, (command,) in commands.items():
            figures[name].append(wall_time(command))
    floor = statistics.median(floors)
    print(f"floor (two interpreters importing numpy): median {floor:.3f} s over {runs} runs")
    for name, times in figures.items():
        median = statistics.median(times)
        ratio = median / floor
        verdict = "meets" if ratio <= TARGETS[name] else "misses"
        print(f"  {name}: median {median:.3f} s, {ratio:.2f} x the floor; target {TARGETS[name]:g} x ({verdict})")
    figures = {**start_up(runs), **split(),
               "naming the mistakes of a submission with a tanh forget gate (core parts)": diagnosis_seconds()}
    for name, value in figures.items():
        print(f"  {name}: {value:.1f}" if "MiB" in name else f"  {name}: {value:.3f} s")


if __name__ == "__main__":
    main()
