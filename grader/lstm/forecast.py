"""The forecasting capstone: the student trains their own LSTM on yearly sunspot numbers.

The series (grader/data/sunspots.csv, 1700-2008) is scaled with the mean and
standard deviation of its first 80%, which is the training part; the rest is
held out. In the child the grader calls the student's

    train_forecaster(train_series, WINDOW, HIDDEN, STEPS, LEARNING_RATE, TRAINING_SEED) -> model
    forecast(model, x_heldout) -> y_hat

In the parent it checks the model's arrays, checks that `y_hat` is what an
LSTM with those parameters and a linear read-out of the last hidden state
gives (the grader's own LSTM, or in a student release the student's own
lstm_forward: see grader.lstm.forward_choice), and compares the
held-out mean squared error with the naive forecast "next value = last value".
Full points need an error at most MARGIN times the naive one; at most
HALF_MARGIN times earns half (a model that learned to repeat the last value
scores a ratio of 1). With the reference solution the part takes under a second.

When the part fails, the helpers the catalogued mistakes touch (make_windows,
forecast, forecast_loss_and_grads, adam_step) are called in the child on small
fixed inputs; a mistake is named when every helper the student has answers as
the reference with that mistake made, and at least one of them differs from
the reference.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.engine.parts import Case, Part
from grader.lstm.cases import PARAM_NAMES
from grader.engine.checks import PartContext, StudentFailure
from grader.engine.outputs import finish
from grader.engine.compare import compare_array
from grader.engine.diagnose import named
from grader.engine.output_patterns import same_array
from grader.engine.reference import ReferenceSource
from grader.engine.results import Diagnosis, PartResult
from grader.lstm.forward_choice import readout_forecast, trusted_lstm_forward
from grader.lstm.mistakes import mistakes_of
from grader.lstm.sequence import LSTM_BACKWARD, LSTM_FORWARD
from grader.sandbox.calls import Call

DATA_FILE = Path(__file__).resolve().parent / "data" / "sunspots.csv"
TRAIN_FRACTION = 0.8
WINDOW = 8
HIDDEN = 8
STEPS = 40
LEARNING_RATE = 0.04
TRAINING_SEED = 0
MARGIN = 0.8
HALF_MARGIN = 0.95
TRAIN_TIMEOUT = 30.0  # well inside the child's 60 s CPU limit; the reference needs about 0.15 s
MODEL_KEYS = PARAM_NAMES + ("W_y", "b_y")
TRAINING_ARG_NAMES = ("series", "window", "hidden_size", "steps", "learning_rate", "seed")


@dataclass(frozen=True)
class ForecastTask:
    """The series, its scaling, and the held-out windows the forecast is judged on.

    Args:
        years: the year of each value, shape (L,).
        raw: yearly mean sunspot number, shape (L,).
        scaled: (raw - mean) / std with the training part's mean and std.
        split: index of the first held-out year.
        x_test: held-out windows, shape (L - split, WINDOW, 1); the first ones
            start inside the training part, but every target is held out.
        y_test: the value after each window, shape (L - split, 1).
    """

    years: np.ndarray
    raw: np.ndarray
    scaled: np.ndarray
    split: int
    mean: float
    std: float
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def train(self) -> np.ndarray:
        return self.scaled[:self.split]

    @property
    def naive(self) -> np.ndarray:
        return self.x_test[:, -1]

    def unscale(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values) * self.std + self.mean


def load_series(path: Path = DATA_FILE) -> tuple[np.ndarray, np.ndarray]:
    """(years, values) from a two-column CSV with a header line."""
    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    return table[:, 0].astype(int), table[:, 1]


def forecast_task(path: Path = DATA_FILE) -> ForecastTask:
    years, raw = load_series(path)
    split = int(TRAIN_FRACTION * len(raw))
    mean, std = float(raw[:split].mean()), float(raw[:split].std())
    scaled = (raw - mean) / std
    starts = range(split - WINDOW, len(raw) - WINDOW)
    x_test = np.stack([scaled[start:start + WINDOW] for start in starts])[:, :, None]
    y_test = scaled[split:][:, None]
    return ForecastTask(years, raw, scaled, split, mean, std, x_test, y_test)


def forecast_cases(seed: int) -> list[Case]:
    """The one case: the training call's arguments (the seed of the run is fixed, not `seed`)."""
    task = forecast_task()
    return [Case(f"sunspots {task.years[0]}-{task.years[task.split - 1]} (train), "
                 f"{task.years[task.split]}-{task.years[-1]} (held out)",
                 (task.train, WINDOW, HIDDEN, STEPS, LEARNING_RATE, TRAINING_SEED))]


def training_call(seed: int) -> Call:
    """The capstone's first and long call, train_forecaster on the one case: its head start."""
    (case,) = forecast_cases(seed)
    return Call("train_forecaster", case.args, TRAINING_ARG_NAMES)


def mean_squared_error(prediction: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean((prediction - target) ** 2))


def model_problem(model: Any) -> str:
    """'' when model has the 14 arrays of the capstone with consistent shapes; else why not."""
    if not isinstance(model, dict):
        return f"train_forecaster returned {type(model).__name__}, expected a dict with the keys " \
               + " ".join(MODEL_KEYS)
    missing = [key for key in MODEL_KEYS if key not in model]
    if missing:
        return f"the model has no {', '.join(missing)}; expected the keys " + " ".join(MODEL_KEYS)
    for key in MODEL_KEYS:
        if type(model[key]) is not np.ndarray:
            return f"model[{key!r}] is a {type(model[key]).__name__}, expected a numpy array"
    H = model["U_f"].shape[-1]
    shapes = {"W": (1, H), "U": (H, H), "b": (H,)}
    expected = {key: shapes[key[0]] for key in PARAM_NAMES} | {"W_y": (H, 1), "b_y": (1,)}
    for key, shape in expected.items():
        if model[key].shape != shape:
            return f"model[{key!r}] has shape {model[key].shape}, expected {shape} (D = 1, H = {H})"
        if not np.isfinite(model[key]).all():
            return f"model[{key!r}] contains NaN or infinity: training diverged (clip the gradients?)"
    return ""


@dataclass(frozen=True)
class ForecastRun:
    """What the student's training gave: the model, its held-out forecast and both errors."""

    task: ForecastTask
    model: dict[str, np.ndarray]
    prediction: np.ndarray
    mse: float
    naive_mse: float
    train_seconds: float


class ForecastProblem(Exception):
    """The student's functions ran but their result cannot be judged (wrong structure, NaN, ...)."""


def run_student_forecast(context: PartContext) -> ForecastRun:
    """Train the student's model in the child and forecast the held-out years.

    Raises:
        StudentFailure: a student function is missing, raised or timed out.
        ForecastProblem: the model or the forecast has the wrong structure.
    """
    task = forecast_task()
    training = training_call(context.seed)
    saved_timeout = context.timeout
    context.timeout = max(TRAIN_TIMEOUT, saved_timeout)
    try:
        started = time.perf_counter()
        model, _ = context.call(training.function, tuple(training.args), tuple(training.arg_names or ()))
        seconds = context.ran_ahead_for if context.ran_ahead_for is not None else time.perf_counter() - started
    finally:
        context.timeout = saved_timeout
    problem = model_problem(model)
    if problem:
        raise ForecastProblem(problem)
    model = {key: model[key] for key in MODEL_KEYS}
    prediction, _ = context.call("forecast", (model, task.x_test), ("model", "x"))
    if type(prediction) is not np.ndarray or prediction.shape != task.y_test.shape:
        got = f"shape {prediction.shape}" if isinstance(prediction, np.ndarray) else type(prediction).__name__
        raise ForecastProblem(f"forecast(model, x) for {len(task.y_test)} held-out windows returned {got}, "
                              f"expected an array of shape {task.y_test.shape}")
    forward, _ = trusted_lstm_forward(context)
    expected = readout_forecast(forward, model, task.x_test)
    agreement = compare_array(prediction, expected)
    if not agreement.ok:
        raise ForecastProblem("forecast(model, x) is not what an LSTM with the parameters in model and a "
                              f"linear read-out of the last hidden state gives: {agreement.problem}; "
                              "start from zero states and use h[:, -1] @ W_y + b_y")
    return ForecastRun(task, model, prediction, mean_squared_error(prediction, task.y_test),
                       mean_squared_error(task.naive, task.y_test), seconds)


def check_forecast(part: Part, context: PartContext) -> PartResult:
    """Full points when the held-out MSE is at most MARGIN times the naive forecast's."""
    started = time.perf_counter()
    try:
        run = run_student_forecast(context)
    except StudentFailure as failure:
        # a missing train_forecaster is a missing capstone, not an error of forecast
        return finish(part, context, failure.status, 0, failure.messages, started)
    except ForecastProblem as problem:
        return finish(part, context, "fail", 0, [str(problem)], started,
                      diagnosis=forecast_diagnosis(context))
    ratio = run.mse / run.naive_mse
    task = run.task
    numbers = (f"held-out MSE {run.mse:.3f} against the naive last-value forecast's {run.naive_mse:.3f} "
               f"(ratio {ratio:.2f}; needed {MARGIN:g} or less) on {len(task.y_test)} years "
               f"{task.years[task.split]}-{task.years[-1]}, trained in {run.train_seconds:.1f} s")
    if ratio <= MARGIN:
        return finish(part, context, "pass", part.points, [numbers], started)
    if ratio <= HALF_MARGIN:
        return finish(part, context, "fail", part.points / 2,
                      [numbers, "beats the naive forecast, but not by the margin: check the windows' "
                                "targets, the read-out gradient and the Adam step"], started,
                      diagnosis=forecast_diagnosis(context))
    return finish(part, context, "fail", 0,
                  [numbers, "no better than repeating the last value: is the target the value AFTER each "
                            "window, and does the loss go down while training?"], started,
                  diagnosis=forecast_diagnosis(context))


@dataclass(frozen=True)
class Probe:
    """One call of a capstone helper on small fixed inputs."""

    function: str
    args: tuple[Any, ...]
    arg_names: tuple[str, ...]


def probes() -> list[Probe]:
    """Fixed inputs for the helpers the catalogue's mistakes touch: N = 4 windows of T = 3 steps, H = 3."""
    rng = np.random.default_rng(20)
    H = 3
    shapes = {"W": (1, H), "U": (H, H), "b": (H,)}
    model = {key: 0.5 * rng.standard_normal(shapes[key[0]]) for key in PARAM_NAMES}
    model |= {"W_y": 0.5 * rng.standard_normal((H, 1)), "b_y": np.array([0.1])}
    grads = {key: rng.standard_normal(value.shape) for key, value in model.items()}
    series = np.sin(np.linspace(0.0, 3.0, 7))
    x = np.stack([series[n:n + 3] for n in range(4)])[:, :, None]
    y = series[3:][:, None]
    return [
        Probe("make_windows", (series, 3), ("series", "window")),
        Probe("forecast", (model, x), ("model", "x")),
        Probe("forecast_loss_and_grads", (model, x, y), ("model", "x", "y")),
        Probe("adam_step", (model, grads, {}, 0.01), ("model", "grads", "state", "learning_rate")),
    ]


def flatten(value: Any, name: str = "") -> dict[str, Any]:
    """Nested tuples, lists and dicts of numbers as {"0.W_f": array, ...}; numbers become float64 arrays."""
    if isinstance(value, dict):
        return {key: item for inner, part in sorted(value.items(), key=lambda pair: str(pair[0]))
                for key, item in flatten(part, f"{name}.{inner}").items()}
    if isinstance(value, (tuple, list)):
        return {key: item for index, part in enumerate(value) for key, item in flatten(part, f"{name}.{index}").items()}
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return {name: np.asarray(value, dtype=np.float64)}
    return {name: value}


def same_answer(got: dict[str, Any], other: dict[str, Any]) -> bool:
    return got.keys() == other.keys() and all(same_array(value, other[key]) for key, value in got.items())


def forecast_diagnosis(context: PartContext) -> Diagnosis | None:
    """The catalogued mistake behind a failing capstone; never lets the tutor break the grading."""
    try:
        return diagnose_forecast(student_answers(context), context.reference)
    except Exception:  # noqa: BLE001  (a diagnosis is extra help; a grade without one is still right)
        return None


def student_answers(context: PartContext) -> dict[str, dict[str, Any]]:
    """The student's helpers on the probes, flattened; a helper that is missing or raises is left out."""
    answers = {}
    for probe in probes():
        try:
            value, _ = context.call(probe.function, probe.args, probe.arg_names)
        except StudentFailure as failure:
            if failure.status == "timeout":
                break
            continue
        answers[probe.function] = flatten(value)
    return answers


def diagnose_forecast(answers: dict[str, dict[str, Any]], reference: ReferenceSource) -> Diagnosis | None:
    """The one mistake whose helpers answer every probe as the student's do, differing from the reference.

    Args:
        answers: the student's flattened answers by helper name (see `student_answers`).
        reference: the reference source, which also says how each mistake computes.
    """
    by_name = {probe.function: probe for probe in probes()}

    def run(function: Any, name: str) -> dict[str, Any]:
        return flatten(function(*copy.deepcopy(by_name[name].args)))

    expected = {name: run(reference(name), name) for name in answers}
    if all(same_answer(answers[name], expected[name]) for name in answers):
        return None
    found = []
    for mistake in mistakes_of("forecast"):
        shown = False
        for name, got in answers.items():
            produced = run(reference.variant(mistake, name), name)
            if not same_answer(got, produced):
                break
            shown = shown or not same_answer(produced, expected[name])
        else:
            if shown:
                found.append(mistake)
    return named(found[0], "forecast") if len(found) == 1 else None


FILE = "part7_forecast.py"


FORECAST = Part(
    "forecast", "bonus", 5, ("model", "x"), ("y_hat",), forecast_cases,
    "Train on windows of the series: your lstm_forward, a linear read-out of h[:, -1], the MSE and its "
    "gradient through the read-out into your lstm_backward, clipping, then Adam; forecast must use "
    "the same read-out of the last hidden state.",
    check_forecast, FILE, calls=(LSTM_FORWARD, LSTM_BACKWARD), mistakes=mistakes_of("forecast"),
    head_start=training_call,
    diagnosis_calls=lambda: [(probe.function, probe.args) for probe in probes()])
