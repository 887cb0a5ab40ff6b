"""Option types shared by the commands: a bad value is a one-line usage error, never a traceback."""
from __future__ import annotations

import math
from typing import Any

import click

from grader.sandbox.modes import MAX_TIMEOUT

MAX_SEED = 2**32 - 1  # numpy's SeedSequence takes any non-negative integer; the reports keep 32 bits


class Seconds(click.ParamType):
    """A time limit in seconds: a finite number above zero, at most an hour."""

    name = "seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds <= 0 or seconds > MAX_TIMEOUT:
            self.fail(f"{value!r} is not a time limit: give seconds above 0 and at most {MAX_TIMEOUT:g}",
                      param, ctx)
        return seconds


SECONDS = Seconds()
SEED = click.IntRange(0, MAX_SEED)


class PartOption(click.Option):
    """--part NAME: its help lists the parts, read from the registry only when the help is shown."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from grader.lstm import part_names

        record = super().get_help_record(ctx)
        if record is None:
            return None
        return record[0], f"{record[1]} Parts: {', '.join(part_names())}"
