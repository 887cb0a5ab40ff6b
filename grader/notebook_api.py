"""Where notebooks' test cells import from: `from grader.notebook_api import check_part`.

The code lives in `grader.student.notebook_api`; this name is written into every
released notebook, so it stays.
"""
from __future__ import annotations

from grader.student.notebook_api import check_part, grade_namespace, report_html

__all__ = ["check_part", "grade_namespace", "report_html"]
