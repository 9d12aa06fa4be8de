"""Optimizers against torch.optim, step by step, on the same parameters and gradients."""

import numpy as np
import pytest
import torch

from glassnet import optim
from glassnet.layers import Parameter
from glassnet.tensor import tensor

SHAPES = [(3, 4), (4,), (2, 3, 2), ()]
STEPS = 25
TORCH = {
    "sgd": torch.optim.SGD,
    "adagrad": torch.optim.Adagrad,
    "rmsprop": torch.optim.RMSprop,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
}

CASES = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"lr": 0.1, "weight_decay": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05}),
    ("momentum", {"lr": 0.05}),
    ("nesterov", {"lr": 0.05}),
    ("adagrad", {}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("adagrad", {"initial_accumulator_value": 0.5, "weight_decay": 0.1}),
    ("rmsprop", {}),
    ("rmsprop", {"centered": True}),
    ("rmsprop", {"momentum": 0.5}),
    ("rmsprop", {"rho": 0.9, "centered": True, "momentum": 0.9, "weight_decay": 0.1}),
    ("adam", {}),
    ("adam", {"lr": 0.05, "amsgrad": True}),
    ("adam", {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.1}),
    ("adamw", {}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.2, "amsgrad": True}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "clipnorm": 1.0}),
    ("adam", {"lr": 0.05, "clipnorm": 1.0}),
    ("rmsprop", {"clipvalue": 0.5}),
    ("adagrad", {"clipnorm": 0.5, "clipvalue": 0.2}),
    ("adamw", {"clipvalue": 0.5, "weight_decay": 0.1}),
]


def initial_values(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]


def gradients(dtype=np.float64, steps=STEPS, seed=1):
    """Gradients whose scale shrinks over time (so AMSGrad's maximum and clipping both matter)."""
    rng = np.random.default_rng(seed)
    return [
        [(3.0 * 0.85**t * rng.standard_normal(shape)).astype(dtype) for shape in SHAPES]
        for t in range(steps)
    ]


def torch_optimizer(opt, tparams):
    config = opt.get_config()
    name = config.pop("name")
    config.pop("clipnorm"), config.pop("clipvalue")
    assert config.pop("epsilon", None) is None  # Keras's epsilon: torch has only eps
    if "rho" in config:
        config["alpha"] = config.pop("rho")
    if "beta1" in config:
        config["betas"] = (config.pop("beta1"), config.pop("beta2"))
    return TORCH[name](tparams, **config)


class Pair:
    """The same parameters in glassnet and torch, stepped with the same gradients."""

    def __init__(self, name, kwargs, dtype=np.float64):
        values = initial_values(dtype)
        self.params = [Parameter(v.copy()) for v in values]
        self.opt = optim.get(name, **kwargs).bind(self.params)
        self.tparams = [torch.tensor(v.copy(), requires_grad=True) for v in values]
        self.topt = torch_optimizer(self.opt, self.tparams)

    def step(self, grads):
        self.opt.zero_grad()
        for p, g in zip(self.params, grads, strict=True):
            p.grad += g
        self.opt.step()
        for tp, g in zip(self.tparams, grads, strict=True):
            tp.grad = torch.tensor(g)
        if self.opt.clipnorm is not None:
            torch.nn.utils.clip_grad_norm_(self.tparams, self.opt.clipnorm)
        if self.opt.clipvalue is not None:
            torch.nn.utils.clip_grad_value_(self.tparams, self.opt.clipvalue)
        self.topt.step()

    def assert_equal(self, step, rtol=1e-6, atol=1e-12):
        for p, tp in zip(self.params, self.tparams, strict=True):
            np.testing.assert_allclose(
                p.data, tp.detach().numpy(), rtol=rtol, atol=atol, err_msg=f"after step {step + 1}"
            )


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_matches_torch_every_step(name, kwargs):
    pair = Pair(name, kwargs)
    for step, grads in enumerate(gradients()):
        pair.step(grads)
        pair.assert_equal(step)
    assert pair.opt.iterations == STEPS


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adagrad", "adam"])
def test_lr_changed_mid_run(name):
    pair = Pair(name, {"lr": 0.05})
    for step, grads in enumerate(gradients()):
        if step == 10:
            pair.opt.lr = 0.2
            for group in pair.topt.param_groups:
                group["lr"] = 0.2
        pair.step(grads)
        pair.assert_equal(step)


@pytest.mark.parametrize("name", ["sgd", "nesterov", "adagrad", "rmsprop", "adam", "adamw"])
def test_float32_stays_float32(name):
    pair = Pair(name, {"lr": 0.05}, dtype=np.float32)
    for step, grads in enumerate(gradients(np.float32)):
        pair.step(grads)
        pair.assert_equal(step, rtol=1e-4, atol=1e-5)
    for p in pair.params:
        assert p.data.dtype == np.float32 and p.grad.dtype == np.float32
    for array in pair.opt.state_dict()["state"].values():
        assert array.dtype == np.float32


def test_mixed_dtypes_are_packed_separately_and_keep_their_dtype():
    values = [np.ones((2, 3), np.float32), np.full(4, 2.0)]
    params = [Parameter(v.copy()) for v in values]
    opt = optim.Adam(params, lr=0.1)
    tparams = [torch.tensor(v.copy(), requires_grad=True) for v in values]
    topt = torch.optim.Adam(tparams, lr=0.1)
    for t in range(5):
        grads = [np.full((2, 3), 0.5 + t, np.float32), np.linspace(-1.0, 1.0, 4) * (t + 1)]
        opt.zero_grad()
        for p, tp, g in zip(params, tparams, grads, strict=True):
            p.grad += g
            tp.grad = torch.tensor(g)
        opt.step()
        topt.step()
    assert [p.data.dtype for p in params] == [np.float32, np.float64]
    for p, tp in zip(params, tparams, strict=True):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-5)
    assert [dtype for dtype, _ in opt.state_dict()["shapes"]] == ["float32", "float64"]


def test_grad_none_counts_as_zero_and_replaced_arrays_are_copied_in():
    pair = Pair("adam", {"lr": 0.05})
    grads = gradients()
    for step in range(6):
        pair.opt.zero_grad()
        pair.params[0].grad = None if step % 2 else grads[step][0].copy()
        pair.params[1].grad = grads[step][1].copy()
        for p, g in zip(pair.params[2:], grads[step][2:], strict=True):
            p.grad += g
        if step == 3:
            new = np.linspace(-1.0, 1.0, 4)
            pair.params[1].data = new.copy()
            pair.tparams[1].data = torch.tensor(new)
        pair.opt.step()
        torch_grads = [np.zeros(SHAPES[0])] if step % 2 else [grads[step][0]]
        for tp, g in zip(pair.tparams, torch_grads + grads[step][1:], strict=True):
            tp.grad = torch.tensor(g)
        pair.topt.step()
        pair.assert_equal(step)
        flat_data, flat_grad = pair.params[0].data.base, pair.params[0].grad.base
        assert all(p.data.base is flat_data and p.grad.base is flat_grad for p in pair.params)


def test_backward_accumulates_into_the_flat_gradient_and_none_grads_are_relinked():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((8, 4)), rng.standard_normal((8, 1))
    values = [rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal((3, 1))]
    params = [Parameter(v.copy()) for v in values]
    opt = optim.Adam(params, lr=0.05)
    tparams = [torch.tensor(v.copy(), requires_grad=True) for v in values]
    topt = torch.optim.Adam(tparams, lr=0.05)
    for step in range(10):
        if step % 3 == 2:
            for p in params:
                p.grad = None  # what Module.zero_grad does
        else:
            opt.zero_grad()
        W1, b1, W2 = params
        loss = (((tensor(X, dtype=np.float64) @ W1 + b1) @ W2 - y) ** 2).mean()
        loss.backward()
        if step % 3 != 2:
            assert all(p.grad.base is params[0].grad.base for p in params)
        opt.step()
        topt.zero_grad()
        tW1, tb1, tW2 = tparams
        (((torch.tensor(X) @ tW1 + tb1) @ tW2 - torch.tensor(y)) ** 2).mean().backward()
        topt.step()
        for p, tp in zip(params, tparams, strict=True):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-6, atol=1e-12)


def test_lecture_linear_neuron_gradient_descent():
    # Lecture example: x^L = w x^{L-1} + b, x^{L-1} = 1.5, w0 = 0.8, b0 = 1, y = 0.5,
    # E = (x^L - y)^2, tau = 0.1: dE/dw = 2 (2.2 - 0.5) 1.5 = 5.1, dE/db = 3.4, so
    # w1 = 0.8 - 0.51 = 0.29 and b1 = 1 - 0.34 = 0.66; then (0.1115, 0.541), (0.049025, 0.49935).
    w, b = Parameter(np.array(0.8)), Parameter(np.array(1.0))
    opt = optim.SGD([w, b], lr=0.1)
    for expected_w, expected_b in [(0.29, 0.66), (0.1115, 0.541), (0.049025, 0.49935)]:
        opt.zero_grad()
        ((w * 1.5 + b - 0.5) ** 2).backward()
        opt.step()
        assert w.data == pytest.approx(expected_w, rel=1e-12)
        assert b.data == pytest.approx(expected_b, rel=1e-12)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_clip_grad_norm_matches_torch(norm_type):
    rng = np.random.default_rng(4)
    grads = [rng.standard_normal(s) * 2 for s in SHAPES]
    params = [Parameter(np.zeros(s)) for s in SHAPES]
    tparams = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    for p, tp, g in zip(params, tparams, grads, strict=True):
        p.grad, tp.grad = g.copy(), torch.tensor(g)
    params.append(Parameter(np.ones(2)))  # no gradient: skipped, as in torch
    total = optim.clip_grad_norm_(params, 1.5, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(tparams, 1.5, norm_type=norm_type)
    assert total == pytest.approx(expected.item(), rel=1e-12)
    for p, tp in zip(params[:-1], tparams, strict=True):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12)
    assert params[-1].grad is None


def test_clip_grad_norm_leaves_small_gradients_and_clip_value_matches_torch():
    p = Parameter(np.zeros(3))
    p.grad = np.array([0.1, -0.2, 0.2])
    assert optim.clip_grad_norm_(p, 1.0) == pytest.approx(0.3)
    np.testing.assert_array_equal(p.grad, [0.1, -0.2, 0.2])
    g = np.random.default_rng(5).standard_normal((4, 5))
    p.grad, tp = g.copy(), torch.zeros((4, 5), dtype=torch.float64, requires_grad=True)
    tp.grad = torch.tensor(g)
    optim.clip_grad_value_([p], 0.4)
    torch.nn.utils.clip_grad_value_([tp], 0.4)
    np.testing.assert_array_equal(p.grad, tp.grad.numpy())


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda p: optim.clip_grad_norm_(p, -1.0), "max_norm"),
        (lambda p: optim.clip_grad_norm_(p, 1.0, norm_type=0), "norm_type"),
        (lambda p: optim.clip_grad_value_(p, -0.5), "clip_value"),
        (lambda p: optim.clip_grad_norm_([np.zeros(2)], 1.0), "Tensors"),
    ],
)
def test_clip_functions_reject_bad_arguments(call, match):
    p = Parameter(np.zeros(2))
    p.grad = np.ones(2)
    with pytest.raises((ValueError, TypeError), match=match):
        call([p])
