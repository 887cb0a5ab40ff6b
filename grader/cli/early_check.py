"""`lstm-grader check`'s child, started before the command line is built.

Building the command line (click and the commands) takes about 45 ms, and
`check` cannot start its child before it knows the submission and the sandbox.
`start_early` reads just those from the arguments, without click, and starts
the child (grader.engine.prelaunch) when they are plain; `check` takes it over
with `take_early` once click has read the same. Anything else (another reading,
a usage error, --help) leaves the child to be closed, at the latest when the
process exits. An early start changes when the child starts, never how it is
confined: it is the same `prelaunch`, with the same sandbox.
"""
from __future__ import annotations

import atexit
import math
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from grader.sandbox.modes import DEFAULT_TIMEOUT, MAX_TIMEOUT, SANDBOX_MODES

if TYPE_CHECKING:
    from grader.engine.prelaunch import Prelaunched

VALUE_OPTIONS = frozenset({"--part", "--seed", "--timeout", "--junit", "--sandbox", "--fail-under"})
FLAGS = frozenset({"--json", "--no-progress"})


class ChildKey(NamedTuple):
    """What decides check's child: the submission as given (None: the default), the sandbox mode,
    the import timeout, and whether notices are kept quiet (--json)."""

    submission: str | None
    sandbox_mode: str
    timeout: float
    quiet: bool


_started: tuple[ChildKey, Prelaunched] | None = None


def default_submission() -> str:
    """exercises/ in a clone; the current folder in a workspace made by `lstm-grader start`."""
    if not Path("exercises").exists() and any(Path(".").glob("part[0-9]_*.py")):
        return "."
    return "exercises"


def read_check_arguments(arguments: list[str]) -> ChildKey | None:
    """The child's key from `check`'s arguments, or None for anything not plainly valid
    (click then reads them and says what is wrong)."""
    values: dict[str, str] = {}
    flags: set[str] = set()
    positional: list[str] = []
    tokens = iter(arguments)
    for token in tokens:
        name, has_value, value = token.partition("=")
        if name in VALUE_OPTIONS:
            value = value if has_value else next(tokens, "")
            if not value or value.startswith("-"):
                return None
            values[name] = value
        elif token in FLAGS:
            flags.add(token)
        elif token.startswith("-") or positional:
            return None
        else:
            positional.append(token)
    mode = values.get("--sandbox", "auto")
    try:
        timeout = float(values.get("--timeout", DEFAULT_TIMEOUT))
    except ValueError:
        return None
    if mode not in SANDBOX_MODES or not math.isfinite(timeout) or not 0 < timeout <= MAX_TIMEOUT:
        return None
    return ChildKey(positional[0] if positional else None, mode, timeout, "--json" in flags)


def start_early(argv: list[str]) -> None:
    """For `lstm-grader check ...`: resolve the sandbox and start the child now. Any failure is left
    for `check` to meet again and report as it always does."""
    global _started
    if not argv or argv[0] != "check":
        return
    key = read_check_arguments(argv[1:])
    if key is None or not Path(key.submission or default_submission()).exists():
        return
    from grader.engine.prelaunch import prelaunch
    from grader.sandbox import resolve_sandbox

    try:
        sandbox = resolve_sandbox(key.sandbox_mode, quiet=key.quiet)
        ready = prelaunch(key.submission or default_submission(), sandbox, key.timeout)
    except Exception:  # noqa: BLE001  (check starts again, and reports the error with its usual message)
        return
    atexit.register(ready.close)  # a usage error, --help or another reading: nothing is left running
    _started = (key, ready)


def take_early(key: ChildKey) -> Prelaunched | None:
    """The child `start_early` started for exactly `key` (once), else None; a child started for
    anything else is stopped."""
    global _started
    if _started is None:
        return None
    started_for, ready = _started
    _started = None
    if started_for == key:
        return ready
    ready.close()
    return None
