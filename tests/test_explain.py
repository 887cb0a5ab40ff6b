"""Lessons: every topic exists, says what it promises, and renders in the terminal."""
from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from grader.cli.commands import main
from grader.lstm.explain import TOPICS, UnknownTopic, topic_list, topic_text
from grader.report.terminal import render_markdown

PROMISES = {
    "gates": ["f = sigmoid(x @ W_f + h_prev @ U_f + b_f)", "g = tanh(", "(0, 1)", "(-1, 1)"],
    "gate-table": ["remember", "overwrite", "reset", "read", "c = f * c_prev + i * g"],
    "bptt": ["dc_prev = dc_total * f", "dW_k = x.T @ dz_k", "T-1 down to 0", "summed"],
    "cell-path": ["dc_{t-1} = dc_t * f_t", "vanishing"],
}


def test_the_four_topics_of_the_issue_exist():
    assert set(TOPICS) == set(PROMISES)


@pytest.mark.parametrize("topic", sorted(PROMISES))
def test_topic_says_what_it_promises(topic):
    text = topic_text(topic)
    missing = [phrase for phrase in PROMISES[topic] if phrase not in text]
    assert not missing


def test_gate_table_rows_agree_with_the_cell_equations():
    """Each row's c column is what c = f * c_prev + i * g gives for its f and i."""
    rows = [line.split("|")[1:-1] for line in topic_text("gate-table").splitlines()
            if line.startswith("| ") and line[2] in "01"]
    assert len(rows) == 5
    for f, i, _, _, c, _ in (map(str.strip, row) for row in rows):
        kept = "c_prev" if f == "1" else ""
        written = "g" if i == "1" else ""
        expected = " + ".join(term for term in (kept, written) if term) or "0"
        assert c == expected, (f, i, c)


def test_unknown_topic_lists_the_topics():
    with pytest.raises(UnknownTopic, match="gates, gate-table, bptt, cell-path"):
        topic_text("lstm")


def test_markdown_renders_with_rich_on_a_terminal():
    stream = io.StringIO()
    render_markdown(topic_text("gates"), stream, force_terminal=True, width=80)
    text = stream.getvalue()
    assert "\x1b[" in text and "# The gates" not in text and "The gates" in text


def test_cli_explain_without_topic_lists_them():
    result = CliRunner().invoke(main, ["explain"])
    assert result.exit_code == 0 and all(f"`{name}`" in result.output for name in TOPICS)
    assert topic_list().splitlines()[0] in result.output


def test_cli_explain_unknown_topic_is_a_usage_error():
    result = CliRunner().invoke(main, ["explain", "lstm"])
    assert result.exit_code == 2 and "topics are" in result.output
