"""Which arguments a student call changed in place: a copy of every array among them, taken before.

Loaded by path in the child (grader.child.worker), after numpy. Arrays are
compared bit for bit (-0.0 made 0.0 counts); a dict or list also counts as
changed when an entry is replaced, added or removed (`cache.pop()`,
`params["b_f"] = params["b_f"].reshape(1, -1)`).
"""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np

SNAPSHOT_DEPTH = 4                 # as deep as `Worker.encode` looks into a structure
SNAPSHOT_BYTES = 64 * 1024 * 1024  # copies kept of the arguments, at most
SNAPSHOT_ITEMS = 100_000           # items of the arguments' structures looked at, at most


Name = Any  # a name as given, or (the name of the structure it is in, its key): spelt out only when reported
Before = Any  # an array's (shape, dtype, bytes), or a structure's `structure`


def snapshot_arrays(args: list[Any], names: list[str] | None) -> list[tuple[Name, Any, Before]]:
    """A copy of every array among the arguments, each once, also inside dicts, lists and tuples
    (params, or a cache kept in the child: `cache[3]['W_f']`), to name afterwards those the call changed."""
    snapshot: list[tuple[Name, Any, Before]] = []
    pending: list[tuple[Name, Any, int]] = list(zip(names or [f"argument {index + 1}" for index in range(len(args))],
                                                    args, [0] * len(args)))
    seen, budget = set(), SNAPSHOT_BYTES
    for name, value, depth in pending:  # grows as structures are opened, breadth first
        if len(pending) > SNAPSHOT_ITEMS:
            break
        try:  # a cache is the student's object: whatever it does, it costs only its own check
            if isinstance(value, np.ndarray):
                if id(value) not in seen and value.nbytes <= budget:
                    seen.add(id(value))
                    budget -= value.nbytes
                    plain = value.view(np.ndarray)
                    snapshot.append((name, value, (plain.shape, plain.dtype, plain.tobytes())))
            elif depth < SNAPSHOT_DEPTH and isinstance(value, (dict, list, tuple)):
                if not isinstance(value, tuple):  # an entry replaced, added or removed changes it too
                    snapshot.append((name, value, structure(value)))
                items = dict.items(value) if isinstance(value, dict) else enumerate(value)
                pending += [((name, key), item, depth + 1) for key, item in itertools.islice(items, SNAPSHOT_ITEMS)]
        except Exception:  # noqa: BLE001
            continue
    return snapshot


def modified_arrays(snapshot: list[tuple[Name, Any, Before]]) -> list[str]:
    """The arrays that differ from their copy, bit for bit (-0.0 made 0.0 counts)."""
    return [spelt(name) for name, live, before in snapshot if changed(live, before)]


def spelt(name: Name) -> str:
    """`params['W_f']`, `cache[3]['W_f']`: a name and the keys that lead to the value."""
    keys = []
    while isinstance(name, tuple):
        name, key = name
        keys.append(f"[{key!r}]")
    return name + "".join(reversed(keys))


def structure(value: Any) -> list[Any]:
    """A dict's keys or a list's length, with the identity of each item."""
    if isinstance(value, dict):
        return [(key, id(item)) for key, item in dict.items(value)]
    return list(map(id, value))


def changed(live: Any, before: Before) -> bool:
    if isinstance(before, list):
        return structure(live) != before
    try:
        now = live if type(live) is np.ndarray else np.asarray(live).view(np.ndarray)
        return now.shape != before[0] or now.dtype != before[1] or now.tobytes() != before[2]
    except Exception:  # noqa: BLE001  (an array that cannot be read any more has changed)
        return True
