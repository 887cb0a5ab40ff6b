"""How long `lstm-grader check solutions/` takes, and where the time goes.

Target (issue 4): under 1.0 s wall time on a 2-core machine, for all core
parts, every case and every gradient check, child process included. The
bonus parts (the forecast capstone trains a model) are timed separately.

    python benchmarks/bench_check.py [--runs 7]

Prints the median wall time of the whole command, then a split measured in
one process: interpreter + imports (start-up), starting the child and
importing the submission, each part's checking time, and within the backward
parts the numerical gradient checks.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.0


def wall_time(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - started


def split() -> dict[str, float]:
    from grader.engine.checks import PartContext, check_part
    from grader.engine.reference_source import open_reference
    from grader.lstm import PARTS
    from grader.sandbox import ChildSession, resolve_sandbox
    from grader.engine.submission import load_submission

    numerical_seconds = 0.0
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
        original_perturb = context.perturb

        def timed_perturb(*args, **kwargs):  # type: ignore[no-untyped-def]
            nonlocal numerical_seconds
            begun = time.perf_counter()
            try:
                return original_perturb(*args, **kwargs)
            finally:
                numerical_seconds += time.perf_counter() - begun

        context.perturb = timed_perturb  # type: ignore[method-assign]
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
        figures["  of which numerical gradients in the child"] = numerical_seconds
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    from grader.lstm import PARTS

    core_only = [argument for part in PARTS for argument in ("--part", part.name)]
    command = [sys.executable, "-m", "grader", "check", "solutions", "--seed", "1", "--no-progress"]
    times = [wall_time(command + core_only) for _ in range(runs)]
    median = statistics.median(times)
    everything = statistics.median(wall_time(command) for _ in range(runs))
    startup = statistics.median(wall_time([sys.executable, "-c", "import grader.cli.commands"]) for _ in range(runs))
    print(f"lstm-grader check solutions/, core parts: median {median:.3f} s over {runs} runs "
          f"(min {min(times):.3f}, max {max(times):.3f}); target {TARGET_SECONDS:.1f} s; "
          f"ratio to target {median / TARGET_SECONDS:.2f}")
    print(f"  with the bonus parts too (forecast training included): median {everything:.3f} s")
    print(f"  parent start-up (python + import grader.cli.commands): {startup:.3f} s")
    for name, seconds in split().items():
        print(f"  {name}: {seconds:.3f} s")


if __name__ == "__main__":
    main()
