"""The in-process fake runner answers as the child does, so checker tests can trust it.

The quick tests hold the fake to the child's wire behaviour one request at a
time; the slow ones grade the same submissions through the fake and through
the real child and require the same results, so the fake cannot drift. And the
quick loop stays quick: no test module imports torch when it is collected, and
every end-to-end test that conftest.py marks slow by name still exists.
"""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from fake_runner import FakeRunner, grade_in_process, grade_part, part_context
from grader.child.protocol import Opaque, decode_value
from grader.engine.checks import check_part
from grader.engine.results import PartResult, Report
from grader.lstm import get_part
from grader.lstm.grading import grade
from grader.engine.runner import Runner
from grader.sandbox import ChildSession, Reply, Sandbox
from mutants import MUTANTS, edit_of, edited_solutions

SEED = 1234
BY_ID = {mutant.id: mutant for mutant in MUTANTS}


def test_the_fake_and_the_child_session_are_both_runners():
    assert isinstance(FakeRunner.from_functions({}), Runner)
    assert isinstance(ChildSession([], [], None, sandbox=Sandbox("none")), Runner)
    assert not isinstance(SimpleNamespace(load_timeout=1.0, call=print, ensure_started=print), Runner)


def value_of(runner: FakeRunner, function: str, *args: Any, **options: Any) -> Any:
    runner.ensure_started()
    reply = runner.call(function, list(args), **options)
    assert reply.status == "ok", reply.header
    return decode_value(reply.header["value"], reply.arrays)


def scale_in_place(x):
    x *= 2.0
    return x.copy()


def overflowing(z):
    return 1.0 / (1.0 + np.exp(-z))


def raising(z):
    raise ValueError(f"no good for shape {z.shape}")


def unfinished(z):
    raise NotImplementedError("write your code here")


def returns_kinds(z):
    return z.astype(np.float32), np.float64(2.5), [1, 2.0], {"a": z}, {1, 2}


def test_arrays_come_back_as_copies_with_their_own_dtype_and_structure():
    z = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    got = value_of(FakeRunner.from_functions({"f": returns_kinds}), "f", z)
    single, scalar, items, mapping, other = got
    assert single.dtype == np.float32 and np.array_equal(single, z.astype(np.float32))
    assert scalar == 2.5 and items == [1, 2.0] and mapping["a"] is not z
    assert isinstance(other, Opaque) and other.type_name == "set"


def test_an_input_changed_in_place_is_named_and_the_callers_array_is_untouched():
    x = np.ones(3)
    runner = FakeRunner.from_functions({"scale": scale_in_place})
    runner.ensure_started()
    reply = runner.call("scale", [x], arg_names=["x"])
    assert reply.header["modified"] == ["x"] and np.array_equal(x, np.ones(3))


def test_numpy_warnings_are_listed():
    runner = FakeRunner.from_functions({"sigmoid": overflowing})
    runner.ensure_started()
    reply = runner.call("sigmoid", [np.array([-1e4, 0.0])])
    assert reply.header["warnings"] == ["RuntimeWarning: overflow encountered in exp"]


def test_failures_carry_the_childs_statuses_and_the_students_own_frame():
    runner = FakeRunner.from_functions({"raising": raising, "unfinished": unfinished})
    runner.ensure_started()
    error = runner.call("raising", [np.zeros((2, 3))])
    assert error.status == "error"
    first, frame = error.header["error"].splitlines()
    assert first == "ValueError: no good for shape (2, 3)"
    assert frame.startswith("test_fake_runner.py:") and "in raising" in frame
    assert runner.call("unfinished", [np.zeros(1)]).status == "not_implemented"
    assert runner.call("absent", []).status == "missing"


def test_a_kept_output_is_a_handle_that_a_later_call_resolves_until_reset():
    runner = FakeRunner.from_functions({"make": lambda x: (x + 1.0, ["cache", x]), "use": lambda cache: cache[1]})
    h, cache = value_of(runner, "make", np.zeros(2), keep=(1,))
    assert isinstance(cache, Opaque) and np.array_equal(h, np.ones(2))
    assert np.array_equal(value_of(runner, "use", cache), np.zeros(2))
    runner.reset()
    reply = runner.call("use", [cache])  # a handle the child no longer holds: an error of that call alone
    assert reply.status == "error" and "does not exist" in reply.header["error"]
    assert runner.load_result is not None


def test_perturb_stacks_one_output_per_perturbation():
    runner = FakeRunner.from_functions({"square": lambda x: (x * x, x.sum())})
    runner.ensure_started()
    reply = runner.perturb("square", [np.array([1.0, 2.0])], [(0, None, 0, 0.5), (0, None, -1, 1.0)], [0, 1])
    first, second = reply.arrays
    assert first.tolist() == [[2.25, 4.0], [4.0, 9.0]] and second.tolist() == [3.5, 5.0]


def submission_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "fake_helpers.py").write_text("print('loading helpers')\n\ndef double(x):\n    return 2 * x\n")
    (folder / "fake_uses.py").write_text(textwrap.dedent("""
        from fake_helpers import double

        def quadruple(x):
            import fake_helpers  # at call time, as the child allows
            return fake_helpers.double(double(x))
    """))
    (folder / "fake_broken.py").write_text("raise RuntimeError('broken at import')\n")
    return folder


def test_a_folder_is_imported_file_by_file_and_leaves_the_test_process_as_it_was(tmp_path):
    runner = FakeRunner.from_submission(submission_folder(tmp_path))
    loaded = runner.ensure_started()
    assert {"double", "quadruple"} <= set(loaded.functions) and "loading helpers" in loaded.output
    assert [problem["error"].splitlines()[0] for problem in loaded.problems] == ["RuntimeError: broken at import"]
    assert value_of(runner, "quadruple", 3) == 12
    assert not {"fake_helpers", "fake_uses", "fake_broken"} & set(sys.modules)
    assert str(tmp_path / "work") not in sys.path


def test_after_kill_the_submission_is_imported_afresh(tmp_path):
    runner = FakeRunner.from_submission(submission_folder(tmp_path))
    first = runner.ensure_started()
    runner.kill()
    second = runner.ensure_started()
    assert second is not first and second.output == first.output == "loading helpers\n"


def test_loading_a_submission_adds_no_audit_hook_to_the_test_process(tmp_path):
    FakeRunner.from_submission(submission_folder(tmp_path)).ensure_started()
    # the child's guard refuses to start programs: here, after a load, they still start
    assert subprocess.run([sys.executable, "-c", "pass"], check=False).returncode == 0


def test_grading_a_function_directly_gives_the_checkers_verdict():
    assert grade_part(overflowing, "sigmoid").score == 1.5
    assert grade_part(lambda z: np.tanh(z), "sigmoid").status == "fail"


# the fake against the real child


def summary(result: PartResult) -> tuple[Any, ...]:
    """What a student is told about a part."""
    return result.name, result.status, result.score, result.messages, result.diagnosis, result.output


def summaries(report: Report) -> list[tuple[Any, ...]]:
    return [summary(part) for part in report.parts]


class WarningsDropped(FakeRunner):
    """A fake that has drifted: it loses the warnings the child reports."""

    def exchange(self, *args: Any, **options: Any) -> Reply:
        reply = super().exchange(*args, **options)
        reply.header.pop("warnings", None)
        return reply


def test_the_comparison_catches_a_fake_that_drifted():
    sigmoid = get_part("sigmoid")
    honest = check_part(sigmoid, part_context(FakeRunner.from_functions({"sigmoid": overflowing}), seed=3))
    drifted = check_part(sigmoid, part_context(WarningsDropped.from_functions({"sigmoid": overflowing}), seed=3))
    assert honest.status == "fail" and drifted.status == "pass"
    assert summary(drifted) != summary(honest)


PARTS = ["sigmoid", "forget_gate", "cell_update", "hidden_state_backward", "lstm_cell_forward",
         "lstm_cell_backward", "lstm_backward", "peephole_cell_backward"]


@pytest.mark.slow
@pytest.mark.parametrize("mutant_ids", [(), ("forget_gate.W_and_U_swapped",),
                                        ("hidden_state.no_tanh", "sigmoid.unstable_overflow_warning")],
                         ids=["solutions", "an error", "a wrong forward and a warning"])
def test_the_fake_and_the_child_grade_alike(tmp_path, mutant_ids):
    folder = edited_solutions(tmp_path / "submission", [edit_of(BY_ID[name]) for name in mutant_ids])
    fake, child = grade_in_process(folder, PARTS, seed=SEED), grade(folder, PARTS, seed=SEED)
    assert summaries(fake) == summaries(child)
    assert fake.notes == child.notes


# collecting the tests never imports torch


def imports_torch(statement: ast.stmt) -> bool:
    """Whether a module-level statement (or one nested in its if / try blocks) imports torch."""
    if isinstance(statement, ast.Import):
        return any(alias.name.split(".")[0] == "torch" for alias in statement.names)
    if isinstance(statement, ast.ImportFrom):
        return (statement.module or "").split(".")[0] == "torch"
    if isinstance(statement, (ast.Assign, ast.Expr)):
        return any(isinstance(node, ast.Constant) and node.value == "torch" for node in ast.walk(statement))
    if isinstance(statement, ast.If) and isinstance(statement.test, ast.Name) and statement.test.id == "TYPE_CHECKING":
        return False
    if isinstance(statement, (ast.If, ast.Try)):
        nested = statement.body + statement.orelse + getattr(statement, "finalbody", [])
        return any(imports_torch(inner) for inner in nested)
    return False


def test_no_test_module_imports_torch_when_it_is_collected() -> None:
    found = [path.name for path in sorted(Path(__file__).parent.glob("*.py"))
             if any(imports_torch(statement) for statement in ast.parse(path.read_text(encoding="utf-8")).body)]
    assert not found, f"import torch inside the tests that need it: {found}"


def test_the_torch_import_check_sees_the_usual_forms() -> None:
    for source in ("import torch", "import torch.nn as nn", "from torch import nn",
                   'torch = pytest.importorskip("torch")', 'if CI:\n    import torch\nelse:\n    pass'):
        assert imports_torch(ast.parse(source).body[0]), source
    assert not imports_torch(ast.parse("if TYPE_CHECKING:\n    import torch").body[0])


def test_every_test_conftest_marks_slow_by_name_exists():
    """A renamed test would silently join the quick loop again."""
    from conftest import END_TO_END

    tests = Path(__file__).resolve().parent
    for entry in END_TO_END:
        module, _, test = entry.partition("::")
        assert (tests / module).is_file(), entry
        assert not test or f"def {test}(" in (tests / module).read_text(encoding="utf-8"), entry
