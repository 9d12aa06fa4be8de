"""Every op of glassnet/ops against PyTorch and finite differences (table in tests/specs.py),
the op-specific rules the table cannot show (ties, repeated indices), and shape errors."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest
import torch
from specs import OPS, helper_test_spec, node_types, spec_cases

import glassnet as gn
import glassnet.ops
from glassnet.function import Function

F = gn.functional


@pytest.mark.parametrize("spec, shapes", spec_cases(OPS))
def test_op_matches_torch_and_finite_differences(spec, shapes):
    helper_test_spec(spec, shapes)


def _op_functions() -> set[type]:
    """Every public Function subclass defined in glassnet/ops, except convolution and pooling
    (tested with their layers)."""
    found = set()
    for info in pkgutil.iter_modules(glassnet.ops.__path__):
        if info.name in ("conv", "pool"):
            continue
        module = importlib.import_module(f"glassnet.ops.{info.name}")
        found.update(
            cls for name, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, Function) and cls.__module__ == module.__name__ and not name.startswith("_")
        )
    return found


def test_every_op_is_in_the_table():
    missing = _op_functions() - node_types(OPS)
    assert not missing, f"ops without an entry in tests/specs.py OPS: {sorted(c.__name__ for c in missing)}"


def test_table_names_are_unique():
    names = [spec.name for spec in OPS]
    assert len(names) == len(set(names))


def _grads(fn, *arrays):
    leaves = [gn.tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    fn(*leaves).sum().backward()
    return [leaf.grad for leaf in leaves]


def _torch_grads(fn, *arrays):
    leaves = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    fn(*leaves).sum().backward()
    return [leaf.grad.numpy() for leaf in leaves]


def test_max_splits_the_gradient_among_ties_as_torch_amax():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    for axis in (None, 0, 1):
        dims = (0, 1) if axis is None else axis
        (g,) = _grads(lambda t, a=axis: t.max(axis=a), x)
        (expected,) = _torch_grads(lambda t, d=dims: torch.amax(t, dim=d), x)
        np.testing.assert_array_equal(g, expected)


@pytest.mark.parametrize("op, ref", [(F.maximum, torch.maximum), (F.minimum, torch.minimum)])
def test_maximum_and_minimum_split_ties_evenly_as_torch(op, ref):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0])
    for g, expected in zip(_grads(op, a, b), _torch_grads(ref, a, b), strict=True):
        np.testing.assert_array_equal(g, expected)


def test_clip_passes_the_gradient_at_its_bounds_as_torch_clamp():
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    (g,) = _grads(lambda t: t.clip(-0.5, 0.5), x)
    (expected,) = _torch_grads(lambda t: torch.clamp(t, -0.5, 0.5), x)
    np.testing.assert_array_equal(g, expected)
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_abs_and_relu_have_zero_gradient_at_zero_as_torch():
    (g,) = _grads(lambda t: t.abs() + F.relu(t), np.zeros(3))
    np.testing.assert_array_equal(g, np.zeros(3))


def test_repeated_indices_accumulate():
    (g,) = _grads(lambda t: t[[0, 2, 0, 0]] * gn.tensor([1.0, 2.0, 3.0, 4.0], dtype=np.float64),
                  np.arange(3.0))
    np.testing.assert_array_equal(g, [8.0, 0.0, 2.0])


def test_slice_gradient_is_scattered_into_zeros():
    (g,) = _grads(lambda t: t[1:3, ::2], np.ones((4, 3)))
    expected = np.zeros((4, 3))
    expected[1:3, ::2] = 1.0
    np.testing.assert_array_equal(g, expected)


def test_where_accepts_a_boolean_tensor_or_array_condition():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0])
    cond = np.array([True, False, True])
    ga, gb = _grads(lambda x, y: gn.where(cond, x, y), a, b)
    np.testing.assert_array_equal(ga, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(gb, [0.0, 1.0, 0.0])
    out = gn.where(gn.tensor(a) > 1.5, gn.tensor(a), 0.0)
    np.testing.assert_array_equal(out.data, [0.0, 2.0, 3.0])


def test_logsumexp_is_stable_for_huge_values():
    x = gn.tensor([[1000.0, 1000.0], [-1000.0, -1000.0]], requires_grad=True)
    out = F.logsumexp(x, axis=1)
    out.sum().backward()
    np.testing.assert_allclose(out.data, [1000.0 + np.log(2.0), -1000.0 + np.log(2.0)], rtol=1e-6)
    np.testing.assert_allclose(x.grad, np.full((2, 2), 0.5))


@pytest.mark.parametrize("a_shape, b_shape", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 2, 3), (2, 4, 5))])
def test_matmul_shape_mismatch_names_both_shapes(a_shape, b_shape):
    a, b = gn.tensor(np.ones(a_shape)), gn.tensor(np.ones(b_shape))
    with pytest.raises(ValueError) as info:
        a @ b
    assert str(a_shape) in str(info.value) and str(b_shape) in str(info.value)


@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b, lambda a, b: a**b,
    F.maximum, F.minimum,
])
def test_broadcast_mismatch_names_both_shapes(op):
    a, b = gn.tensor(np.ones((2, 3))), gn.tensor(np.ones((4,)))
    with pytest.raises(ValueError) as info:
        op(a, b)
    assert "(2, 3)" in str(info.value) and "(4,)" in str(info.value)


def test_linear_rejects_mismatched_features_naming_the_shapes():
    with pytest.raises(ValueError, match=r"\(5, 3\).*\(4, 2\)"):
        F.linear(gn.tensor(np.ones((5, 3))), gn.tensor(np.ones((4, 2))))


@pytest.mark.parametrize("call, message", [
    (lambda: gn.tensor(np.ones((2, 3))).reshape(4, 2), r"\(2, 3\)"),
    (lambda: F.broadcast_to(gn.tensor(np.ones((2, 3))), (4, 3)), r"\(2, 3\).*\(4, 3\)"),
    (lambda: gn.concatenate([gn.tensor(np.ones((2, 3))), gn.tensor(np.ones((2, 4)))]), r"\(2, 3\).*\(2, 4\)"),
    (lambda: gn.stack([gn.tensor(np.ones((2, 3))), gn.tensor(np.ones((3, 2)))]), r"\(2, 3\).*\(3, 2\)"),
    (lambda: gn.tensor(np.ones((2, 3))).sum(axis=2), "axis 2"),
])
def test_shape_errors_name_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()
