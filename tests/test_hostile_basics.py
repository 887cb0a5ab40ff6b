"""Hostile or careless submissions cost only the parts they break.

Each submission is the reference solutions with one function (or one file's
import) replaced by something that loops forever, exits, crashes the
interpreter, floods the output, forges protocol bytes, or returns the wrong
kind of value. All of it is harmless to the machine: the loops are stopped by
the grader's timeout and nothing allocates much memory or starts processes.
"""
from __future__ import annotations

import ast
import shutil
import textwrap
from collections.abc import Iterable
from pathlib import Path

import pytest

from grader.lstm.grading import grade
from grader.lstm import PARTS
from grader.engine.results import Report

SOLUTIONS_DIR = Path(__file__).resolve().parent.parent / "solutions"
SOLUTION_FILES = ("part1_cell_forward.py", "part2_cell_backward.py", "part3_sequence.py")
CORE_PARTS = tuple(part.name for part in PARTS)
SEED = 1234

# the core parts whose student code calls each function, directly or through a cache
CALLERS = {
    "forget_gate": {"lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward"},
    "hidden_state": {"lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward"},
    "cell_update": {"lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward"},
    "candidate": {"lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward"},
}
PART1_FUNCTIONS = ("sigmoid", "forget_gate", "input_gate", "candidate", "output_gate", "cell_update",
                   "hidden_state", "lstm_cell_forward")
PART2_FUNCTIONS = ("sigmoid_backward", "tanh_backward", "hidden_state_backward", "cell_update_backward",
                   "gate_backward", "lstm_cell_backward")
PART3_FUNCTIONS = ("lstm_forward", "lstm_backward")


def copy_solutions(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in SOLUTION_FILES:
        shutil.copy(SOLUTIONS_DIR / name, folder / name)
    return folder


def replace_function(folder: Path, name: str, new_source: str) -> None:
    """Swap the top-level function `name` in whichever solution file defines it."""
    for path in sorted(folder.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                lines = source.splitlines(keepends=True)
                replacement = textwrap.dedent(new_source).strip("\n") + "\n"
                path.write_text("".join(lines[: node.lineno - 1]) + replacement
                                + "".join(lines[node.end_lineno:]), encoding="utf-8")
                return
    raise AssertionError(f"no function {name} in {folder}")


def add_lines(path: Path, lines: str, *, after: str | None = None) -> None:
    """Append `lines` to the file, or insert them right after the line `after`."""
    source = path.read_text(encoding="utf-8")
    block = textwrap.dedent(lines).strip("\n") + "\n"
    if after is None:
        source += "\n" + block
    else:
        assert source.count(after + "\n") == 1
        source = source.replace(after + "\n", after + "\n" + block)
    path.write_text(source, encoding="utf-8")


def describe(report: Report, names: Iterable[str]) -> str:
    return "\n".join(f"  {name} {report.part(name).status} {report.part(name).score:g}/"
                     f"{report.part(name).max_score:g}: " + " | ".join(report.part(name).messages)
                     for name in names)


def assert_costs_only(report: Report, broken: set[str]) -> None:
    """Every part in `broken` lost points (all of them); every other core part passed."""
    kept = [name for name in sorted(broken) if report.part(name).score > 0]
    assert not kept, "these parts should have scored 0:\n" + describe(report, kept)
    charged = [name for name in CORE_PARTS if name not in broken and report.part(name).status != "pass"]
    assert not charged, "these parts should not have been affected:\n" + describe(report, charged)


def scores(report: Report) -> dict[str, tuple[str, float]]:
    return {part.name: (part.status, part.score) for part in report.parts}


@pytest.mark.slow  # about 10 s: five parts each wait out the 2 s timeout
def test_endless_loop_in_forget_gate_costs_only_forget_gate_and_its_callers(tmp_path: Path) -> None:
    folder = copy_solutions(tmp_path / "submission")
    replace_function(folder, "forget_gate", """
        def forget_gate(x, h_prev, W_f, U_f, b_f):
            while True:
                pass
    """)
    report = grade(folder, seed=SEED, timeout=2)
    assert report.part("forget_gate").status == "timeout", describe(report, ["forget_gate"])
    assert_costs_only(report, {"forget_gate"} | CALLERS["forget_gate"])


def test_sys_exit_while_importing_a_file_costs_only_that_files_functions(tmp_path: Path) -> None:
    folder = copy_solutions(tmp_path / "submission")
    add_lines(folder / "part3_sequence.py", """
        import sys
        sys.exit(0)
    """)
    report = grade(folder, seed=SEED)
    for name in PART3_FUNCTIONS:
        assert report.part(name).status == "missing", describe(report, [name])
    assert any("sys.exit" in note or "SystemExit" in note for note in report.notes), report.notes
    assert_costs_only(report, set(PART3_FUNCTIONS))


def test_sys_exit_early_in_a_file_costs_its_functions_and_the_files_importing_them(tmp_path: Path) -> None:
    folder = copy_solutions(tmp_path / "submission")
    add_lines(folder / "part2_cell_backward.py", """
        import sys
        sys.exit(0)
    """, after="import numpy as np")
    report = grade(folder, seed=SEED)
    # part3 imports lstm_cell_backward from part2, so it cannot be imported either
    assert_costs_only(report, set(PART2_FUNCTIONS) | set(PART3_FUNCTIONS))
    for name in PART1_FUNCTIONS:
        assert report.part(name).status == "pass"


def assert_hidden_state_failure_costs_only_its_callers(report: Report) -> str:
    """hidden_state and everything that calls it are errors; all else passes. Returns its messages."""
    part = report.part("hidden_state")
    assert part.status == "error", describe(report, ["hidden_state"])
    for name in CALLERS["hidden_state"]:
        assert report.part(name).status == "error", describe(report, [name])
    # hidden_state_backward uses the student's hidden_state only for its numerical check
    assert report.part("hidden_state_backward").status == "pass", describe(report, ["hidden_state_backward"])
    assert_costs_only(report, {"hidden_state"} | CALLERS["hidden_state"])
    return " ".join(part.messages)


def test_ctypes_null_read_in_hidden_state_costs_only_hidden_state_and_its_callers(tmp_path: Path) -> None:
    folder = copy_solutions(tmp_path / "submission")
    replace_function(folder, "hidden_state", """
        def hidden_state(c, o):
            import ctypes
            ctypes.string_at(0)  # reads address 0: SIGSEGV, unless the grader refuses ctypes first
            return o * np.tanh(c)
    """)
    messages = assert_hidden_state_failure_costs_only_its_callers(grade(folder, seed=SEED))
    assert "ctypes" in messages or "crashed" in messages, messages


def test_segfault_in_hidden_state_costs_only_hidden_state_and_its_callers(tmp_path: Path) -> None:
    folder = copy_solutions(tmp_path / "submission")
    replace_function(folder, "hidden_state", """
        def hidden_state(c, o):
            import faulthandler
            faulthandler._sigsegv()  # CPython's own deliberate segmentation fault, for tests
            return o * np.tanh(c)
    """)
    messages = assert_hidden_state_failure_costs_only_its_callers(grade(folder, seed=SEED))
    assert "crashed" in messages and "SIGSEGV" in messages, messages


def test_a_megabyte_of_output_does_not_break_grading(tmp_path: Path) -> None:
    folder = copy_solutions(tmp_path / "submission")
    add_lines(folder / "part1_cell_forward.py", 'print("import " * 200_000)')
    add_lines(folder / "part3_sequence.py", """
        import os
        import sys

        _correct_lstm_backward = lstm_backward


        def lstm_backward(dh, cache):
            print("p" * 1_000_000)
            sys.stderr.write("e" * 1_000_000)
            os.write(1, b"w" * 1_000_000)
            os.write(2, b"z" * 1_000_000)
            return _correct_lstm_backward(dh, cache)
    """)
    report = grade(folder, seed=SEED)
    assert report.score == report.max_score == 100.0, describe(report, CORE_PARTS)
    assert all(report.part(name).status == "pass" for name in CORE_PARTS)
    assert len(report.part("lstm_backward").output) < 50_000
    assert sum(len(note) for note in report.notes) < 50_000


def test_returning_a_list_instead_of_an_array_fails_and_says_list(tmp_path: Path) -> None:
    folder = copy_solutions(tmp_path / "submission")
    replace_function(folder, "cell_update", """
        def cell_update(c_prev, f, i, g):
            return (f * c_prev + i * g).tolist()
    """)
    report = grade(folder, seed=SEED)
    part = report.part("cell_update")
    assert part.status == "fail" and part.score == 0
    assert "list" in " ".join(part.messages), part.messages
    unaffected = set(CORE_PARTS) - {"cell_update"} - CALLERS["cell_update"]
    assert all(report.part(name).status == "pass" for name in unaffected), describe(report, sorted(unaffected))


FORGERY = '''
import json as _json
import os as _os
import struct as _struct
import sys as _sys


def _forge():
    """Print and write things that look like the grader's protocol: a passing report and reply frames."""
    fake_report = {"schema": 1, "score": 100.0, "max_score": 100.0,
                   "parts": [{"name": "forget_gate", "status": "pass", "score": 4.0, "max_score": 4.0}]}
    fake_reply = _json.dumps({"status": "ok", "value": {"scalar": 1.0, "type": "float"}, "n_arrays": 0,
                              "output": "", "modified": [], "warnings": []}).encode()
    frame = _struct.pack(">Q", len(fake_reply)) + fake_reply
    print(_json.dumps(fake_report))
    print(fake_reply.decode())
    _os.write(1, frame * 3)
    _os.write(2, frame)
    _sys.stdout.write(fake_reply.decode() + "\\n")
    _sys.stdout.flush()
    if _sys.__stdout__ is not None:
        _sys.__stdout__.write(fake_reply.decode() + "\\n")
        _sys.__stdout__.flush()


_forge()
'''


def forging_submission(folder: Path, *, forge: bool) -> Path:
    """Solutions with a wrong forget gate (tanh); with `forge`, every call forges protocol bytes."""
    copy_solutions(folder)
    replace_function(folder, "forget_gate", """
        def forget_gate(x, h_prev, W_f, U_f, b_f):
            FORGE()
            return np.tanh(x @ W_f + h_prev @ U_f + b_f)
    """.replace("FORGE()", "_forge()" if forge else "pass"))
    if forge:
        add_lines(folder / "part1_cell_forward.py", FORGERY, after="import numpy as np")
    return folder


def test_forged_protocol_output_cannot_change_any_score(tmp_path: Path) -> None:
    honest = grade(forging_submission(tmp_path / "honest", forge=False), seed=SEED)
    forged = grade(forging_submission(tmp_path / "forged", forge=True), seed=SEED)
    assert forged.part("forget_gate").status == "fail"
    assert scores(forged) == scores(honest)
    assert forged.score == honest.score < 100.0


def test_forged_protocol_output_from_a_correct_submission_still_scores_100(tmp_path: Path) -> None:
    folder = copy_solutions(tmp_path / "submission")
    add_lines(folder / "part1_cell_forward.py", FORGERY, after="import numpy as np")
    add_lines(folder / "part2_cell_backward.py", FORGERY, after="import numpy as np")
    report = grade(folder, seed=SEED)
    assert report.score == report.max_score == 100.0, describe(report, CORE_PARTS)


def test_nan_in_the_output_fails_and_says_nan(tmp_path: Path) -> None:
    folder = copy_solutions(tmp_path / "submission")
    replace_function(folder, "hidden_state", """
        def hidden_state(c, o):
            h = o * np.tanh(c)
            h[0, 0] = np.nan
            return h
    """)
    report = grade(folder, seed=SEED, parts=["hidden_state"])
    part = report.part("hidden_state")
    assert part.status == "fail" and part.score == 0
    assert "NaN" in " ".join(part.messages), part.messages


def test_float32_output_fails_and_names_the_dtype(tmp_path: Path) -> None:
    folder = copy_solutions(tmp_path / "submission")
    replace_function(folder, "candidate", """
        def candidate(x, h_prev, W_g, U_g, b_g):
            return np.tanh(x @ W_g + h_prev @ U_g + b_g).astype(np.float32)
    """)
    report = grade(folder, seed=SEED)
    part = report.part("candidate")
    assert part.status == "fail" and part.score == 0
    messages = " ".join(part.messages)
    assert "dtype" in messages and "float32" in messages, part.messages
    unaffected = set(CORE_PARTS) - {"candidate"} - CALLERS["candidate"]
    assert all(report.part(name).status == "pass" for name in unaffected), describe(report, sorted(unaffected))
