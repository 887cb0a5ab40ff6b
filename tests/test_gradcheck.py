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
    np.testing.assert_allclose(gradients["dx"], upstream @ W.T, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gradients["dW"], x.T @ upstream, rtol=1e-6, atol=1e-8)


def test_elementwise_targets_use_one_pair_of_calls():
    z = np.linspace(-2, 2, 6).reshape(2, 3)
    upstream = np.ones_like(z)
    setup = NumericalSetup((z,), ((None, upstream),), (("dz", 0, None, True),))
    plan = gradcheck.perturbations_for(setup)
    assert len(plan) == 2
    stacks = gradcheck.evaluate_locally(np.tanh, setup, plan)
    gradients = gradcheck.numerical_gradients(setup, plan, stacks)
    np.testing.assert_allclose(gradients["dz"], 1 - np.tanh(z) ** 2, rtol=1e-8)


def test_dict_arguments_and_several_outputs():
    rng = np.random.default_rng(1)
    params = {"a": rng.standard_normal(3), "b": rng.standard_normal(3)}
    up0, up1 = rng.standard_normal(3), rng.standard_normal(3)

    def forward(p):
        return p["a"] * p["b"], p["a"] + 2 * p["b"]

    setup = NumericalSetup((params,), ((0, up0), (1, up1)), (("da", 0, "a", False), ("db", 0, "b", False)))
    plan = gradcheck.perturbations_for(setup)
    gradients = gradcheck.numerical_gradients(setup, plan, gradcheck.evaluate_locally(forward, setup, plan))
    np.testing.assert_allclose(gradients["da"], up0 * params["b"] + up1, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gradients["db"], up0 * params["a"] + 2 * up1, rtol=1e-6, atol=1e-8)
    assert params["a"].shape == (3,)  # the base point is untouched
