"""The Tensor: construction, attributes, backward semantics, no_grad, operators and errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn

F = gn.functional


def leaf(values, dtype=np.float64) -> gn.Tensor:
    return gn.tensor(values, requires_grad=True, dtype=dtype)


# ---------------------------------------------------------------- creation
@pytest.mark.parametrize("data", [[1, 2, 3], [1.0, 2.0], np.arange(3), np.ones(2, dtype=np.float64), 2.5])
def test_tensor_is_float32_unless_a_dtype_is_given(data):
    assert gn.tensor(data).dtype == np.float32
    assert gn.tensor(data, dtype=np.float64).dtype == np.float64
    assert gn.tensor(data, dtype="float64").data.dtype == np.float64


def test_tensor_rejects_a_non_floating_dtype_naming_it():
    with pytest.raises(TypeError, match="int64"):
        gn.tensor([1, 2], dtype=np.int64)


def test_attributes():
    x = gn.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    assert isinstance(x.data, np.ndarray) and x.shape == (1, 3) and x.dtype == np.float32
    assert x.grad is None and x.requires_grad and x.ndim == 2 and x.size == 3 and len(x) == 1
    assert x.numpy() is x.data
    assert gn.tensor([[4.0]]).item() == 4.0 and isinstance(gn.tensor(4.0).item(), float)
    with pytest.raises(ValueError, match=r"one element.*\(1, 3\)"):
        x.item()
    assert x.op == "leaf" and (x * 2).op == "mul"
    assert "requires_grad=True" in repr(x)


@pytest.mark.parametrize("op", [lambda t: t.exp(), lambda t: t * t, lambda t: t.sum(), lambda t: t.clip(0, 1),
                                lambda t: -t, F.sigmoid, lambda t: t.reshape(())])
def test_results_of_zero_dimensional_inputs_are_arrays(op):
    out = op(leaf(0.5))
    assert isinstance(out.data, np.ndarray) and out.shape == ()


# ---------------------------------------------------------------- backward
def test_backward_of_a_scalar_defaults_to_one_and_gradients_accumulate_until_zeroed():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 7.0])
    x.zero_grad()
    assert x.grad is None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_backward_twice_through_the_same_graph_accumulates():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])


def test_backward_with_an_explicit_gradient():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).backward(np.array([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, -6.0])
    x.zero_grad()
    (x * 2).backward(gn.tensor([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


def test_broadcasting_in_forward_is_summed_back_in_backward():
    a, b, c = leaf(np.ones((3, 1))), leaf(np.ones(4)), leaf(2.0)
    out = a * b + c
    assert out.shape == (3, 4)
    out.sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,) and c.grad.shape == ()
    np.testing.assert_array_equal(a.grad, np.full((3, 1), 4.0))
    np.testing.assert_array_equal(b.grad, np.full(4, 3.0))
    assert c.grad == 12.0


def test_a_tensor_used_along_several_paths_gets_the_sum_of_their_gradients():
    x = leaf(3.0)
    y = x * 2
    z = y * y + y + x  # z = 4x^2 + 3x, dz/dx = 8x + 3
    z.backward()
    assert x.grad == 27.0


def test_a_long_chain_does_not_hit_the_recursion_limit():
    x = leaf(1.0)
    y = x
    for _ in range(5000):
        y = y + 1.0
    y.backward()
    assert y.item() == 5001.0 and x.grad == 1.0


def test_only_leaves_keep_their_gradient_unless_retain_grad():
    x = leaf([1.0, 2.0])
    z = x * 3
    h = z * z
    z.retain_grad()
    kept = x * 3
    h.sum().backward()
    np.testing.assert_array_equal(z.grad, 2 * z.data)
    np.testing.assert_array_equal(x.grad, 6 * z.data)
    assert kept.grad is None and (z * 1).grad is None


def test_detach_shares_data_and_cuts_the_graph():
    x = leaf([1.0, 2.0])
    d = x.detach()
    assert d.data is x.data and not d.requires_grad and d.op == "leaf"
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])


def test_inputs_without_requires_grad_get_no_gradient():
    x, c = leaf([1.0, 2.0]), gn.tensor([5.0, 6.0], dtype=np.float64)
    (x * c).sum().backward()
    assert c.grad is None and not c.requires_grad


def test_float32_gradients_stay_float32():
    x = leaf([1.0, 2.0], dtype=np.float32)
    (x * x + 1.0 / x).sum().backward()
    assert x.grad.dtype == np.float32


def test_astype_changes_the_dtype_and_the_gradient_comes_back_in_the_original_dtype():
    x = leaf([1.0, 2.0], dtype=np.float32)
    y = x.astype(np.float64)
    assert y.dtype == np.float64 and y.op == "cast"
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


# ------------------------------------------------------------------ no_grad
def test_no_grad_records_no_graph_and_enable_grad_records_again():
    x = leaf([1.0, 2.0])
    with gn.no_grad():
        y = x * 2
        assert not gn.is_grad_enabled()
        with gn.enable_grad():
            z = x * 2
    assert gn.is_grad_enabled()
    assert not y.requires_grad and y.op == "leaf" and y.parents == ()
    assert z.requires_grad and z.parents[0] is x
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(ValueError), gn.no_grad():
        raise ValueError("inside")
    assert gn.is_grad_enabled()


# ---------------------------------------------------------------- operators
def test_operators_with_python_numbers_and_arrays_on_either_side():
    x = leaf([1.0, 2.0, 4.0])
    np.testing.assert_allclose((2 + x).data, [3, 4, 6])
    np.testing.assert_allclose((2 - x).data, [1, 0, -2])
    np.testing.assert_allclose((2 * x).data, [2, 4, 8])
    np.testing.assert_allclose((2 / x).data, [2, 1, 0.5])
    np.testing.assert_allclose((2**x).data, [2, 4, 16])
    np.testing.assert_allclose((x**0.5).data, np.sqrt([1.0, 2.0, 4.0]))
    np.testing.assert_allclose((np.ones((2, 3)) @ x).data, [7.0, 7.0])
    out = np.array([1.0, 1.0, 1.0]) - x
    assert isinstance(out, gn.Tensor)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, -1.0, -1.0])


def test_comparisons_return_plain_boolean_arrays():
    x = gn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    cases = [(x < 2, [1, 0, 0]), (x <= 2, [1, 1, 0]), (x > 2, [0, 0, 1]), (x >= 2, [0, 1, 1]),
             (x == 2, [0, 1, 0]), (x != 2, [1, 0, 1]), (x > gn.tensor([0.0, 5.0, 1.0]), [1, 0, 1])]
    for result, expected in cases:
        assert type(result) is np.ndarray and result.dtype == bool
        np.testing.assert_array_equal(result, np.array(expected, dtype=bool))
    assert x in {x} and len({x, gn.tensor([1.0])}) == 2


def test_reshape_and_transpose_accept_a_tuple_or_separate_axes():
    x = gn.tensor(np.arange(6.0).reshape(2, 3))
    assert x.reshape(3, 2).shape == x.reshape((3, 2)).shape == x.reshape([3, 2]).shape == (3, 2)
    assert x.transpose().shape == x.T.shape == x.transpose(1, 0).shape == x.transpose((1, 0)).shape == (3, 2)
    np.testing.assert_array_equal(x.T.data, x.data.T)


def test_reductions_with_axis_and_keepdims():
    x = gn.tensor(np.arange(24.0).reshape(2, 3, 4), dtype=np.float64)
    for name in ("sum", "mean", "max"):
        for axis in (None, 0, -1, (0, 2)):
            for keepdims in (False, True):
                out = getattr(x, name)(axis=axis, keepdims=keepdims)
                np.testing.assert_array_equal(out.data, getattr(x.data, name)(axis=axis, keepdims=keepdims))


# -------------------------------------------------------------------- errors
def test_backward_on_a_non_scalar_without_gradient_names_the_shape():
    with pytest.raises(RuntimeError, match=r"scalar.*\(2, 2\)"):
        (leaf(np.ones((2, 2))) * 2).backward()


def test_backward_with_a_gradient_of_the_wrong_shape_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        (leaf([1.0, 2.0]) * 2).backward(np.ones(3))


def test_backward_through_a_graph_without_a_requires_grad_leaf():
    x = gn.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        (x * x).sum().backward()


def test_backward_is_right_whatever_the_creation_stamps_say():
    """Tensors unpickled from another process keep their old stamps; gradients stay exact."""
    import pickle

    w = gn.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    w._seq += 10**9  # as if made later than everything below
    w2 = pickle.loads(pickle.dumps(w))
    x = gn.tensor([3.0, 4.0], requires_grad=True, dtype=np.float64)
    h = x * w2
    out = (h * h + h * w2).sum()
    out.backward()
    np.testing.assert_allclose(x.grad, 2 * x.data * w2.data**2 + w2.data**2)
    np.testing.assert_allclose(w2.grad, 2 * x.data**2 * w2.data + 2 * x.data * w2.data)
