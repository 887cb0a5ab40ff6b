"""Hints in three levels per part: the idea, the equation, almost code (never the solution).

The text lives in grader/content/hints/<part>.md, one `## Level n: ...` section
per level. A part without a file (a bonus part, say) has one level: its
registry hint.
"""
from __future__ import annotations

import re
from importlib import resources

from grader.lstm import get_part

SECTION = re.compile(r"^## Level (\d): (.+)$", re.MULTILINE)


class HintError(Exception):
    """No such part or level."""


def hint_file_text(part_name: str) -> str | None:
    path = resources.files("grader.lstm").joinpath("content", "hints", f"{part_name}.md")
    return path.read_text(encoding="utf-8") if path.is_file() else None


def hint_levels(part_name: str) -> list[tuple[str, str]]:
    """(title, body) for each level of a part's hint, level 1 first."""
    part = get_part(part_name)  # raises KeyError naming the parts
    text = hint_file_text(part.name)
    if text is None:
        return [("the idea", part.hint)]
    matches = list(SECTION.finditer(text))
    levels = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        levels.append((match.group(2).strip(), text[match.end():end].strip("\n")))
    return levels


def hint(part_name: str, level: int = 1) -> str:
    """The hint of one level as Markdown, with what to do next."""
    try:
        levels = hint_levels(part_name)
    except KeyError as error:
        raise HintError(str(error.args[0])) from None
    if not 1 <= level <= len(levels):
        raise HintError(f"{part_name} has hint levels 1 to {len(levels)}, not {level}")
    title, body = levels[level - 1]
    lines = [f"# {part_name}: hint {level} of {len(levels)} ({title})", "", body, ""]
    if level < len(levels):
        lines.append(f"Still stuck? `lstm-grader hint {part_name} --level {level + 1}`")
    else:
        lines.append(f"Check your work: `lstm-grader check --part {part_name}`")
    return "\n".join(lines) + "\n"
