"""Where in the equations a composite part is wrong, when no catalogued mistake explains it.

Two kinds of evidence, both proved on numbers, never guessed:

- hypotheses: the reference run on changed inputs (the forget gate given W_i,
  the input and forget gates' weights swapped, step t fed the h of two steps
  back or a zero h, the loop started at step 1, the previous state stored at
  step t) reproducing the student's outputs on every case while differing from
  the reference;
- probes: the student's function run in the child on inputs that isolate one
  gate (every weight zero but that gate's), one term (only W, only U or only b,
  or c_prev = 0, where the forget gate multiplies nothing) or one time step,
  compared with the reference on the same inputs.

    f = sigmoid(x W_f + h_prev U_f + b_f)   i, o alike;  g = tanh(x W_g + h_prev U_g + b_g)
    c = f * c_prev + i * g                   h = o * tanh(c)

Any failure to run a probe (the student's code raising on it, say) means
nothing is said.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Sequence

import numpy as np

from grader.engine.checks import PartContext, StudentFailure
from grader.engine.diagnose import Observation, differs, run_quietly
from grader.engine.output_patterns import same_array
from grader.engine.outputs import split_outputs
from grader.engine.parts import Part
from grader.engine.results import Diagnosis
from grader.lstm.cases import GATE_KEYS

GATE_NAMES = {"f": "forget gate", "i": "input gate", "g": "candidate", "o": "output gate"}
GATES_EQ = "f = sigmoid(x @ W_f + h_prev @ U_f + b_f); i, o alike; g = tanh(x @ W_g + h_prev @ U_g + b_g)"
TERMS = {"W": "x @ W_{k}", "U": "h_prev @ U_{k}", "b": "b_{k}"}
PROBE_TOLERANCE = 1e-5  # a real mistake differs by more; float32 rounding by less
Transform = Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]


def localise_forward(part: Part, context: PartContext, observations: Sequence[Observation]) -> Diagnosis | None:
    """lstm_cell_forward and lstm_forward: a proved weight mix-up, else the gate or term the probes isolate."""
    if not observations or not any(differs(observation, part.tolerance) for observation in observations):
        return None
    try:
        found = weights_mixed_up(part, context, observations)
        if found is not None:
            return found
        if part.name == "lstm_forward":
            failing = next(observation for observation in observations if differs(observation, part.tolerance))
            if loops_over_own_cell(part, context, failing):
                return in_own_cell(part, context)  # the loop is right: the error comes from the cell
            return (h_from_two_steps_back(part, context, observations)
                    or loop_hypothesis(part, context, observations) or first_wrong_step(part, observations))
        return gate_probes(part, context, observations[0].args)
    except (StudentFailure, Unclear):
        return None


def in_own_cell(part: Part, context: PartContext) -> Diagnosis | None:
    """What the probes say of the student's lstm_cell_forward, found in the lstm_forward that loops over it."""
    cell = next(called for called in part.calls if called.name == "lstm_cell_forward")
    found = gate_probes(cell, context, cell.make_cases(context.seed)[0].args)
    if found is None:
        return None
    return Diagnosis(found.id, found.explanation, found.equation, part.name, found_in=cell.name)


def loops_over_own_cell(part: Part, context: PartContext, observation: Observation) -> bool:
    """Whether the student's lstm_forward gives what their own lstm_cell_forward gives, step by step."""
    x, h, c, params = observation.args
    hs, cs = [], []
    for t in range(x.shape[1]):
        value, _ = context.call("lstm_cell_forward", (x[:, t], h, c, params), ("x", "h_prev", "c_prev", "params"),
                                keep=(2,))
        if not isinstance(value, (tuple, list)) or len(value) != 3:
            return False
        h, c = np.asarray(value[0], dtype=np.float64), np.asarray(value[1], dtype=np.float64)
        hs.append(h)
        cs.append(c)
    stepped = {"h": np.stack(hs, axis=1), "c": np.stack(cs, axis=1)}
    return all(same_array(got, stepped.get(name), part.tolerance) for name, got in observation.got.items())


def h_from_two_steps_back(part: Part, context: PartContext, observations: Sequence[Observation]) -> Diagnosis | None:
    """Step t fed the h of step t - 2 (h0 for the first two steps): the reference's cell, run step by step."""
    step = context.reference("lstm_cell_forward")

    def fits(observation: Observation) -> bool:
        x, h0, c0, params = observation.args
        hs, c, h_out, c_out = [h0, h0], c0, [], []
        for t in range(x.shape[1]):
            h_t, c, _ = run_quietly(step, (x[:, t], hs[-2], c, params))
            hs.append(h_t)
            h_out.append(h_t)
            c_out.append(c)
        produced = {"h": np.stack(h_out, axis=1), "c": np.stack(c_out, axis=1)}
        return all(same_array(got, produced.get(name)) for name, got in observation.got.items())

    if not all(fits(observation) for observation in observations):
        return None
    return Diagnosis(f"{part.name}.h_from_two_steps_back",
                     "your lstm_forward feeds step t the hidden state of step t - 2; each step reads the h the "
                     "step just before it computed", "h_t, c_t = lstm_cell_forward(x_t, h_{t-1}, c_{t-1}, params)",
                     part.name)


STEP_EQ = "h_t, c_t = lstm_cell_forward(x_t, h_{t-1}, c_{t-1}, params)"
States = dict[str, np.ndarray]
Loop = Callable[[Callable[..., Any], Observation], States]


def stored_before_step(step: Callable[..., Any], observation: Observation) -> States:
    """h[:, t] and c[:, t] hold the states step t started from: h0 and c0 at t = 0, then step t - 1's."""
    _, h0, c0, _ = observation.args
    return {name: np.concatenate([start[:, None], observation.expected[name][:, :-1]], axis=1)
            for name, start in (("h", h0), ("c", c0))}


def zero_h_every_step(step: Callable[..., Any], observation: Observation) -> States:
    """Every step fed a hidden state of zeros (h[:, t] read before it is written), the cell carried on."""
    x, h0, c, params = observation.args
    hs, cs = [], []
    for t in range(x.shape[1]):
        h_t, c, _ = run_quietly(step, (x[:, t], np.zeros_like(h0), c, params))
        hs.append(h_t)
        cs.append(c)
    return {"h": np.stack(hs, axis=1), "c": np.stack(cs, axis=1)}


def starts_at_step_one(step: Callable[..., Any], observation: Observation) -> States:
    """range(1, T): step 0 left at zero, step 1 run from h0 and c0 on x[:, 1], and so on."""
    x, h, c, params = observation.args
    hs, cs = [np.zeros_like(h)], [np.zeros_like(c)]
    for t in range(1, x.shape[1]):
        h, c, _ = run_quietly(step, (x[:, t], h, c, params))
        hs.append(h)
        cs.append(c)
    return {"h": np.stack(hs, axis=1), "c": np.stack(cs, axis=1)}


LOOPS: tuple[tuple[str, str, Loop], ...] = (
    ("stores_state_before_step", "your lstm_forward stores at index t the state step t starts from (h0 at t = 0); "
     "store the h and c that step t returns", stored_before_step),
    ("zero_h_every_step", "your lstm_forward feeds every step a hidden state of zeros (h[:, t] read before it is "
     "written?); step t reads the h that step t - 1 returned, h0 at t = 0", zero_h_every_step),
    ("first_step_skipped", "your lstm_forward leaves step 0 at zero and runs step 1 from h0 and c0: the loop starts "
     "at 1, so x[:, 0] is never read; run t = 0 .. T - 1", starts_at_step_one),
)


def loop_hypothesis(part: Part, context: PartContext, observations: Sequence[Observation]) -> Diagnosis | None:
    """The one way of running the time loop wrong (LOOPS) that gives the student's h and c on every case."""
    step = context.reference("lstm_cell_forward")

    def fits(loop: Loop, observation: Observation) -> bool:
        produced = loop(step, observation)
        return all(same_array(got, produced.get(name)) for name, got in observation.got.items())

    found = [(name, explanation) for name, explanation, loop in LOOPS
             if all(fits(loop, observation) for observation in observations)]
    if len(found) != 1:
        return None
    (name, explanation), = found
    return Diagnosis(f"{part.name}.{name}", explanation, STEP_EQ, part.name)


def first_wrong_step(part: Part, observations: Sequence[Observation]) -> Diagnosis | None:
    """Right at step 0 on every case, wrong at a later step: what carries between steps is wrong."""
    first_steps = []
    for observation in observations:
        if not differs(observation, part.tolerance):
            continue
        wrong = [t for t in range(observation.args[0].shape[1])
                 if any(not same_array(np.asarray(got)[:, t], np.asarray(observation.expected[name])[:, t],
                                             part.tolerance)
                        for name, got in observation.got.items()
                        if isinstance(got, np.ndarray) and got.shape == np.shape(observation.expected[name]))]
        if not wrong or wrong[0] == 0:
            return None
        first_steps.append(wrong[0])
    if not first_steps:
        return None
    return Diagnosis(f"{part.name}.wrong_after_first_step",
                     f"your lstm_forward is right at step 0 and wrong from step {min(first_steps)} on: step 0 "
                     "reads h0 and c0, every later step reads the h and c of the step before; look at what "
                     "carries from one step to the next", "h_t, c_t = lstm_cell_forward(x_t, h_{t-1}, c_{t-1}, params)",
                     part.name)


def substitutions() -> list[tuple[str, str, Transform]]:
    """(id, explanation, params -> changed params) for every gate computed with another gate's weights."""
    found = []
    for k in GATE_KEYS:
        for j in GATE_KEYS:
            if j == k:
                continue
            for kinds in (("W", "U", "b"), ("W",), ("U",), ("b",)):
                names = ", ".join(f"{kind}_{j}" for kind in kinds)
                right = ", ".join(f"{kind}_{k}" for kind in kinds)
                found.append((f"{GATE_NAMES[k].replace(' ', '_')}_with_{'_'.join(kinds)}_{j}",
                              f"your {GATE_NAMES[k]} is computed with {names} instead of {right}: "
                              "each gate has its own weights", with_weights(k, j, kinds)))
    for order in itertools.permutations(GATE_KEYS):
        moved = [(k, j) for k, j in zip(GATE_KEYS, order) if k != j]
        if moved:
            given = ", ".join(f"the {GATE_NAMES[k]} {j}'s" for k, j in moved)
            found.append((f"gates_given_{''.join(order)}_weights",
                          f"your gates use each other's weights ({given}): a stacked weight matrix split in "
                          "another order than its gates, or keys mixed up", permuted(dict(zip(GATE_KEYS, order)))))
    return found


def with_weights(k: str, j: str, kinds: tuple[str, ...]) -> Transform:
    return lambda params: {**params, **{f"{kind}_{k}": params[f"{kind}_{j}"] for kind in kinds}}


def permuted(source: dict[str, str]) -> Transform:
    """Gate k computed with the weights of gate source[k], every gate at once."""
    return lambda params: {**params, **{f"{kind}_{k}": params[f"{kind}_{j}"] for k, j in source.items()
                                        for kind in ("W", "U", "b")}}


def weights_mixed_up(part: Part, context: PartContext, observations: Sequence[Observation]) -> Diagnosis | None:
    """The one substitution of gate weights that gives the student's outputs on every case."""
    reference = context.reference(part.name)
    fits = []
    for mistake_id, explanation, change in substitutions():
        if all(fits_observation(part, reference, observation, change) for observation in observations):
            fits.append((mistake_id, explanation))
    if len(fits) != 1:
        return None  # none, or two that the cases cannot tell apart: naming either could be wrong
    mistake_id, explanation = fits[0]
    return Diagnosis(f"{part.name}.{mistake_id}", explanation, GATES_EQ, part.name)


def fits_observation(part: Part, reference: Callable[..., Any], observation: Observation, change: Transform) -> bool:
    *states, params = observation.args
    try:
        produced = split_outputs(part, run_quietly(reference, (*states, change(params))))
    except Exception:  # noqa: BLE001  (a hypothesis that cannot run explains nothing)
        return False
    return all(same_array(got, produced.get(name)) for name, got in observation.got.items())


def probe_inputs(args: tuple[Any, ...], seed: int) -> tuple[tuple[Any, ...], dict[str, np.ndarray]]:
    """States like the case's (x, h_prev, c_prev) with values of order one, and random weights of scale one."""
    x, h, c, params = args
    rng = np.random.default_rng([seed, 7])
    states = tuple(rng.uniform(-1.0, 1.0, np.shape(value)) for value in (x, h, c))
    weights = {name: rng.uniform(-1.0, 1.0, np.shape(value)) for name, value in params.items()}
    return states, weights


def only(weights: dict[str, np.ndarray], keep: Callable[[str], bool]) -> dict[str, np.ndarray]:
    return {name: value if keep(name) else np.zeros_like(value) for name, value in weights.items()}


class Unclear(Exception):
    """A probe off by less than a real mistake would be (rounding, float32): the probes prove nothing."""


def probe_is_wrong(part: Part, context: PartContext, states: tuple[Any, ...], params: dict[str, np.ndarray]) -> bool:
    """Whether the student's outputs differ from the reference's on one probe (raises StudentFailure, or
    Unclear when they differ by less than PROBE_TOLERANCE but more than the part allows)."""
    args = (*states, params)
    value, _ = context.call(part.name, args, part.arg_names, part.kept_outputs)
    got = split_outputs(part, value)
    expected = split_outputs(part, context.reference(part.name)(*args))
    if all(same_array(got.get(name), value, part.tolerance) for name, value in expected.items()):
        return False
    if all(same_array(got.get(name), value, PROBE_TOLERANCE) for name, value in expected.items()):
        raise Unclear(part.name)
    return True


def gate_probes(part: Part, context: PartContext, args: tuple[Any, ...]) -> Diagnosis | None:
    """Which gate, and which of its terms, the student's error needs: every weight zero but one gate's.

    The candidate's bias stays on in the probes of f, i and o, so that g = tanh(b_g) is not zero
    and the input gate has something to let through.
    """
    states, weights = probe_inputs(args, context.seed)

    def wrong_with(keep: Callable[[str], bool]) -> bool:
        return probe_is_wrong(part, context, states, only(weights, keep))

    if wrong_with(lambda name: False) or wrong_with(lambda name: name == "b_g"):
        # wrong with the gates at rest: a constant somewhere, or the cell update; right without c_prev says which
        return forget_term_probes(part, context, states, weights, args)
    wrong = [k for k in GATE_KEYS if wrong_with(lambda name, k=k: name.endswith(k) or name == "b_g")]
    if len(wrong) == 1:
        (k,) = wrong
        terms = [TERMS[kind].format(k=k) for kind in ("W", "U", "b")
                 if wrong_with(lambda name, want=f"{kind}_{k}": name == want or (name == "b_g" and k != "g"))]
        through = f", and then through {' and '.join(terms)}" if 0 < len(terms) < 3 else ""
        return Diagnosis(f"{part.name}.wrong_{GATE_NAMES[k].replace(' ', '_')}",
                         f"your {part.name} is wrong only when the {GATE_NAMES[k]}'s weights are non-zero (each "
                         f"other gate alone gives the right h and c){through}: look at how you compute {k}",
                         GATES_EQ, part.name)
    if len(wrong) == len(GATE_KEYS):
        kinds = [kind for kind in ("W", "U", "b") if wrong_with(lambda name, kind=kind: name.startswith(kind))]
        if len(kinds) == 1:
            term = TERMS[kinds[0]].format(k="k")
            return Diagnosis(f"{part.name}.wrong_{kinds[0]}_terms",
                             f"your {part.name} is wrong only through the {term} term of the gates (with only "
                             "the other weights non-zero every gate is right): look at how you compute that term",
                             "z_k = x @ W_k + h_prev @ U_k + b_k", part.name)
    return forget_term_probes(part, context, states, weights, args)


def forget_term_probes(part: Part, context: PartContext, states: tuple[Any, ...], weights: dict[str, np.ndarray],
                       args: tuple[Any, ...]) -> Diagnosis | None:
    """Right whenever c_prev = 0, where the forget gate multiplies nothing, and wrong with the same weights and
    a non-zero c_prev: the mistake is in the f * c_prev term."""
    x, h, c = states
    case_x, case_h, case_c, params = args
    if (probe_is_wrong(part, context, (x, h, np.zeros_like(c)), weights)
            or probe_is_wrong(part, context, (case_x, case_h, np.zeros_like(case_c)), params)
            or not probe_is_wrong(part, context, (x, h, c), weights)):
        return None
    return Diagnosis(f"{part.name}.wrong_forget_term",
                     f"your {part.name} is right whenever c_prev is zero and wrong otherwise, so the mistake is in "
                     "the f * c_prev term of c = f * c_prev + i * g: look at how you compute f and what it multiplies",
                     GATES_EQ, part.name)
