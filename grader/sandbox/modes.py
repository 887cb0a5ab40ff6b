"""What the command line needs to know of the sandbox before anything is imported: modes and the time limit.

Kept free of numpy and of the child machinery, so `lstm-grader --help` starts fast.
"""
from __future__ import annotations

SANDBOX_MODES = ("auto", "bwrap", "process", "none")
DEFAULT_TIMEOUT = 10.0  # seconds a part, or the import of a submission, may run unless told otherwise
MAX_TIMEOUT = 3600.0  # the longest time limit a command line accepts
