"""The course as an nbgrader assignment, built from the .py solutions.

One source of truth: `solutions/*.py`. `build_source_notebook` turns them into
the instructor's nbgrader source notebook (`solutions/lstm_assignment.ipynb`):

- each module docstring becomes a read-only markdown cell, beside written
  explanations (the equations, the gate behaviour table, the BPTT flow);
- the imports and constants of each file become a read-only code cell
  (imports of the other solution files are dropped: a notebook is one namespace);
- each function becomes a solution cell, its `### BEGIN SOLUTION` region intact;
- each function that is a part in the registry is followed by a read-only
  autograder test cell worth the part's points, whose hidden tests grade a
  second, unpublished seed.

`release_notebook` runs nbgrader's `generate_assignment` on it in a temporary
course (the interpreter's bin folder on PATH, for the `alembic` nbgrader runs) and
returns the student notebook (`exercises/lstm_assignment.ipynb`). It holds the
files that define core parts and stays worth 100 (nbgrader has no bonus column):
a bonus part there gets a check cell without points; a bonus-only file (the
forecasting capstone) stays in exercises/*.py, checked on the command line.
"""
from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from grader.engine.parts import Part
from grader.lstm import all_parts

ASSIGNMENT = "lstm"
NOTEBOOK_NAME = "lstm_assignment.ipynb"
HIDDEN_SEED = 271_828
from grader.engine.submission import NOTEBOOK_SKIP_TAG as SKIP_TAG

# the settings of nbgrader_config.py (which says why), in the form the API takes; tests keep the two equal
NBGRADER_SETTINGS: dict[str, dict[str, Any]] = {
    "CourseDirectory": {"course_id": "lstm-course"},
    "Execute": {"timeout": 60, "interrupt_on_timeout": True},
    "ClearSolutions": {"code_stub": {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}},
    "Autograde": {"sanitize_preprocessors": [  # nbgrader's default list, OverwriteCells replaced
        *(f"nbgrader.preprocessors.{name}" for name in ("ClearOutput", "DeduplicateIds", "OverwriteKernelspec")),
        "grader.course.nbgrader_hidden_tests.RestoreHiddenTests", "nbgrader.preprocessors.CheckCellMetadata"]},
}

INTRO = """# The LSTM, gate by gate, in numpy

You will build a long short-term memory cell, run it over a sequence, and
backpropagate through time, one function at a time.

- Write your code where it says `# YOUR CODE HERE` (delete the `raise NotImplementedError()`).
- Run the test cell under each function: it grades that function with
  `lstm-grader` (in a separate process, so a mistake cannot hang the notebook)
  and shows the same report, diagnosis and hint as `lstm-grader check` does
  on the command line. The number it ends with is your score for the part.
- The bonus parts are in the `exercises/*.py` files; check them with `lstm-grader check`.
- Conventions: numpy float64 arrays, batch first; `x` is (N, D), `h` and `c`
  are (N, H), a sequence `x` is (N, T, D). `params` holds the 12 weights
  `W_k` (D, H), `U_k` (H, H), `b_k` (H,) for k in f, i, g, o.
"""

EQUATIONS = r"""## The equations

$$
\begin{aligned}
f_t &= \sigma(x_t W_f + h_{t-1} U_f + b_f) && \text{forget gate}\\
i_t &= \sigma(x_t W_i + h_{t-1} U_i + b_i) && \text{input gate}\\
g_t &= \tanh(x_t W_g + h_{t-1} U_g + b_g) && \text{candidate}\\
o_t &= \sigma(x_t W_o + h_{t-1} U_o + b_o) && \text{output gate}\\
c_t &= f_t \odot c_{t-1} + i_t \odot g_t && \text{cell update}\\
h_t &= o_t \odot \tanh(c_t) && \text{hidden state}
\end{aligned}
$$

This is the cell of `torch.nn.LSTM` (which stacks its gates in the order i, f, g, o).
"""

GATE_TABLE = """## What the gates do

Each gate is a number in (0, 1) per hidden unit, multiplied element-wise:

| gate | near 0 | near 1 |
|------|--------|--------|
| forget `f` | erase the old cell state | keep the old cell state |
| input `i` | ignore the candidate | write the candidate into the cell |
| output `o` | hide the cell (h near 0) | show `tanh(c)` as h |
| candidate `g` (tanh, in (-1, 1)) | what would be written, with its sign | |

A memory cell that stores a value: `i = 1, f = 0` writes, `i = 0, f = 1` holds,
`o = 1` reads it out and `o = 0` keeps it hidden.
"""

BPTT_FLOW = """## Backpropagation through time

The forward pass runs left to right; the backward pass right to left:

```
        x_0            x_1            x_2
         |              |              |
h_-1 -> [cell] -> h_0 -> [cell] -> h_1 -> [cell] -> h_2
c_-1 -> [    ] -> c_0 -> [    ] -> c_1 -> [    ] -> c_2
         ^  dh_0 + (from step 1)  ^  dh_1 + (from step 2)  ^  dh_2
```

At step t, the gradient reaching `h_t` is the loss's own `dh[:, t]` plus the
`dh_prev` handed back by step t+1; the gradient reaching `c_t` is the `dc_prev`
of step t+1. The same weights are used at every step, so their gradients are
summed over all steps. Along the cell state the gradient is multiplied only by
the forget gates (`dc_prev = dc * f`): the LSTM's gradient highway.
"""

PLOT_CELL = '''# Optional: your LSTM at work. Needs matplotlib; grading never runs this cell.
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("pip install matplotlib to see the gate heatmap and the cell state over time")

if plt is not None:
    try:
        rng = np.random.default_rng(0)
        T, D, H = 40, 3, 4
        xs = np.sin(np.linspace(0, 6 * np.pi, T))[:, None] * np.ones((1, D)) + 0.3 * rng.standard_normal((T, D))
        weights = {f"{kind}_{k}": 0.8 * rng.standard_normal(shape)
                   for k in "figo" for kind, shape in (("W", (D, H)), ("U", (H, H)), ("b", (H,)))}
        h_t, c_t = np.zeros((1, H)), np.zeros((1, H))
        activations = {k: [] for k in "figo"}
        cells = []
        for t in range(T):
            x_t = xs[t:t + 1]
            f = forget_gate(x_t, h_t, weights["W_f"], weights["U_f"], weights["b_f"])
            i = input_gate(x_t, h_t, weights["W_i"], weights["U_i"], weights["b_i"])
            g = candidate(x_t, h_t, weights["W_g"], weights["U_g"], weights["b_g"])
            o = output_gate(x_t, h_t, weights["W_o"], weights["U_o"], weights["b_o"])
            c_t = cell_update(c_t, f, i, g)
            h_t = hidden_state(c_t, o)
            for k, value in zip("figo", (f, i, g, o)):
                activations[k].append(value[0])
            cells.append(c_t[0])
        figure, axes = plt.subplots(1, 5, figsize=(16, 3))
        for axis, k in zip(axes, "figo"):
            image = axis.imshow(np.array(activations[k]).T, aspect="auto", cmap="viridis",
                                vmin=-1 if k == "g" else 0, vmax=1)
            axis.set_title({"f": "forget", "i": "input", "g": "candidate", "o": "output"}[k])
            axis.set_xlabel("time step")
            figure.colorbar(image, ax=axis)
        axes[0].set_ylabel("hidden unit")
        axes[4].plot(np.array(cells))
        axes[4].set_title("cell state c over time")
        axes[4].set_xlabel("time step")
        plt.tight_layout()
        plt.show()
    except NotImplementedError as error:
        print(f"finish the forward functions first ({error})")
'''

SECTION_NOTES = {"part1_cell_forward": GATE_TABLE, "part3_sequence": BPTT_FLOW}


class NotebookBuildError(ValueError):
    """The solutions cannot be turned into the assignment notebook."""


@dataclass(frozen=True)
class SolutionFile:
    """One solution file split into what the notebook needs."""

    stem: str
    docstring: str
    setup: str
    functions: tuple[tuple[str, str], ...]  # (name, source)


def split_solution(path: Path, sibling_modules: set[str]) -> SolutionFile:
    """The docstring, the setup code (imports, constants) and each function's source."""
    source = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as error:
        raise NotebookBuildError(f"{path}:{error.lineno}: {error.msg}") from error
    lines = source.splitlines()
    docstring = ast.get_docstring(tree) or ""
    setup: list[str] = []
    functions: list[tuple[str, str]] = []
    for index, node in enumerate(tree.body):
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        first = min([node.lineno] + [decorator.lineno for decorator in getattr(node, "decorator_list", [])])
        last = node.end_lineno or node.lineno
        # comments after the last statement (### END SOLUTION) belong to the function
        while last < len(lines) and lines[last].startswith((" ", "\t")) and lines[last].strip().startswith("#"):
            last += 1
        text = "\n".join(lines[first - 1: last])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.append((node.name, text))
        elif isinstance(node, ast.ImportFrom) and (node.module or "") in sibling_modules:
            continue  # one namespace: the sibling's functions are already defined above
        elif isinstance(node, ast.Import) and any(alias.name in sibling_modules for alias in node.names):
            raise NotebookBuildError(f"{path}:{node.lineno}: use `from {node.names[0].name} import ...`; "
                                     "a module import cannot be carried into one notebook namespace")
        else:
            setup.append(text)
    return SolutionFile(path.stem, docstring, "\n".join(setup), tuple(functions))


def nbgrader_metadata(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
                      points: float | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"grade": grade, "grade_id": grade_id, "locked": locked,
                                "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        metadata["points"] = points
    return metadata


def cell(cell_type: str, cell_id: str, source: str, nbgrader: dict[str, Any] | None = None,
         tags: list[str] | None = None) -> dict[str, Any]:
    metadata = {key: value for key, value in (("nbgrader", nbgrader), ("tags", tags)) if value}
    built: dict[str, Any] = {"cell_type": cell_type, "id": cell_id, "metadata": metadata,
                             "source": source.rstrip("\n")}
    if cell_type == "code":
        built.update(execution_count=None, outputs=[])
    return built


def read_only(cell_id: str, text: str) -> dict[str, Any]:
    return cell("markdown", cell_id, text, nbgrader_metadata(cell_id, locked=True))


def test_cell_source(part: Part) -> str:
    return "\n".join([
        "from grader.notebook_api import check_part", "", f'score = check_part("{part.name}", globals())',
        "### BEGIN HIDDEN TESTS",
        f'score = min(score, check_part("{part.name}", globals(), seed={HIDDEN_SEED}, label="hidden tests"))',
        "### END HIDDEN TESTS", "score",
    ])


def bonus_cell_source(part: Part) -> str:
    return "\n".join(["# bonus: graded by lstm-grader, not counted by nbgrader",
                      "from grader.notebook_api import check_part", "", f'check_part("{part.name}", globals())'])


def test_cell(part: Part) -> dict[str, Any]:
    if part.group == "bonus":
        return cell("code", f"check-{part.name}", bonus_cell_source(part),
                    nbgrader_metadata(f"check_{part.name}", locked=True))
    return cell("code", f"test-{part.name}", test_cell_source(part),
                nbgrader_metadata(f"test_{part.name}", grade=True, locked=True, points=part.points))


def solution_files(solutions_dir: Path) -> list[Path]:
    files = sorted(Path(solutions_dir).glob("*.py"))
    if not files:
        raise NotebookBuildError(f"no solution files in {solutions_dir}")
    return files


def build_source_notebook(solutions_dir: Path, parts: tuple[Part, ...] | None = None) -> dict[str, Any]:
    """The nbgrader source notebook, as a JSON-ready dict, from `solutions_dir/*.py`.

    Raises:
        NotebookBuildError: when a solution cannot be read, or a registry part
            with a solution function would be left without a test cell.
    """
    parts = all_parts() if parts is None else parts
    by_name = {part.name: part for part in parts}
    files = solution_files(solutions_dir)
    siblings = {path.stem for path in files}
    cells = [read_only("intro", INTRO), read_only("equations", EQUATIONS)]
    tested: list[str] = []
    core = {part.name for part in parts if part.group != "bonus"}
    for path in files:
        solution = split_solution(path, siblings)
        if not core & {name for name, _ in solution.functions}:
            continue  # a bonus-only file: students do it in exercises/*.py and check it on the command line
        cells.append(read_only(f"about-{solution.stem}", f"## {solution.stem}\n\n" + indent_code(solution.docstring)))
        if solution.stem in SECTION_NOTES:
            cells.append(read_only(f"notes-{solution.stem}", SECTION_NOTES[solution.stem]))
        if solution.setup.strip():
            cells.append(cell("code", f"setup-{solution.stem}", solution.setup,
                              nbgrader_metadata(f"setup_{solution.stem}", locked=True)))
        for name, source in solution.functions:
            cells.append(cell("code", f"solution-{name}", source, nbgrader_metadata(name, solution=True)))
            if name in by_name:
                cells.append(test_cell(by_name[name]))
                tested.append(name)
        if solution.stem == "part1_cell_forward":
            cells.append(cell("code", "plots", PLOT_CELL, tags=[SKIP_TAG]))
    untested = [part.name for part in parts if part.name not in tested and part.group != "bonus"]
    if untested:
        raise NotebookBuildError("core parts with no solution function to test: " + ", ".join(untested))
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "language_info": {"name": "python"}}}


def indent_code(docstring: str) -> str:
    """Docstring text as markdown: its indented equations stay code blocks."""
    return docstring.replace("\n    ", "\n        ") if docstring else ""


def notebook_text(notebook: dict[str, Any]) -> str:
    """Serialise as Jupyter does (one-space indent, sorted keys, sources as line lists)."""
    copied = json.loads(json.dumps(notebook))
    for item in copied["cells"]:
        text = item["source"]
        item["source"] = text.splitlines(keepends=True) if isinstance(text, str) else text
    return json.dumps(copied, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def nbgrader_api(course_root: Path, **overrides: dict[str, Any]) -> Any:
    """An NbGraderAPI on `course_root` with NBGRADER_SETTINGS, plus per-section overrides."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(course_root)
    for section, values in [*NBGRADER_SETTINGS.items(), *overrides.items()]:
        for key, value in values.items():
            setattr(config[section], key, value)
    return NbGraderAPI(CourseDirectory(config=config), config=config)


@contextlib.contextmanager
def interpreter_on_path() -> Iterator[None]:
    """The running interpreter's bin folder first on PATH while nbgrader runs `alembic` by name."""
    saved = os.environ.get("PATH")
    os.environ["PATH"] = os.pathsep.join(filter(None, (str(Path(sys.executable).parent), saved)))
    try:
        yield
    finally:
        os.environ.pop("PATH", None)
        if saved is not None:
            os.environ["PATH"] = saved


_CAUSE = re.compile(r"^(?:\[ERROR\]\s*)?((?:\w+\.)*\w+(?:Error|Exception|Exit): .*)$")


def nbgrader_cause(result: dict[str, Any]) -> str:
    """Why nbgrader failed, in one line: the last exception its log names, not its 'see the above traceback'."""
    lines = [line.strip() for line in f"{result.get('log') or ''}\n{result.get('error') or ''}".splitlines()]
    causes = [found[1] for found in map(_CAUSE.match, lines) if found and "NbGraderException" not in found[1]]
    errors = [line for line in lines if line.startswith("[ERROR]") and not any(
        generic in line for generic in ("Please see the", "There was an error processing"))]
    return (causes or errors or [line for line in lines if line] or ["nbgrader logged nothing"])[-1]


def release_notebook(source_notebook: Path, workdir: Path | None = None) -> str:
    """The student notebook nbgrader's generate_assignment makes from `source_notebook`."""
    with tempfile.TemporaryDirectory(prefix="lstm-course-") as temporary:
        course = Path(workdir or temporary)
        source = course / "source" / ASSIGNMENT
        source.mkdir(parents=True, exist_ok=True)
        shutil.copy(source_notebook, source / NOTEBOOK_NAME)
        with interpreter_on_path():
            result = nbgrader_api(course).generate_assignment(ASSIGNMENT, force=True, create=True)
        released = course / "release" / ASSIGNMENT / NOTEBOOK_NAME
        if not result.get("success") or not released.is_file():
            raise NotebookBuildError(f"nbgrader generate_assignment failed: {nbgrader_cause(result)}")
        return released.read_text(encoding="utf-8")


def build(solutions_dir: Path, exercises_dir: Path) -> list[Path]:
    """Write the source notebook into solutions/ and nbgrader's release into exercises/."""
    source_path = Path(solutions_dir) / NOTEBOOK_NAME
    source_path.write_text(notebook_text(build_source_notebook(solutions_dir)), encoding="utf-8")
    release_path = Path(exercises_dir) / NOTEBOOK_NAME
    release_path.parent.mkdir(parents=True, exist_ok=True)
    release_path.write_text(release_notebook(source_path), encoding="utf-8")
    return [source_path, release_path]


def notebook_drift(solutions_dir: Path, exercises_dir: Path, *, with_release: bool = True) -> list[str]:
    """How the committed notebooks differ from what `build` would write; empty when in sync."""
    problems = []
    source_path = Path(solutions_dir) / NOTEBOOK_NAME
    expected = notebook_text(build_source_notebook(solutions_dir))
    if not source_path.is_file():
        return [f"{source_path}: missing; run lstm-grader notebook build"]
    if source_path.read_text(encoding="utf-8") != expected:
        problems.append(f"{source_path}: out of date with the .py solutions; run lstm-grader notebook build")
        return problems
    release_path = Path(exercises_dir) / NOTEBOOK_NAME
    if with_release:
        if not release_path.is_file():
            problems.append(f"{release_path}: missing; run lstm-grader notebook build")
        elif release_path.read_text(encoding="utf-8") != release_notebook(source_path):
            problems.append(f"{release_path}: differs from nbgrader's release of {source_path}; "
                            "run lstm-grader notebook build")
    return problems
