"""The reference solutions agree with torch.nn.LSTM and torch.nn.LSTMCell, and the bonus parts' with autograd.

CONTRACT.md says our cell is torch's cell. torch stacks the gates in the order
i, f, g, o: weight_ih (4H, D) holds W_i.T, W_f.T, W_g.T, W_o.T one above the
other, weight_hh (4H, H) the U's, and it has two biases that are added, so
bias_ih carries our b and bias_hh is zero. Everything runs in float64.

The bonus parts: torch has no peephole LSTM, so the peephole cell is written
in torch from the contract's equations and autograd differentiates it; the
gradient norms of the LSTM and of the vanilla RNN must equal autograd's.

torch is imported by the `torch` fixture, only when one of these tests runs.
"""
from __future__ import annotations

import importlib
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pytest

from grader.engine.reference import load_functions
from grader.lstm import vanilla_rnn as rnn
from grader.lstm.cases import make_params
from grader.lstm.peephole import PEEPHOLE_PARAM_NAMES, with_peepholes

if TYPE_CHECKING:
    import torch as torch_types

SOLUTIONS_DIR = Path(__file__).resolve().parent.parent / "solutions"
SOLUTION_MODULES = ("part1_cell_forward", "part2_cell_backward", "part3_sequence")
TORCH_GATE_ORDER = ("i", "f", "g", "o")
PARAM_NAMES = tuple(f"{kind}_{gate}" for gate in ("f", "i", "g", "o") for kind in ("W", "U", "b"))

RTOL, ATOL = 1e-10, 1e-12

# (N, T, D, H): all four different, then the edge cases N=1, H=1, T=1 and all ones
SHAPES = [
    (3, 5, 4, 6),
    (2, 7, 5, 3),
    (5, 3, 2, 4),
    (1, 4, 3, 2),
    (2, 5, 3, 1),
    (3, 1, 4, 2),
    (1, 1, 1, 1),
]
SHAPE_IDS = [f"N{n}-T{t}-D{d}-H{h}" for n, t, d, h in SHAPES]


@pytest.fixture(scope="module")
def reference() -> Iterator[dict[str, ModuleType]]:
    """The solution modules, imported from solutions/ and forgotten afterwards."""
    for name in SOLUTION_MODULES:
        sys.modules.pop(name, None)
    sys.path.insert(0, str(SOLUTIONS_DIR))
    importlib.invalidate_caches()
    try:
        yield {name: importlib.import_module(name) for name in SOLUTION_MODULES}
    finally:
        sys.path.remove(str(SOLUTIONS_DIR))
        for name in SOLUTION_MODULES:
            sys.modules.pop(name, None)


@pytest.fixture(scope="module")
def torch() -> ModuleType:
    """torch, imported by the first test that needs it: collecting the other tests never pays for it."""
    if os.environ.get("CI"):
        # CI must run these checks, so there a missing torch is an error, not a skip
        import torch as module

        return module
    return pytest.importorskip("torch")


def seed_of(shape: tuple[int, ...]) -> int:
    return 1000 + sum(size * 10**place for place, size in enumerate(shape))


def random_params(rng: np.random.Generator, D: int, H: int) -> dict[str, np.ndarray]:
    # scale 0.6 keeps the gates away from saturation, so every gradient is sizeable
    params = {}
    for gate in ("f", "i", "g", "o"):
        params[f"W_{gate}"] = rng.normal(scale=0.6, size=(D, H))
        params[f"U_{gate}"] = rng.normal(scale=0.6, size=(H, H))
        params[f"b_{gate}"] = rng.normal(scale=0.6, size=(H,))
    return params


def stacked(params: dict[str, np.ndarray]) -> dict[str, torch_types.Tensor]:
    """Our per-gate parameters in torch's stacked layout."""
    import torch

    return {
        "weight_ih": torch.from_numpy(np.concatenate([params[f"W_{gate}"].T for gate in TORCH_GATE_ORDER])),
        "weight_hh": torch.from_numpy(np.concatenate([params[f"U_{gate}"].T for gate in TORCH_GATE_ORDER])),
        "bias_ih": torch.from_numpy(np.concatenate([params[f"b_{gate}"] for gate in TORCH_GATE_ORDER])),
        "bias_hh": torch.zeros(4 * params["b_f"].shape[0], dtype=torch.float64),
    }


def unstacked(weight_ih: torch_types.Tensor, weight_hh: torch_types.Tensor,
              bias: torch_types.Tensor) -> dict[str, np.ndarray]:
    """torch's stacked (gradients of the) parameters as our 12 per-gate arrays."""
    H = weight_hh.shape[1]
    blocks = {}
    for index, gate in enumerate(TORCH_GATE_ORDER):
        rows = slice(index * H, (index + 1) * H)
        blocks[f"W_{gate}"] = weight_ih[rows].detach().numpy().T
        blocks[f"U_{gate}"] = weight_hh[rows].detach().numpy().T
        blocks[f"b_{gate}"] = bias[rows].detach().numpy()
    return blocks


def make_lstm(params: dict[str, np.ndarray]) -> torch_types.nn.LSTM:
    import torch

    D, H = params["W_f"].shape
    lstm = torch.nn.LSTM(D, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        for name, value in stacked(params).items():
            getattr(lstm, f"{name}_l0").copy_(value)
    return lstm


def make_lstm_cell(params: dict[str, np.ndarray]) -> torch_types.nn.LSTMCell:
    import torch

    D, H = params["W_f"].shape
    cell = torch.nn.LSTMCell(D, H, dtype=torch.float64)
    with torch.no_grad():
        for name, value in stacked(params).items():
            getattr(cell, name).copy_(value)
    return cell


def leaf(array: np.ndarray) -> torch_types.Tensor:
    import torch

    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


def assert_matches(ours: np.ndarray, theirs: torch_types.Tensor | np.ndarray, what: str) -> None:
    import torch

    expected = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert np.shape(ours) == expected.shape, f"{what}: shape {np.shape(ours)}, torch has {expected.shape}"
    np.testing.assert_allclose(ours, expected, rtol=RTOL, atol=ATOL, err_msg=what)


def assert_grads_match(ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray], what: str) -> None:
    assert sorted(ours) == sorted(PARAM_NAMES), f"{what}: grads keys {sorted(ours)}"
    for name in PARAM_NAMES:
        assert_matches(ours[name], theirs[name], f"{what}: d{name}")


def torch_param_grads(module: torch_types.nn.Module, suffix: str = "") -> dict[str, np.ndarray]:
    grad = {name: getattr(module, name + suffix).grad for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    # both torch biases enter every gate the same way, so both get our db
    assert_matches(grad["bias_ih"].numpy(), grad["bias_hh"], "torch's bias_ih and bias_hh gradients")
    return unstacked(grad["weight_ih"], grad["weight_hh"], grad["bias_ih"])


# the layout mapping itself


def test_stacking_round_trips_and_follows_torch_gate_order(torch: ModuleType) -> None:
    rng = np.random.default_rng(7)
    params = random_params(rng, D=3, H=2)
    torch_params = stacked(params)
    assert tuple(torch_params["weight_ih"].shape) == (8, 3)
    assert tuple(torch_params["weight_hh"].shape) == (8, 2)
    # torch's second block of rows is the forget gate
    assert_matches(torch_params["weight_ih"][2:4].numpy(), params["W_f"].T, "forget block of weight_ih")
    back = unstacked(torch_params["weight_ih"], torch_params["weight_hh"], torch_params["bias_ih"])
    assert_grads_match(back, params, "round trip")


# one step against torch.nn.LSTMCell


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_lstm_cell_forward_and_backward_match_torch_lstm_cell(
    torch: ModuleType, reference: dict[str, ModuleType], shape: tuple[int, int, int, int]
) -> None:
    N, _, D, H = shape
    seed = seed_of(shape)
    rng = np.random.default_rng(seed)
    params = random_params(rng, D, H)
    x, h_prev, c_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    dh, dc = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    what = f"lstm_cell N={N} D={D} H={H} (seed {seed})"

    h, c, cache = reference["part1_cell_forward"].lstm_cell_forward(x, h_prev, c_prev, params)
    dx, dh_prev, dc_prev, grads = reference["part2_cell_backward"].lstm_cell_backward(dh, dc, cache)

    cell = make_lstm_cell(params)
    x_t, h_prev_t, c_prev_t = leaf(x), leaf(h_prev), leaf(c_prev)
    h_t, c_t = cell(x_t, (h_prev_t, c_prev_t))
    # a loss whose gradients at h and c are exactly dh and dc
    loss = (torch.from_numpy(dh) * h_t).sum() + (torch.from_numpy(dc) * c_t).sum()
    loss.backward()

    assert_matches(h, h_t, f"{what}: h")
    assert_matches(c, c_t, f"{what}: c")
    assert_matches(dx, x_t.grad, f"{what}: dx")
    assert_matches(dh_prev, h_prev_t.grad, f"{what}: dh_prev")
    assert_matches(dc_prev, c_prev_t.grad, f"{what}: dc_prev")
    assert_grads_match(grads, torch_param_grads(cell), what)


# a whole sequence against torch.nn.LSTM


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_lstm_forward_matches_torch_lstm_at_every_step(
    torch: ModuleType, reference: dict[str, ModuleType], shape: tuple[int, int, int, int]
) -> None:
    N, T, D, H = shape
    seed = seed_of(shape)
    rng = np.random.default_rng(seed)
    params = random_params(rng, D, H)
    x, h0, c0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    what = f"lstm_forward N={N} T={T} D={D} H={H} (seed {seed})"

    h, c, _ = reference["part3_sequence"].lstm_forward(x, h0, c0, params)

    lstm = make_lstm(params)
    with torch.no_grad():
        h_all, (h_n, c_n) = lstm(torch.from_numpy(x), (torch.from_numpy(h0)[None], torch.from_numpy(c0)[None]))
        assert_matches(h, h_all, f"{what}: h")
        assert_matches(h[:, -1], h_n[0], f"{what}: h at the last step")
        assert_matches(c[:, -1], c_n[0], f"{what}: c at the last step")
        # torch returns only the last c, so walk it one step at a time for the others
        h_t, c_t = torch.from_numpy(h0)[None], torch.from_numpy(c0)[None]
        for t in range(T):
            _, (h_t, c_t) = lstm(torch.from_numpy(x[:, t : t + 1]), (h_t, c_t))
            assert_matches(h[:, t], h_t[0], f"{what}: h at step {t}")
            assert_matches(c[:, t], c_t[0], f"{what}: c at step {t}")


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_lstm_backward_matches_torch_autograd(
    torch: ModuleType, reference: dict[str, ModuleType], shape: tuple[int, int, int, int]
) -> None:
    N, T, D, H = shape
    seed = seed_of(shape)
    rng = np.random.default_rng(seed)
    params = random_params(rng, D, H)
    x, h0, c0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    weights = rng.normal(size=(N, T, H))  # L = sum(weights * h), so dL/dh = weights
    what = f"lstm_backward N={N} T={T} D={D} H={H} (seed {seed})"

    _, _, cache = reference["part3_sequence"].lstm_forward(x, h0, c0, params)
    dx, dh0, dc0, grads = reference["part3_sequence"].lstm_backward(weights, cache)

    lstm = make_lstm(params)
    x_t, h0_t, c0_t = leaf(x), leaf(h0[None]), leaf(c0[None])
    h_all, _ = lstm(x_t, (h0_t, c0_t))
    (torch.from_numpy(weights) * h_all).sum().backward()

    assert_matches(dx, x_t.grad, f"{what}: dx")
    assert_matches(dh0, h0_t.grad[0], f"{what}: dh0")
    assert_matches(dc0, c0_t.grad[0], f"{what}: dc0")
    assert_grads_match(grads, torch_param_grads(lstm, "_l0"), what)


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_bptt_with_a_loss_on_the_last_cell_state_matches_torch(
    torch: ModuleType, reference: dict[str, ModuleType], shape: tuple[int, int, int, int]
) -> None:
    """lstm_backward takes no gradient for c, so walk the cell functions back by hand."""
    N, T, D, H = shape
    seed = seed_of(shape) + 1
    rng = np.random.default_rng(seed)
    params = random_params(rng, D, H)
    x, h0, c0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    weights_h, weights_c = rng.normal(size=(N, T, H)), rng.normal(size=(N, H))
    what = f"BPTT with a last-c loss N={N} T={T} D={D} H={H} (seed {seed})"

    caches, h_t, c_t = [], h0, c0
    for t in range(T):
        h_t, c_t, cache = reference["part1_cell_forward"].lstm_cell_forward(x[:, t], h_t, c_t, params)
        caches.append(cache)
    dx = np.zeros_like(x)
    dh_next, dc_next = np.zeros((N, H)), weights_c
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, step_grads = reference["part2_cell_backward"].lstm_cell_backward(
            weights_h[:, t] + dh_next, dc_next, caches[t]
        )
        for name in grads:
            grads[name] += step_grads[name]

    lstm = make_lstm(params)
    x_t, h0_t, c0_t = leaf(x), leaf(h0[None]), leaf(c0[None])
    h_all, (_, c_n) = lstm(x_t, (h0_t, c0_t))
    loss = (torch.from_numpy(weights_h) * h_all).sum() + (torch.from_numpy(weights_c) * c_n[0]).sum()
    loss.backward()

    assert_matches(dx, x_t.grad, f"{what}: dx")
    assert_matches(dh_next, h0_t.grad[0], f"{what}: dh0")
    assert_matches(dc_next, c0_t.grad[0], f"{what}: dc0")
    assert_grads_match(grads, torch_param_grads(lstm, "_l0"), what)


def test_sigmoid_matches_torch_without_overflow_warnings(torch: ModuleType,
                                                         reference: dict[str, ModuleType]) -> None:
    z = np.concatenate([np.linspace(-40.0, 40.0, 801), [-1e4, -745.0, -710.0, 0.0, 710.0, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # underflow to 0 is fine and expected; overflow is the bug
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            s = reference["part1_cell_forward"].sigmoid(z)
    assert_matches(s, torch.sigmoid(torch.from_numpy(z)), "sigmoid")


# the bonus parts' references: torch has no peephole LSTM, so the cell is written here in torch from the
# contract's equations and autograd differentiates it


@pytest.fixture(scope="module")
def solutions() -> dict[str, Callable[..., Any]]:
    """The reference functions by name, loaded without leaving the modules in sys.modules."""
    return load_functions(sorted(SOLUTIONS_DIR.glob("*.py")))


def torch_peephole_cell(x, h_prev, c_prev, p):
    import torch

    f = torch.sigmoid(x @ p["W_f"] + h_prev @ p["U_f"] + p["b_f"] + p["p_f"] * c_prev)
    i = torch.sigmoid(x @ p["W_i"] + h_prev @ p["U_i"] + p["b_i"] + p["p_i"] * c_prev)
    g = torch.tanh(x @ p["W_g"] + h_prev @ p["U_g"] + p["b_g"])
    c = f * c_prev + i * g
    o = torch.sigmoid(x @ p["W_o"] + h_prev @ p["U_o"] + p["b_o"] + p["p_o"] * c)
    return o * torch.tanh(c), c


def tensors(arrays: dict[str, np.ndarray]) -> dict[str, torch_types.Tensor]:
    return {key: leaf(value) for key, value in arrays.items()}


@pytest.mark.parametrize("N,D,H", [(3, 4, 6), (1, 2, 1), (2, 5, 3)])
def test_reference_peephole_cell_matches_torch_autograd(torch: ModuleType, solutions, N, D, H) -> None:
    rng = np.random.default_rng(N * 100 + D * 10 + H)
    params = with_peepholes(make_params(rng, D, H), rng)
    x, h_prev, c_prev = rng.standard_normal((N, D)), np.tanh(rng.standard_normal((N, H))), rng.standard_normal((N, H))
    dh, dc = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    h, c, cache = solutions["peephole_cell_forward"](x, h_prev, c_prev, params)
    dx, dh_prev, dc_prev, grads = solutions["peephole_cell_backward"](dh, dc, cache)

    inputs = tensors({"x": x, "h_prev": h_prev, "c_prev": c_prev})
    weights = tensors(params)
    h_t, c_t = torch_peephole_cell(inputs["x"], inputs["h_prev"], inputs["c_prev"], weights)
    ((h_t * torch.tensor(dh)).sum() + (c_t * torch.tensor(dc)).sum()).backward()

    np.testing.assert_allclose(h, h_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c, c_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    for name, ours in (("x", dx), ("h_prev", dh_prev), ("c_prev", dc_prev)):
        np.testing.assert_allclose(ours, inputs[name].grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=name)
    assert set(grads) == set(PEEPHOLE_PARAM_NAMES)
    for name in PEEPHOLE_PARAM_NAMES:
        np.testing.assert_allclose(grads[name], weights[name].grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=name)


def test_reference_gradient_norms_match_torch_autograd(torch: ModuleType, solutions) -> None:
    rng = np.random.default_rng(3)
    N, T, D, H = 2, 7, 3, 5
    params = make_params(rng, D, H)
    x, h0, c0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    norms = solutions["gradient_norms"](x, h0, c0, params)

    x_t = leaf(x)
    out, _ = make_lstm(params)(x_t, (torch.tensor(h0)[None], torch.tensor(c0)[None]))
    out[:, -1].sum().backward()
    expected = x_t.grad.pow(2).sum(dim=(0, 2)).sqrt().numpy()
    np.testing.assert_allclose(norms, expected, rtol=1e-9)


def test_rnn_gradient_norms_match_torch_autograd(torch: ModuleType) -> None:
    rng = np.random.default_rng(4)
    params = rnn.rnn_params(rng, 3, 6, scale=1.5)
    params["b"] = rng.standard_normal(6)
    x, h0 = rng.standard_normal((2, 10, 3)), rng.standard_normal((2, 6))
    weights = tensors(params)
    x_t = torch.tensor(x, requires_grad=True)
    h = torch.tensor(h0)
    for t in range(10):
        h = torch.tanh(x_t[:, t] @ weights["W"] + h @ weights["U"] + weights["b"])
    h.sum().backward()
    expected = x_t.grad.pow(2).sum(dim=(0, 2)).sqrt().numpy()
    np.testing.assert_allclose(rnn.rnn_gradient_norms(x, h0, params), expected, rtol=1e-10)
