"""The bonus parts: checkers judged by right and wrong answers.

The grader's own LSTM (grader.lstm.numpy_lstm) must equal the reference; the
references' agreement with torch autograd is in tests/test_reference_vs_torch.py.
Whole submissions are graded on the in-process fake runner
(tests/fake_runner.py); the solutions' full bonus and the training time limits
also run through the real child, in the slow run.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from grader.lstm import memory_cell as bonus_checks
from grader.lstm import forecast
from grader.lstm import numpy_lstm as recurrent
from grader.lstm.forward_choice import readout_forecast
from grader.lstm import vanilla_rnn as rnn
from grader.lstm import BONUS_PARTS
from grader.lstm.peephole import peephole_backward_cases
from grader.lstm.cases import PARAM_NAMES, make_params
from grader.lstm.grading import grade
from grader.engine.reference import load_functions
from fake_runner import GRADERS, grade_in_process

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = ROOT / "solutions"
EXERCISES_DIR = ROOT / "exercises"
RTOL = 1e-10


@pytest.fixture(scope="module")
def solutions() -> dict[str, Callable[..., Any]]:
    """The reference functions by name, loaded without leaving the modules in sys.modules
    (the submission loader refuses file names that would shadow a loaded module)."""
    return load_functions(sorted(SOLUTIONS_DIR.glob("*.py")))


def test_peephole_with_zero_peepholes_is_the_plain_cell(solutions) -> None:
    rng = np.random.default_rng(5)
    params = make_params(rng, 4, 3)
    zero = {**params, "p_f": np.zeros(3), "p_i": np.zeros(3), "p_o": np.zeros(3)}
    x, h_prev, c_prev = rng.standard_normal((2, 4)), rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    plain = solutions["lstm_cell_forward"](x, h_prev, c_prev, params)
    peep = solutions["peephole_cell_forward"](x, h_prev, c_prev, zero)
    np.testing.assert_allclose(peep[0], plain[0], rtol=RTOL)
    np.testing.assert_allclose(peep[1], plain[1], rtol=RTOL)


def test_peephole_backward_gradient_check_covers_the_peepholes() -> None:
    part = next(part for part in BONUS_PARTS if part.name == "peephole_cell_backward")
    (case,) = [case for case in peephole_backward_cases(1) if case.gradient_check]
    names = [name for name, *_ in part.numerical(case).targets]
    assert names[-3:] == ["dp_f", "dp_i", "dp_o"] and len(names) == 18


def test_grader_lstm_equals_the_reference(solutions) -> None:
    rng = np.random.default_rng(11)
    params = make_params(rng, 3, 4, scale=2.0)
    x, h0, c0 = rng.standard_normal((5, 9, 3)), rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    h, c, _ = solutions["lstm_forward"](x, h0, c0, params)
    ours_h, ours_c = recurrent.lstm_forward(x, h0, c0, params)
    np.testing.assert_allclose(ours_h, h, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(ours_c, c, rtol=1e-13, atol=1e-15)


def test_grader_forecast_equals_the_reference(solutions) -> None:
    model = solutions["init_forecaster"](6, seed=2)
    x = np.random.default_rng(2).standard_normal((7, 8, 1))
    np.testing.assert_allclose(readout_forecast(recurrent.lstm_forward, model, x), solutions["forecast"](model, x),
                               rtol=1e-13)


def test_rnn_gradients_vanish_where_the_lstm_cell_path_keeps_them() -> None:
    rng = np.random.default_rng(0)
    T, D, H = 60, 4, 16
    x = rng.standard_normal((1, T, D))
    norms = rnn.rnn_gradient_norms(x, np.zeros((1, H)), rnn.rnn_params(rng, D, H))
    assert norms[0] / norms[-1] < 1e-6


# the memory cell ---------------------------------------------------------------

def reference_memory_params(solutions) -> dict[str, np.ndarray]:
    return solutions["memory_cell_params"]()


def verdicts(params) -> dict[str, bonus_checks.Verdict]:
    return {verdict.name: verdict for verdict in bonus_checks.run_behaviours(params, seed=7)}


def test_reference_memory_cell_passes_every_behaviour(solutions) -> None:
    assert all(verdict.ok for verdict in verdicts(reference_memory_params(solutions)).values())


def test_a_different_correct_memory_cell_is_accepted() -> None:
    # stronger switches, a candidate that also listens to write, and recurrent weights that do nothing harmful
    big = 40.0
    params = {
        "W_f": np.array([[0.0], [-big], [0.0]]), "U_f": np.array([[0.5]]), "b_f": np.array([big / 2]),
        "W_i": np.array([[0.0], [big], [0.0]]), "U_i": np.array([[0.0]]), "b_i": np.array([-big / 2]),
        "W_g": np.array([[10.0], [1.0], [0.0]]), "U_g": np.array([[0.0]]), "b_g": np.array([0.0]),
        "W_o": np.array([[0.0], [0.0], [big]]), "U_o": np.array([[0.0]]), "b_o": np.array([-big / 2]),
    }
    assert all(verdict.ok for verdict in verdicts(params).values())


def test_leaky_output_gate_is_named_as_a_leak_only(solutions) -> None:
    params = reference_memory_params(solutions)
    params["b_o"] = np.array([10.0])
    result = verdicts(params)
    assert not result["silent"].ok and "leaked output while not reading" in result["silent"].message
    assert all(verdict.ok for name, verdict in result.items() if name != "silent")


def test_weak_forget_gate_is_named_as_forgetting_while_holding(solutions) -> None:
    params = reference_memory_params(solutions)
    params["b_f"] = np.array([3.0])  # sigmoid(3) = 0.95: fine for a few steps, gone after 50
    result = verdicts(params)
    assert not result["hold"].ok and "forgot while holding" in result["hold"].message
    assert result["store"].ok


@pytest.mark.parametrize("change,words", [
    ({"W_f": np.array([[np.nan], [0.0], [0.0]])}, "NaN"),
    ({"b_i": np.array([1e6])}, "above the allowed"),
    ({"W_g": np.zeros((1, 3))}, "shape (1, 3), expected (3, 1)"),
    ({"p_f": np.zeros(1)}, "unexpected keys p_f"),
    ({"U_o": "ten"}, "not an array of numbers"),
])
def test_unusable_memory_params_are_rejected_with_a_reason(solutions, change, words) -> None:
    params = {**reference_memory_params(solutions), **change}
    usable, problem = bonus_checks.params_problem(params)
    assert usable is None and words in problem


def test_memory_params_missing_keys_are_named() -> None:
    usable, problem = bonus_checks.params_problem({"W_f": np.zeros((3, 1))})
    assert usable is None and "missing keys U_f, b_f, W_i," in problem


# the forecast ------------------------------------------------------------------

def test_forecast_task_splits_the_sunspot_series() -> None:
    task = forecast.forecast_task()
    assert task.years[0] == 1700 and task.years[-1] == 2008 and len(task.raw) == 309
    assert task.split == int(0.8 * 309)
    assert task.x_test.shape == (309 - task.split, forecast.WINDOW, 1)
    # every held-out target comes after the training part, and each window ends right before its target
    np.testing.assert_array_equal(task.y_test[:, 0], task.scaled[task.split:])
    np.testing.assert_array_equal(task.x_test[1:, -1, 0], task.y_test[:-1, 0])
    assert abs(task.train.mean()) < 1e-12 and abs(task.train.std() - 1.0) < 1e-12


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_reference_forecaster_beats_naive_by_the_margin_for_several_seeds(solutions, seed) -> None:
    task = forecast.forecast_task()
    model = solutions["train_forecaster"](task.train, forecast.WINDOW, forecast.HIDDEN, forecast.STEPS,
                                      forecast.LEARNING_RATE, seed)
    assert forecast.model_problem(model) == ""
    mse = forecast.mean_squared_error(solutions["forecast"](model, task.x_test), task.y_test)
    naive = forecast.mean_squared_error(task.naive, task.y_test)
    assert mse / naive < forecast.MARGIN - 0.1, f"ratio {mse / naive:.2f}"


def test_model_problem_names_the_wrong_array() -> None:
    model = {key: np.zeros((1, 4)) for key in forecast.MODEL_KEYS}
    assert "model['U_f'] has shape (1, 4), expected (4, 4)" in forecast.model_problem(model)
    assert "no W_y" in forecast.model_problem({key: np.zeros(1) for key in PARAM_NAMES})


# whole submissions -------------------------------------------------------------

@pytest.mark.parametrize("grade_with", GRADERS)
def test_reference_solutions_score_full_bonus(grade_with) -> None:
    report = grade_with(SOLUTIONS_DIR, parts=[part.name for part in BONUS_PARTS], seed=1234)
    assert (report.bonus, report.max_bonus) == (20.0, 20.0), [part.messages for part in report.parts]


def test_stubs_score_zero_bonus_as_missing() -> None:
    report = grade_in_process(EXERCISES_DIR, parts=[part.name for part in BONUS_PARTS], seed=1234)
    assert report.bonus == 0.0
    assert {part.name: part.status for part in report.parts} == {part.name: "missing" for part in BONUS_PARTS}


def squeeze(text: str) -> str:
    return "".join(text.split())


def solution_lines(function: str) -> list[str]:
    """The lines of the function's solution region that its stub does not already show."""
    for path in sorted(SOLUTIONS_DIR.glob("part[4567]_*.py")):
        text = path.read_text(encoding="utf-8")
        start = text.find(f"def {function}(")
        if start < 0:
            continue
        body = text[start:text.index("### END SOLUTION", start)]
        region = body[body.index("### BEGIN SOLUTION") + len("### BEGIN SOLUTION"):]
        stub = squeeze((EXERCISES_DIR / path.name).read_text(encoding="utf-8"))
        lines = [squeeze(line.split("#")[0]) for line in region.splitlines()]
        return [line for line in lines if line and not line.startswith("return") and line not in stub]
    raise AssertionError(f"no reference for {function}")


@pytest.mark.parametrize("part", [part.name for part in BONUS_PARTS])
def test_bonus_hints_have_three_levels_and_keep_the_solution(part: str) -> None:
    from grader.lstm.hints import hint_levels

    levels = hint_levels(part)
    assert len(levels) == 3 and all(body.strip() for _, body in levels)
    secret = solution_lines(part)
    revealed = squeeze(" ".join(body for _, body in levels))
    shown = [line for line in secret if line in revealed]
    assert len(shown) <= len(secret) / 3, f"{part} hints show {shown}"


def slow_training_submission(folder: Path, seconds: float) -> Path:
    for path in SOLUTIONS_DIR.glob("*.py"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    with (folder / "part7_forecast.py").open("a", encoding="utf-8") as file:
        file.write(f"\n\n_train = train_forecaster\n\n\ndef train_forecaster(*args):\n"
                   f"    import time\n    time.sleep({seconds})\n    return _train(*args)\n")
    return folder


# the time limits are the child's: these two go through it


@pytest.mark.slow
def test_training_gets_more_time_than_an_ordinary_call(tmp_path: Path) -> None:
    report = grade(slow_training_submission(tmp_path, 2.0), parts=["forecast"], seed=1234, timeout=1.0)
    assert report.part("forecast").status == "pass", report.part("forecast").messages


@pytest.mark.slow
def test_training_past_its_budget_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forecast, "TRAIN_TIMEOUT", 1.5)
    report = grade(slow_training_submission(tmp_path, 5.0), parts=["forecast"], seed=1234, timeout=1.0)
    result = report.part("forecast")
    assert (result.status, result.score) == ("timeout", 0.0)
    assert "train_forecaster did not finish within 1.5 s" in result.messages[0]


def test_capstone_stub_states_the_graders_settings() -> None:
    text = " ".join((EXERCISES_DIR / "part7_forecast.py").read_text(encoding="utf-8").split())
    call = (f"train_forecaster(train_series, {forecast.WINDOW}, {forecast.HIDDEN}, {forecast.STEPS}, "
            f"{forecast.LEARNING_RATE:g}, {forecast.TRAINING_SEED})")
    assert call in text
    assert f"at most {forecast.MARGIN:g} times" in text and f"at most {forecast.HALF_MARGIN:g}" in text


def test_without_the_graders_lstm_the_memory_cell_runs_through_the_students_forward(monkeypatch):
    """A student release leaves grader.lstm.numpy_lstm out; the memory cell must still be judged."""
    from grader.lstm import forward_choice as trusted

    monkeypatch.setattr(trusted, "grader_forward", lambda: None)
    solutions = Path(__file__).resolve().parent.parent / "solutions"
    part = grade_in_process(solutions, parts=["memory_cell_params"], seed=3).part("memory_cell_params")
    assert part.status == "pass"
    assert any("your own lstm_forward" in message for message in part.messages)
