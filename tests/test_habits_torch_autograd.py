"""PyTorch's hand-written training loop: parameters updated in place inside ``no_grad()``,
gradients zeroed with ``w.grad.zero_()``, ``no_grad`` / ``enable_grad`` as decorators. The
numbers are compared with the same loop run by PyTorch."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import glassnet as gn


def _data():
    rng = np.random.default_rng(0)
    x = np.linspace(-1.0, 1.0, 20)
    return x, 0.5 + 2.0 * x - 0.7 * x**2 + rng.normal(0.0, 0.05, x.size)


def _polynomial_fit(lib, steps=30, lr=0.1):
    """The tutorial's loop: y = a + b x + c x^2, learned by hand-written gradient descent."""
    x, y = (lib.tensor(v, dtype=lib.float64) for v in _data())
    a, b, c = (lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in (0.1, -0.2, 0.3))
    params = (a, b, c)
    for _ in range(steps):
        loss = ((a + b * x + c * x**2 - y) ** 2).mean()
        loss.backward()
        with lib.no_grad():
            a -= lr * a.grad
            b -= lr * b.grad
            c -= lr * c.grad
            a.grad.zero_()
            b.grad.zero_()
            c.grad.zero_()
    return params, (a, b, c), loss


class _Lib:
    """glassnet under the names the loop uses."""

    tensor = staticmethod(gn.tensor)
    float64 = np.float64
    no_grad = staticmethod(gn.no_grad)


def test_in_place_updates_inside_no_grad_keep_the_leaves_and_match_torch():
    before, after, loss = _polynomial_fit(_Lib)
    _, expected, expected_loss = _polynomial_fit(torch)
    for ours, theirs, original in zip(after, expected, before):
        assert ours is original and ours.requires_grad and ours.op == "leaf"
        np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
        assert ours.grad == 0.0
    np.testing.assert_allclose(loss.item(), expected_loss.item(), rtol=1e-12)


def test_zeroed_gradient_accumulates_again():
    w = gn.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with gn.no_grad():
        w.grad.zero_()
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


def test_in_place_update_keeps_the_parameter_in_its_optimizer():
    layer = gn.layers.Dense(2, input_dim=3)
    optimizer = gn.optim.SGD(layer.parameters(), lr=0.1)
    W = layer.W
    x = gn.tensor(np.ones((4, 3)))
    optimizer.zero_grad()
    layer(x).sum().backward()
    with gn.no_grad():
        W -= 0.01 * W.grad
    stepped = W.numpy().copy()
    optimizer.step()
    assert layer.W is W and W.requires_grad
    np.testing.assert_allclose(W.numpy(), stepped - 0.1 * W.grad, rtol=1e-6)


def test_in_place_update_outside_no_grad_is_refused_with_the_fix():
    w = gn.tensor([1.0], requires_grad=True)
    (w * w).sum().backward()
    with pytest.raises(RuntimeError, match=r"with gn.no_grad\(\):"):
        w -= 0.1 * w.grad
    with pytest.raises(RuntimeError, match=r"x.zero_\(\) would change in place"):
        w.zero_()


def test_no_grad_and_enable_grad_as_decorators():
    x = gn.tensor([1.0], requires_grad=True)

    @gn.no_grad()
    def frozen(t):
        return t * 2

    @gn.no_grad
    def frozen_bare(t):
        return t * 2

    @gn.enable_grad()
    def recorded(t):
        return t * 2

    assert not frozen(x).requires_grad and not frozen_bare(x).requires_grad
    assert frozen.__name__ == "frozen"
    with gn.no_grad():
        assert recorded(x).requires_grad
        assert not gn.is_grad_enabled()
    assert gn.is_grad_enabled()


def test_decorated_function_restores_the_mode_after_an_error():
    @gn.no_grad()
    def failing():
        raise KeyError("inside")

    with pytest.raises(KeyError):
        failing()
    assert gn.is_grad_enabled()


def test_decorator_switches_only_the_calling_thread():
    inside, entered, release = [], threading.Event(), threading.Event()

    @gn.no_grad()
    def waiting():
        inside.append(gn.is_grad_enabled())
        entered.set()
        release.wait(10)

    worker = threading.Thread(target=waiting)
    worker.start()
    entered.wait(10)
    recording_here = gn.is_grad_enabled()
    release.set()
    worker.join()
    assert inside == [False] and recording_here


def test_decorator_on_something_not_callable_says_how_to_use_it():
    with pytest.raises(TypeError, match=r"no_grad decorates a function .* with gn.no_grad\(\):"):
        gn.no_grad(3)


def test_decorating_a_generator_is_refused_with_the_context_spelling():
    with pytest.raises(TypeError, match=r"not decorate a generator function \(batches\).*with gn.no_grad"):
        @gn.no_grad()
        def batches():
            yield 1
