import numpy as np

from grader.engine.compare import compare_array, excerpt, relative_error, tensor_relative_error


def test_equal_arrays_pass_with_zero_error():
    expected = np.linspace(-1, 1, 12).reshape(3, 4)
    result = compare_array(expected.copy(), expected)
    assert result.ok and result.max_relative_error == 0.0 and result.mismatched == 0


def test_shape_is_reported_before_values():
    expected = np.zeros((3, 4))
    result = compare_array(np.zeros((4, 3)), expected)
    assert not result.ok
    assert result.problem == "shape (4, 3), expected (3, 4)"


def test_float32_is_a_dtype_failure_even_when_values_agree():
    expected = np.linspace(0, 1, 6).reshape(2, 3)
    result = compare_array(expected.astype(np.float32), expected)
    assert not result.ok and "dtype float32" in result.problem


def test_list_is_named_in_the_problem():
    result = compare_array([[1.0, 2.0]], np.array([[1.0, 2.0]]))
    assert not result.ok and result.problem.startswith("returned list")


def test_nan_is_reported_with_its_position():
    expected = np.ones((2, 3))
    got = expected.copy()
    got[1, 2] = np.nan
    result = compare_array(got, expected)
    assert not result.ok and "NaN" in result.problem and result.where == (1, 2)


def test_mismatch_counts_elements_and_locates_the_worst():
    expected = np.ones((3, 6))
    got = expected.copy()
    got[1, 2] = 1.83
    got[0, 0] = 1.1
    result = compare_array(got, expected)
    assert not result.ok
    assert result.mismatched == 2 and result.total == 18
    assert result.where == (1, 2)
    assert "2 / 18 elements differ, max relative error 0.83 at [1, 2] (allowed 1e-06)" == result.problem


def test_tiny_absolute_differences_near_zero_are_tolerated():
    expected = np.array([0.0, 1e-12, 1.0])
    got = expected + 1e-15
    assert compare_array(got, expected).ok
    assert not compare_array(expected + 1e-8, expected).ok


def test_relative_error_uses_floor_for_small_values():
    error = relative_error(np.array([1e-4 + 1e-9]), np.array([1e-4]))
    assert np.isclose(error[0], 1e-6)


def test_tensor_relative_error_is_scale_free():
    a = np.array([1.0, 2.0, 3.0])
    assert tensor_relative_error(a, a) == 0.0
    assert np.isclose(tensor_relative_error(1000 * a, 1000 * a * 1.01), tensor_relative_error(a, a * 1.01))


def test_excerpt_shows_the_row_of_the_worst_element():
    array = np.arange(12.0).reshape(3, 4)
    assert excerpt(array, (2, 1)).startswith("[2, :4] [ 8.")
