"""`lstm-grader plot`: the bonus parts as PNG pictures (drawn by `grader.student.plots`)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import click

from grader.student.plots import PlotError, forecast_picture, gradient_flow_picture


def drawn(picture: Callable[[str, Path, bool], Path], submission: str | None, out: Path,
          use_reference: bool) -> None:
    """Draw one picture and say where it went; what stopped it is one line and exit code 1.

    Args:
        picture: the drawing function of grader.student.plots.
        submission: the student's code; None means the default `check` and `watch` use
            (exercises/, or the workspace you are in).
        out: the PNG file to write.
        use_reference: draw the reference solution instead.
    """
    from grader.cli.commands import default_submission

    try:
        written = picture(submission or default_submission(), out, use_reference)
    except PlotError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {written}")


@click.group()
def plot() -> None:
    """Draw the bonus parts as PNG pictures (needs the plot extra: matplotlib).

    SUBMISSION defaults to exercises/, or the workspace you are in (as for check and watch).
    """


@plot.command("gradient-flow")
@click.argument("submission", required=False)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("gradient-flow.png"),
              show_default=True, help="PNG file to write.")
@click.option("--reference", "use_reference", is_flag=True, help="Draw the reference solution's LSTM.")
def gradient_flow(submission: str | None, out: Path, use_reference: bool) -> None:
    """Gradient norm over time: a vanilla RNN against your LSTM (your gradient_norms)."""
    drawn(gradient_flow_picture, submission, out, use_reference)


@plot.command("forecast")
@click.argument("submission", required=False)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("forecast.png"),
              show_default=True, help="PNG file to write.")
@click.option("--reference", "use_reference", is_flag=True, help="Train and draw the reference solution.")
def forecast_plot(submission: str | None, out: Path, use_reference: bool) -> None:
    """The sunspot series, your held-out forecast and the naive last-value forecast."""
    drawn(forecast_picture, submission, out, use_reference)
