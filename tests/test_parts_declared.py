"""Every part is declared completely, in one place: what CONTRIBUTING's "Adding a part" promises.

A new part fails here until it has cases, mistakes, three hint levels, a
solution and a stub, and a row in the README's points table.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from grader.engine.check_backward import check_backward
from grader.engine.check_values import check_values
from grader.engine.parts import Part
from grader.lstm import all_parts
from grader.lstm.hints import hint_levels

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
MINIMUM_MISTAKES = 4
SEED = 1234


def defined_functions(path: Path) -> set[str]:
    return {node.name for node in ast.parse(path.read_text(encoding="utf-8")).body
            if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("part", all_parts(), ids=lambda part: part.name)
def test_part_is_declared_completely(part: Part) -> None:
    cases = part.make_cases(SEED)
    assert cases, "no cases"
    if part.checker in (check_values, check_backward):  # a checker of its own makes its own calls
        assert all(len(case.args) + (1 if part.cache_from else 0) == len(part.arg_names) for case in cases), \
            "a case's arguments do not match arg_names"
    assert len({case.label for case in cases}) == len(cases), "two cases share a label"
    if part.numerical is not None:
        assert any(case.gradient_check for case in cases), "a backward part needs a gradient-check case"
    assert part.forward is None or part.numerical is not None or part.cache_from is not None
    assert len(part.mistakes) >= MINIMUM_MISTAKES, f"{len(part.mistakes)} catalogued mistakes"
    assert all(mistake.part == part.name for mistake in part.mistakes), "a mistake of another part"
    assert all(mistake.file == part.solution_file for mistake in part.mistakes), "a mistake edits another file"
    assert len(hint_levels(part.name)) == 3, "three hint levels in grader/lstm/content/hints/"
    for folder in ("solutions", "exercises"):
        assert part.name in defined_functions(ROOT / folder / part.solution_file), f"not in {folder}/"
    row = rf"^\| `{part.name}` \| {part.group} \| {part.points:g} \| `{re.escape(part.solution_file)}` \|$"
    assert re.search(row, README, flags=re.M), "no row in the README's points table"


def test_a_part_missing_its_mistakes_is_caught() -> None:
    """The check above can fail: a part declared without its catalogue does not pass it."""
    import dataclasses

    bare = dataclasses.replace(all_parts()[1], mistakes=())
    with pytest.raises(AssertionError, match="catalogued mistakes"):
        test_part_is_declared_completely(bare)


def test_part_names_are_unique_and_every_forward_is_declared_before_its_backward() -> None:
    parts = all_parts()
    names = [part.name for part in parts]
    assert len(set(names)) == len(names)
    for index, part in enumerate(parts):
        for needed in (part.forward, part.cache_from, *part.calls):
            if needed is not None:
                assert needed in parts[:index], f"{part.name} needs {needed.name} declared before it"
