"""One time step of a recurrent cell, computed into buffers the whole-sequence op owns.

The loops of :mod:`glassnet.ops.recurrent` run T small steps; each step's elementwise work
is on (N, H) arrays, so the calls and fresh temporaries cost as much as the arithmetic.
The functions here write every result into an array they are given (``out=``, in place)
and allocate nothing. Each gives the same bits as the formula it replaces: the same
rounded operations, only reordered where the operation is commutative (``1 + t`` as
``t + 1``, ``a (1 - a)`` as ``(1 - a) a``).

The LSTM's step asks :func:`glassnet.accel.lstm_kernels` for its compiled parts (sigmoid
and tanh only): forward, the elementwise work around NumPy's tanh in two passes; backward,
the whole step in one.
"""

from __future__ import annotations

import numpy as np

from glassnet import accel

__all__ = ["activate", "derivative", "lstm_forward_step", "lstm_backward_step"]


def activate(name: str, z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The cell activation ``name`` of z into ``out`` (which may be z); returns ``out``.

    sigmoid(z) = (1 + tanh(z / 2)) / 2, the logistic function without overflow for any z.
    """
    if name == "tanh":
        np.tanh(z, out=out)
    elif name == "sigmoid":
        np.multiply(z, 0.5, out=out)
        np.tanh(out, out=out)
        out += 1
        out *= 0.5
    elif name == "relu":
        accel.relu(z, out=out)
    elif out is not z:
        np.copyto(out, z)
    return out


def derivative(name: str, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """g'(z) of the activation ``name`` from its output a = g(z), into ``out``; returns ``out``."""
    if name == "tanh":
        np.multiply(a, a, out=out)
        np.subtract(1, out, out=out)
    elif name == "sigmoid":
        np.subtract(1, a, out=out)
        out *= a
    elif name == "relu":
        np.greater(a, 0, out=out)
    else:
        out.fill(1)
    return out


def lstm_forward_step(q: np.ndarray, zx: np.ndarray, c_prev: np.ndarray, c: np.ndarray, tc: np.ndarray,
                      h: np.ndarray, work: np.ndarray, activation: str, recurrent_activation: str) -> None:
    """The gates, c_t, g(c_t) and h_t of one LSTM step.

    ``q`` (N, 4H) holds h_{t-1} U on entry and the gates [i, f, g, o] on exit; zx (N, 4H) is
    the step's x_t W + b (the pre-activations are q + zx); c_prev is c_{t-1}; c, tc and h
    (N, H) receive c_t = f c_{t-1} + i g, g(c_t) and h_t = o g(c_t); ``work`` (N, H) is
    scratch.
    """
    H = c.shape[1]
    i, f, g, o = q[:, :H], q[:, H:2 * H], q[:, 2 * H:3 * H], q[:, 3 * H:]
    kernels = accel.lstm_kernels(q.dtype, activation, recurrent_activation)
    if kernels is not None:
        pre, cell, _ = kernels
        pre(q, zx, c_prev)
        np.tanh(q, out=q)
        cell(q, c_prev, c)
        np.tanh(c, out=tc)
        np.multiply(o, tc, out=h)
        return
    q += zx
    activate(recurrent_activation, q[:, :2 * H], q[:, :2 * H])
    activate(activation, g, g)
    activate(recurrent_activation, o, o)
    np.multiply(f, c_prev, out=c)
    np.multiply(i, g, out=work)
    c += work
    activate(activation, c, tc)
    np.multiply(o, tc, out=h)


def lstm_backward_step(q: np.ndarray, c_prev: np.ndarray, tc: np.ndarray, dh: np.ndarray, dc: np.ndarray,
                       d: np.ndarray, work: np.ndarray, activation: str, recurrent_activation: str) -> None:
    """The gradients of one LSTM step's pre-activations, and dE/dc_{t-1} through the cell.

    ``q`` holds the step's gates [i, f, g, o], c_prev c_{t-1} and tc g(c_t); dh is the
    gradient reaching h_t. ``dc`` (N, H) holds the gradient reaching c_t on entry and
    f_t (dc_t + dh o g'(c_t)) on exit; ``d`` (N, 4H) receives dE/dz_t. ``work`` (2, N, H)
    is scratch.
    """
    kernels = accel.lstm_kernels(q.dtype, activation, recurrent_activation)
    if kernels is not None:
        kernels[2](q, d, c_prev, tc, dh, dc)
        return
    H = dc.shape[1]
    i, f, g, o = q[:, :H], q[:, H:2 * H], q[:, 2 * H:3 * H], q[:, 3 * H:]
    slope, product = work[0], work[1]
    np.multiply(dh, o, out=product)
    product *= derivative(activation, tc, slope)
    dc += product
    np.multiply(dc, g, out=d[:, :H])
    d[:, :H] *= derivative(recurrent_activation, i, slope)
    np.multiply(dc, c_prev, out=d[:, H:2 * H])
    d[:, H:2 * H] *= derivative(recurrent_activation, f, slope)
    np.multiply(dc, i, out=d[:, 2 * H:3 * H])
    d[:, 2 * H:3 * H] *= derivative(activation, g, slope)
    np.multiply(dh, tc, out=d[:, 3 * H:])
    d[:, 3 * H:] *= derivative(recurrent_activation, o, slope)
    dc *= f
