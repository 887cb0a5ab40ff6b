"""The mistake catalogue with its edits of the reference: the maintainer's copy only.

One module per exercise file; `ENTRIES` holds them all in part order. A student
release leaves this package out (grader.instructor.release) and ships what the
student reads instead (grader.lstm.mistakes).
"""
from grader.engine.parts import Mistake
from grader.lstm.catalogue import (cell_backward, cell_forward, forecast, gradient_flow, memory_cell, peephole,
                                   sequence)

ENTRIES: tuple[Mistake, ...] = (cell_forward.ENTRIES + cell_backward.ENTRIES + sequence.ENTRIES + peephole.ENTRIES
                                + memory_cell.ENTRIES + gradient_flow.ENTRIES + forecast.ENTRIES)
