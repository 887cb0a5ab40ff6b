"""The JSON report of the contract, drawn without rich: `check --json` never imports it."""
from __future__ import annotations

import json

from grader.engine.results import Report


def render_json(report: Report) -> str:
    """The report as the contract's JSON document, indented."""
    return json.dumps(report.to_dict(), indent=2)
