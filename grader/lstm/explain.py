"""The short lessons behind the exercises, as Markdown in grader/content/explain/."""
from __future__ import annotations

from importlib import resources

TOPICS: dict[str, str] = {
    "gates": "the gate equations, what each gate does, and why sigmoid or tanh",
    "gate-table": "the gate behaviour table: which settings of f, i, o remember, overwrite, reset, read",
    "bptt": "backpropagation through one cell, and through time",
    "cell-path": "why the cell path keeps gradients from vanishing",
}


class UnknownTopic(Exception):
    """No lesson by that name."""


def topic_text(topic: str) -> str:
    """The Markdown of one topic."""
    if topic not in TOPICS:
        raise UnknownTopic(f"no topic {topic!r}; topics are: {', '.join(TOPICS)}")
    return resources.files("grader.lstm").joinpath("content", "explain", f"{topic}.md").read_text(encoding="utf-8")


def topic_list() -> str:
    """Markdown listing the topics and how to open one."""
    lines = ["# lstm-grader explain", "", "Topics:", ""]
    lines += [f"- `{name}`: {summary}" for name, summary in TOPICS.items()]
    lines += ["", "Open one with `lstm-grader explain TOPIC`, e.g. `lstm-grader explain gates`."]
    return "\n".join(lines) + "\n"
