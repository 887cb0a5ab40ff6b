"""What a notebook's test cells call: grade one part of the functions the kernel holds.

    from grader.notebook_api import check_part
    score = check_part("forget_gate", globals())
    score

The kernel never runs the student's functions here. `check_part` reads the
*source* of every function the notebook defined (`inspect.getsource`, which
IPython makes possible by keeping each cell's text in `linecache`), writes it
with the imports and constants those functions use into a temporary .py file,
and grades that file with `grade()`: in the child process, with its timeouts,
the same checks, diagnosis and hints as `lstm-grader check`.

Why the kernel's definitions and not the notebook file: the kernel may hold
code the student has run but not saved, cells run out of order, or a cell
that loops forever at the top level; the definitions in the kernel are what
the student sees working, and they can be graded without running any of that.

The cell's value is the part's score as a float. nbgrader reads the
`execute_result` of a test cell as partial credit, so the gradebook gets the
same points as the command line; the report itself is shown as display data,
which nbgrader does not score.
"""
from __future__ import annotations

import inspect
import tempfile
import textwrap
import types
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from grader.engine.results import Report
from grader.report.notebook_html import report_html

MODULE_FILE = "notebook_functions.py"
SIMPLE_TYPES = (bool, int, float, complex, str, bytes, type(None))
ARRAY_SIZE_LIMIT = 10_000


@dataclass
class ExtractedCode:
    """The module written for the child, and what could not be carried over."""

    source: str
    functions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def defined_in_notebook(value: Any, module_name: str) -> bool:
    return getattr(value, "__module__", None) == module_name


def referenced_names(code: types.CodeType) -> set[str]:
    """Global names a function's code (and the code nested in it) looks up."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= referenced_names(constant)
    return names


def literal_assignment(name: str, value: Any) -> str | None:
    """`name = <value>` for values whose repr rebuilds them exactly, else None."""
    if isinstance(value, float):
        return f"{name} = float({repr(value)!r})"  # also right for inf and nan
    if isinstance(value, SIMPLE_TYPES):
        return f"{name} = {value!r}"
    if isinstance(value, (tuple, list)) and all(isinstance(item, SIMPLE_TYPES) for item in value):
        return f"{name} = {value!r}"
    module = type(value).__module__
    if module == "numpy" and type(value).__name__ == "ndarray" and value.size <= ARRAY_SIZE_LIMIT \
            and value.dtype.kind in "biuf":
        return f"{name} = __import__('numpy').array({value.tolist()!r}, dtype={str(value.dtype)!r})"
    return None


def import_statement(name: str, value: Any, module_name: str) -> str | None:
    """How the child can get `value` under `name` without the notebook: an import."""
    if isinstance(value, types.ModuleType):
        return f"import {value.__name__} as {name}" if value.__name__ != name else f"import {name}"
    owner = getattr(value, "__module__", None)
    qualified = getattr(value, "__qualname__", getattr(value, "__name__", None))
    if owner and qualified and owner != module_name and "." not in qualified and not owner.startswith("grader"):
        return f"from {owner} import {qualified} as {name}" if qualified != name else f"from {owner} import {name}"
    return None


def function_source(function: Any) -> str:
    """The dedented source of a function; raises OSError or TypeError when unavailable."""
    return textwrap.dedent(inspect.getsource(function))


def extract_functions(namespace: Mapping[str, Any]) -> ExtractedCode:
    """The notebook's functions as one module, with the globals they use.

    Args:
        namespace: the notebook's globals(); functions defined there (whose
            `__module__` is the namespace's `__name__`) are carried over by
            source, never called.
    """
    module_name = str(namespace.get("__name__", "__main__"))
    functions = {name: value for name, value in namespace.items()
                 if inspect.isfunction(value) and defined_in_notebook(value, module_name)
                 and not name.startswith("_")}
    notes: list[str] = []
    definitions: list[str] = []
    aliases: list[str] = []
    wanted: set[str] = set()
    written: set[str] = set()
    for name, function in functions.items():
        if "<locals>" in function.__qualname__ or function.__closure__:
            notes.append(f"{name} is defined inside another function; define it at the top level of a cell")
            continue
        try:
            source = function_source(function)
        except (OSError, TypeError):
            notes.append(f"the source of {name} is not available (was it made with exec?); it was left out")
            continue
        wanted |= referenced_names(function.__code__)
        if function.__name__ in written:
            aliases.append(f"{name} = {function.__name__}")
            continue
        definitions.append(source)
        written.add(function.__name__)
        if function.__name__ != name:
            aliases.append(f"{name} = {function.__name__}")
    preamble: list[str] = []
    for name in sorted(wanted - written - {alias.split(" = ")[0] for alias in aliases}):
        if name not in namespace:
            continue  # a builtin, or a name the function will fail on in the child too
        value = namespace[name]
        statement = import_statement(name, value, module_name) or literal_assignment(name, value)
        if statement is None:
            notes.append(f"{name} ({type(value).__name__}) lives only in the notebook's memory; "
                         "the grader cannot copy it, so use it inside the function or pass it in")
            continue
        preamble.append(statement)
    header = '"""Functions copied from a notebook by grader.student.notebook_api for grading."""'
    body = "\n\n\n".join(definitions)
    source = "\n".join([header, *preamble, "", "", body, "", *aliases]) + "\n"
    return ExtractedCode(source, sorted(written), notes)


def grade_namespace(namespace: Mapping[str, Any], parts: list[str], seed: int | None = None,
                    timeout: float | None = None) -> Report:
    """Grade `parts` of the functions defined in `namespace`, in the child process."""
    from grader.engine.grading import DEFAULT_TIMEOUT
    from grader.lstm.grading import grade

    extracted = extract_functions(namespace)
    with tempfile.TemporaryDirectory(prefix="lstm-notebook-check-") as folder:
        path = Path(folder) / MODULE_FILE
        path.write_text(extracted.source, encoding="utf-8")
        report = grade(path, parts=parts, seed=seed, timeout=timeout or DEFAULT_TIMEOUT)
    return replace(report, submission="this notebook", notes=tuple(extracted.notes) + report.notes)


def check_part(name: str, namespace: Mapping[str, Any], *, seed: int | None = None,
               label: str = "", show: bool = True, timeout: float | None = None) -> float:
    """Grade one part of the notebook's functions and show the report below the cell.

    Args:
        name: the part, e.g. "forget_gate".
        namespace: pass `globals()`; only the source of its functions is used.
        seed: seed of the random cases (default: derived from the code, as on the
            command line).
        label: a word shown in the report's title, e.g. "hidden tests".
        show: display the report (HTML in Jupyter, plain text elsewhere).
        timeout: seconds each call may run before it is stopped.

    Returns:
        The points scored, as a float (nbgrader takes it as the cell's partial credit).
    """
    with warnings.catch_warnings():
        # a warning would land on stderr, and nbgrader scores a test cell with stderr output as 0
        warnings.simplefilter("ignore")
        report = grade_namespace(namespace, [name], seed=seed, timeout=timeout)
        if show:
            display_report(report, label)
    return float(report.part(name).score)


def display_report(report: Report, label: str = "") -> None:
    """Show the report below the cell: HTML in Jupyter (with plain text beside it), plain text elsewhere."""
    from grader.report.terminal import render_plain

    plain = render_plain(report)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None  # type: ignore[assignment]
    if get_ipython is None or get_ipython() is None:
        print(plain, end="")
        return
    display({"text/html": report_html(report, label), "text/plain": plain}, raw=True)
