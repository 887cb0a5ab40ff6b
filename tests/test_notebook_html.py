"""The HTML under a notebook test cell: its hidden-tests block reports hidden cases, never the public ones.

A test cell grades its part twice, at the public seed and at the hidden one, and
the fixed public cases are in both runs: the block above already shows them.
"""
from __future__ import annotations

import html
import re

import numpy as np
import pytest

from fake_runner import grade_in_process
from grader.instructor import notebooks
from grader.lstm import get_part
from grader.report.notebook_html import HIDDEN_TESTS_LABEL, report_html

TAG = re.compile(r"<[^>]+>")


def as_text(markup: str) -> str:
    """The HTML as a reader sees it: no tags, one space between words."""
    return " ".join(html.unescape(TAG.sub(" ", markup)).split())


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def tanh_forget_gate(x, h_prev, W_f, U_f, b_f):
    return np.tanh(x @ W_f + h_prev @ U_f + b_f)


def one_minus_t_backward(dt, t):
    return dt * (1.0 - t)


def forget_gate_wrong_for_one_example(x, h_prev, W_f, U_f, b_f):
    f = sigmoid(x @ W_f + h_prev @ U_f + b_f)
    return f / 2 if x.shape[0] == 1 else f


PUBLIC_CASE_MISTAKES = {"forget_gate": tanh_forget_gate, "tanh_backward": one_minus_t_backward}


def blocks(name: str, function) -> tuple[str, str]:
    """The text of a test cell's two reports: at the public seed, then at the hidden seed."""
    public = grade_in_process({name: function}, [name])
    hidden = grade_in_process({name: function}, [name], seed=notebooks.HIDDEN_SEED)
    return as_text(report_html(public)), as_text(report_html(hidden, HIDDEN_TESTS_LABEL))


@pytest.mark.parametrize("name", sorted(PUBLIC_CASE_MISTAKES))
def test_a_failure_on_a_public_case_is_shown_once_above_the_hidden_tests(name: str) -> None:
    public, hidden = blocks(name, PUBLIC_CASE_MISTAKES[name])
    assert "(public):" in public and "expected" in public
    assert "(public)" not in hidden and "expected" not in hidden
    assert f"{name} FAIL 0/" in hidden and "(hidden tests)" in hidden
    assert "fails on a public case, shown above" in hidden


def test_a_failure_on_a_hidden_case_is_shown_in_full() -> None:
    _, hidden = blocks("forget_gate", forget_gate_wrong_for_one_example)
    assert f"case N=1 D=4 H=6 (seed {notebooks.HIDDEN_SEED}): " in hidden and "expected" in hidden
    assert "(public)" not in hidden and "shown above" not in hidden


def test_the_notebook_test_cells_label_their_hidden_tests_as_the_renderer_expects() -> None:
    assert f'label="{HIDDEN_TESTS_LABEL}"' in notebooks.test_cell_source(get_part("forget_gate"))
