"""`python -m grader.gradescope run`: what a Gradescope bundle's `run_autograder` calls.

The code lives in `grader.course.gradescope`; bundles already built call this name.
"""
from __future__ import annotations

import sys

from grader.sandbox.modes import use_one_blas_thread

use_one_blas_thread()  # before grader.course.gradescope imports numpy
from grader.course.gradescope import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
