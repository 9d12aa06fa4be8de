"""The compiled LSTM step against the reference path, per the contract of glassnet.accel: bit
for bit, forward and backward, through the whole-sequence op and step by step."""

import numpy as np
import pytest

import glassnet as gn
from glassnet import accel
from glassnet.ops import _cells
from glassnet.ops.recurrent import LSTMSequence
from glassnet.tensor import Tensor

needs_kernel = pytest.mark.skipif(not accel.compiled_available(), reason="the compiled kernel is not built")


def _sequence(dtype, N, T, F, H, masked, reverse, seed):
    """The output and every input's gradient of LSTMSequence on random data, as bytes."""
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=shape, scale=2.0).astype(dtype)
              for shape in ((N, T, F), (N, H), (N, H), (F, 4 * H), (H, 4 * H), (4 * H,), (4 * H,))]
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    mask = [Tensor(rng.random((N, T)) > 0.3)] if masked else []
    y = LSTMSequence.apply(*inputs, *mask, reverse=reverse, masked=masked)
    (y * Tensor(rng.normal(size=y.shape).astype(dtype))).sum().backward()
    return [y.data.tobytes()] + [t.grad.tobytes() for t in inputs]


@needs_kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("N, T, F, H", [(1, 1, 1, 1), (5, 7, 3, 4), (37, 6, 8, 64), (3, 4, 2, 33)])
@pytest.mark.parametrize("masked, reverse", [(False, False), (True, True)])
def test_the_sequence_gives_the_reference_bits(dtype, N, T, F, H, masked, reverse):
    assert accel.lstm_kernels(dtype, "tanh", "sigmoid") is not None
    compiled = _sequence(dtype, N, T, F, H, masked, reverse, seed=N + H)
    with gn.reference():
        reference = _sequence(dtype, N, T, F, H, masked, reverse, seed=N + H)
    assert compiled == reference


def _steps(dtype, q0, zx, c_prev, dh, dc0):
    q, d, dc = q0.copy(), np.empty_like(q0), dc0.copy()
    c, tc, h = (np.empty_like(c_prev) for _ in range(3))
    _cells.lstm_forward_step(q, zx, c_prev, c, tc, h, np.empty_like(c), "tanh", "sigmoid")
    _cells.lstm_backward_step(q, c_prev, tc, dh, dc, d, np.empty((2, *c.shape), dtype), "tanh", "sigmoid")
    return [a.tobytes() for a in (q, c, tc, h, d, dc)]


@needs_kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_step_gives_the_reference_bits_for_extreme_values(dtype):
    rng = np.random.default_rng(3)
    N, H = 6, 5
    q0 = rng.normal(size=(N, 4 * H), scale=30.0).astype(dtype)
    q0.flat[:8] = [-0.0, 0.0, 1e-30, -1e-30, 1e4, -1e4, np.inf, -np.inf]
    zx = rng.normal(size=(N, 4 * H)).astype(dtype)
    c_prev, dh, dc = (rng.normal(size=(N, H), scale=5.0).astype(dtype) for _ in range(3))
    with np.errstate(invalid="ignore", over="ignore"):
        compiled = _steps(dtype, q0, zx, c_prev, dh, dc)
        with gn.reference():
            reference = _steps(dtype, q0, zx, c_prev, dh, dc)
    assert compiled == reference


@pytest.mark.parametrize("dtype, activation, recurrent_activation", [
    (np.float16, "tanh", "sigmoid"), (np.float32, "relu", "sigmoid"), (np.float64, "tanh", "linear")])
def test_other_types_and_activations_take_the_numpy_path(dtype, activation, recurrent_activation):
    assert accel.lstm_kernels(dtype, activation, recurrent_activation) is None


def test_reference_mode_and_a_missing_extension_take_the_numpy_path(monkeypatch):
    with gn.reference():
        assert accel.lstm_kernels(np.float32, "tanh", "sigmoid") is None
        reference = _sequence(np.float32, 2, 3, 2, 4, True, False, seed=0)
    monkeypatch.setattr(accel, "_compiled", None)
    assert accel.lstm_kernels(np.float32, "tanh", "sigmoid") is None
    assert _sequence(np.float32, 2, 3, 2, 4, True, False, seed=0) == reference


@needs_kernel
def test_the_kernels_reject_arrays_they_cannot_take():
    q, c = np.ones((2, 8), np.float32), np.ones((2, 2), np.float32)
    with pytest.raises(TypeError, match="zx"):
        accel._compiled.lstm_pre(q, np.ones((2, 8)), c)
    with pytest.raises(ValueError, match="q: expected 16 values"):
        accel._compiled.lstm_cell(np.ones((2, 4), np.float32), c, c)
    with pytest.raises(ValueError, match="c: expected a 2-D array"):
        accel._compiled.lstm_cell(q, c, np.ones(4, np.float32))
    with pytest.raises(TypeError, match="expected 6 arrays"):
        accel._compiled.lstm_backward(q, q, c)
