"""Arguments changed in place: the policy for backward parts, and how it is said.

The child copies every array among a call's arguments before the call (the
upstream gradients, params, and the arrays inside a cache it kept) and names
those that differ afterwards, bit for bit. A part whose function changed one
is capped at half its points, as forward parts are (grader.engine.check_values),
and the message names the argument. A backward part that hands its arrays, or
slices of them, to a function it calls is told when that function is where
the change happens: a slice such as dh[:, t] is a view into dh, not a copy.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from grader.engine.outputs import hint_for
from grader.engine.parts import Part
from grader.engine.results import PartResult

NAMES_SHOWN = 3


@dataclass(frozen=True)
class PassedOn:
    """An argument the part hands on to a function it calls, as that function's argument of the same name.

    Args:
        argument: the argument's name in both functions, e.g. "dh".
        callee: the called part's name.
        sliced: how a slice of it is written ("dh[:, t]") when the callee gets one
            dimension fewer, else "".
        changed_there: whether the callee, run alone, changes that argument in place.
    """

    argument: str
    callee: str
    sliced: str = ""
    changed_there: bool = False


def root_name(name: str) -> str:
    """The argument a changed array belongs to: "cache" for "cache[3]['W_f']"."""
    return name.split("[", 1)[0]


def changed_listing(names: list[str]) -> str:
    """ "dh", or "cache[0][4], cache[1][4], cache[2][4] and 2 more"."""
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown if len(names) <= NAMES_SHOWN else f"{shown} and {len(names) - NAMES_SHOWN} more"


def slice_text(name: str, shape: tuple[int, ...], smaller: tuple[int, ...]) -> str:
    """How a slice of `name` (of `shape`) that has the shape `smaller` is written: "dh[:, t]"."""
    if len(shape) != len(smaller) + 1:
        return ""
    axis = next((index for index, size in enumerate(smaller) if shape[index] != size), len(smaller))
    if shape[:axis] + shape[axis + 1:] != smaller:
        return ""
    return f"{name}[{', '.join([':'] * axis + ['t'])}]"


def passed_on_message(part: str, passed: PassedOn) -> str:
    """Why a change reached `part`'s argument: the function it calls made it, or a slice took it there."""
    name, sliced = passed.argument, passed.sliced
    new_array = f"{name}_t = {sliced} + ..."
    if not passed.changed_there:
        return (f"{sliced} is a view into {name}, not a copy: changing it ({sliced} += ...) changes {name} "
                f"itself; add into a new array ({new_array})")
    handed = (f"a slice of its own {name} ({sliced} is a view into {name}, not a copy)" if sliced
              else f"its own {name}, or a part of it")
    return (f"your {passed.callee} changes its {name} in place too, and your {part} hands it {handed}, so what "
            f"{passed.callee} does to it lands in {part}'s {name}: make {passed.callee} work on new arrays "
            "(x = x * 2, not x *= 2)" + (f", and hand it a new array ({new_array})" if sliced else ""))


def in_place_messages(part: Part, changed: list[str], passed_on: list[PassedOn]) -> list[str]:
    """What to say about the arguments `part`'s function changed ([] when none)."""
    if not changed:
        return []
    messages = [f"changed its input {changed_listing(changed)} in place; work on new arrays "
                "(x = x * 2, not x *= 2)"]
    roots = {root_name(name) for name in changed}
    for passed in passed_on:
        if passed.argument in roots and (passed.changed_there or passed.sliced):
            messages.append(passed_on_message(part.name, passed))
    return messages


def with_in_place_policy(part: Part, result: PartResult, messages: list[str]) -> PartResult:
    """The result with the in-place policy applied: at most half the points, and the messages.

    A part that was right in every other way fails on this alone, and the
    in-place message comes first; otherwise it goes before the recognised mistake.
    """
    if not messages or result.status not in ("pass", "fail"):
        return result
    found = len(result.finding.messages()) if result.finding is not None else 0
    kept = list(result.messages)
    if result.status == "pass":
        ordered = messages + kept
    else:
        ordered = kept[:len(kept) - found] + messages + kept[len(kept) - found:]
    return replace(result, status="fail", score=min(result.score, part.points / 2), messages=tuple(ordered),
                   hint=result.hint or hint_for(part, result.finding))
