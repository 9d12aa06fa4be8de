"""The compiled softmax cross-entropy (logits, integer labels) against the reference path: the
loss and its gradient to rounding, the gradient from a given softmax bit for bit."""


import numpy as np
import pytest

import glassnet as gn
from glassnet import accel, losses

needs_kernel = pytest.mark.skipif(not accel.compiled_available(), reason="the compiled kernel is not built")


def _loss_and_grad(z, labels, weights, reduction):
    logits = gn.Tensor(z.copy(), requires_grad=True)
    loss = losses.CrossEntropy(reduction=reduction)(logits, labels, sample_weight=weights)
    loss.sum().backward()
    return loss.data, logits.grad


@needs_kernel
@pytest.mark.parametrize("dtype, rtol", [(np.float32, 2e-6), (np.float64, 1e-14)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("rows, classes", [(1, 1), (7, 3), (200, 10), (33, 17)])
def test_kernel_equals_the_numpy_path(dtype, rtol, reduction, weighted, rows, classes):
    rng = np.random.default_rng(rows * classes)
    z = (rng.normal(size=(rows, classes)) * 4).astype(dtype)
    labels = rng.integers(0, classes, rows)
    weights = rng.random(rows) if weighted else None
    fused = _loss_and_grad(z, labels, weights, reduction)
    with gn.reference():
        plain = _loss_and_grad(z, labels, weights, reduction)
    for ours, theirs in zip(fused, plain):
        assert ours.dtype == theirs.dtype == dtype
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * 20)  # logits up to ~16


@needs_kernel
def test_the_gradient_is_the_numpy_path_s_bit_for_bit():
    """dE/dz = (p - onehot) u: the same two rounded operations per element on the same p."""
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(10), size=50).astype(np.float32)
    labels = rng.integers(0, 10, 50)
    for u in (np.asarray(np.float32(1 / 50)), rng.random((50, 1)).astype(np.float32)):
        out = accel.softmax_cross_entropy_grad(p, labels, u)
        with gn.reference():
            reference = accel.softmax_cross_entropy_grad(p, labels, u)
        expected = p.copy()
        expected[np.arange(50), labels] -= 1
        expected *= u
        assert out.tobytes() == reference.tobytes() == expected.tobytes()


@needs_kernel
def test_huge_logits_stay_finite_and_non_finite_logits_give_nan():
    z = np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]], np.float32)
    loss = losses.CrossEntropy(reduction="none")(gn.Tensor(z), np.array([1, 2]))
    np.testing.assert_allclose(loss.data, [2e4, np.log(3)], rtol=1e-6)
    for bad in (np.nan, np.inf):
        p, elements = np.empty_like(z), np.empty(2, np.float32)
        accel._compiled.softmax_cross_entropy(np.array([[bad, 0, 0], [0, 0, 0]], np.float32),
                                                    np.array([0, 0]), p, elements)
        assert np.isnan(elements[0]) and np.isfinite(elements[1])


@needs_kernel
def test_the_float32_exponential_is_within_a_few_ulp_down_to_the_subnormals():
    """Rows [0, x]: p_1 = e^x / (1 + e^x) and l_0 = ln(1 + e^x), for x from 0 to -104."""
    x = -np.linspace(0, 104, 400_001).astype(np.float32)
    z = np.stack([np.zeros_like(x), x], axis=1)
    p, losses = np.empty_like(z), np.empty(len(x), np.float32)
    accel._compiled.softmax_cross_entropy(z, np.zeros(len(x), np.int64), p, losses)
    e = np.exp(x.astype(np.float64))
    exact = e / (1 + e)
    normal = exact >= np.finfo(np.float32).tiny
    assert np.max(np.abs(p[normal, 1] - exact[normal]) / exact[normal]) < 4 * 2.0**-24
    assert np.max(np.abs(p[~normal, 1] - exact[~normal])) <= 2.0**-149
    assert np.all(p[x < -103.98, 1] == 0)
    np.testing.assert_allclose(losses, np.log1p(e), rtol=0, atol=2e-7)


@needs_kernel
def test_the_kernel_rejects_what_it_cannot_compute():
    fused = accel._compiled
    z = np.zeros((3, 4), np.float32)
    p, elements = np.empty_like(z), np.empty(3, np.float32)
    with pytest.raises(IndexError, match="label 4 of row 1 is outside"):
        fused.softmax_cross_entropy(z, np.array([0, 4, 1]), p, elements)
    with pytest.raises(ValueError, match="expected 3 values"):
        fused.softmax_cross_entropy(z, np.array([0, 1]), p, elements)
    with pytest.raises(TypeError, match="losses: expected float32"):
        fused.softmax_cross_entropy(z, np.array([0, 1, 2]), p, np.empty(3))
    with pytest.raises(ValueError, match="2-D"):
        fused.softmax_cross_entropy(np.zeros(4, np.float32), np.array([0]), p, elements)
    with pytest.raises(ValueError, match="expected 1 or 3 values"):
        fused.softmax_cross_entropy_grad(z, np.array([0, 1, 2]), np.ones(2, np.float32), p)


@pytest.mark.parametrize("z", [np.zeros((2, 3), np.float16), np.asfortranarray(np.ones((2, 3)))])
def test_other_inputs_take_the_numpy_path(z):
    p, losses_ = accel.softmax_cross_entropy(z, np.array([0, 1]))
    assert p.dtype == losses_.dtype == z.dtype
    np.testing.assert_allclose(p, 1 / 3, rtol=1e-3)
    np.testing.assert_allclose(losses_, np.log(3), rtol=1e-3)
