"""What the isolation costs: `lstm-grader check solutions` in each sandbox mode.

Target (the isolation issue): the kernel boundary adds under 10% to check's
time. Measured side by side in one run, median of `--runs`, each mode against
`--sandbox none` (no boundary, the floor):

    python benchmarks/bench_isolation.py [--runs 7]

Modes this machine cannot offer are left out; `uid` (Landlock switched off,
a uid of its own per child) is measured when run as root with the Python of
LSTM_GRADER_UID_PYTHON (default /opt/lstm-grader-uid-venv/bin/python).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.10
UID_PYTHON = Path(os.environ.get("LSTM_GRADER_UID_PYTHON", "/opt/lstm-grader-uid-venv/bin/python"))
CORE_PARTS = ("sigmoid", "forget_gate", "input_gate", "candidate", "output_gate", "cell_update", "hidden_state",
              "lstm_cell_forward", "lstm_forward", "sigmoid_backward", "tanh_backward", "hidden_state_backward",
              "cell_update_backward", "gate_backward", "lstm_cell_backward", "lstm_backward")


def wall_time(python: str, sandbox: str, environment: dict[str, str]) -> float:
    parts = [argument for part in CORE_PARTS for argument in ("--part", part)]
    started = time.perf_counter()
    subprocess.run([python, "-m", "grader", "check", "solutions", "--json", "--no-progress", "--sandbox", sandbox,
                    *parts], check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=environment)
    return time.perf_counter() - started


def modes() -> dict[str, tuple[str, str, dict[str, str]]]:
    """name -> (python, --sandbox, environment)."""
    from grader.sandbox import DISABLE_LANDLOCK_VARIABLE, bwrap_works

    plain = dict(os.environ)
    found = {"none": (sys.executable, "none", plain), "process (Landlock)": (sys.executable, "process", plain)}
    if bwrap_works():
        found["bwrap"] = (sys.executable, "bwrap", plain)
    if os.geteuid() == 0 and UID_PYTHON.exists():
        private = ROOT / ".bench-private"
        if not (private / "solutions").exists():
            private.mkdir(mode=0o700, exist_ok=True)
            subprocess.run(["cp", "-r", str(ROOT / "solutions"), str(private)], check=True)
        uid = dict(plain, **{DISABLE_LANDLOCK_VARIABLE: "1", "LSTM_GRADER_SOLUTIONS": str(private / "solutions")})
        found["none (uid Python)"] = (str(UID_PYTHON), "none", uid)
        found["process (uid)"] = (str(UID_PYTHON), "process", uid)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    chosen = modes()
    times: dict[str, list[float]] = {name: [] for name in chosen}
    for _ in range(runs):  # interleaved, so a busy moment costs every mode alike
        for name, (python, sandbox, environment) in chosen.items():
            times[name].append(wall_time(python, sandbox, environment))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"lstm-grader check solutions, the 16 core parts, median of {runs}")
    for name, median in medians.items():
        floor = medians["none (uid Python)"] if "uid" in name else medians["none"]
        ratio = median / floor
        verdict = "" if name.startswith("none") else ("  ok" if ratio <= TARGET_RATIO else "  OVER TARGET")
        print(f"  {name:22s} {median:6.2f} s   {ratio:5.2f} x no boundary{verdict}")
    print(f"target: at most {TARGET_RATIO:.2f} x (under 10% for the boundary)")


if __name__ == "__main__":
    main()
