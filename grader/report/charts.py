"""The class dashboard's charts, drawn by matplotlib and written as SVG to put inline in the page.

matplotlib (the `plot` extra) is imported only here, and only when a chart is
drawn: without it the dashboard shows the same numbers as tables and says how
to get the charts (`available()`). The figures are made with
`matplotlib.figure.Figure`, not pyplot, so no global state or GUI backend is
touched; text stays text in the SVG (`svg.fonttype: none`), so the page can be
searched and read aloud, and each bar and count carries an id (`set_gid`) that
says what it stands for. Every string drawn is ours (part names, bin ranges,
counts): no student text reaches a chart.
"""
from __future__ import annotations

import importlib.util
import io
from typing import Any, Sequence

BAR = "#0969da"
PASSED = "#1a7f37"
MEAN = "#8250df"
TRACK = "#d0d7de"
TEXT = "#1f2328"
STYLE = {"svg.fonttype": "none", "font.size": 9, "font.family": "sans-serif", "axes.edgecolor": TRACK,
         "axes.labelcolor": TEXT, "xtick.color": TEXT, "ytick.color": TEXT, "text.color": TEXT}
WIDTH = 5.0           # inches: about as wide as the page's column, so 9 pt text reads at about 12 px
ROW = 0.24            # inches per part in the bar charts


def available() -> bool:
    """Whether matplotlib is installed (pip install "lstm-autograder[plot]")."""
    return importlib.util.find_spec("matplotlib") is not None


def as_svg(figure: Any, name: str) -> str:
    """The figure as an <svg> element; `name` keeps the ids of two charts on one page apart."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": name}):
        figure.savefig(buffer, format="svg", bbox_inches="tight",
                       metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def new_axes(height: float) -> tuple[Any, Any]:
    """A figure of the page's width with one axes, its top and right spines off."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(WIDTH, height))
        axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def histogram_svg(histogram: Sequence[dict[str, Any]], max_score: float) -> str:
    """The score histogram: one bar per bin of summary.json's "histogram", its count above it."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        figure, axes = new_axes(2.0)
        starts = [float(row["from"]) for row in histogram]
        widths = [float(row["to"]) - float(row["from"]) for row in histogram]
        counts = [int(row["count"]) for row in histogram]
        bars = axes.bar(starts, counts, width=[0.92 * width for width in widths], align="edge", color=BAR)
        for index, bar in enumerate(bars):
            bar.set_gid(f"score-bin-{index}")
        texts = axes.bar_label(bars, labels=[str(count) if count else "" for count in counts], padding=2)
        for index, text in enumerate(texts):
            text.set_gid(f"score-count-{index}")
        axes.set_xticks([*starts, max_score] if starts else [0, max_score])
        axes.set_xlim(0, max_score)
        axes.set_xlabel(f"score (out of {max_score:g})")
        axes.set_ylabel("students")
        axes.set_ylim(0, max(counts, default=0) * 1.2 + 1)
        axes.yaxis.get_major_locator().set_params(integer=True)
    return as_svg(figure, "histogram")


def part_bars(names: Sequence[str]) -> tuple[Any, Any]:
    """A figure with a row per part, the first part on top."""
    figure, axes = new_axes(ROW * len(names) + 0.6)
    axes.set_yticks(range(len(names)), labels=list(names))
    axes.set_ylim(len(names) - 0.5, -0.5)
    axes.tick_params(axis="y", length=0)
    return figure, axes


def pass_rate_svg(names: Sequence[str], rates: Sequence[float]) -> str:
    """Per part, the share of the class whose part passed, as a bar labelled with the percentage."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        figure, axes = part_bars(names)
        axes.barh(range(len(names)), [100.0] * len(names), color=TRACK, height=0.7)
        bars = axes.barh(range(len(names)), [100 * rate for rate in rates], color=PASSED, height=0.7)
        for name, bar in zip(names, bars):
            bar.set_gid(f"pass-rate-{name}")
        texts = axes.bar_label(bars, labels=[f"{100 * rate:.0f}%" for rate in rates], padding=3)
        for name, text in zip(names, texts):
            text.set_gid(f"pass-rate-label-{name}")
        axes.set_xlim(0, 118)
        axes.set_xticks([0, 25, 50, 75, 100], labels=["0", "25", "50", "75", "100%"])
        axes.set_xlabel("pass rate")
    return as_svg(figure, "pass-rate")


def mean_points_svg(names: Sequence[str], means: Sequence[float], maxima: Sequence[float]) -> str:
    """Per part, the class's mean points as a bar over the part's full points, labelled "2.5 / 4"."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        figure, axes = part_bars(names)
        track = axes.barh(range(len(names)), list(maxima), color=TRACK, height=0.7)
        bars = axes.barh(range(len(names)), list(means), color=MEAN, height=0.7)
        for name, bar in zip(names, bars):
            bar.set_gid(f"mean-points-{name}")
        labels = [f"{mean:.3g} / {maximum:g}" for mean, maximum in zip(means, maxima)]
        texts = axes.bar_label(track, labels=labels, padding=3)  # after the grey bar, where nothing is drawn
        for name, text in zip(names, texts):
            text.set_gid(f"mean-points-label-{name}")
        axes.set_xlim(0, max(maxima, default=1.0) * 1.35)
        axes.set_xlabel("mean points (grey: the part's points)")
    return as_svg(figure, "mean-points")
