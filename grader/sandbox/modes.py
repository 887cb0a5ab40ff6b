"""What the command line needs to know of the sandbox before anything is imported: modes, the time limit, BLAS threads.

Kept free of numpy and of the child machinery, so `lstm-grader --help` starts fast.
"""
from __future__ import annotations

import os

SANDBOX_MODES = ("auto", "bwrap", "process", "none")
DEFAULT_TIMEOUT = 10.0  # seconds a part, or the import of a submission, may run unless told otherwise
MAX_TIMEOUT = 3600.0  # the longest time limit a command line accepts

# The grader's arrays are a few dozen numbers wide: a pool of BLAS threads gains nothing and spins,
# costing about 60 ms of a core at numpy's import alone.
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def use_one_blas_thread() -> None:
    """Before numpy is imported: one BLAS thread in this process (and the workers it forks),
    unless the variables are set already. The child's environment always says one (launch.py)."""
    for name, value in ONE_BLAS_THREAD.items():
        os.environ.setdefault(name, value)
