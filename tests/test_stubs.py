"""Tests for grader.instructor.stubs: the exercises are the solutions with the answers cut out."""
from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from grader.instructor.stubs import (
    StubError,
    default_exercises_dir,
    default_solutions_dir,
    exercises_drift,
    generate_exercises,
    strip_solutions,
)

SOLUTION_MODULES = ("part1_cell_forward", "part2_cell_backward", "part3_sequence", "part4_peephole",
                    "part5_memory_cell", "part6_gradient_flow", "part7_forecast")

# every core function of CONTRACT.md with its arguments, in order
CORE_SIGNATURES = {
    "sigmoid": ["z"],
    "forget_gate": ["x", "h_prev", "W_f", "U_f", "b_f"],
    "input_gate": ["x", "h_prev", "W_i", "U_i", "b_i"],
    "candidate": ["x", "h_prev", "W_g", "U_g", "b_g"],
    "output_gate": ["x", "h_prev", "W_o", "U_o", "b_o"],
    "cell_update": ["c_prev", "f", "i", "g"],
    "hidden_state": ["c", "o"],
    "lstm_cell_forward": ["x", "h_prev", "c_prev", "params"],
    "lstm_forward": ["x", "h0", "c0", "params"],
    "sigmoid_backward": ["ds", "s"],
    "tanh_backward": ["dt", "t"],
    "hidden_state_backward": ["dh", "c", "o"],
    "cell_update_backward": ["dc", "c_prev", "f", "i", "g"],
    "gate_backward": ["dz", "x", "h_prev", "W", "U"],
    "lstm_cell_backward": ["dh", "dc", "cache"],
    "lstm_backward": ["dh", "cache"],
}


@contextlib.contextmanager
def modules_from(folder: Path) -> Iterator[dict[str, ModuleType]]:
    """Import the part modules of `folder`, and forget them afterwards.

    part3 imports part1 and part2 by module name, so the folder goes on
    sys.path; the solutions and the stubs share those names, so none may
    stay in sys.modules for the next test.
    """
    for name in SOLUTION_MODULES:
        sys.modules.pop(name, None)
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    try:
        yield {name: importlib.import_module(name) for name in SOLUTION_MODULES}
    finally:
        sys.path.remove(str(folder))
        for name in SOLUTION_MODULES:
            sys.modules.pop(name, None)


@pytest.fixture
def stub_modules(tmp_path: Path) -> Iterator[dict[str, ModuleType]]:
    """The stubs generated from the real solutions, imported from a temporary copy."""
    generate_exercises(default_solutions_dir(), tmp_path)
    with modules_from(tmp_path) as modules:
        yield modules


def dedent(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def docstring_lines(tree: ast.Module) -> set[int]:
    """Line numbers covered by module, class and function docstrings."""
    covered = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    covered.update(range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1))
    return covered


def code_lines(source: str) -> list[tuple[int, str]]:
    """(line number, stripped text) of each line that is code, not a docstring, comment or blank."""
    skip = docstring_lines(ast.parse(source))
    lines = []
    for number, line in enumerate(source.splitlines(), start=1):
        text = line.strip()
        if number not in skip and text and not text.startswith("#"):
            lines.append((number, text))
    return lines


def solution_region_lines(source: str) -> set[int]:
    """Line numbers strictly between a BEGIN SOLUTION and its END SOLUTION."""
    inside, region = False, set()
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == "### BEGIN SOLUTION":
            inside = True
        elif marker == "### END SOLUTION":
            inside = False
        elif inside:
            region.add(number)
    return region


# the committed exercises


def test_committed_exercises_are_in_sync_with_solutions() -> None:
    problems = exercises_drift(default_solutions_dir(), default_exercises_dir())
    assert not problems, (
        "exercises/ is out of date with solutions/; run `lstm-grader make-exercises` and commit the result:\n  "
        + "\n  ".join(problems)
    )


# the generated stubs


def test_every_core_function_is_stubbed_with_the_contract_arguments(stub_modules: dict[str, ModuleType]) -> None:
    for name, arguments in CORE_SIGNATURES.items():
        # part3 imports lstm_cell_forward and lstm_cell_backward; count where each is defined
        found = [
            module
            for module in stub_modules.values()
            if inspect.isfunction(getattr(module, name, None)) and getattr(module, name).__module__ == module.__name__
        ]
        assert len(found) == 1, f"{name}: expected to be defined in exactly one stub module, found in {len(found)}"
        function = getattr(found[0], name)
        assert list(inspect.signature(function).parameters) == arguments, f"{name}: arguments differ from CONTRACT.md"


def test_every_core_function_in_the_stubs_raises_not_implemented(stub_modules: dict[str, ModuleType]) -> None:
    for name, arguments in CORE_SIGNATURES.items():
        module = next(module for module in stub_modules.values() if hasattr(module, name))
        # the placeholder comes before any use of the arguments, so None will do
        with pytest.raises(NotImplementedError, match=f"^{name}: write your code here$"):
            getattr(module, name)(*[None] * len(arguments))


def test_every_solution_region_becomes_a_raise_in_its_function() -> None:
    for solution in sorted(default_solutions_dir().glob("*.py")):
        stub = strip_solutions(solution.read_text(encoding="utf-8"), filename=str(solution))
        assert "### BEGIN" not in stub and "### END" not in stub, f"{solution.name}: a marker survived"
        for node in ast.walk(ast.parse(stub)):
            if isinstance(node, ast.FunctionDef):
                raises = [statement for statement in node.body if isinstance(statement, ast.Raise)]
                assert len(raises) == 1, f"{solution.name}: {node.name} should end in one raise"
                assert ast.unparse(raises[0]) == f"raise NotImplementedError('{node.name}: write your code here')"


def test_stubs_keep_every_docstring_and_import_of_the_solutions() -> None:
    for solution in sorted(default_solutions_dir().glob("*.py")):
        source = solution.read_text(encoding="utf-8")
        solution_tree = ast.parse(source)
        stub_tree = ast.parse(strip_solutions(source))
        assert ast.get_docstring(stub_tree) == ast.get_docstring(solution_tree), solution.name
        imports = (ast.Import, ast.ImportFrom)
        assert [ast.unparse(node) for node in solution_tree.body if isinstance(node, imports)] == [
            ast.unparse(node) for node in stub_tree.body if isinstance(node, imports)
        ], f"{solution.name}: imports changed"
        functions = {
            node.name: ast.get_docstring(node) for node in ast.walk(solution_tree) if isinstance(node, ast.FunctionDef)
        }
        stub_functions = {
            node.name: ast.get_docstring(node) for node in ast.walk(stub_tree) if isinstance(node, ast.FunctionDef)
        }
        assert stub_functions == functions, f"{solution.name}: functions or docstrings changed"
        assert all(functions.values()), f"{solution.name}: every function needs a docstring for the students"


def test_stubs_contain_no_solution_code_outside_docstrings() -> None:
    for solution in sorted(default_solutions_dir().glob("*.py")):
        source = solution.read_text(encoding="utf-8")
        region = solution_region_lines(source)
        answer = {text for number, text in code_lines(source) if number in region}
        # a line that also appears outside every region (an import, say) gives nothing away
        answer -= {text for number, text in code_lines(source) if number not in region}
        assert answer, f"{solution.name}: no solution code found; is the test reading the markers?"
        stub_code = {text for _, text in code_lines(strip_solutions(source))}
        leaked = sorted(answer & stub_code)
        assert not leaked, f"{solution.name}: solution lines left in the stub: {leaked}"


# strip_solutions on small sources


def test_strip_solutions_keeps_the_indentation_of_the_begin_line() -> None:
    source = dedent(
        '''
        class Cell:
            def step(self, x):
                """Docstring stays."""
                if x:
                    ### BEGIN SOLUTION
                    return x + 1
                    ### END SOLUTION
                return 0
        '''
    )
    assert strip_solutions(source) == dedent(
        '''
        class Cell:
            def step(self, x):
                """Docstring stays."""
                if x:
                    # YOUR CODE HERE
                    raise NotImplementedError("step: write your code here")
                return 0
        '''
    )


def test_strip_solutions_names_the_innermost_function() -> None:
    source = dedent(
        """
        def outer():
            def helper(z):
                ### BEGIN SOLUTION
                return z
                ### END SOLUTION
            return helper
        """
    )
    namespace: dict[str, object] = {}
    exec(compile(strip_solutions(source), "<stub>", "exec"), namespace)
    helper = namespace["outer"]()  # type: ignore[operator]
    with pytest.raises(NotImplementedError, match="^helper: write your code here$"):
        helper(1)


def test_strip_solutions_leaves_a_source_without_markers_unchanged() -> None:
    source = 'def f(x):\r\n    """Says ### BEGIN SOLUTION in a docstring."""\r\n    return x\r\n'
    assert strip_solutions(source) == source


def test_strip_solutions_ignores_markers_inside_strings() -> None:
    source = dedent(
        '''
        def f(x):
            """Fill in the region between
            ### BEGIN SOLUTION
            and its end marker.
            """
            ### BEGIN SOLUTION
            return x
            ### END SOLUTION
        '''
    )
    stub = strip_solutions(source)
    assert "    ### BEGIN SOLUTION\n    and its end marker." in stub
    assert "return x" not in stub


def test_strip_solutions_removes_hidden_tests_entirely() -> None:
    source = dedent(
        """
        from part1 import sigmoid
        assert sigmoid(0) == 0.5
        ### BEGIN HIDDEN TESTS
        assert sigmoid(1e4) == 1.0
        ### END HIDDEN TESTS
        print("done")
        """
    )
    assert strip_solutions(source) == dedent(
        """
        from part1 import sigmoid
        assert sigmoid(0) == 0.5
        print("done")
        """
    )


def test_strip_solutions_keeps_crlf_line_endings() -> None:
    source = "def f(x):\r\n    ### BEGIN SOLUTION\r\n    return x\r\n    ### END SOLUTION\r\n"
    assert strip_solutions(source) == (
        'def f(x):\r\n    # YOUR CODE HERE\r\n    raise NotImplementedError("f: write your code here")\r\n'
    )


def test_strip_solutions_counts_lines_as_python_does() -> None:
    # a form feed is whitespace to Python but a line break to str.splitlines
    source = "def f(x):\n    y = 1 \x0c + 2\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n"
    assert strip_solutions(source) == (
        'def f(x):\n    y = 1 \x0c + 2\n    # YOUR CODE HERE\n    raise NotImplementedError("f: write your code here")\n'
    )


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        pytest.param(
            "def f(x):\n    ### BEGIN SOLUTION\n    return x\n", 2, "never closed", id="begin-without-end"
        ),
        pytest.param(
            "def f(x):\n    return x\n    ### END SOLUTION\n", 3, "without a BEGIN", id="end-without-begin"
        ),
        pytest.param(
            "def f(x):\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    return x\n"
            "    ### END SOLUTION\n    ### END SOLUTION\n",
            3,
            "cannot nest",
            id="nested",
        ),
        pytest.param(
            "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END HIDDEN TESTS\n",
            4,
            "closes the BEGIN SOLUTION",
            id="mismatched-end",
        ),
        pytest.param(
            "### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", 1, "outside a function", id="outside-function"
        ),
        pytest.param(
            "def f(x):\n    ### BEGIN SOLUTION\n    return x\n\n\ndef g(y):\n    return y\n    ### END SOLUTION\n",
            8,
            "past the end of f()",
            id="runs-into-next-function",
        ),
        pytest.param(
            "def f(x):\n    return x  ### BEGIN SOLUTION\n    ### END SOLUTION\n",
            2,
            "on a line of its own",
            id="marker-after-code",
        ),
    ],
)
def test_strip_solutions_rejects_bad_markers_naming_file_and_line(source: str, line: int, words: str) -> None:
    with pytest.raises(StubError, match=words) as caught:
        strip_solutions(source, filename="part9.py")
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(f"part9.py:{line}: ")
    assert (caught.value.filename, caught.value.line) == ("part9.py", line)


# generate_exercises and exercises_drift on small folders


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


SOLVED = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
STUB = 'def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError("f: write your code here")\n'


def test_generate_exercises_writes_sorted_stubs_and_copies_plain_files(tmp_path: Path) -> None:
    solutions, exercises = tmp_path / "solutions", tmp_path / "out" / "exercises"
    write(solutions, "b_part.py", SOLVED)
    write(solutions, "a_helpers.py", "GATES = ('f', 'i', 'g', 'o')\n")
    write(solutions, "notes.txt", "not python")

    written = generate_exercises(solutions, exercises)

    assert written == [exercises / "a_helpers.py", exercises / "b_part.py"]
    assert (exercises / "a_helpers.py").read_text() == "GATES = ('f', 'i', 'g', 'o')\n"
    assert (exercises / "b_part.py").read_text() == STUB
    assert sorted(path.name for path in exercises.iterdir()) == ["a_helpers.py", "b_part.py"]


def test_generate_exercises_writes_nothing_when_one_solution_is_broken(tmp_path: Path) -> None:
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    write(solutions, "a_good.py", SOLVED)
    write(solutions, "b_bad.py", "def f(x):\n    ### BEGIN SOLUTION\n    return x\n")
    old = write(exercises, "a_good.py", "old stub\n")

    with pytest.raises(StubError, match="b_bad.py:2: "):
        generate_exercises(solutions, exercises)

    assert old.read_text() == "old stub\n"
    assert [path.name for path in exercises.iterdir()] == ["a_good.py"]


def test_exercises_drift_is_empty_right_after_generating(tmp_path: Path) -> None:
    generate_exercises(default_solutions_dir(), tmp_path)
    assert exercises_drift(default_solutions_dir(), tmp_path) == []


def test_exercises_drift_names_missing_extra_and_changed_files(tmp_path: Path) -> None:
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    write(solutions, "a_missing.py", SOLVED)
    write(solutions, "b_changed.py", SOLVED)
    write(solutions, "c_same.py", SOLVED)
    write(exercises, "b_changed.py", STUB.replace("# YOUR CODE HERE", "# your code here"))
    write(exercises, "c_same.py", STUB)
    write(exercises, "d_extra.py", "x = 1\n")

    problems = exercises_drift(solutions, exercises)

    assert len(problems) == 3, problems
    missing, changed, extra = problems
    assert str(exercises / "a_missing.py") in missing and "missing" in missing
    assert str(exercises / "b_changed.py") in changed
    assert "line 2: expected '    # YOUR CODE HERE', found '    # your code here'" in changed
    assert str(exercises / "d_extra.py") in extra and "extra" in extra


def test_exercises_drift_reports_a_stub_that_is_cut_short(tmp_path: Path) -> None:
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    write(solutions, "part.py", SOLVED)
    write(exercises, "part.py", STUB.splitlines(keepends=True)[0])

    (problem,) = exercises_drift(solutions, exercises)

    assert "line 2: expected '    # YOUR CODE HERE\\n', found the end of the file" in problem


def test_exercises_drift_reports_a_missing_exercises_folder(tmp_path: Path) -> None:
    solutions = tmp_path / "solutions"
    write(solutions, "part.py", SOLVED)
    (problem,) = exercises_drift(solutions, tmp_path / "nowhere")
    assert "part.py: missing" in problem


def test_default_folders_are_beside_the_grader_package() -> None:
    root = Path(__file__).resolve().parent.parent
    assert default_solutions_dir() == root / "solutions"
    assert default_exercises_dir() == root / "exercises"
    assert sorted(path.stem for path in default_solutions_dir().glob("*.py")) == list(SOLUTION_MODULES)


def test_modules_from_leaves_no_part_module_behind(tmp_path: Path) -> None:
    copy = tmp_path / "solutions"
    shutil.copytree(default_solutions_dir(), copy)
    with modules_from(copy) as modules:
        assert modules["part3_sequence"].lstm_cell_forward is modules["part1_cell_forward"].lstm_cell_forward
    assert not set(SOLUTION_MODULES) & set(sys.modules)
    assert str(copy) not in sys.path
