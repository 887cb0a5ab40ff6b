"""clean_text: what a student controls is made safe; plain text passes unchanged, and fast."""
from __future__ import annotations

import random
import string

from grader.sandbox.safe_text import clean_text, clean_tree


def test_printable_ascii_is_returned_as_it_is() -> None:
    chooser = random.Random(5)
    for _ in range(200):
        text = "".join(chooser.choice(string.printable[:95]) for _ in range(chooser.randrange(0, 80)))
        assert clean_text(text) == text


def test_escapes_controls_surrogates_and_separators_are_removed_or_replaced() -> None:
    assert clean_text("a\x1b[2Jb\x07c") == "abc"
    assert clean_text("x\x1b]0;owned\x07y") == "xy"
    assert clean_text("tab\tand\r\nnewline\rend") == "tab\tand\nnewline\nend"
    assert clean_text("bad \udcff name") == "bad \ufffd name"
    assert clean_text("left\u202eright\x00\x9b") == "leftright"


def test_long_text_is_cut_with_a_note_even_when_plain() -> None:
    assert clean_text("a" * 25, limit=10) == "a" * 10 + "\n... (15 more characters not shown)"


def test_a_very_long_text_counts_every_character_not_shown() -> None:
    # past 4 x limit the tail is dropped before cleaning; the note still counts it
    assert clean_text("\x1b" + "a" * 99, limit=10) == "a" * 10 + "\n... (89 more characters not shown)"
    escapes = "\x1b[1m" * 20  # 80 characters that clean to nothing, then the rest is dropped unread
    assert clean_text(escapes + "b" * 20, limit=20) == "\n... (20 more characters not shown)"


def test_trees_are_cleaned_keys_included() -> None:
    assert clean_tree({"k\x1b[1m": ["v\x07", {"ok": 1}]}) == {"k": ["v", {"ok": 1}]}
