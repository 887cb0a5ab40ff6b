import numpy as np

from grader.engine import gradcheck
from grader.engine.parts import NumericalSetup


def test_numerical_gradient_of_a_matrix_product():
    rng = np.random.default_rng(0)
    x, W = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    upstream = rng.standard_normal((3, 2))
    setup = NumericalSetup((x, W), ((None, upstream),), (("dx", 0, None, False), ("dW", 1, None, False)))
    plan = gradcheck.perturbations_for(setup)
    stacks = gradcheck.evaluate_locally(lambda a, b: a @ b, setup, plan)
    gradients = gradcheck.numerical_gradients(setup, plan, stacks)
    assert gradients["dx"].error_of(upstream @ W.T) < 1e-8
    assert gradients["dW"].error_of(x.T @ upstream) < 1e-8
    assert len(plan) == 2 * 2 * gradcheck.DIRECTIONS  # two larger targets, measured along directions


def test_a_wrong_gradient_is_far_from_every_direction():
    rng = np.random.default_rng(3)
    x, W = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    upstream = rng.standard_normal((3, 5))
    setup = NumericalSetup((x, W), ((None, upstream),), (("dx", 0, None, False), ("dW", 1, None, False)))
    plan = gradcheck.perturbations_for(setup)
    estimate = gradcheck.numerical_gradients(setup, plan, gradcheck.evaluate_locally(lambda a, b: a @ b, setup, plan))
    right = x.T @ upstream
    one_element_off = right.copy()
    one_element_off[2, 3] += 1e-3 * np.abs(right).max()
    assert estimate["dW"].error_of(right) < 1e-8
    assert estimate["dW"].error_of(one_element_off) > 1e-5
    assert estimate["dW"].error_of(-right) > 0.9
    assert estimate["dW"].error_of(np.zeros_like(right)) > 0.9
    assert estimate["dW"].error_of(np.full_like(right, np.nan)) == float("inf")
    assert estimate["dx"].error_of((upstream @ W.T)[:, ::-1].copy()) > 1e-2  # columns in the wrong order


def test_directions_are_unit_and_belong_to_the_case():
    def setup_with(upstream):
        return NumericalSetup((np.ones((2, 3)),), ((None, upstream),), (("dx", 0, None, False),))

    first = gradcheck.directions_for(setup_with(np.ones((2, 3))), 0, (2, 3))
    again = gradcheck.directions_for(setup_with(np.ones((2, 3))), 0, (2, 3))
    other = gradcheck.directions_for(setup_with(np.full((2, 3), 2.0)), 0, (2, 3))
    assert first.shape == (gradcheck.DIRECTIONS, 2, 3)
    np.testing.assert_allclose(np.linalg.norm(first.reshape(len(first), -1), axis=1), 1.0)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    assert gradcheck.directions_for(setup_with(np.ones(3)), 0, (3,)) is None  # small: element by element


def test_elementwise_targets_use_one_pair_of_calls():
    z = np.linspace(-2, 2, 6).reshape(2, 3)
    upstream = np.ones_like(z)
    setup = NumericalSetup((z,), ((None, upstream),), (("dz", 0, None, True),))
    plan = gradcheck.perturbations_for(setup)
    assert len(plan) == 2
    stacks = gradcheck.evaluate_locally(np.tanh, setup, plan)
    gradients = gradcheck.numerical_gradients(setup, plan, stacks)
    np.testing.assert_allclose(gradients["dz"].values, 1 - np.tanh(z) ** 2, rtol=1e-8)


def test_dict_arguments_and_several_outputs():
    rng = np.random.default_rng(1)
    params = {"a": rng.standard_normal(3), "b": rng.standard_normal(3)}
    up0, up1 = rng.standard_normal(3), rng.standard_normal(3)

    def forward(p):
        return p["a"] * p["b"], p["a"] + 2 * p["b"]

    setup = NumericalSetup((params,), ((0, up0), (1, up1)), (("da", 0, "a", False), ("db", 0, "b", False)))
    plan = gradcheck.perturbations_for(setup)
    gradients = gradcheck.numerical_gradients(setup, plan, gradcheck.evaluate_locally(forward, setup, plan))
    # three elements each: measured element by element
    np.testing.assert_allclose(gradients["da"].values, up0 * params["b"] + up1, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gradients["db"].values, up0 * params["a"] + 2 * up1, rtol=1e-6, atol=1e-8)
    assert params["a"].shape == (3,)  # the base point is untouched
