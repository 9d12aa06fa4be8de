"""Regularizers: value and gradient against PyTorch and central finite differences."""

import json

import numpy as np
import pytest
import torch

from glassnet import regularizers
from glassnet.layers import Parameter
from glassnet.tensor import Tensor

CASES = [
    regularizers.L1(0.03),
    regularizers.L2(0.07),
    regularizers.L1L2(l1=0.02, l2=0.05),
    regularizers.L1L2(l1=0.02),
    regularizers.get("l2"),
]


def weights(seed=0, shape=(4, 5)):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal(shape)
    W[0, 0] = 0.0  # |W| has a kink at 0: both libraries take the subgradient 0 there
    return W


def torch_penalty(reg, W):
    return reg.l1 * W.abs().sum() + reg.l2 * (W**2).sum()


@pytest.mark.parametrize("reg", CASES, ids=repr)
def test_value_and_gradient_match_torch(reg):
    values = weights()
    W = Parameter(values.copy())
    penalty = reg(W)
    assert penalty.shape == () and penalty.dtype == np.float64
    penalty.backward()
    tW = torch.tensor(values, requires_grad=True)
    expected = torch_penalty(reg, tW)
    expected.backward()
    assert penalty.item() == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(W.grad, tW.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reg", CASES, ids=repr)
def test_gradient_matches_central_differences(reg):
    values = weights(seed=1, shape=(3, 2, 2))
    values[np.abs(values) < 0.05] = 0.3  # keep clear of the kink of |W|
    W = Parameter(values.copy())
    reg(W).backward()
    h = 1e-6
    numeric = np.zeros_like(values)
    for index in np.ndindex(values.shape):
        up, down = values.copy(), values.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = (reg(Tensor(up)).item() - reg(Tensor(down)).item()) / (2 * h)
    np.testing.assert_allclose(W.grad, numeric, rtol=1e-6, atol=1e-9)


def test_hand_worked_values_and_float32():
    W = Parameter(np.array([[1.0, -2.0], [0.5, 0.0]], dtype=np.float32))
    # L1: 0.1 (1 + 2 + 0.5) = 0.35;  L2: 0.1 (1 + 4 + 0.25) = 0.525;  gradient of L2: 0.2 W
    assert regularizers.L1(0.1)(W).item() == pytest.approx(0.35, rel=1e-6)
    penalty = regularizers.L2(0.1)(W)
    assert penalty.dtype == np.float32 and penalty.item() == pytest.approx(0.525, rel=1e-6)
    penalty.backward()
    assert W.grad.dtype == np.float32
    np.testing.assert_allclose(W.grad, 0.2 * W.data, rtol=1e-6)
    assert regularizers.L1L2()(W).item() == 0.0
    assert regularizers.L2(0.5)(np.array([1.0, 2.0])).item() == pytest.approx(2.5)


def test_l2_equals_torch_weight_decay_of_twice_the_coefficient():
    values = weights(seed=2)
    W = Parameter(values.copy())
    regularizers.L2(0.05)(W).backward()
    tW = torch.tensor(values, requires_grad=True)
    opt = torch.optim.SGD([tW], lr=1.0, weight_decay=0.1)
    tW.grad = torch.zeros_like(tW)
    opt.step()  # tW <- tW - 1.0 * (0 + 0.1 tW)
    np.testing.assert_allclose(values - W.grad, tW.detach().numpy(), rtol=1e-12)


def test_registry_and_configs():
    assert {"l1", "l2", "l1_l2", "l1l2"} <= set(regularizers.names())
    assert regularizers.get(None) is None
    reg = regularizers.L1L2(0.001, 0.01)
    assert regularizers.get(reg) is reg
    for r in [reg, regularizers.L1(0.2), regularizers.L2()]:
        config = r.get_config()
        assert json.loads(json.dumps(config)) == config
        rebuilt = regularizers.get(config)
        assert type(rebuilt) is type(r) and rebuilt.get_config() == config
        assert type(r).from_config(config).get_config() == config
    assert type(regularizers.get("L1L2")) is regularizers.L1L2


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"l2 must be in \[0, inf\), got -0.1"):
        regularizers.L2(-0.1)
    with pytest.raises(ValueError, match="l1 must be"):
        regularizers.L1L2(l1=float("inf"))
    with pytest.raises(TypeError, match="l1 must be a real number"):
        regularizers.L1("0.1")
    with pytest.raises(ValueError, match="unknown regularizer 'l3'.*'l1'"):
        regularizers.get("l3")
    with pytest.raises(TypeError, match="regularizer must be a name"):
        regularizers.get(0.01)
