"""Bonus parts ("Beyond the core" in the contract), graded in their own group."""
from __future__ import annotations

from grader.registry import Part

BONUS_PARTS: tuple[Part, ...] = ()
