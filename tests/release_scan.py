"""Finding reference code in what a student release ships: every solution line the stubs do not show.

A solution line is a meaningful line (no blank, no comment) of a BEGIN/END
SOLUTION region of solutions/*.py. Lines every numpy program has (a loop
header, a bare return, an allocation of zeros, unpacking a shape) say nothing
about the answer and are not counted; neither is a line the stubs already show.
"""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN = re.compile(r"^\s*#+\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*#+\s*END SOLUTION\s*$")
BOILERPLATE = [re.compile(pattern) for pattern in (
    r"^for [\w, ]+ in [\w().\"]+:$",                      # for t in reversed(range(T)):
    r"^return [\w, ]+$",                                  # return params
    r"^[\w, ]+ = np\.zeros(_like)?\([\w(), ]*\)$",         # h = np.zeros((N, T, H))
    r"^[\w, ]+ = [\w\[\]\"]+\.shape(\[\d\])?$",           # N, T, _ = x.shape
    r"^\w+ = (\{|\[|\{\}|\[\])$",                         # params = {
    r"^rng = np\.random\.default_rng\(\w+\)$",
)]
SHORTEST = 10


def meaningful_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def solution_lines(solutions: Path = ROOT / "solutions", stubs: Path = ROOT / "exercises") -> set[str]:
    """The reference's own lines: in a solution region, not boilerplate, not shown by any stub."""
    shown = "\n".join(path.read_text(encoding="utf-8") for path in sorted(stubs.glob("*.py")))
    found = set()
    for path in sorted(solutions.glob("*.py")):
        inside = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if BEGIN.match(line):
                inside = True
            elif END.match(line):
                inside = False
            elif inside:
                found.update(meaningful_lines(line))
    return {line for line in found if line not in shown
            and len(line) >= SHORTEST and not any(pattern.match(line) for pattern in BOILERPLATE)}


def readable(name: str, data: bytes) -> str | None:
    """A file's text (a notebook's cell sources), or None for a binary file."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if name.endswith(".ipynb"):
        return "\n".join("".join(cell["source"]) for cell in json.loads(text)["cells"])
    return text


def leaks_in(files: dict[str, bytes], lines: set[str]) -> list[str]:
    """'<line>  in <file>' for every solution line found in a file's text."""
    found = []
    for name, data in sorted(files.items()):
        text = readable(name, data)
        if text is not None:
            found += [f"{line!r}  in {name}" for line in sorted(lines) if line in text]
    return found


def folder_files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, and every member of each wheel in it, by name."""
    files: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as wheel:
                files |= {f"{path.name}/{member}": wheel.read(member) for member in wheel.namelist()}
        else:
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files
