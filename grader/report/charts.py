"""The class dashboard's three charts, written by hand as SVG to put inline in the page.

Drawn: the score histogram (a bar per bin of summary.json's "histogram", its
count above it), per part the pass rate (a green bar over a grey track of
100%, "75%" after it) and per part the mean points (a purple bar over a grey
track of the part's points, "2.5 / 4" after it), the first part on top. Bars,
ticks and labels are few enough to write as rectangles, lines and text with the
standard library: no plotting package is needed, and a batch's class files take
milliseconds (matplotlib's import and layout alone took most of a second).

Each svg has a viewBox about as wide as the page's column and scales to it; a
bar chart grows a row per part, and its left margin is measured from the
longest part name (right-aligned, so a name wider than its estimate runs to
the left, never onto a bar). Text stays text, so the page can be searched, and
`role="img"` with an aria-label says the chart's numbers to a screen reader.
Each bar and label carries an id that says what it stands for (score-bin-{i},
score-count-{i}, pass-rate-{part}, pass-rate-label-{part}, mean-points-{part},
mean-points-label-{part}); the prefixes keep the ids of the three charts on one
page apart. Every string drawn is ours (part names, bin ranges, counts): no
student text reaches a chart, and every text and attribute is escaped anyway.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any, Sequence

BAR = "#0969da"
PASSED = "#1a7f37"
MEAN = "#8250df"
TRACK = "#d0d7de"
TEXT = "#1f2328"
WIDTH = 480.0              # viewBox units: about the page's column, where the svg is scaled to fit
FONT = 12.0                # matplotlib's 9 pt on its 5 inch figure
# text_width's characters: NARROW 0.4 em, WIDE 1 em, any other 0.65 em; DejaVu Sans's widths (Linux's
# default sans-serif, wider than Arial or Helvetica) rounded up
NARROW, WIDE = "fijlrtI.,:;'!|()[]/- ", "mwMW%@&#+<>=~^"
PAD = 6.0
TICK = 4.0                 # the length of a tick mark
ROW = 23.0                 # a part's row in the bar charts
BAR_HEIGHT = 0.7 * ROW
MIN_PLOT = 160.0           # the narrowest plot a bar chart keeps, however long its names (the svg widens)
HISTOGRAM_HEIGHT = 130.0   # the histogram's plot
BELOW = TICK + FONT + PAD + FONT + PAD  # tick labels and the axis label under a plot


@dataclass(frozen=True)
class Frame:
    """Where a chart's plot sits in its viewBox, and the viewBox's size."""

    left: float
    top: float
    width: float
    height: float
    view_width: float

    @property
    def bottom(self) -> float:
        return self.top + self.height

    @property
    def view_height(self) -> float:
        return self.bottom + BELOW


def number(value: float) -> str:
    """A coordinate to a hundredth of a unit, without trailing zeros ("12.5", "0")."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def text_width(text: str) -> float:
    """About how wide `text` is drawn, in viewBox units: rather more than less."""
    return FONT * sum(0.4 if character in NARROW else 1.0 if character in WIDE else 0.65 for character in text)


def ident(name: str) -> str:
    """` id="name"`, escaped, or "" for no id."""
    return f' id="{escape(name)}"' if name else ""


def rect(x: float, y: float, width: float, height: float, fill: str, name: str = "") -> str:
    """A <rect>; a negative size is drawn as 0."""
    return (f'<rect{ident(name)} x="{number(x)}" y="{number(y)}" width="{number(max(width, 0.0))}" '
            f'height="{number(max(height, 0.0))}" fill="{fill}"/>')


def text(x: float, y: float, content: str, anchor: str = "middle", name: str = "", extra: str = "") -> str:
    """A <text> whose baseline starts at (x, y), `content` escaped."""
    return f'<text{ident(name)} x="{number(x)}" y="{number(y)}" text-anchor="{anchor}"{extra}>{escape(content)}</text>'


def line(x1: float, y1: float, x2: float, y2: float, colour: str = TRACK) -> str:
    """A <line>, one unit wide."""
    return f'<line x1="{number(x1)}" y1="{number(y1)}" x2="{number(x2)}" y2="{number(y2)}" stroke="{colour}"/>'


def svg(frame: Frame, label: str, body: list[str]) -> str:
    """The <svg> element: as wide as its container, its title and aria-label `label`."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {number(frame.view_width)} '
            f'{number(frame.view_height)}" width="100%" role="img" aria-label="{escape(label)}" '
            f'font-family="sans-serif" font-size="{number(FONT)}" fill="{TEXT}">'
            f'<title>{escape(label)}</title>{"".join(body)}</svg>')


def nice_ticks(top: float, whole: bool = False) -> list[float]:
    """0, then every step up to `top`: a step of 1, 2 or 5 times a power of ten, at most 5 steps
    (a step of at least 1 when `whole`)."""
    if top <= 0:
        return [0.0]
    step = 10.0 ** math.floor(math.log10(top / 5))
    step *= next(factor for factor in (1, 2, 5, 10) if top / (step * factor) <= 5)
    step = max(step, 1.0) if whole else step
    return [index * step for index in range(int(top / step + 1e-9) + 1)]


def axes(frame: Frame, ticks: Sequence[tuple[float, str]], label: str) -> list[str]:
    """The left and bottom axis lines, the ticks at the given x with their labels, and the x axis label."""
    body = [line(frame.left, frame.top, frame.left, frame.bottom), line(frame.left, frame.bottom,
                                                                         frame.left + frame.width, frame.bottom)]
    for x, tick in ticks:
        body += [line(x, frame.bottom, x, frame.bottom + TICK, TEXT), text(x, frame.bottom + TICK + FONT, tick)]
    body.append(text(frame.left + frame.width / 2, frame.bottom + BELOW - PAD, label))
    return body


def histogram_frame(max_count_label: str, max_score_label: str) -> Frame:
    """The histogram's plot: room at the left for "students" and the count ticks, at the right for the last tick."""
    left = PAD + FONT + PAD + text_width(max_count_label) + PAD
    right = text_width(max_score_label) / 2 + PAD
    return Frame(left, PAD + FONT / 2, WIDTH - left - right, HISTOGRAM_HEIGHT, WIDTH)


def count_axis(frame: Frame, top: float, counts: Sequence[float]) -> list[str]:
    """The histogram's y axis: whole-number ticks from 0 (`counts`, on a scale to `top`) and "students"."""
    body = []
    for count in counts:
        y = frame.bottom - frame.height * count / top
        body += [line(frame.left - TICK, y, frame.left, y, TEXT),
                 text(frame.left - TICK - 2, y + 0.35 * FONT, f"{count:g}", anchor="end")]
    middle = frame.top + frame.height / 2
    body.append(text(0, 0, "students", extra=f' transform="translate({number(PAD + FONT)} {number(middle)}) '
                                             f'rotate(-90)"'))
    return body


def histogram_svg(histogram: Sequence[dict[str, Any]], max_score: float) -> str:
    """The score histogram as an <svg>: a bar per bin of summary.json's "histogram" (id score-bin-{i}), its
    count above it (score-count-{i}; none for an empty bin), the bins' starts and `max_score` under it."""
    starts = [float(row["from"]) for row in histogram]
    ends = [float(row["to"]) for row in histogram]
    counts = [int(row["count"]) for row in histogram]
    span = max_score if max_score > 0 else max(ends, default=0.0) or 1.0
    top = max(counts, default=0) * 1.2 + 1  # room above the tallest bar for its count
    count_ticks = nice_ticks(top, whole=True)
    frame = histogram_frame(f"{count_ticks[-1]:g}", f"{max_score:g}")
    scale = frame.width / span
    body = []
    for index, (start, end, count) in enumerate(zip(starts, ends, counts)):
        x, width, height = frame.left + start * scale, 0.92 * (end - start) * scale, frame.height * count / top
        body.append(rect(x, frame.bottom - height, width, height, BAR, f"score-bin-{index}"))
        if count:
            body.append(text(x + width / 2, frame.bottom - height - 3, str(count), name=f"score-count-{index}"))
    ticks = [*starts, max_score] if starts else [0.0, max_score]
    body += axes(frame, [(frame.left + tick * scale, f"{tick:g}") for tick in ticks], f"score (out of {max_score:g})")
    body += count_axis(frame, top, count_ticks)
    shown = [f"{count} from {start:g} to {end:g}" for start, end, count in zip(starts, ends, counts) if count]
    label = f"Students by score, out of {max_score:g}: {'; '.join(shown) or 'none graded'}"
    return svg(frame, label, body)


def rows_frame(names: Sequence[str], labels: Sequence[str]) -> Frame:
    """A plot with a row per part: the longest name fits at its left, the longest label at its right."""
    left = PAD + max(map(text_width, names), default=0.0) + PAD
    right = 3 + max(map(text_width, labels), default=0.0) + PAD
    width = max(WIDTH - left - right, MIN_PLOT)
    return Frame(left, PAD, width, ROW * len(names), left + width + right)


def row_top(frame: Frame, index: int) -> float:
    """The top of the bars of the `index`-th row."""
    return frame.top + index * ROW + (ROW - BAR_HEIGHT) / 2


def row_baseline(frame: Frame, index: int) -> float:
    """The baseline of the texts of the `index`-th row, centred on its bars."""
    return frame.top + (index + 0.5) * ROW + 0.35 * FONT


def part_names(frame: Frame, names: Sequence[str]) -> list[str]:
    """Each part's name at the left of its row, right-aligned to the plot."""
    return [text(frame.left - PAD, row_baseline(frame, index), name, anchor="end") for index, name in enumerate(names)]


def pass_rate_svg(names: Sequence[str], rates: Sequence[float]) -> str:
    """Per part, the share of the class whose part passed, as an <svg>: a green bar (id pass-rate-{part}) over
    a grey track of 100%, "75%" after it (pass-rate-label-{part}), the first part on top."""
    labels = [f"{100 * rate:.0f}%" for rate in rates]
    frame = rows_frame(names, labels)
    body = part_names(frame, names)
    for index, (name, rate, label) in enumerate(zip(names, rates, labels)):
        width = frame.width * min(max(rate, 0.0), 1.0)
        body += [rect(frame.left, row_top(frame, index), frame.width, BAR_HEIGHT, TRACK),
                 rect(frame.left, row_top(frame, index), width, BAR_HEIGHT, PASSED, f"pass-rate-{name}"),
                 text(frame.left + width + 3, row_baseline(frame, index), label, "start", f"pass-rate-label-{name}")]
    ticks = [(frame.left + frame.width * share / 100, f"{share}%" if share == 100 else str(share))
             for share in (0, 25, 50, 75, 100)]
    body += axes(frame, ticks, "pass rate")
    shown = ", ".join(f"{name} {label}" for name, label in zip(names, labels))
    return svg(frame, f"Pass rate per part: {shown}", body)


def mean_points_svg(names: Sequence[str], means: Sequence[float], maxima: Sequence[float]) -> str:
    """Per part, the class's mean points as an <svg>: a purple bar (id mean-points-{part}) over a grey track of
    the part's points, "2.5 / 4" after the track (mean-points-label-{part}), the first part on top."""
    labels = [f"{mean:.3g} / {maximum:g}" for mean, maximum in zip(means, maxima)]
    frame = rows_frame(names, labels)
    top = max([*means, *maxima, 0.0]) or 1.0  # the plot's right edge, in points: 1 when every part is worth 0
    scale = frame.width / top
    body = part_names(frame, names)
    for index, (name, mean, maximum, label) in enumerate(zip(names, means, maxima, labels)):
        track, bar = max(maximum, 0.0) * scale, max(mean, 0.0) * scale
        body += [rect(frame.left, row_top(frame, index), track, BAR_HEIGHT, TRACK),
                 rect(frame.left, row_top(frame, index), bar, BAR_HEIGHT, MEAN, f"mean-points-{name}"),
                 text(frame.left + max(track, bar) + 3, row_baseline(frame, index), label, "start",
                      f"mean-points-label-{name}")]
    ticks = [(frame.left + tick * scale, f"{tick:g}") for tick in nice_ticks(top)]
    body += axes(frame, ticks, "mean points (grey: the part's points)")
    shown = ", ".join(f"{name} {label}" for name, label in zip(names, labels))
    return svg(frame, f"Mean points per part, out of the part's points: {shown}", body)
