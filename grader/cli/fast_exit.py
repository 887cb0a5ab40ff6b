"""Leave `lstm-grader check` as soon as its work is done.

An interpreter that exits politely frees every module one by one; with numpy
and rich loaded that is about 50 ms, a tenth of a check. `exit_now` does what
exiting must do (the atexit handlers, which stop a child and remove temporary
folders, and flushing both output streams) and then ends the process at once.
"""
from __future__ import annotations

import atexit
import os
import sys
from typing import NoReturn


def exit_status(code: object) -> int:
    """The status `sys.exit(code)` would exit with; a message is printed to stderr, as it would be."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def exit_now(code: object) -> NoReturn:
    """Exit as `sys.exit(code)` would, without the interpreter's teardown."""
    status = exit_status(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (lstm-grader check | head): nothing more can be said
            pass
    os._exit(status)
