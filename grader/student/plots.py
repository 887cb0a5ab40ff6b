"""Pictures of the bonus parts, saved as PNG files (the commands: grader/cli/plot.py).

    lstm-grader plot gradient-flow [SUBMISSION] [--out FILE] [--reference]
    lstm-grader plot forecast [SUBMISSION] [--out FILE] [--reference]

Both run the student's own functions in the child, exactly as grading does
(`gradient_norms`; `train_forecaster` and `forecast`), and draw the numbers in
the parent. `--reference` draws the reference solutions instead. matplotlib is
an optional extra (`pip install "lstm-autograder[plot]"`); it is imported only
here, only when a plot is drawn, and grading never imports this module's
drawing code. Whatever stops a picture is a PlotError with a message for the user.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from grader.lstm import vanilla_rnn as rnn
from grader.lstm.cases import make_params
from grader.engine.checks import PartContext, StudentFailure
from grader.lstm.forecast import ForecastProblem, ForecastRun, mean_squared_error, run_student_forecast
from grader.sandbox import DEFAULT_TIMEOUT

FLOW_LENGTH, FLOW_INPUTS, FLOW_HIDDEN, FLOW_SEED = 60, 4, 16, 0
FORGET_BIASES = (0.0, 1.0, 3.0)
FORECAST_FROM_YEAR = 1850


class PlotError(Exception):
    """A picture cannot be drawn: matplotlib is missing, the submission cannot be read or run, or the
    student's function answered something the picture cannot use. The message says which."""


@dataclass(frozen=True)
class Curve:
    label: str
    norms: np.ndarray
    style: str


def pyplot() -> Any:
    """matplotlib's pyplot on the file-only Agg backend, or a clear error when it is not installed."""
    try:
        import matplotlib
    except ImportError:
        raise PlotError('plotting needs matplotlib: pip install "lstm-autograder[plot]"') from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@contextlib.contextmanager
def student_context(submission: str, timeout: float = DEFAULT_TIMEOUT) -> Iterator[PartContext]:
    """A child running the submission, wrapped as grading wraps it."""
    from grader.sandbox import ChildSession, resolve_sandbox
    from grader.engine.submission import SubmissionError, load_submission

    try:
        loaded = load_submission(submission)
    except SubmissionError as error:
        raise PlotError(str(error)) from None
    try:
        with ChildSession(loaded.files, loaded.module_names, loaded.search_path, load_timeout=timeout,
                          sandbox=resolve_sandbox("process")) as session:
            yield PartContext(session, None, loaded.default_seed, timeout)  # type: ignore[arg-type]
    finally:
        loaded.cleanup()


def reference_function(name: str) -> Callable[..., Any]:
    from grader.engine.reference import ReferenceUnavailable
    from grader.engine.reference_source import open_reference

    try:
        return open_reference()(name)
    except ReferenceUnavailable as error:
        raise PlotError(str(error)) from None


def failure_message(failure: StudentFailure, plot_name: str) -> str:
    return (f"plot {plot_name} runs your {failure.function}: {failure.messages[0]} "
            "(--reference draws the reference solution instead)")


def gradient_flow_curves(lstm_norms: Callable[..., np.ndarray], length: int = FLOW_LENGTH,
                         seed: int = FLOW_SEED) -> list[Curve]:
    """Gradient norms of a vanilla RNN and of an LSTM (forget-gate bias 0, 1, 3) on one random sequence.

    Every net gets weights drawn at the scale 1 / sqrt(fan-in), and the same input.
    """
    rng = np.random.default_rng(seed)
    D, H = FLOW_INPUTS, FLOW_HIDDEN
    x = rng.standard_normal((1, length, D))
    zeros = np.zeros((1, H))
    curves = [Curve("vanilla tanh RNN", rnn.rnn_gradient_norms(x, zeros, rnn.rnn_params(rng, D, H)),
                    "k:")]
    base = make_params(rng, D, H, scale=1.0 / np.sqrt(H))
    for bias, style in zip(FORGET_BIASES, ("C1--", "C0-.", "C2-")):
        params = {**base, "b_f": base["b_f"] + bias}
        norms = np.asarray(lstm_norms(x, zeros, zeros, params), dtype=np.float64)
        if norms.shape != (length,):
            raise PlotError(f"gradient_norms returned shape {norms.shape}, expected ({length},)")
        curves.append(Curve(f"LSTM, forget-gate bias b_f = {bias:g}", norms, style))
    return curves


def draw_gradient_flow(curves: list[Curve], out: Path) -> Path:
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(7.5, 4.5), dpi=110)
    for curve in curves:
        # relative to the last step, so every net starts at 1 where the loss is
        relative = curve.norms[::-1] / max(float(curve.norms[-1]), 1e-300)
        axes.semilogy(np.arange(len(relative)), np.maximum(relative, 1e-300), curve.style, lw=2,
                      label=curve.label)
    axes.set_xlabel("steps back from the loss (the loss is sum(h) at the last step)")
    axes.set_ylabel("||dL/dx_t||, relative to the last step")
    axes.set_title("How far back does the gradient reach?")
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(loc="lower left")
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out)
    plt.close(figure)
    return out


def draw_forecast(run: ForecastRun, out: Path, who: str) -> Path:
    plt = pyplot()
    task = run.task
    shown = task.years >= FORECAST_FROM_YEAR
    held_out = task.years[task.split:]
    figure, axes = plt.subplots(figsize=(8.5, 4.5), dpi=110)
    axes.plot(task.years[shown], task.raw[shown], color="0.55", lw=1.2, label="sunspots (train part)")
    axes.plot(held_out, task.raw[task.split:], "k-", lw=1.8, label="sunspots (held out)")
    axes.plot(held_out, task.unscale(task.naive[:, 0]), "C1--", lw=1.5,
              label=f"naive: next = last (MSE {run.naive_mse:.2f})")
    axes.plot(held_out, task.unscale(run.prediction[:, 0]), "C0-", lw=2,
              label=f"{who} LSTM forecast (MSE {run.mse:.2f})")
    axes.axvline(task.years[task.split] - 0.5, color="0.3", ls=":", lw=1)
    axes.set_xlabel("year")
    axes.set_ylabel("yearly mean sunspot number")
    axes.set_title(f"One year ahead on held-out years: MSE ratio {run.mse / run.naive_mse:.2f} "
                   "(scaled units; below 0.8 passes)")
    axes.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out)
    plt.close(figure)
    return out


def reference_forecast_run() -> ForecastRun:
    """The reference solution's capstone, trained in this process (trusted code only)."""
    import time

    from grader.lstm import forecast as capstone

    task = capstone.forecast_task()
    started = time.perf_counter()
    model = reference_function("train_forecaster")(task.train, capstone.WINDOW, capstone.HIDDEN,
                                                   capstone.STEPS, capstone.LEARNING_RATE,
                                                   capstone.TRAINING_SEED)
    seconds = time.perf_counter() - started
    from grader.lstm.forward_choice import readout_forecast
    from grader.lstm.numpy_lstm import lstm_forward  # --reference needs the solutions, so this is a full install

    prediction = readout_forecast(lstm_forward, model, task.x_test)
    return ForecastRun(task, model, prediction, mean_squared_error(prediction, task.y_test),
                       mean_squared_error(task.naive, task.y_test), seconds)


def gradient_flow_picture(submission: str, out: Path, use_reference: bool) -> Path:
    """Draw the gradient flow of the submission's gradient_norms (or the reference's) into `out`."""
    pyplot()
    if use_reference:
        curves = gradient_flow_curves(reference_function("gradient_norms"))
    else:
        with student_context(submission) as context:
            def student_norms(*args: np.ndarray) -> np.ndarray:
                value, _ = context.call("gradient_norms", args, ("x", "h0", "c0", "params"))
                return value

            try:
                curves = gradient_flow_curves(student_norms)
            except StudentFailure as failure:
                raise PlotError(failure_message(failure, "gradient-flow")) from None
    return draw_gradient_flow(curves, out)


def forecast_picture(submission: str, out: Path, use_reference: bool) -> Path:
    """Train the submission's forecaster (or the reference's) and draw its forecast into `out`."""
    pyplot()
    if use_reference:
        run, who = reference_forecast_run(), "reference"
    else:
        with student_context(submission) as context:
            try:
                run, who = run_student_forecast(context), "your"
            except StudentFailure as failure:
                raise PlotError(failure_message(failure, "forecast")) from None
            except ForecastProblem as problem:
                raise PlotError(str(problem)) from None
    return draw_forecast(run, out, who)
