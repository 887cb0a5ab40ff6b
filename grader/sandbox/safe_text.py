"""Text a student controls, made safe at the edge.

Everything that comes from a submission (file and folder names, printed
output, exception messages, strings in a child's reply) passes through
`clean_text` before it reaches JSON, the terminal, Markdown, HTML or CSV:

- valid Unicode: lone surrogates (``"\\udcff"``, from a bad file name or a
  forged JSON escape) become U+FFFD, so writing UTF-8 never fails;
- no NUL, no terminal or OSC escape sequences, no C0 or C1 control
  characters except newline and tab (ESC, BEL and CSI could retitle or clear
  the instructor's terminal);
- bounded: at most `limit` characters, with a note of what was cut.

`spreadsheet_cell` also keeps a CSV cell from being read as a formula.
"""
from __future__ import annotations

import re
from typing import Any

DEFAULT_LIMIT = 20_000
REPLACEMENT = "\ufffd"

# ESC [ ... final byte, ESC ] ... (BEL | ESC \), other two-byte ESC sequences
_ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# C0 controls but tab and newline, DEL, C1 controls, and the Unicode line and
# paragraph separators and bidirectional overrides that reorder what is shown
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean_text(value: Any, limit: int = DEFAULT_LIMIT) -> str:
    """`value` as safe, bounded text (see the module docstring); never raises."""
    if not isinstance(value, str):
        try:
            value = str(value)
        except Exception:  # noqa: BLE001  (a hostile __str__)
            value = f"<{type(value).__name__} that cannot be shown>"
    if is_plain(value, limit):
        return value  # only space to "~": nothing below could change it (most keys and names)
    cut = max(0, len(value) - 4 * limit)
    if cut:
        value = value[: 4 * limit]  # keep the regular expressions below linear in `limit`
    text = _SURROGATE.sub(REPLACEMENT, value)
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if len(text) > limit or cut:
        text = text[:limit] + f"\n... ({max(0, len(text) - limit) + cut} more characters not shown)"
    return text


def clean_tree(value: Any, limit: int = DEFAULT_LIMIT, depth: int = 0) -> Any:
    """Apply `clean_text` to every string (keys included) in a JSON-like tree."""
    if isinstance(value, str):
        return value if is_plain(value, limit) else clean_text(value, limit)
    if depth > 32:
        return None
    if isinstance(value, dict):
        return {(key if is_plain(key, 200) else clean_text(key, 200)) if isinstance(key, str) else key:
                item if type(item) in _LEAVES else clean_tree(item, limit, depth + 1)
                for key, item in value.items()}
    if isinstance(value, list):
        return [item if type(item) in _LEAVES else clean_tree(item, limit, depth + 1) for item in value]
    return value


_LEAVES = frozenset({int, float, bool, type(None)})  # nothing in them to clean (most nodes of a reply)


def is_plain(text: str, limit: int) -> bool:
    """Printable ASCII within `limit`: what `clean_text` returns unchanged, told cheaply."""
    return len(text) <= limit and text.isascii() and text.isprintable()


def spreadsheet_cell(text: Any) -> str:
    """A CSV cell that spreadsheet programs show as text, never run as a formula."""
    cleaned = clean_text(text, 2_000).replace("\n", " ").replace("\t", " ")
    return "'" + cleaned if cleaned[:1] in ("=", "+", "-", "@") else cleaned
