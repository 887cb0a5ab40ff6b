"""The memory-cell checker: the student's hand-set weights, run through a trusted LSTM.

`memory_cell_params()` runs in the child and returns 12 arrays; everything else
happens here, in the parent. The weights go through the grader's own LSTM
(grader.lstm.numpy_lstm, equal to the reference; in a student release, which holds
no LSTM of the grader's, the student's own lstm_forward: see grader.lstm.forward_choice) on families of random sequences, one family per behaviour of the gate
behaviour table: store, hold, ignore value while not writing, overwrite, stay
silent while not reading, and fully random sequences. The result names the
behaviours that failed, with one example each.

The input at each step is x_t = [value, write, read]. The ideal memory holds
the value of the last write; a read must give h > 0.5 for a stored +1 and
h < -0.5 for a stored -1, and a step that does not read must give |h| < 0.1.

A failing cell is compared with the catalogued mistakes (grader.lstm.bonus_mistakes):
each one's weights, from the reference with that mistake made, go through the
same behaviours. The mistake is named when the student's weights equal its
weights, or, as a "looks like", when the student's cell fails exactly the same
behaviours as that mistake's and no other catalogued mistake's.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.lstm.cases import PARAM_NAMES, part_rng
from grader.engine.checks import PartContext
from grader.engine.outputs import finish, partial_points
from grader.engine.compare import REAL_KINDS, describe_type, shape_problem
from grader.engine.diagnose import Variants, named
from grader.engine.parts import Case, Part
from grader.engine.results import Diagnosis, PartResult
from grader.lstm.forward_choice import Forward, grader_forward, trusted_lstm_forward
from grader.lstm.mistakes import mistakes_of

D, H = 3, 1
MAX_MAGNITUDE = 1e3
READ_LEVEL = 0.5
SILENT_LEVEL = 0.1
SEQUENCES = 64
LONG_HOLD = (50, 150)


@dataclass(frozen=True)
class Behaviour:
    """One family of test sequences and the sentence that says what went wrong.

    Args:
        name: short name, e.g. "hold".
        failure: what the cell did wrong, e.g. "it forgot while holding".
        x: the sequences, shape (N, T, 3).
    """

    name: str
    failure: str
    x: np.ndarray


@dataclass(frozen=True)
class Verdict:
    name: str
    ok: bool
    message: str


def step(value: np.ndarray | float, write: float, read: float) -> np.ndarray:
    return np.stack(np.broadcast_arrays(np.asarray(value, dtype=np.float64), write, read), axis=-1)


def random_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=shape)


def store_sequences(rng: np.random.Generator) -> np.ndarray:
    """Write at step 0 (sometimes reading at once), read at step 1 with a random distractor value."""
    values = random_values(rng, (SEQUENCES, 2))
    x = np.zeros((SEQUENCES, 2, D))
    x[:, 0] = step(values[:, 0], 1.0, 0.0)
    x[::2, 0, 2] = 1.0
    x[:, 1] = step(values[:, 1], 0.0, 1.0)
    return x


def hold_sequences(rng: np.random.Generator, shortest: int, longest: int, distractor: str) -> np.ndarray:
    """Write at step 0, wait a random shortest..longest steps with write = read = 0, then read once.

    distractor "random" feeds random values while waiting; "opposite" feeds
    the opposite of the stored value, the hardest case for a leaky input gate.
    """
    stored = random_values(rng, (SEQUENCES,))
    holds = rng.integers(shortest, longest + 1, size=SEQUENCES)
    x = np.zeros((SEQUENCES, longest + 2, D))
    if distractor == "opposite":
        x[:, :, 0] = -stored[:, None]
    else:
        x[:, :, 0] = random_values(rng, (SEQUENCES, longest + 2))
    x[:, 0] = step(stored, 1.0, 0.0)
    x[np.arange(SEQUENCES), holds + 1, 2] = 1.0
    return x


def overwrite_sequences(rng: np.random.Generator) -> np.ndarray:
    """Write v, wait, write -v, wait, read: the second write must replace the first."""
    first = random_values(rng, (SEQUENCES,))
    x = np.zeros((SEQUENCES, 12, D))
    x[:, :, 0] = random_values(rng, (SEQUENCES, 12))
    x[:, 0] = step(first, 1.0, 0.0)
    x[:, 5] = step(-first, 1.0, 0.0)
    x[:, -1, 2] = 1.0
    return x


def random_sequences(rng: np.random.Generator, length: int = 100) -> np.ndarray:
    """Writes (10%) and reads (30%) at random times; the first step writes."""
    x = np.zeros((SEQUENCES, length, D))
    x[:, :, 0] = random_values(rng, (SEQUENCES, length))
    x[:, :, 1] = rng.random((SEQUENCES, length)) < 0.1
    x[:, :, 2] = rng.random((SEQUENCES, length)) < 0.3
    x[:, 0, 1] = 1.0
    return x


def behaviours(seed: int) -> list[Behaviour]:
    rng = part_rng(seed, "memory_cell_params")
    shortest, longest = LONG_HOLD
    return [
        Behaviour("store", "it did not store the written value", store_sequences(rng)),
        Behaviour("hold", f"it forgot while holding ({shortest} to {longest} steps without writing)",
                  hold_sequences(rng, shortest, longest, "random")),
        Behaviour("ignore", "it let value in while write was 0", hold_sequences(rng, 3, 12, "opposite")),
        Behaviour("overwrite", "a second write did not replace the stored value", overwrite_sequences(rng)),
        Behaviour("random", "it failed on random sequences of writes and reads", random_sequences(rng)),
    ]


def ideal_memory(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the memory holds after each step, and how many steps ago it was written."""
    N, T, _ = x.shape
    stored = np.zeros((N, T))
    age = np.zeros((N, T), dtype=int)
    current = np.zeros(N)
    since = np.zeros(N, dtype=int)
    for t in range(T):
        writing = x[:, t, 1] == 1.0
        current = np.where(writing, x[:, t, 0], current)
        since = np.where(writing, 0, since + 1)
        stored[:, t], age[:, t] = current, since
    return stored, age


def read_problem(behaviour: Behaviour, h: np.ndarray) -> str:
    """'' when every read gives the stored value's sign beyond READ_LEVEL; else one example."""
    stored, age = ideal_memory(behaviour.x)
    reads = behaviour.x[:, :, 2] == 1.0
    wrong = reads & ~(h * stored > READ_LEVEL)
    if not wrong.any():
        return ""
    n, t = (int(i) for i in np.argwhere(wrong)[0])
    sign = "+1" if stored[n, t] > 0 else "-1"
    needs = f"> {READ_LEVEL}" if stored[n, t] > 0 else f"< -{READ_LEVEL}"
    steps = "step" if age[n, t] == 1 else "steps"
    when = "at the step it was written" if age[n, t] == 0 else f"{age[n, t]} {steps} after it was written"
    return (f"{behaviour.failure}: reading a stored {sign} {when} gave h = {h[n, t]:.2f} (needs {needs}); "
            f"{int(wrong.sum())} of {int(reads.sum())} reads wrong")


def silent_problem(runs: list[tuple[Behaviour, np.ndarray]]) -> str:
    """'' when every step that does not read keeps |h| below SILENT_LEVEL; else the worst step."""
    worst, where, count, total = 0.0, "", 0, 0
    for behaviour, h in runs:
        quiet = behaviour.x[:, :, 2] == 0.0
        leaks = quiet & ~(np.abs(h) < SILENT_LEVEL)
        count += int(leaks.sum())
        total += int(quiet.sum())
        if leaks.any():
            n, t = np.unravel_index(int(np.argmax(np.where(quiet, np.abs(h), -1.0))), h.shape)
            if abs(h[n, t]) > worst:
                worst, where = float(abs(h[n, t])), f"step {t} of a {behaviour.name} sequence"
    if not count:
        return ""
    return (f"it leaked output while not reading: |h| = {worst:.2f} at {where} (needs < {SILENT_LEVEL}); "
            f"{count} of {total} non-reading steps leaked")


def params_problem(value: Any) -> tuple[dict[str, np.ndarray] | None, str]:
    """The student's parameters as float64 arrays, or why they cannot be used."""
    if not isinstance(value, dict):
        return None, f"memory_cell_params returned {type(value).__name__}, expected a dict with the keys " \
                     + " ".join(PARAM_NAMES)
    missing = [key for key in PARAM_NAMES if key not in value]
    extra = sorted(str(key) for key in set(value) - set(PARAM_NAMES))
    if missing or extra:
        parts = ([f"missing keys {', '.join(missing)}"] if missing else []) + \
                ([f"unexpected keys {', '.join(extra)}"] if extra else [])
        return None, "params has " + " and ".join(parts) + "; expected exactly " + " ".join(PARAM_NAMES)
    shapes = {"W": (D, H), "U": (H, H), "b": (H,)}
    params = {}
    for key in PARAM_NAMES:
        if isinstance(value[key], np.ndarray) and value[key].dtype.kind not in REAL_KINDS:
            return None, f"{key} has dtype {value[key].dtype}; every weight must be a real number (float64)"
        try:
            array = np.asarray(value[key], dtype=np.float64)
        except (TypeError, ValueError):
            return None, f"{key} is not an array of numbers ({describe_type(value[key])})"
        if array.shape != shapes[key[0]]:
            return None, f"{key} has shape {array.shape}, expected {shapes[key[0]]} (D = 3 inputs, H = 1 unit)"
        if not np.isfinite(array).all():
            return None, f"{key} contains NaN or infinity; every weight must be a finite number"
        if np.abs(array).max() > MAX_MAGNITUDE:
            return None, (f"{key} has a weight of {np.abs(array).max():.3g}, above the allowed {MAX_MAGNITUDE:g}; "
                          "weights of a few tens already saturate a sigmoid")
        params[key] = array
    return params, ""


def run_behaviours(params: dict[str, np.ndarray], seed: int, forward: Forward | None = None) -> list[Verdict]:
    """Every behaviour's verdict, then the "silent" verdict over all their non-reading steps.

    `forward` is the LSTM the weights run through; by default the grader's own.
    """
    forward = forward or grader_forward()
    if forward is None:
        raise RuntimeError("run_behaviours needs an LSTM forward; a student release passes the student's")
    runs = []
    verdicts = []
    for behaviour in behaviours(seed):
        N, T, _ = behaviour.x.shape
        h, _ = forward(behaviour.x, np.zeros((N, H)), np.zeros((N, H)), params)
        problem = shape_problem("lstm_forward", "h", h, (N, T, H))
        if problem:  # only the student's own lstm_forward (a student release) can get here
            raise ValueError(problem)
        h = h.astype(np.float64)[:, :, 0]
        runs.append((behaviour, h))
        problem = read_problem(behaviour, h)
        verdicts.append(Verdict(behaviour.name, not problem, problem))
    problem = silent_problem(runs)
    verdicts.append(Verdict("silent", not problem, problem))
    return verdicts


def check_memory_cell(part: Part, context: PartContext) -> PartResult:
    """Score the hand-set memory cell by the share of behaviours it gets right."""
    started = time.perf_counter()
    value, _ = context.call(part.name, ())
    params, problem = params_problem(value)
    if params is None:
        return finish(part, context, "fail", 0, [problem], started)
    forward, note = trusted_lstm_forward(context)
    notes = [note] if note else []
    try:
        verdicts = run_behaviours(params, context.seed, forward)
    except (TypeError, ValueError) as error:
        if not note:
            raise  # the grader's own LSTM: a bug of the grader, not the student's
        return finish(part, context, "error", 0, [f"your lstm_forward could not run these weights: {error}"]
                      + notes, started)
    failing = [verdict for verdict in verdicts if not verdict.ok]
    if not failing:
        total = sum(behaviour.x.shape[0] for behaviour in behaviours(context.seed))
        return finish(part, context, "pass", part.points,
                      [f"stores, holds, ignores value while not writing, overwrites, reads and stays silent "
                       f"on all {total} test sequences"] + notes, started)
    good = len(verdicts) - len(failing)
    messages = [verdict.message for verdict in failing] + notes
    messages.append(f"{good} of {len(verdicts)} behaviours right: "
                    + ", ".join(f"{verdict.name} {'ok' if verdict.ok else 'FAIL'}" for verdict in verdicts))
    return finish(part, context, "fail", partial_points(part.points, good, len(verdicts)), messages, started,
                  diagnosis=memory_cell_diagnosis(params, failing, context))


def memory_cell_diagnosis(params: dict[str, np.ndarray], failing: list[Verdict],
                          context: PartContext) -> Diagnosis | None:
    """The catalogued mistake behind a failing memory cell; never lets the tutor break the grading."""
    try:
        return diagnose_memory_cell(params, {verdict.name for verdict in failing}, context.seed,
                                    context.reference.variant)
    except Exception:  # noqa: BLE001  (a diagnosis is extra help; a grade without one is still right)
        return None


def diagnose_memory_cell(params: dict[str, np.ndarray], failed: set[str], seed: int,
                         variants: Variants) -> Diagnosis | None:
    """Same weights as one mistake, or else the same failed behaviours as exactly one mistake.

    Args:
        params: the student's checked parameters.
        failed: names of the behaviours the student's cell failed.
        variants: how each mistake computes (the reference source's `variant`).
    """
    part_name = "memory_cell_params"
    same_failures = []
    for mistake in mistakes_of("memory_cell_params"):
        mistaken = variants(mistake, part_name)()
        if all(np.allclose(params[key], mistaken[key]) for key in PARAM_NAMES):
            return named(mistake, part_name)
        if failed == {verdict.name for verdict in run_behaviours(mistaken, seed) if not verdict.ok}:
            same_failures.append(mistake)
    if len(same_failures) != 1:
        return None
    (mistake,) = same_failures
    return Diagnosis(mistake.id, f"{mistake.explanation} (your weights differ from that example, but your cell "
                     f"fails the same behaviours: {', '.join(sorted(failed))})", mistake.equation, part_name)


FILE = "part5_memory_cell.py"



def memory_cell_cases(seed: int) -> list[Case]:
    return [Case("memory_cell_params()", ())]


MEMORY_CELL_PARAMS = Part(
    "memory_cell_params", "bonus", 4, (), ("params",), memory_cell_cases,
    "Make each gate a switch driven by one input: i opens only when write = 1, f closes only when "
    "write = 1, o opens only when read = 1, and g follows value; weights of about 20 saturate a sigmoid.",
    check_memory_cell, FILE, mistakes=mistakes_of("memory_cell_params"),
    diagnosis_calls=lambda: [("memory_cell_params", ())])
