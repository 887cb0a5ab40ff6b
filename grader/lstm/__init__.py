"""The course: every gradable part, in the order a student learns them.

Each family module declares its parts once (cases, checker, the parts it
calls, its mistakes); this module only puts them in order. Adding a part is a
solution file, its declaration in a family module and one line here.
"""
from __future__ import annotations

from grader.engine.parts import Mistake, Part
from grader.lstm import core_backward, core_forward, sequence
from grader.lstm.forecast import FORECAST
from grader.lstm.gradient_flow import GRADIENT_NORMS
from grader.lstm.memory_cell import MEMORY_CELL_PARAMS
from grader.lstm.peephole import PEEPHOLE_CELL_BACKWARD, PEEPHOLE_CELL_FORWARD

PARTS: tuple[Part, ...] = (
    core_forward.PARTS
    + (sequence.LSTM_FORWARD,)
    + core_backward.PARTS
    + (sequence.LSTM_BACKWARD,)
)
BONUS_PARTS: tuple[Part, ...] = (
    PEEPHOLE_CELL_FORWARD,
    PEEPHOLE_CELL_BACKWARD,
    MEMORY_CELL_PARAMS,
    GRADIENT_NORMS,
    FORECAST,
)
CORE_MISTAKES: tuple[Mistake, ...] = tuple(mistake for part in PARTS for mistake in part.mistakes)
BONUS_MISTAKES: tuple[Mistake, ...] = tuple(mistake for part in BONUS_PARTS for mistake in part.mistakes)
EVERY_MISTAKE: tuple[Mistake, ...] = CORE_MISTAKES + BONUS_MISTAKES
MISTAKES_BY_ID: dict[str, Mistake] = {mistake.id: mistake for mistake in EVERY_MISTAKE}


def all_parts() -> tuple[Part, ...]:
    """Core parts, then bonus parts, in the order a student learns them."""
    return PARTS + BONUS_PARTS


def part_names() -> list[str]:
    return [part.name for part in all_parts()]


def get_part(name: str) -> Part:
    for part in all_parts():
        if part.name == name:
            return part
    raise KeyError(f"no part named {name!r}; parts are: {', '.join(part_names())}")


def same_mistake(diagnosis_id: str | None, mistake_id: str) -> bool:
    """Whether a diagnosis names `mistake_id`, directly or as one of its aliases."""
    if diagnosis_id is None:
        return False
    entry = MISTAKES_BY_ID.get(diagnosis_id)
    return diagnosis_id == mistake_id or (entry is not None and entry.names(mistake_id))
