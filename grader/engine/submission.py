"""Finding the student's files: a .py file, a folder of .py files, or a notebook.

Nothing here executes student code. Files are parsed with `ast` so a syntax
error can be reported with its file and line before anything runs. A notebook
must be valid nbformat (checked with the nbformat package when it is
installed, and always for the structure the extraction reads); one that is not
is refused with the reason, which in a batch costs only that student.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
        problems: per-file problems found without running anything (syntax errors,
            skipped files), as "file: what is wrong".
        digest: sha256 of the sources, from which the default seed is derived.
    """

    display: str
    files: list[Path]
    module_names: list[str]
    search_path: Path | None
    problems: list[str] = field(default_factory=list)
    digest: str = ""
    workdir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def default_seed(self) -> int:
        return int(self.digest[:12], 16) % 1_000_000

    def cleanup(self) -> None:
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None


def syntax_problem(path: Path, source: str) -> str | None:
    try:
        ast.parse(source, filename=str(path))
    except SyntaxError as error:
        return f"{path.name}: SyntaxError at line {error.lineno}: {error.msg}"
    return None


def safe_module_name(stem: str) -> bool:
    """A file may be imported under its own name only if that cannot shadow anything."""
    if not stem.isidentifier() or stem in RESERVED_MODULE_NAMES or stem in sys.stdlib_module_names:
        return False
    try:
        return importlib.util.find_spec(stem) is None
    except (ImportError, ValueError):
        return False


NOTEBOOK_SKIP_TAG = "lstm-grader-skip"


REASON_LENGTH = 200


def one_line(text: str, limit: int = REASON_LENGTH) -> str:
    """The first line of `text`, cut to `limit` characters."""
    line = (text.strip().splitlines() or [""])[0].strip()
    return line if len(line) <= limit else line[:limit - 3] + "..."


def structure_problem(notebook: Any) -> str:
    """'' when the notebook has the structure the extraction reads; else what is wrong.

    That is: an object whose "cells" is a list of objects, each with a string
    cell_type and a source that is a string or a list of strings; metadata,
    where present, is an object.
    """
    if not isinstance(notebook, dict):
        return f"the file holds {json_kind(notebook)}, expected an object with a list of cells"
    if not isinstance(notebook.get("metadata", {}), dict):
        return f"metadata is {json_kind(notebook['metadata'])}, expected an object"
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        return "it has no list of cells" if cells is None else f"cells is {json_kind(cells)}, expected a list"
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            return f"cell {number} is {json_kind(cell)}, expected an object"
        if not isinstance(cell.get("cell_type"), str):
            return f"cell {number} has no cell_type string"
        source = cell.get("source", "")
        if isinstance(source, list):
            wrong = [line for line in source if not isinstance(line, str)]
            if wrong:
                return f"cell {number}: source is a list holding {json_kind(wrong[0])}, expected a list of strings"
        elif not isinstance(source, str):
            return f"cell {number}: source is {json_kind(source)}, expected a string or a list of strings"
        if not isinstance(cell.get("metadata", {}), dict):
            return f"cell {number}: metadata is {json_kind(cell['metadata'])}, expected an object"
    return ""


def json_kind(value: Any) -> str:
    """A JSON value's kind, for a sentence: "an object", "a list", "null", ..."""
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
             float: "a number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def nbformat_problem(notebook: dict[str, Any]) -> str:
    """'' when nbformat accepts the notebook (or is not installed); else its reason, with where."""
    try:
        import nbformat  # late: it is slow to import, and only notebooks need it
    except ImportError:
        return ""
    # keys the schema requires but the extraction never reads: a hand-written notebook may leave them out
    notebook.setdefault("metadata", {})
    for cell in notebook["cells"]:
        cell.setdefault("metadata", {})
        if cell["cell_type"] == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. MissingIDFieldWarning, about notebooks Jupyter opens fine
            nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        where = "".join(f"[{step}]" if isinstance(step, int) else f".{step}"
                        for step in getattr(error, "absolute_path", ())).lstrip(".")
        message = one_line(str(getattr(error, "message", "") or error))
        return f"{where}: {message}" if where else message
    except Exception as error:  # noqa: BLE001  (an unknown nbformat version makes nbformat raise anything)
        return f"nbformat cannot read it ({type(error).__name__}: {one_line(str(error))})"
    return ""


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
    metadata = cell.get("metadata") or {}
    if not isinstance(metadata, dict):
        return False
    nbgrader = metadata.get("nbgrader") or {}
    if isinstance(nbgrader, dict) and nbgrader.get("grade") and not nbgrader.get("solution"):
        return True
    tags = metadata.get("tags") or []
    return isinstance(tags, list) and NOTEBOOK_SKIP_TAG in tags


def notebook_code(path: Path) -> tuple[str, list[str]]:
    """The code cells of a notebook as one module; magics and shell escapes are commented out."""
    cells = read_notebook(path)["cells"]
    lines: list[str] = []
    skipped: list[str] = []
    for number, cell in enumerate(cells, start=1):
        if cell["cell_type"] != "code" or grading_cell(cell):
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else source
        cell_lines = text.splitlines()
        if cell_lines and cell_lines[0].lstrip().startswith("%%"):
            skipped.append(f"{path.name}: cell {number} is a cell magic ({cell_lines[0].strip()}) and was skipped")
            continue
        lines.append(f"# --- cell {number} ---")
        for line in cell_lines:
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")):
                skipped.append(f"{path.name}: cell {number}: '{stripped[:40]}' is an IPython magic or shell "
                               "escape and was skipped")
                lines.append(line[: len(line) - len(stripped)] + "pass  # skipped: " + stripped[:60])
            else:
                lines.append(line)
    return "\n".join(lines) + "\n", skipped


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
    """Every readable, compilable .py file of a folder; the others are named in `problems`."""
    candidates = sorted(item for item in path.glob("*.py") if item.is_file())
    if not candidates:
        raise SubmissionError(f"{display}: the folder holds no .py files")
    digest = hashlib.sha256()
    submission = Submission(display, [], [], path.resolve())
    for item in candidates:
        try:
            source = item.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            submission.problems.append(f"{item.name}: cannot be read ({error})")
            continue
        digest.update(item.name.encode() + b"\0" + source.encode())
        if not safe_module_name(item.stem):
            submission.problems.append(f"{item.name}: skipped, its name would shadow a module "
                                       "the grader or Python needs; rename it")
            continue
        problem = syntax_problem(item, source)
        if problem:
            submission.problems.append(problem)
            continue
        submission.files.append(item.resolve())
        submission.module_names.append(item.stem)
    submission.digest = digest.hexdigest()
    return submission


def load_python_file(path: Path, display: str) -> Submission:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SubmissionError(f"{display}: cannot be read ({error})") from error
    problem = syntax_problem(path, source)
    files = [] if problem else [path.resolve()]
    return Submission(display, files, ["submission"] * len(files), None,
                      [problem] if problem else [], hashlib.sha256(source.encode()).hexdigest())


def load_notebook(path: Path, display: str) -> Submission:
    """The notebook's code cells as one module in a temporary folder (see `notebook_code`)."""
    source, skipped = notebook_code(path)
    workdir = tempfile.TemporaryDirectory(prefix="lstm-notebook-")
    extracted = Path(workdir.name) / (path.stem + ".py")
    extracted.write_text(source, encoding="utf-8")
    problem = syntax_problem(path, source)
    files = [] if problem else [extracted]
    return Submission(display, files, ["submission"] * len(files), None,
                      skipped + ([problem] if problem else []), hashlib.sha256(source.encode()).hexdigest(), workdir)
