"""micrograd's engine tests, written for glassnet: each expression is built from scalar tensors
exactly as micrograd builds it from ``Value`` objects (``relu()``, ``**``, ``+=`` on a result,
reflected operators), and its value and gradients are compared with PyTorch's in float64.

The only change a micrograd user makes is the constructor:
``Value(x)`` -> ``gn.tensor(x, requires_grad=True, dtype=np.float64)``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassnet as gn


def Value(x):  # noqa: N802 - the name micrograd's code uses
    return gn.tensor(x, requires_grad=True, dtype=np.float64)


def _torch_scalar(x):
    t = torch.Tensor([x]).double()
    t.requires_grad = True
    return t


def _sanity(make):
    x = make(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return x, y


def test_sanity_check_matches_torch():
    xmg, ymg = _sanity(Value)
    xpt, ypt = _sanity(_torch_scalar)
    assert ymg.data == ypt.data.item()
    assert xmg.grad == xpt.grad.item()


def test_more_ops_match_torch():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    amg, bmg, gmg = a, b, g

    apt, bpt, gpt = _more_ops_torch()
    tol = 1e-6
    assert abs(gmg.data - gpt.data.item()) < tol
    assert abs(amg.grad - apt.grad.item()) < tol
    assert abs(bmg.grad - bpt.grad.item()) < tol


def _more_ops_torch():
    """The same computation in PyTorch, with x = x + y where micrograd writes x += y (PyTorch
    refuses the in-place form on these tensors)."""
    a, b = _torch_scalar(-4.0), _torch_scalar(2.0)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    return a, b, g


@pytest.mark.parametrize(("ours", "theirs"), [(gn.Tensor.tanh, torch.Tensor.tanh),
                                              (gn.Tensor.exp, torch.Tensor.exp)])
@pytest.mark.parametrize("x", [-1.0, 0.123, 2.0])
def test_unary_methods_called_on_the_class_match_torch(ours, theirs, x):
    xv = Value(x)
    yv = ours(xv)
    yv.backward()
    xt = _torch_scalar(x)
    yt = theirs(xt)
    yt.backward()
    assert abs(yv.data - yt.data.item()) < 1e-6
    assert abs(xv.grad - xt.grad.item()) < 1e-6


def test_scalar_gradient_compares_and_prints_as_a_number():
    x = Value(-4.0)
    (x * x * 3).backward()
    assert x.grad == -24.0
    assert float(x.grad) == -24.0
    assert str(x.grad) == "-24.0"
    assert f"{x.grad:.1f}" == "-24.0"
    assert repr(x.grad) == "array(-24.)"
    assert x.data == -4.0 and str(x.data) == "-4.0"
