"""The layout keeps its promises: dependencies flow one way, the child stays small, files stay short.

Imports are read from the source with `ast`, including those inside functions
(a late import is still a dependency); only `if TYPE_CHECKING:` blocks are left
out, because they never run.
"""
from __future__ import annotations

import ast
import re
import sys
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "grader"
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50
# lower layers never import higher ones; modules of one layer may import each other
LAYERS = (("child",), ("sandbox",), ("engine",), ("lstm",), ("report",), ("student", "course", "instructor"),
          ("cli",))
# the public entry points kept where users and files point; each only re-exports
THIN_MODULES = {"grader", "grader.__main__", "grader.notebook_api", "grader.pytest_plugin", "grader.gradescope"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except what sits under `if TYPE_CHECKING:`."""
    found: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                stack.extend(child.orelse)
                continue
            stack.append(child)
    return found


@lru_cache(maxsize=None)
def imported_names(name: str) -> tuple[str, ...]:
    """Every absolute module name the module imports (the module itself for `from m import f`)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found = []
    for node in runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError(f"{name}: relative import of {node.module}; use the absolute name")
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.append(submodule if submodule in MODULES else node.module)
    return tuple(found)


def grader_imports(name: str) -> set[str]:
    return {imported for imported in imported_names(name) if imported in MODULES and imported != name}


def find_cycle() -> list[str] | None:
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = "open"
        path.append(name)
        for target in sorted(grader_imports(name)):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        state[name] = "done"
        path.pop()
        return None

    for name in MODULES:
        if name not in state:
            cycle = visit(name)
            if cycle:
                return cycle
    return None


def folder_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else ""


def layer_of(name: str) -> int | None:
    folder = folder_of(name)
    return next((index for index, layer in enumerate(LAYERS) if folder in layer), None)


def test_there_is_no_import_cycle() -> None:
    assert find_cycle() is None, " -> ".join(find_cycle() or [])


def test_every_module_lives_in_a_folder_of_the_design() -> None:
    loose = [name for name in MODULES if layer_of(name) is None and name not in THIN_MODULES]
    assert not loose, f"modules outside the folders of the design: {loose}"


def test_dependencies_flow_one_way() -> None:
    upward = []
    for name in MODULES:
        own = layer_of(name)
        if own is None:
            continue
        for target in grader_imports(name):
            theirs = layer_of(target)
            if theirs is not None and theirs > own:
                upward.append(f"{name} imports {target}")
    assert not upward, "\n".join(upward)


def test_the_engine_knows_no_lstm() -> None:
    engine = [name for name in MODULES if folder_of(name) == "engine"]
    assert len(engine) >= 8
    for name in engine:
        assert not any(target.startswith("grader.lstm") for target in grader_imports(name)), name


def test_the_child_imports_only_the_standard_library_and_numpy() -> None:
    child = [name for name in MODULES if folder_of(name) == "child"]
    assert len(child) >= 4
    allowed = set(sys.stdlib_module_names) | {"numpy", "__future__"}
    for name in child:
        roots = {imported.split(".")[0] for imported in imported_names(name)}
        assert roots <= allowed, f"{name} imports {sorted(roots - allowed)}"


@pytest.mark.parametrize("library, folder", [("rich", "report"), ("click", "cli")])
def test_only_one_folder_imports_each_interface_library(library: str, folder: str) -> None:
    users = sorted(name for name in MODULES
                   if any(imported.split(".")[0] == library for imported in imported_names(name)))
    assert users, f"nothing imports {library}"
    assert all(folder_of(name) == folder for name in users), f"{library} imported outside {folder}/: {users}"


def test_no_module_is_too_long() -> None:
    long = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()}
    assert not {name: lines for name, lines in long.items() if lines > MAX_MODULE_LINES}


def test_no_function_is_too_long() -> None:
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {length} lines")
    assert not long, "\n".join(long)


def readme_map() -> set[str]:
    """The files the README's map of grader/ names, as paths relative to grader/."""
    block = README[README.index("    grader/\n"):README.index("`solutions/` holds the reference code")]
    listed: set[str] = set()
    folders: list[tuple[int, str]] = []  # (indent, "name/") of the folders the current line is inside
    for line in block.splitlines()[1:]:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        entry = re.split(r"\s{2,}", line.strip())[0]
        while folders and folders[-1][0] >= indent:
            folders.pop()
        prefix = "".join(name for _, name in folders)
        if entry.endswith("/"):
            folders.append((indent, entry))
            continue
        listed |= {prefix + item.strip() for item in entry.split(",") if item.strip().endswith(".py")}
    return listed


def test_the_readme_map_matches_the_tree() -> None:
    actual = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py") if path.name != "__init__.py"}
    listed = readme_map()
    assert not listed - actual, f"the README lists files that do not exist: {sorted(listed - actual)}"
    assert not actual - listed, f"the README's map leaves out: {sorted(actual - listed)}"
