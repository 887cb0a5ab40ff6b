"""Generate the student exercises from the reference solutions.

The solutions mark the code students write with nbgrader's markers:

    ### BEGIN SOLUTION
    f = sigmoid(x @ W_f + h_prev @ U_f + b_f)
    return f
    ### END SOLUTION

`strip_solutions` replaces each such region with a placeholder that raises
NotImplementedError naming the function, and drops every
`### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS` region. Markers are found as
comments (with the `tokenize` module), so a marker quoted inside a docstring is
left alone.
"""
from __future__ import annotations

import ast
import io
import itertools
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

from grader.course.journal import atomic_write

SOLUTION = "SOLUTION"
HIDDEN_TESTS = "HIDDEN TESTS"

_MARKER = re.compile(r"^#+\s*(BEGIN|END)\s+(SOLUTION|HIDDEN TESTS)\s*$")


class StubError(ValueError):
    """A solution file whose markers cannot be turned into a stub."""

    def __init__(self, filename: str, line: int, problem: str) -> None:
        super().__init__(f"{filename}:{line}: {problem}")
        self.filename = filename
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class _Marker:
    line: int  # 1-based
    kind: str  # "BEGIN" or "END"
    region: str  # SOLUTION or HIDDEN_TESTS


@dataclass(frozen=True)
class _Region:
    kind: str
    begin: int  # 1-based line of the BEGIN marker
    end: int  # 1-based line of the END marker


def _physical_lines(source: str) -> list[str]:
    """Lines as Python numbers them, endings kept.

    str.splitlines would also split at form feeds and other separators that
    Python treats as part of a line, and the line numbers would drift.
    """
    return io.StringIO(source, newline="").readlines()


def _find_markers(source: str, filename: str) -> list[_Marker]:
    """Return the marker comments of `source`, in order."""
    markers = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError) as error:
        line = error.lineno if isinstance(error, SyntaxError) and error.lineno else 1
        raise StubError(filename, line, f"cannot read the file as Python ({error})") from error
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = _MARKER.match(token.string.strip())
        if match is None:
            continue
        line = token.start[0]
        if token.line.strip() != token.string.strip():
            raise StubError(filename, line, f"marker {token.string.strip()!r} must be on a line of its own")
        markers.append(_Marker(line=line, kind=match.group(1), region=match.group(2)))
    return markers


def _pair_markers(markers: list[_Marker], filename: str) -> list[_Region]:
    """Pair each BEGIN with its END; regions may not nest or overlap."""
    regions = []
    open_marker: _Marker | None = None
    for marker in markers:
        if marker.kind == "BEGIN":
            if open_marker is not None:
                raise StubError(
                    filename,
                    marker.line,
                    f"BEGIN {marker.region} inside the BEGIN {open_marker.region} region "
                    f"opened on line {open_marker.line}; regions cannot nest",
                )
            open_marker = marker
        elif open_marker is None:
            raise StubError(filename, marker.line, f"END {marker.region} without a BEGIN {marker.region} before it")
        elif marker.region != open_marker.region:
            raise StubError(
                filename,
                marker.line,
                f"END {marker.region} closes the BEGIN {open_marker.region} region opened on line {open_marker.line}",
            )
        else:
            regions.append(_Region(kind=marker.region, begin=open_marker.line, end=marker.line))
            open_marker = None
    if open_marker is not None:
        raise StubError(
            filename, open_marker.line, f"BEGIN {open_marker.region} is never closed by END {open_marker.region}"
        )
    return regions


def _enclosing_function(tree: ast.Module, region: _Region, filename: str) -> str:
    """Name of the innermost def holding the region; the region must not leave it."""
    function: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            end = node.end_lineno if node.end_lineno is not None else node.lineno
            if node.lineno < region.begin <= end and (function is None or node.lineno > function.lineno):
                function = node
    if function is None:
        raise StubError(filename, region.begin, "BEGIN SOLUTION outside a function; only function bodies can be stubbed")
    # without this, a region running into the next def would silently swallow it
    inside = {id(node) for node in ast.walk(function)}
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and region.begin < node.lineno < region.end and id(node) not in inside:
            raise StubError(
                filename,
                region.end,
                f"END SOLUTION is past the end of {function.name}() (line {node.lineno} is outside it); "
                "a region must stay inside one function",
            )
    return function.name


def _line_ending(line: str) -> str:
    stripped = line.rstrip("\r\n")
    return line[len(stripped) :] or "\n"


def strip_solutions(source: str, filename: str = "<source>") -> str:
    """Turn a solution file into the stub students see.

    Each `### BEGIN SOLUTION` ... `### END SOLUTION` region becomes, at the
    indentation of its BEGIN line:

        # YOUR CODE HERE
        raise NotImplementedError("<function name>: write your code here")

    Each `### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS` region is removed
    with its markers. A source without markers comes back unchanged.

    Args:
        source: the text of a solution file.
        filename: the name used in error messages.

    Returns:
        The stub's text; still valid Python, with every docstring and import kept.

    Raises:
        StubError: for an unreadable source, a marker that is not alone on its
            line, unbalanced or nested markers, a solution region outside a
            function, or a solution region that runs past the end of its function.
    """
    regions = _pair_markers(_find_markers(source, filename), filename)
    if not regions:
        return source
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as error:
        raise StubError(filename, error.lineno or 1, f"the solution is not valid Python ({error.msg})") from error
    lines = _physical_lines(source)
    replacements = _replacements(tree, regions, lines, filename)
    stub = "".join(line for number, original in enumerate(lines, start=1)
                   for line in replacements.get(number, [original]))
    _check_stub(stub, filename)
    return stub


def _placeholder(function: str, begin_line: str) -> list[str]:
    """The two lines that replace a solution region, at the indentation of its BEGIN line."""
    indent = begin_line[: len(begin_line) - len(begin_line.lstrip())]
    newline = _line_ending(begin_line)
    return [
        f"{indent}# YOUR CODE HERE{newline}",
        f'{indent}raise NotImplementedError("{function}: write your code here"){newline}',
    ]


def _replacements(tree: ast.Module, regions: list[_Region], lines: list[str], filename: str) -> dict[int, list[str]]:
    """Line number -> the lines that replace it: a placeholder for each solution region's
    BEGIN line, nothing for the rest of every region (hidden tests vanish whole)."""
    replacements: dict[int, list[str]] = {}
    for region in regions:
        replacement: list[str] = []
        if region.kind == SOLUTION:
            replacement = _placeholder(_enclosing_function(tree, region, filename), lines[region.begin - 1])
        replacements[region.begin] = replacement
        for line in range(region.begin + 1, region.end + 1):
            replacements[line] = []
    return replacements


def _check_stub(stub: str, filename: str) -> None:
    """Refuse a stub that is no longer valid Python."""
    try:
        ast.parse(stub, filename=filename)
    except SyntaxError as error:
        raise StubError(
            filename,
            error.lineno or 1,
            f"the stub is not valid Python after removing the marked regions ({error.msg}); "
            "does a region end at a different indentation than it starts?",
        ) from error


def _solution_files(solutions_dir: Path) -> list[Path]:
    if not solutions_dir.is_dir():
        raise FileNotFoundError(f"solutions folder not found: {solutions_dir}")
    return sorted(solutions_dir.glob("*.py"))


def _read(path: Path) -> str:
    # newline="" keeps the file's own line endings, so stubs match byte for byte
    with path.open(encoding="utf-8", newline="") as file:
        return file.read()


def generate_exercises(solutions_dir: Path, exercises_dir: Path) -> list[Path]:
    """Write one stub per `*.py` file of `solutions_dir` into `exercises_dir`.

    Every stub is built before any file is written, so a bad marker in one
    solution leaves the exercises folder as it was. Files without markers are
    copied unchanged. Files in `exercises_dir` with no solution are left alone
    (`exercises_drift` reports them).

    Args:
        solutions_dir: folder of reference solutions.
        exercises_dir: folder to write the stubs into; created if missing.

    Returns:
        The written paths, in the sorted order of the solution files.

    Raises:
        FileNotFoundError: when `solutions_dir` does not exist.
        StubError: when a solution file's markers cannot be stubbed.
    """
    solutions_dir = Path(solutions_dir)
    exercises_dir = Path(exercises_dir)
    sources = _solution_files(solutions_dir)
    stubs = {source: strip_solutions(_read(source), filename=str(source)) for source in sources}
    exercises_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source, stub in stubs.items():
        target = exercises_dir / source.name
        atomic_write(target, stub, mode_from=source)
        written.append(target)
    return written


def _first_difference(expected: str, actual: str) -> str:
    """Describe the first line where two different texts part."""
    expected_lines = _physical_lines(expected)
    actual_lines = _physical_lines(actual)
    for number, (want, got) in enumerate(itertools.zip_longest(expected_lines, actual_lines), start=1):
        if want == got:
            continue
        if want is not None and got is not None and want.rstrip("\r\n") != got.rstrip("\r\n"):
            # the line ending is noise unless it is the only difference
            want, got = want.rstrip("\r\n"), got.rstrip("\r\n")
        want_text = "the end of the file" if want is None else repr(want)
        got_text = "the end of the file" if got is None else repr(got)
        return f"line {number}: expected {want_text}, found {got_text}"
    raise ValueError("the two texts are equal")


def exercises_drift(solutions_dir: Path, exercises_dir: Path) -> list[str]:
    """List how `exercises_dir` differs from the stubs `solutions_dir` would give.

    Args:
        solutions_dir: folder of reference solutions.
        exercises_dir: folder of generated stubs.

    Returns:
        One plain-text problem per missing, extra or out-of-date file; empty
        when the exercises are in sync.

    Raises:
        FileNotFoundError: when `solutions_dir` does not exist.
        StubError: when a solution file's markers cannot be stubbed.
    """
    solutions_dir = Path(solutions_dir)
    exercises_dir = Path(exercises_dir)
    sources = _solution_files(solutions_dir)
    expected_names = {source.name for source in sources}
    problems = []
    for source in sources:
        target = exercises_dir / source.name
        if not target.is_file():
            problems.append(f"{target}: missing (it should be the stub of {source})")
            continue
        expected = strip_solutions(_read(source), filename=str(source))
        actual = _read(target)
        if actual != expected:
            problems.append(f"{target}: differs from the stub of {source} at {_first_difference(expected, actual)}")
    if exercises_dir.is_dir():
        for extra in sorted(exercises_dir.glob("*.py")):
            if extra.name not in expected_names:
                problems.append(f"{extra}: extra file with no solution {solutions_dir / extra.name}")
    return problems


def default_solutions_dir() -> Path:
    """The `solutions/` folder of this checkout."""
    return Path(__file__).resolve().parents[2] / "solutions"


def default_exercises_dir() -> Path:
    """The `exercises/` folder of this checkout."""
    return Path(__file__).resolve().parents[2] / "exercises"
