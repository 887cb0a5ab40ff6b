"""nbgrader's autograde, without its false alarm about the hidden tests.

`nbgrader generate_assignment` stores every locked cell as the instructor wrote
it, hidden tests included, and releases it without them. At autograde its
OverwriteCells compares each student copy with the stored cell, so every test
cell looks changed (jupyter/nbgrader#1961): "Attribute 'checksum' for cell
test_sigmoid has changed!", 16 times per student, for an untouched copy too,
before it puts the stored source back.

`RestoreHiddenTests` puts the hidden tests back first when a locked cell is
exactly what nbgrader released, then lets OverwriteCells compare as usual: the
warning is left for a cell the student did change. nbgrader_config.py (and
`NBGRADER_SETTINGS` in grader.instructor.notebooks) lists it in nbgrader's
`Autograde.sanitize_preprocessors`, in place of OverwriteCells.

Only nbgrader imports this module (by the name in its configuration), so
nbgrader is imported here at the top.
"""
from __future__ import annotations

from typing import Any

from nbformat.notebooknode import NotebookNode
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells


class RestoreHiddenTests(OverwriteCells):
    """OverwriteCells that first gives an unchanged test cell back the hidden tests nbgrader released it without."""

    def preprocess_cell(self, cell: NotebookNode, resources: Any, cell_index: int) -> tuple[NotebookNode, Any]:
        stored = self.stored_source(cell)
        if stored is not None and cell.source == self.released_source(cell, stored):
            cell.source = stored
        return super().preprocess_cell(cell, resources, cell_index)

    def stored_source(self, cell: NotebookNode) -> str | None:
        """The source the gradebook holds for a locked cell (hidden tests included), or None."""
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is None:
            return None
        try:
            stored = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return None  # OverwriteCells says so
        return stored.source if stored.locked else None

    def released_source(self, cell: NotebookNode, stored: str) -> str:
        """`stored` as generate_assignment released it: its hidden test regions removed, by nbgrader's own rule."""
        released = NotebookNode(source=stored, cell_type=cell.cell_type, metadata=cell.metadata)
        ClearHiddenTests(parent=self)._remove_hidden_test_region(released)
        return released.source
