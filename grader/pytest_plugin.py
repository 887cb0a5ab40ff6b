"""The pytest entry point (`pytest11: lstm_grader = grader.pytest_plugin`).

The hooks live in `grader.student.pytest_plugin`; pytest finds them here by name.
"""
from __future__ import annotations

from grader.student.pytest_plugin import pytest_addoption, pytest_collection_modifyitems

__all__ = ["pytest_addoption", "pytest_collection_modifyitems"]
