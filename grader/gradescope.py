"""`python -m grader.gradescope run`: what a Gradescope bundle's `run_autograder` calls.

The code lives in `grader.course.gradescope`; bundles already built call this name.
"""
from __future__ import annotations

import sys

from grader.course.gradescope import main

if __name__ == "__main__":
    sys.exit(main())
