"""Finding the student's files: a .py file, a folder of .py files, or a notebook.

Nothing here executes student code. Files are compiled (never run) so a
syntax error can be reported with its file and line before anything runs; a
notebook cell that does not compile is left out alone, costing only its own
functions. A notebook must be valid nbformat (checked with the nbformat
package when it is installed, and always for the structure the extraction
reads); one that is not is refused with the reason, which in a batch costs
only that student. Files the sandbox would not copy (over its limits) are
named here, before a child starts.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.engine.notebook_schema import nbformat_problem, one_line, structure_problem
from grader.sandbox.view import MAX_STAGED_BYTES, MAX_STAGED_FILES

RESERVED_MODULE_NAMES = {"sitecustomize", "usercustomize", "conftest", "setup", "submission"}


class SubmissionError(Exception):
    """The submission cannot be read at all (exit code 2 on the command line)."""


@dataclass
class Submission:
    """The files to import in the child, and what was noticed on the way.

    Args:
        display: the path as the user gave it.
        files: .py files to import, in order.
        module_names: the module name for each file.
        search_path: folder appended to the child's sys.path, or None.
        problems: per-file problems found without running anything, as "file: what is wrong".
        digest: sha256 of the sources, from which the default seed is derived.
        unloaded: function name -> where it is and why that code was not loaded (`defined_names`).
    """

    display: str
    files: list[Path]
    module_names: list[str]
    search_path: Path | None
    problems: list[str] = field(default_factory=list)
    digest: str = ""
    workdir: tempfile.TemporaryDirectory[str] | None = None
    unloaded: dict[str, str] = field(default_factory=dict)

    @property
    def default_seed(self) -> int:
        return int(self.digest[:12], 16) % 1_000_000

    def cleanup(self) -> None:
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None


def compile_error(source: str, filename: str) -> SyntaxError | None:
    """Why `source` does not compile, or None; it is compiled, never run (warnings are not shown)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning: the student's business, not the grader's stderr
            compile(source, filename, "exec", dont_inherit=True)  # also 'return' outside a function, ...
    except SyntaxError as error:
        return error
    except (ValueError, RecursionError, MemoryError) as error:  # null bytes (before 3.12), nesting too deep
        return SyntaxError(f"it cannot be compiled ({type(error).__name__})", (filename, 1, 0, ""))
    return None


def syntax_problem(path: Path, source: str) -> str | None:
    error = compile_error(source, str(path))
    return None if error is None else f"{path.name}: {syntax_reason(error)}"


def syntax_reason(error: SyntaxError, where: str = "") -> str:
    """"SyntaxError at line 2: invalid syntax" (`where` follows the line number, e.g. " of the cell")."""
    return f"{type(error).__name__} at line {error.lineno}{where}: {error.msg}"


DEF_PATTERN = re.compile(r"^(?:async[ \t]+)?def[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(", re.MULTILINE)


def defined_names(source: str) -> list[str]:
    """The top-level functions `source` defines, by a regex on `def name(`: it needs no
    compiling, so code that does not compile still says what it would have defined."""
    return list(dict.fromkeys(DEF_PATTERN.findall(source)))


def functions_in_file(path: Path) -> list[str]:
    """`defined_names` of a file; [] when it cannot be read."""
    try:
        return defined_names(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []


def size_text(size: int) -> str:
    """"80 bytes", or "50.5 MiB (52959227 bytes)"."""
    mebibytes = f"{size / 2 ** 20:.1f}".removesuffix(".0")
    return f"{size} bytes" if size < 2 ** 20 else f"{mebibytes} MiB ({size} bytes)"


def safe_module_name(stem: str) -> bool:
    """A file may be imported under its own name only if that cannot shadow anything."""
    if not stem.isidentifier() or stem in RESERVED_MODULE_NAMES or stem in sys.stdlib_module_names:
        return False
    try:
        return importlib.util.find_spec(stem) is None
    except (ImportError, ValueError):
        return False


NOTEBOOK_SKIP_TAG = "lstm-grader-skip"
def read_notebook(path: Path) -> dict[str, Any]:
    """The notebook as parsed JSON, checked; raises SubmissionError with the file and the reason."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise SubmissionError(f"{path}: not a readable Jupyter notebook (its JSON is nested too deeply)") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:  # ValueError: JSONDecodeError, huge numbers
        raise SubmissionError(f"{path}: not a readable Jupyter notebook ({one_line(str(error))})") from error
    try:
        problem = structure_problem(notebook) or nbformat_problem(notebook)
    except RecursionError:
        problem = "it is nested too deeply"
    if problem:
        raise SubmissionError(f"{path}: not a valid Jupyter notebook ({one_line(problem)})")
    return notebook


def grading_cell(cell: dict) -> bool:
    """nbgrader's autograder test cells, and cells tagged lstm-grader-skip (the plots):
    the course's own code, which calls the grader or draws; not the student's functions."""
    metadata = cell.get("metadata") or {}  # an object: read_notebook checked
    nbgrader = metadata.get("nbgrader") or {}
    if isinstance(nbgrader, dict) and nbgrader.get("grade") and not nbgrader.get("solution"):
        return True
    tags = metadata.get("tags") or []
    return isinstance(tags, list) and NOTEBOOK_SKIP_TAG in tags


@dataclass
class NotebookCode:
    """A notebook's code cells as one module (`source`, each kept cell under a "# --- cell N ---"
    line), the `notes` on what was skipped or left out, and `unloaded` as in `Submission`."""

    source: str = ""
    notes: list[str] = field(default_factory=list)
    unloaded: dict[str, str] = field(default_factory=dict)


def cell_code(path: Path, number: int, cell: dict[str, Any], code: NotebookCode) -> list[str] | None:
    """One code cell's lines, IPython magics and shell escapes commented out; None for a cell magic
    or a cell that does not compile on its own (noted, with the functions that costs)."""
    source = cell.get("source", "")
    cell_lines = ("".join(source) if isinstance(source, list) else source).splitlines()
    if cell_lines and cell_lines[0].lstrip().startswith("%%"):
        code.notes.append(f"{path.name}: cell {number} is a cell magic ({cell_lines[0].strip()}) and was skipped")
        return None
    kept: list[str] = []
    for line in cell_lines:
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            code.notes.append(f"{path.name}: cell {number}: '{stripped[:40]}' is an IPython magic or shell "
                              "escape and was skipped")
            line = line[: len(line) - len(stripped)] + "pass  # skipped: " + stripped[:60]
        kept.append(line)
    error = compile_error("\n".join(kept) + "\n", f"{path.name}, cell {number}")
    if error is not None:
        leave_out_cell(path, number, kept, error, code)
        return None
    return kept


def leave_out_cell(path: Path, number: int, lines: list[str], error: SyntaxError, code: NotebookCode) -> None:
    """Note a cell that does not compile, and where each function it defines went."""
    names = defined_names("\n".join(lines))
    defines = f" (defines {', '.join(names)})" if names else ""
    reason = syntax_reason(error, " of the cell")
    code.notes.append(f"{path.name}: cell {number}{defines}: {reason}; the cell was left out, "
                      "so only its functions score 0")
    for name in names:
        code.unloaded.setdefault(name, f"cell {number} of {path.name}, which was left out: {reason}")


def joined_cells(path: Path, kept: list[tuple[int, list[str]]], code: NotebookCode) -> str:
    """The kept cells as one module. A cell that compiles alone but not after the others (a
    `from __future__` import below other code) is left out too, until the module compiles."""
    while True:
        lines: list[str] = []
        starts: list[int] = []  # the line of each cell's marker in the module
        for number, cell_lines in kept:
            starts.append(len(lines) + 1)
            lines += [f"# --- cell {number} ---", *cell_lines]
        source = "\n".join(lines) + "\n"
        error = compile_error(source, path.name)
        if error is None or not error.lineno:
            return source  # compiles; or an error no cell owns, which load_notebook reports as the notebook's
        index = max(index for index, start in enumerate(starts) if start <= error.lineno)  # starts[0] is 1
        error.lineno -= starts[index]
        number, cell_lines = kept.pop(index)
        leave_out_cell(path, number, cell_lines, error, code)


def extract_notebook(path: Path) -> NotebookCode:
    """The notebook's code cells as one module (see `NotebookCode`), without the test and plot cells
    (`grading_cell`); each cell is compiled on its own, so one that does not compile is left out alone."""
    code = NotebookCode()
    kept: list[tuple[int, list[str]]] = []
    for number, cell in enumerate(read_notebook(path)["cells"], start=1):
        lines = None if cell["cell_type"] != "code" or grading_cell(cell) else cell_code(path, number, cell, code)
        if lines is not None:
            kept.append((number, lines))
    code.source = joined_cells(path, kept, code)
    return code


def notebook_code(path: Path) -> tuple[str, list[str]]:
    """The code cells of a notebook as one module, and the notes (see `extract_notebook`)."""
    code = extract_notebook(path)
    return code.source, code.notes


def load_submission(path_text: str | Path) -> Submission:
    """Resolve what the student handed in; raises SubmissionError when it cannot be read."""
    display = str(path_text)
    path = Path(path_text)
    if not path.exists():
        raise SubmissionError(f"{display}: no such file or folder")
    if path.is_dir():
        return load_folder(path, display)
    if path.suffix == ".py":
        return load_python_file(path, display)
    if path.suffix == ".ipynb":
        return load_notebook(path, display)
    raise SubmissionError(f"{display}: expected a .py file, a folder of .py files or a .ipynb notebook")


def load_folder(path: Path, display: str) -> Submission:
    """Every readable, compilable .py file of a folder that the sandbox will copy (within
    MAX_STAGED_FILES and MAX_STAGED_BYTES, in this order); the others are named in `problems`."""
    candidates = sorted(item for item in path.glob("*.py") if item.is_file())
    if not candidates:
        raise SubmissionError(f"{display}: the folder holds no .py files")
    digest = hashlib.sha256()
    submission = Submission(display, [], [], path.resolve())
    staged = 0
    for item in candidates:
        try:
            size = item.stat().st_size
            problem = staging_problem(item.name, size, len(submission.files), staged)
            source = "" if problem else item.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            submission.problems.append(f"{item.name}: cannot be read ({error})")
            continue
        if problem:
            submission.problems.append(problem + "; it was left out")
            continue
        digest.update(item.name.encode() + b"\0" + source.encode())
        if not safe_module_name(item.stem):
            problem = f"{item.name}: skipped, its name would shadow a module the grader or Python needs; rename it"
        problem = problem or syntax_problem(item, source)
        add_file(submission, item, source, problem, item.stem)
        staged += 0 if problem else size
    submission.digest = digest.hexdigest()
    return submission


def staging_problem(name: str, size: int, count: int, staged: int) -> str:
    """'' when a file fits in the sandbox after `count` files of `staged` bytes; else why it does not
    (the sandbox copies the files in the same order and leaves out what does not fit)."""
    if count >= MAX_STAGED_FILES:
        return f"{name}: the grader copies at most {MAX_STAGED_FILES} files into its sandbox"
    if staged + size > MAX_STAGED_BYTES:
        together = f", which with the {size_text(staged)} of the files before it is" if staged else ","
        return (f"{name}: {size_text(size)}{together} over the {size_text(MAX_STAGED_BYTES)} limit on what the "
                "grader copies into its sandbox")
    return ""


def add_file(submission: Submission, path: Path, source: str, problem: str | None, module: str) -> None:
    """Import `path` as `module`; or, given a problem, note it and the functions that costs."""
    if not problem:
        submission.files.append(path.resolve())
        submission.module_names.append(module)
        return
    submission.problems.append(problem)
    for function in defined_names(source):
        submission.unloaded.setdefault(function, f"{path.name}, which was not loaded: "
                                                 + problem.removeprefix(f"{path.name}: "))


def load_python_file(path: Path, display: str) -> Submission:
    """One .py file; one the sandbox would not copy (over MAX_STAGED_BYTES) raises SubmissionError."""
    try:
        problem = staging_problem(display, path.stat().st_size, 0, 0)
        source = "" if problem else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SubmissionError(f"{display}: cannot be read ({error})") from error
    if problem:
        raise SubmissionError(problem + "; nothing was graded")
    submission = Submission(display, [], [], None, digest=hashlib.sha256(source.encode()).hexdigest())
    add_file(submission, path, source, syntax_problem(path, source), "submission")
    return submission


def load_notebook(path: Path, display: str) -> Submission:
    """The notebook's code cells as one module in a temporary folder (see `extract_notebook`)."""
    code = extract_notebook(path)
    problem = staging_problem(f"{display} (its code cells)", len(code.source.encode("utf-8")), 0, 0)
    if problem:
        raise SubmissionError(problem + "; nothing was graded")
    workdir = tempfile.TemporaryDirectory(prefix="lstm-notebook-")
    extracted = Path(workdir.name) / (path.stem + ".py")
    extracted.write_text(code.source, encoding="utf-8")
    problem = syntax_problem(path, code.source)
    files = [] if problem else [extracted]
    return Submission(display, files, ["submission"] * len(files), None,
                      code.notes + ([problem] if problem else []), hashlib.sha256(code.source.encode()).hexdigest(),
                      workdir, code.unloaded)
