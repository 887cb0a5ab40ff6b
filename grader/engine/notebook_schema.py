"""Whether a notebook file is one the grader can read: the structure the extraction reads, and
nbformat's schema when nbformat is installed. Each check answers '' or the reason, in one line."""
from __future__ import annotations

import sys
import warnings
from typing import Any

REASON_LENGTH = 200


def one_line(text: str, limit: int = REASON_LENGTH) -> str:
    """The first line of `text`, cut to `limit` characters."""
    line = (text.strip().splitlines() or [""])[0].strip()
    return line if len(line) <= limit else line[:limit - 3] + "..."


def structure_problem(notebook: Any) -> str:
    """'' when the notebook has the structure the extraction reads (an object whose "cells" is a list
    of objects, each with a string cell_type and a string or list of strings as source; metadata, where
    present, an object); else what is wrong."""
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
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


# jsonschema, which nbformat imports, compiles about 40 grammars of this optional package at import
# (1.3 s here) to check IRI formats, which the notebook schema never uses
UNUSED_BY_NBFORMAT = "rfc3987_syntax"


def import_nbformat() -> Any:
    """nbformat (late: only notebooks need it), imported without the optional module it would load for
    nothing; None when it is not installed. Anything imported later finds that module as usual."""
    if "nbformat" in sys.modules:
        return sys.modules["nbformat"]
    kept_out = UNUSED_BY_NBFORMAT not in sys.modules
    if kept_out:
        sys.modules[UNUSED_BY_NBFORMAT] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import nbformat
    except ImportError:
        return None
    finally:
        if kept_out:
            del sys.modules[UNUSED_BY_NBFORMAT]
    return nbformat


def nbformat_problem(notebook: dict[str, Any]) -> str:
    """'' when nbformat accepts the notebook (or is not installed); else its reason, with where."""
    nbformat = import_nbformat()
    if nbformat is None:
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
