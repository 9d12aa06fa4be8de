"""The compiled single-pass updates (SGD, Adam, AdamW) against the NumPy path, bit for bit."""


import contextlib

import numpy as np
import pytest
from test_optim import CASES, STEPS, Pair, gradients, initial_values

import glassnet as gn
from glassnet import accel, optim
from glassnet.layers import Parameter

needs_kernels = pytest.mark.skipif(not accel.compiled_available(), reason="not built")

FUSED_CASES = [(n, k) for n, k in CASES if n in ("sgd", "momentum", "nesterov", "adam", "adamw")]


def _mode(fused):
    """Compiled kernels where built, or the reference path."""
    return contextlib.nullcontext() if fused else gn.reference()


def trajectory(name, kwargs, dtype, fused, grads, values):
    with _mode(fused):
        return _trajectory(name, kwargs, grads, values)


def _trajectory(name, kwargs, grads, values):
    params = [Parameter(v.copy()) for v in values]
    opt = optim.get(name, **kwargs).bind(params)
    states = []
    for step_grads in grads:
        opt.zero_grad()
        for p, g in zip(params, step_grads, strict=True):
            p.grad += g
        opt.step()
        states.append([p.data.copy() for p in params])
    states.append({k: v.copy() for k, v in opt.state_dict()["state"].items()})
    return states


@needs_kernels
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kwargs"), FUSED_CASES, ids=[f"{n}-{k}" for n, k in FUSED_CASES])
def test_kernels_equal_the_numpy_path_bit_for_bit(name, kwargs, dtype):
    grads, values = gradients(dtype), initial_values(dtype)
    fused = trajectory(name, kwargs, dtype, True, grads, values)
    plain = trajectory(name, kwargs, dtype, False, grads, values)
    for step, (a, b) in enumerate(zip(fused[:-1], plain[:-1], strict=True)):
        for x, y in zip(a, b, strict=True):
            assert x.dtype == dtype
            np.testing.assert_array_equal(x, y, err_msg=f"{name} {kwargs}: step {step + 1}")
    assert fused[-1].keys() == plain[-1].keys()
    for key in fused[-1]:
        np.testing.assert_array_equal(fused[-1][key], plain[-1][key], err_msg=key)


@needs_kernels
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("sgd", {}), ("nesterov", {"weight_decay": 0.1}), ("adam", {}), ("adam", {"amsgrad": True}),
     ("adamw", {"amsgrad": True})],
)
def test_non_finite_values_propagate_as_in_numpy(name, kwargs):
    values = [np.array([1.0, -2.0, 0.5, np.inf, 3.0, -0.0])]
    grads = [[np.array([np.nan, np.inf, -np.inf, 1.0, -0.0, 0.0])], [np.arange(1.0, 7.0)]]
    with np.errstate(all="ignore"):
        fused = trajectory(name, kwargs, np.float64, True, grads, values)
        plain = trajectory(name, kwargs, np.float64, False, grads, values)
    for a, b in zip(fused[:-1], plain[:-1], strict=True):
        np.testing.assert_array_equal(a[0], b[0])
        assert np.array_equal(np.signbit(a[0]), np.signbit(b[0]))


@pytest.mark.parametrize("fused", [False, pytest.param(True, marks=needs_kernels)])
@pytest.mark.parametrize(("name", "kwargs"), FUSED_CASES, ids=[f"{n}-{k}" for n, k in FUSED_CASES])
def test_both_paths_match_torch(name, kwargs, fused):
    pair = Pair(name, kwargs)
    for step, grads in enumerate(gradients()):
        with _mode(fused):
            pair.step(grads)
        pair.assert_equal(step)
    assert pair.opt.iterations == STEPS


def test_the_deprecated_switch_warns_and_aliases_the_reference_mode():
    with pytest.warns(DeprecationWarning, match="glassnet.reference"):
        assert optim.fused_kernels() == accel.compiled_available()
    try:
        with pytest.warns(DeprecationWarning):
            assert optim.fused_kernels(False) is False
        assert accel.in_reference() and not accel.replay_allowed()
    finally:
        accel._mode.reference = False
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="enable must be True or False"):
        optim.fused_kernels("yes")


def test_switching_on_without_the_built_kernels_says_how_to_get_them(monkeypatch):
    monkeypatch.setattr(accel, "_compiled", None)
    with pytest.warns(DeprecationWarning), pytest.raises(RuntimeError, match="C compiler"):
        optim.fused_kernels(True)


@needs_kernels
def test_kernels_reject_arrays_of_another_type_or_size():
    w, g, m, v = (np.zeros(4, np.float32) for _ in range(4))
    with pytest.raises(ValueError, match="m: expected 4 values"):
        accel._compiled.adam(w, g, np.zeros(3, np.float32), v, None, 0.9, 0.999, 1e-8, -1e-3, 0.0, 1.0)
    with pytest.raises(TypeError, match="g: expected float32"):
        accel._compiled.sgd(w, g.astype(np.float64), None, -0.1, 0.0, 0.0, False, 0.0, False)
    with pytest.raises(TypeError, match="float32 or float64"):
        accel._compiled.sgd(np.zeros(4, np.int32), g, None, -0.1, 0.0, 0.0, False, 0.0, False)
    with pytest.raises(ValueError, match="not C-contiguous"):
        accel._compiled.sgd(np.zeros((4, 2), np.float32)[:, 0], g, None, -0.1, 0.0, 0.0, False, 0.0, False)


@needs_kernels
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kwargs"), [("adam", {}), ("adamw", {"amsgrad": True}), ("nesterov", {}),
                                              ("sgd", {"weight_decay": 0.01})])
def test_kernels_equal_the_numpy_path_on_a_large_parameter(name, kwargs, dtype):
    """1,073 values: the vectorized body of the loops, not only their remainder."""
    rng = np.random.default_rng(3)
    values = [rng.standard_normal((37, 29)).astype(dtype)]
    grads = [[rng.standard_normal((37, 29)).astype(dtype)] for _ in range(4)]
    fused = trajectory(name, kwargs, dtype, True, grads, values)
    plain = trajectory(name, kwargs, dtype, False, grads, values)
    for a, b in zip(fused[:-1], plain[:-1], strict=True):
        np.testing.assert_array_equal(a[0], b[0])
