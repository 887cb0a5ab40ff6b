"""What every HTML page of the grader shares: the Jinja2 templates, the style, the page's rules.

The pages (grader/report/feedback_page.py, grader/report/dashboard.py) are drawn
by the templates in grader/report/templates/, never built from strings. Jinja2
escapes every value (autoescape is on for every template, whatever its name),
so text from a student (exception messages, printed output, names) cannot
become markup. Each page is one self-contained file: its style and its one
small script are inline, and its Content-Security-Policy forbids loading
anything (no network, no other file); the script is allowed by its hash, so
an injected one would not run even if escaping failed.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from grader.report.notebook_html import STATUS_COLOUR

TEMPLATES = Path(__file__).resolve().parent / "templates"


def breakable(text: str) -> Markup:
    """Text, escaped, that may wrap after each "." and "_" (mistake ids in a narrow column)."""
    return Markup("<wbr>").join(escape(piece) for piece in re.split(r"(?<=[._])", str(text)))


@functools.lru_cache(maxsize=None)
def environment() -> Environment:
    """The templates, autoescaped; a name a template uses but the page does not give is an error."""
    templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    templates.filters["breakable"] = breakable
    return templates


@functools.lru_cache(maxsize=None)
def script(name: str) -> tuple[Markup, str]:
    """A script of templates/ as it goes into the page, and its CSP source ('sha256-...')."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), f"'sha256-{digest}'"


def content_policy(script_source: str) -> str:
    """Nothing is loaded from anywhere; the inline style and the one script (by its hash) are allowed."""
    return (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src {script_source}; "
            "base-uri 'none'; form-action 'none'")


def render_page(template: str, script_name: str, **context: Any) -> str:
    """A whole page: `template` with `context`, the shared style, and the script `script_name`."""
    code, source = script(script_name)
    return environment().get_template(template).render(
        status_colours=STATUS_COLOUR, script=code, content_policy=content_policy(source), fragment=False, **context)


def render_body(template: str, **context: Any) -> Markup:
    """Only the body of `template`'s page (no head, style or script): for a platform that shows an HTML
    fragment inside its own page (Gradescope's results.json), still drawn and escaped by the template."""
    return Markup(environment().get_template(template).render(
        status_colours=STATUS_COLOUR, script="", content_policy="", fragment=True, **context))
