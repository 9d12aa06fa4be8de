"""Recurrent layers' whole-sequence operations: backpropagation through time in one node each.

Each Function runs a recurrent cell over all T time steps of a batch in ``forward``, keeping
the gates and states each step made, and goes back over all the steps in ``backward``
(backpropagation through time): one node in the graph for the whole sequence, not one per
step and gate. The weight gradients are one matrix product each after the loop. Without
gradients to compute (a prediction) the forward keeps one step's gates and states, in
buffers reused at every step, instead of all T.

Notation (the lectures'): x_t (N, F) the input at step t, h_t (N, H) the hidden state,
c_t the LSTM's cell state, W (F, G H) the input weights, U (H, G H) the recurrent weights,
b and b_U their biases (PyTorch's ``bias_ih`` and ``bias_hh``), z the pre-activations and
sigma the recurrent activation (sigmoid). The gates are stacked along the last axis of W,
U and z in PyTorch's order (LSTM: i, f, g, o; GRU: r, z, n).

**Inputs**, as arrays, in this order: x (N, T, F), the initial state h_0 (N, H) (and the
LSTM's c_0), W, U, then b and b_U when ``bias`` is True, then the mask (N, T) of booleans
when ``masked`` is True. A step whose mask is False leaves the states unchanged
(h_t = h_{t-1}, c_t = c_{t-1}) and outputs zeros, as PyTorch's packed sequences: a padded
batch gives each sequence the results of that sequence alone.

**Output**, one array (N, T + S, H): positions 0..T-1 hold the outputs y_t (h_t, zero at
masked steps), then the S final states (h_T; for the LSTM h_T and c_T). With
``reverse=True`` the steps run from T-1 down to 0 and y_t stays at position t (PyTorch's
backward direction); the final states are then those after step 0.

**Through time**: after ``backward``, ``ctx.state_grads`` (T, N, H) holds dE/dh_t of every
step, the gradient that reached h_t from its output and from the later steps (zero at a
masked step, which carries the state unchanged), which the glass-box tools show
(:func:`glassnet.explain.through_time`).

**Recurrent dropout** (Keras's): ``recurrent_mask`` (N, H), the same for every step,
multiplies h_{t-1} where it enters U.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet import accel
from glassnet._parallel import one_blas_thread
from glassnet.function import Function
from glassnet.ops import _cells

__all__ = ["SimpleRNNSequence", "LSTMSequence", "GRUSequence", "CELL_ACTIVATIONS"]


def _identity(z: np.ndarray) -> np.ndarray:
    return z


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """sigma(z) = (1 + tanh(z / 2)) / 2: the logistic function, without overflow for any z."""
    return 0.5 * (1 + np.tanh(0.5 * z))


#: The activations a recurrent cell computes inside its loop: name -> (g, g' from g's output).
CELL_ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], Any]]] = {
    "tanh": (np.tanh, lambda a: 1 - a * a),
    "sigmoid": (_sigmoid, lambda a: a * (1 - a)),
    "relu": (accel.relu, lambda a: a > 0),
    "linear": (_identity, lambda a: 1),
}


def _one_blas_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a whole-sequence forward or backward on one BLAS thread: its T per-step products
    h_{t-1} U are small, and two threads waiting on each other while another process holds
    the second core made LSTM(64) inference on batches of 256 five to thirty times slower
    (``benchmarks/rnn.py``; see :func:`glassnet._parallel.one_blas_thread`)."""
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with one_blas_thread():
            return fn(*args, **kwargs)

    return run


def _parts(arrays: tuple[np.ndarray, ...], states: int, bias: bool, masked: bool) -> tuple[Any, ...]:
    """(x, [states], W, U, b, b_U, mask) from the inputs in their documented order."""
    x, rest = arrays[0], list(arrays[1:])
    h0, rest = rest[:states], rest[states:]
    W, U, rest = rest[0], rest[1], rest[2:]
    b, b_U = (rest[0], rest[1]) if bias else (None, None)
    mask = rest[-1] if masked else None
    return x, h0, W, U, b, b_U, mask


def _project(x_tm: np.ndarray, W: np.ndarray, b: np.ndarray | None, t: int, out: np.ndarray) -> np.ndarray:
    """x_t W + b of step t into ``out`` (N, G H): one step at a time, so that the projection
    stays in the cache instead of a (T, N, G H) array written once and read once."""
    np.matmul(x_tm[t], W, out=out)
    if b is not None:
        out += b
    return out


def _kept(ctx: Any, T: int) -> int:
    """How many steps' gates and states the forward keeps: T for backward, else 1 (one
    buffer reused at every step, as in a prediction)."""
    return T if ctx.needs_input_grad else 1


def _time_major(ctx: Any, x: np.ndarray, W: np.ndarray, U: np.ndarray) -> tuple[Any, ...]:
    """x as (T, N, F) contiguous, N, T, H, the steps the forward keeps and the buffers' dtype."""
    N, T, _ = x.shape
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))
    return x_tm, N, T, U.shape[0], _kept(ctx, T), np.result_type(x_tm, W)


def _steps(T: int, reverse: bool) -> range:
    return range(T - 1, -1, -1) if reverse else range(T)


def _keep(mask: np.ndarray | None, t: int) -> np.ndarray | None:
    """The step's mask as a column (N, 1), or None without a mask."""
    return None if mask is None else mask[:, t, None]


def _weight_grads(ctx: Any, dZ_x: np.ndarray, dZ_h: np.ndarray) -> tuple[Any, ...]:
    """dE/dx, dE/dW, dE/dU, dE/db, dE/db_U from the pre-activations' gradients of all steps
    (T, N, G H): on the input side dZ_x, on the recurrent side dZ_h (they differ for the GRU)."""
    T, N, G = dZ_x.shape
    flat_x = dZ_x.reshape(T * N, G)
    flat_h = flat_x if dZ_h is dZ_x else dZ_h.reshape(T * N, G)
    x_tm = ctx.x_tm.reshape(T * N, -1)
    dW = x_tm.T @ flat_x
    dU = ctx.H_in.reshape(T * N, -1).T @ flat_h
    dx = (flat_x @ ctx.W.T).reshape(T, N, -1).transpose(1, 0, 2)
    grads = [dx, dW, dU]
    if ctx.bias:
        db = flat_x.sum(axis=0)
        grads += [db, db.copy() if flat_h is flat_x else flat_h.sum(axis=0)]
    return tuple(grads)


def _assemble(ctx: Any, dstates: list[np.ndarray], weight_grads: tuple[Any, ...]) -> tuple[Any, ...]:
    """The gradients in the inputs' order: x, the initial states, W, U, (b, b_U), (mask)."""
    dx, *rest = weight_grads
    return (np.ascontiguousarray(dx), *dstates, *rest) + ((None,) if ctx.masked else ())


def _save(ctx: Any, x_tm: np.ndarray, W: np.ndarray, U: np.ndarray, mask: np.ndarray | None,
          reverse: bool, bias: bool, masked: bool, activation: str, recurrent_mask: np.ndarray | None,
          recurrent_activation: str | None = None) -> None:
    ctx.x_tm, ctx.W, ctx.U, ctx.mask = x_tm, W, U, mask
    ctx.reverse, ctx.bias, ctx.masked = reverse, bias, masked
    ctx.activation, ctx.recurrent_activation, ctx.recurrent_mask = activation, recurrent_activation, \
        recurrent_mask


class SimpleRNNSequence(Function):
    """An Elman network over a whole sequence (PyTorch's ``nn.RNN``, Keras's ``SimpleRNN``).

    .. math::

        z_t = x_t W + b + h_{t-1} U + b_U, \\qquad h_t = g(z_t)

    Backward, from the last step to the first, with delta_t = dE/dz_t:

    .. math::

        \\delta_t = \\Big(\\frac{\\partial E}{\\partial y_t} + \\delta_{t+1} U^T\\Big) \\odot g'(z_t),
        \\qquad \\frac{\\partial E}{\\partial W} = \\sum_t x_t^T \\delta_t, \\qquad
        \\frac{\\partial E}{\\partial U} = \\sum_t h_{t-1}^T \\delta_t

    Options: ``activation`` ("tanh", "relu", "sigmoid" or "linear"), ``reverse``, ``bias``,
    ``masked``, ``recurrent_mask`` (see the module's documentation).
    """

    name = "simple_rnn"
    saves_values = False

    @staticmethod
    @_one_blas_thread
    def forward(ctx: Any, *arrays: np.ndarray, activation: str = "tanh", reverse: bool = False,
                bias: bool = True, masked: bool = False,
                recurrent_mask: np.ndarray | None = None) -> np.ndarray:
        x, (h,), W, U, b, b_U, mask = _parts(arrays, 1, bias, masked)
        g, _ = CELL_ACTIVATIONS[activation]
        x_tm, N, T, H, kept, dtype = _time_major(ctx, x, W, U)
        b_sum = b if b_U is None else b + b_U
        A, H_in, zx = np.empty((kept, N, H), dtype), np.empty((kept, N, H), dtype), np.empty((N, H), dtype)
        out = np.zeros((T + 1, N, H), dtype)
        for t in _steps(T, reverse):
            k = t if kept > 1 else 0
            H_in[k] = h if recurrent_mask is None else h * recurrent_mask
            A[k] = a = g(_project(x_tm, W, b_sum, t, zx) + H_in[k] @ U)
            keep = _keep(mask, t)
            h = a if keep is None else np.where(keep, a, h)
            out[t] = a if keep is None else np.where(keep, a, 0)
        out[T] = h
        _save(ctx, x_tm, W, U, mask, reverse, bias, masked, activation, recurrent_mask)
        ctx.A, ctx.H_in = A, H_in
        return out.transpose(1, 0, 2)

    @staticmethod
    @_one_blas_thread
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        T = ctx.A.shape[0]
        dg = CELL_ACTIVATIONS[ctx.activation][1]
        gy = grad.transpose(1, 0, 2)
        dh = np.array(gy[T])
        dZ, ctx.state_grads = np.empty_like(ctx.A), np.empty_like(ctx.A)
        UT = ctx.U.T
        for t in _steps(T, not ctx.reverse):
            keep = _keep(ctx.mask, t)
            ctx.state_grads[t] = da = dh + gy[t] if keep is None else np.where(keep, dh + gy[t], 0)
            dZ[t] = dz = da * dg(ctx.A[t])
            back = dz @ UT
            if ctx.recurrent_mask is not None:
                back *= ctx.recurrent_mask
            dh = back if keep is None else back + np.where(keep, 0, dh)
        return _assemble(ctx, [dh], _weight_grads(ctx, dZ, dZ))


class LSTMSequence(Function):
    """A long short-term memory network over a whole sequence (PyTorch's ``nn.LSTM``).

    .. math::

        z_t &= x_t W + b + h_{t-1} U + b_U = [z^i_t, z^f_t, z^g_t, z^o_t] \\\\
        i_t &= \\sigma(z^i_t), \\quad f_t = \\sigma(z^f_t), \\quad g_t = \\tanh(z^g_t),
              \\quad o_t = \\sigma(z^o_t) \\\\
        c_t &= f_t \\odot c_{t-1} + i_t \\odot g_t, \\qquad h_t = o_t \\odot \\tanh(c_t)

    Backward, from the last step to the first, with dh_t and dc_t the gradients reaching
    the step (from its output, and from step t+1):

    .. math::

        \\delta c_t &= dc_t + dh_t \\odot o_t \\odot (1 - \\tanh^2 c_t), \\qquad
        dc_{t-1} = \\delta c_t \\odot f_t \\\\
        \\delta z_t &= [\\delta c_t g_t \\, i_t(1 - i_t),\\ \\delta c_t c_{t-1} f_t(1 - f_t),\\
                       \\delta c_t i_t (1 - g_t^2),\\ dh_t \\tanh(c_t)\\, o_t(1 - o_t)] \\\\
        dh_{t-1} &= \\delta z_t U^T

    ``activation`` replaces tanh (for g_t and for c_t in h_t), ``recurrent_activation``
    replaces sigma, as Keras's arguments.
    """

    name = "lstm"
    saves_values = False

    @staticmethod
    @_one_blas_thread
    def forward(ctx: Any, *arrays: np.ndarray, activation: str = "tanh",
                recurrent_activation: str = "sigmoid",
                reverse: bool = False, bias: bool = True, masked: bool = False,
                recurrent_mask: np.ndarray | None = None) -> np.ndarray:
        x, (h, c), W, U, b, b_U, mask = _parts(arrays, 2, bias, masked)
        x_tm, N, T, H, kept, dtype = _time_major(ctx, x, W, U)
        b_sum = b if b_U is None else b + b_U
        gates, H_in = np.empty((kept, N, 4 * H), dtype), np.empty((kept, N, H), dtype)
        C_prev, TC = np.empty_like(H_in), np.empty_like(H_in)
        out = np.zeros((T + 2, N, H), dtype)
        zx, c_new, work = np.empty((N, 4 * H), dtype), np.empty((N, H), dtype), np.empty((N, H), dtype)
        skip = None if mask is None else np.logical_not(mask)
        for t in _steps(T, reverse):
            k = t if kept > 1 else 0
            _project(x_tm, W, b_sum, t, zx)
            if recurrent_mask is None:
                H_in[k] = h
            else:
                np.multiply(h, recurrent_mask, out=H_in[k])
            q = np.matmul(H_in[k], U, out=gates[k])
            C_prev[k] = c
            _cells.lstm_forward_step(q, zx, C_prev[k], c_new, TC[k], out[t], work, activation,
                                     recurrent_activation)
            if skip is None:
                h, c = out[t], c_new
            else:
                h, c = np.where(mask[:, t, None], out[t], h), np.where(mask[:, t, None], c_new, c)
                np.copyto(out[t], 0, where=skip[:, t, None])
        out[T], out[T + 1] = h, c
        _save(ctx, x_tm, W, U, mask, reverse, bias, masked, activation, recurrent_mask, recurrent_activation)
        ctx.gates, ctx.H_in, ctx.C_prev, ctx.TC = gates, H_in, C_prev, TC
        return out.transpose(1, 0, 2)

    @staticmethod
    @_one_blas_thread
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        T, N, H = ctx.TC.shape
        gy = grad.transpose(1, 0, 2)
        dh, dc = np.array(gy[T]), np.array(gy[T + 1])
        dZ, ctx.state_grads = np.empty_like(ctx.gates), np.empty_like(ctx.TC)
        work = np.empty((2, N, H), dh.dtype)
        skip = None if ctx.mask is None else np.logical_not(ctx.mask)
        UT = ctx.U.T
        for t in _steps(T, not ctx.reverse):
            dh_new = np.add(dh, gy[t], out=ctx.state_grads[t])
            if skip is not None:
                held_h, held_c = np.where(skip[:, t, None], dh, 0), np.where(skip[:, t, None], dc, 0)
                np.copyto(dh_new, 0, where=skip[:, t, None])
                np.copyto(dc, 0, where=skip[:, t, None])
            _cells.lstm_backward_step(ctx.gates[t], ctx.C_prev[t], ctx.TC[t], dh_new, dc, dZ[t], work,
                                      ctx.activation, ctx.recurrent_activation)
            np.matmul(dZ[t], UT, out=dh)
            if ctx.recurrent_mask is not None:
                dh *= ctx.recurrent_mask
            if skip is not None:
                dh += held_h
                dc += held_c
        return _assemble(ctx, [dh, dc], _weight_grads(ctx, dZ, dZ))


class GRUSequence(Function):
    """A gated recurrent unit network over a whole sequence (PyTorch's ``nn.GRU``; Keras's
    ``GRU`` with ``reset_after=True``): the reset gate scales the recurrent term after U.

    .. math::

        r_t &= \\sigma(x_t W_r + b_r + h_{t-1} U_r + b_{U,r}), \\qquad
        z_t = \\sigma(x_t W_z + b_z + h_{t-1} U_z + b_{U,z}) \\\\
        n_t &= \\tanh\\big(x_t W_n + b_n + r_t \\odot (h_{t-1} U_n + b_{U,n})\\big) \\\\
        h_t &= (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}

    Backward, with dh_t the gradient reaching the step:

    .. math::

        \\delta n_t &= dh_t (1 - z_t) (1 - n_t^2), \\quad
        \\delta z_t = dh_t (h_{t-1} - n_t)\\, z_t (1 - z_t), \\quad
        \\delta r_t = \\delta n_t (h_{t-1} U_n + b_{U,n})\\, r_t (1 - r_t) \\\\
        dh_{t-1} &= dh_t z_t + [\\delta r_t, \\delta z_t, \\delta n_t \\odot r_t]\\, U^T

    ``activation`` replaces tanh, ``recurrent_activation`` sigma (Keras's arguments).
    """

    name = "gru"
    saves_values = False

    @staticmethod
    @_one_blas_thread
    def forward(ctx: Any, *arrays: np.ndarray, activation: str = "tanh",
                recurrent_activation: str = "sigmoid",
                reverse: bool = False, bias: bool = True, masked: bool = False,
                recurrent_mask: np.ndarray | None = None) -> np.ndarray:
        x, (h,), W, U, b, b_U, mask = _parts(arrays, 1, bias, masked)
        g, _ = CELL_ACTIVATIONS[activation]
        s, _ = CELL_ACTIVATIONS[recurrent_activation]
        x_tm, N, T, H, kept, dtype = _time_major(ctx, x, W, U)
        gates, H_in = np.empty((kept, N, 3 * H), dtype), np.empty((kept, N, H), dtype)
        H_prev, GH_n, xt = np.empty_like(H_in), np.empty_like(H_in), np.empty((N, 3 * H), dtype)
        out = np.zeros((T + 1, N, H), dtype)
        for t in _steps(T, reverse):
            k = t if kept > 1 else 0
            _project(x_tm, W, b, t, xt)
            H_prev[k] = h
            H_in[k] = h if recurrent_mask is None else h * recurrent_mask
            gh = H_in[k] @ U
            if b_U is not None:
                gh += b_U
            q = gates[k]
            q[:, :2 * H] = s(xt[:, :2 * H] + gh[:, :2 * H])
            GH_n[k] = gh[:, 2 * H:]
            q[:, 2 * H:] = n = g(xt[:, 2 * H:] + q[:, :H] * GH_n[k])
            zt = q[:, H:2 * H]
            h_new = (1 - zt) * n + zt * h
            keep = _keep(mask, t)
            h = h_new if keep is None else np.where(keep, h_new, h)
            out[t] = h_new if keep is None else np.where(keep, h_new, 0)
        out[T] = h
        _save(ctx, x_tm, W, U, mask, reverse, bias, masked, activation, recurrent_mask, recurrent_activation)
        ctx.gates, ctx.H_in, ctx.H_prev, ctx.GH_n = gates, H_in, H_prev, GH_n
        return out.transpose(1, 0, 2)

    @staticmethod
    @_one_blas_thread
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        T, _, H = ctx.H_prev.shape
        dg = CELL_ACTIVATIONS[ctx.activation][1]
        ds = CELL_ACTIVATIONS[ctx.recurrent_activation][1]
        gy = grad.transpose(1, 0, 2)
        dh = np.array(gy[T])
        dX, dGH = np.empty_like(ctx.gates), np.empty_like(ctx.gates)
        ctx.state_grads = np.empty_like(ctx.H_prev)
        UT = ctx.U.T
        for t in _steps(T, not ctx.reverse):
            q, h_prev, keep = ctx.gates[t], ctx.H_prev[t], _keep(ctx.mask, t)
            r, zt, n = q[:, :H], q[:, H:2 * H], q[:, 2 * H:]
            ctx.state_grads[t] = dh_new = dh + gy[t] if keep is None else np.where(keep, dh + gy[t], 0)
            dn = dh_new * (1 - zt) * dg(n)
            dx, dgh = dX[t], dGH[t]
            dx[:, :H] = dgh[:, :H] = dn * ctx.GH_n[t] * ds(r)
            dx[:, H:2 * H] = dgh[:, H:2 * H] = dh_new * (h_prev - n) * ds(zt)
            dx[:, 2 * H:] = dn
            dgh[:, 2 * H:] = dn * r
            back = dgh @ UT
            if ctx.recurrent_mask is not None:
                back *= ctx.recurrent_mask
            back += dh_new * zt
            dh = back if keep is None else back + np.where(keep, 0, dh)
        return _assemble(ctx, [dh], _weight_grads(ctx, dX, dGH))
