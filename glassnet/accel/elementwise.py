"""The element-wise kernels behind :mod:`glassnet.accel`: ReLU, softmax and the softmax
cross-entropy, each with its NumPy code (the reference path). Their contract is stated in
:mod:`glassnet.accel`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet import _parallel, accel

__all__ = ["relu", "relu_grad", "softmax", "softmax_cross_entropy", "softmax_cross_entropy_grad"]


def _in_memory_order(a: np.ndarray) -> np.ndarray | None:
    """``a``'s elements as a 1-D view in memory order when they fill one block in some axis
    order (C order, or a transposed view such as the (N, C, H, W) view of a convolution's
    (C, N, H, W) output); None otherwise."""
    if a.flags.c_contiguous:
        return a.reshape(-1)
    if 0 in a.strides:
        return None
    block = a.transpose(sorted(range(a.ndim), key=lambda axis: -abs(a.strides[axis])))
    return block.reshape(-1) if block.flags.c_contiguous else None


def _flat_views(*arrays: np.ndarray) -> list[np.ndarray] | None:
    """The memory-order 1-D views of arrays laid out alike (same shape and strides), or None."""
    if any(a.strides != arrays[0].strides or a.shape != arrays[0].shape for a in arrays[1:]):
        return None
    flats = [_in_memory_order(a) for a in arrays]
    return None if any(f is None for f in flats) else flats


def _split(kernel: Callable[..., None], flats: list[np.ndarray], threads: int) -> None:
    """The kernel on equal ranges of the 1-D views, on ``threads`` threads."""
    size = flats[0].size
    bounds = [size * k // threads for k in range(threads + 1)]
    _parallel.run(lambda k: kernel(*(f[bounds[k]:bounds[k + 1]] for f in flats)), threads, threads)


def _elementwise(kernel: Callable[..., None], *arrays: np.ndarray) -> bool:
    """Run an element-wise kernel on the arrays, or else on the memory-order views of arrays
    laid out alike; False when it takes neither (NumPy then runs). Arrays large enough are
    cut into ranges run on several threads (the kernels release the GIL)."""
    threads = _parallel.threads_for(arrays[0].size)
    if threads == 1:
        try:
            kernel(*arrays)
            return True
        except accel.REFUSED:
            pass
    flats = _flat_views(*arrays)
    if flats is None:
        return False
    try:
        _split(kernel, flats, threads)
        return True
    except accel.REFUSED:
        return False


def relu(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """max(z, 0), into ``out`` when given (which may be z); bit for bit NumPy's. Compiled for
    arrays in any axis order (a transposed view too) that fill one block of memory.

    Parameters
    ----------
    z : ndarray
        The pre-activations.
    out : ndarray, optional
        Where to write the result (may be ``z``).

    Returns
    -------
    ndarray
        max(z, 0).

    Examples
    --------
    >>> gn.accel.relu(np.array([-1.0, 2.0], dtype=np.float32))
    array([0., 2.], dtype=float32)
    """
    if accel.compiled_in_use():
        target = np.empty_like(z) if out is None else out
        if _elementwise(accel._compiled.relu, z, target):
            return target
    return np.maximum(z, 0, out=out)


def relu_grad(grad: np.ndarray, a: np.ndarray) -> np.ndarray:
    """dE/dz = dE/da * [a > 0] for ReLU's output a; bit for bit NumPy's. Compiled as
    :func:`relu`, when grad and a are laid out alike.

    Parameters
    ----------
    grad : ndarray
        dE/da.
    a : ndarray
        ReLU's output.

    Returns
    -------
    ndarray
        dE/dz.

    Examples
    --------
    >>> gn.accel.relu_grad(np.array([5.0, 5.0], dtype=np.float32), np.array([0.0, 2.0], dtype=np.float32))
    array([0., 5.], dtype=float32)
    """
    if accel.compiled_in_use():
        out = np.empty_like(a)
        if _elementwise(accel._compiled.relu_grad, grad, a, out):
            return out
    return grad * (a > 0)


def softmax(z: np.ndarray, out: np.ndarray | None = None, axis: int = -1) -> np.ndarray:
    """e^{z - max z} / sum e^{z - max z} along ``axis``, into ``out`` when given (which may be
    z). Compiled along the last axis only (NumPy reduces a short axis row by row); agrees
    with NumPy to rounding.

    Parameters
    ----------
    z : ndarray
        The scores.
    out : ndarray, optional
        Where to write the result (may be ``z``).
    axis : int, default -1
        The axis whose entries sum to 1.

    Returns
    -------
    ndarray
        The probabilities.

    Examples
    --------
    >>> print(gn.accel.softmax(np.array([[1.0, 2.0, 3.0]], dtype=np.float32)))
    [[0.09   0.2447 0.6652]]
    """
    if accel.compiled_in_use() and z.ndim and axis in (-1, z.ndim - 1):
        target = np.empty_like(z) if out is None else out
        try:
            accel._compiled.softmax(z, target)
            return target
        except accel.REFUSED:
            pass
    e = np.subtract(z, np.maximum.reduce(z, axis=axis, keepdims=True), out=out)
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=axis, keepdims=True)
    return e


def softmax_cross_entropy(z: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The softmax p of logits z (N, C) and the losses l_i = -ln p_{i, y_i} (N,) for integer
    labels ``target`` (N,); ``l = ln s - (z_y - max z)`` with ``s = sum e^{z - max z}``, so
    no full log-softmax. Agrees with NumPy to rounding.

    Parameters
    ----------
    z : ndarray
        Logits (N, C).
    target : ndarray of int64
        The labels (N,).

    Returns
    -------
    (ndarray, ndarray)
        The softmax p (N, C) and the losses (N,).

    Examples
    --------
    >>> p, losses = gn.accel.softmax_cross_entropy(np.array([[2.0, 0.0], [0.0, 0.0]]), np.array([0, 1]))
    >>> print(p, losses)
    [[0.8808 0.1192]
     [0.5    0.5   ]] [0.1269 0.6931]
    """
    if accel.compiled_in_use() and target.dtype == np.int64:
        p, losses = np.empty_like(z), np.empty(len(z), z.dtype)
        try:
            accel._compiled.softmax_cross_entropy(z, target, p, losses)
            return p, losses
        except accel.REFUSED:
            pass
    shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)
    e = np.exp(shifted)
    s = np.add.reduce(e, axis=1, keepdims=True)
    e /= s
    return e, np.log(s).reshape(-1) - shifted[np.arange(len(z)), target]


def softmax_cross_entropy_grad(p: np.ndarray, target: np.ndarray, up: Any) -> np.ndarray:
    """dE/dz = (p - onehot(target)) * up for the softmax p (N, C), integer labels (N,) and
    the upstream factor ``up`` (a scalar or one per row, (N, 1)), rounded to p's type first;
    bit for bit NumPy's.

    Parameters
    ----------
    p : ndarray
        The softmax (N, C).
    target : ndarray of int64
        The labels (N,).
    up : float or ndarray
        The upstream factor: a scalar, or (N, 1).

    Returns
    -------
    ndarray
        dE/dz (N, C).

    Examples
    --------
    >>> p = np.array([[0.8, 0.2], [0.5, 0.5]])
    >>> print(gn.accel.softmax_cross_entropy_grad(p, np.array([0, 1]), 0.5))
    [[-0.1   0.1 ]
     [ 0.25 -0.25]]
    """
    up = np.asarray(up, p.dtype)
    if accel.compiled_in_use() and target.dtype == np.int64:
        g = np.empty_like(p)
        try:
            accel._compiled.softmax_cross_entropy_grad(p, target, up, g)
            return g
        except accel.REFUSED:
            pass
    g = p.copy()
    g[np.arange(len(p)), target] -= 1
    g *= up
    return g
