"""Gradients at the special points of the ops (0, negative bases, ties, bounds, division by
zero) against PyTorch in float64, NaN and inf included."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as tf

import glassnet as gn

F = gn.functional
A = gn.activations
POINTS = np.array([0.0, -2.0, -0.5, 0.5, 3.0])
EXPONENTS = [0, 1, 2, 3, 0.5, -1, -2, 2.5, 0.0, -0.5, 1.5]


def _same(ours: np.ndarray, theirs: np.ndarray) -> None:
    """Equal values, with NaN where torch has NaN and the same infinities."""
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(theirs))
    finite = np.isfinite(theirs)
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-12, atol=0)
    infinite = np.isinf(theirs)
    np.testing.assert_array_equal(np.sign(ours[infinite]), np.sign(theirs[infinite]))


def _grads(ours, theirs, *arrays):
    mine = [gn.tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    ref = [torch.tensor(a, requires_grad=True, dtype=torch.float64) for a in arrays]
    with np.errstate(all="ignore"):
        ours(*mine).sum().backward()
    theirs(*ref).sum().backward()
    for m, r in zip(mine, ref):
        _same(m.grad, r.grad.numpy())


@pytest.mark.parametrize("p", EXPONENTS)
def test_power_by_a_number_has_torch_s_gradient_at_every_base(p):
    _grads(lambda a: a**p, lambda a: a**p, POINTS)


@pytest.mark.parametrize("base", [0.0, -2.0, 2.0, 1.0, -1.0])
def test_a_number_to_a_tensor_power_has_torch_s_gradient(base):
    _grads(lambda a: base**a, lambda a: base**a, np.array(EXPONENTS, dtype=float))


@pytest.mark.parametrize("base", [0.0, -2.0, 0.5, 3.0])
def test_tensor_base_and_tensor_exponent_have_torch_s_gradients(base):
    exponents = np.array(EXPONENTS, dtype=float)
    _grads(lambda a, b: a**b, lambda a, b: a**b, np.full(exponents.shape, base), exponents)


def test_x_to_the_zero_has_zero_gradient_at_zero():
    x = gn.tensor([0.0, 1.0], requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


SIBLINGS = [
    ("sqrt", lambda a: a.sqrt(), lambda a: a.sqrt(), POINTS),
    ("abs", lambda a: a.abs(), lambda a: a.abs(), POINTS),
    ("log", lambda a: a.log(), lambda a: a.log(), POINTS),
    ("divide by zero", lambda a: a / 0.0, lambda a: a / 0.0, POINTS),
    ("reciprocal", lambda a: 1.0 / a, lambda a: 1.0 / a, POINTS),
    ("relu", A.relu, torch.relu, POINTS),
    ("leaky_relu", A.leaky_relu, tf.leaky_relu, POINTS),
    ("elu", A.elu, tf.elu, POINTS),
    ("softplus", A.softplus, tf.softplus, POINTS),
    ("clip at its bounds", lambda a: a.clip(-2.0, 0.5), lambda a: a.clamp(-2.0, 0.5), POINTS),
    ("max with ties", lambda a: a.max(), lambda a: a.amax(), np.array([1.0, 3.0, 3.0])),
    ("mae at zero", lambda a: F.mae_loss(a, np.zeros(5)),
     lambda a: tf.l1_loss(a, torch.zeros(5, dtype=torch.float64)), POINTS),
]


@pytest.mark.parametrize("ours, theirs, x", [s[1:] for s in SIBLINGS], ids=[s[0] for s in SIBLINGS])
def test_special_points_of_other_ops_have_torch_s_gradient(ours, theirs, x):
    _grads(ours, theirs, x)


@pytest.mark.parametrize("ours, theirs", [(F.maximum, torch.maximum), (F.minimum, torch.minimum)])
def test_maximum_and_minimum_ties_and_division_of_zero_by_zero(ours, theirs):
    _grads(ours, theirs, np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 3.0]))
    _grads(lambda a, b: a / b, lambda a, b: a / b, np.array([0.0, 1.0, -1.0, 0.0]),
           np.array([0.0, 0.0, 0.0, 2.0]))
