"""The activations' array forms shared by their nodes and by prediction on arrays:
ReLU and softmax by the compiled kernels where they are built, else NumPy."""

from __future__ import annotations

import numpy as np

try:
    from glassnet import _kernels
except ImportError:  # installed without a C compiler: NumPy computes ReLU to the bit, softmax to rounding
    _kernels = None

__all__: list[str] = []


def _relu(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """max(z, 0); one compiled pass where the kernels are built (NumPy's bits)."""
    if _kernels is not None:
        target = np.empty_like(z) if out is None else out
        try:
            _kernels.relu(z, target)
            return target
        except (TypeError, ValueError, BufferError):  # not float32/64 C-contiguous alike
            pass
    return np.maximum(z, 0, out=out)


def _tanh(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return np.tanh(z, out=out)


def _softmax(z: np.ndarray, out: np.ndarray | None = None, axis: int = -1) -> np.ndarray:
    """e^{z - max z} / sum e^{z - max z} along ``axis``; ``out`` may be z itself. Along the
    last axis, one compiled pass per row where the kernels are built (NumPy reduces along a
    short axis row by row, which is slower); the two agree to rounding."""
    if _kernels is not None and z.ndim and axis in (-1, z.ndim - 1):
        target = np.empty_like(z) if out is None else out
        try:
            _kernels.softmax(z, target)
            return target
        except (TypeError, ValueError, BufferError):  # not float32/64 C-contiguous alike
            pass
    e = np.subtract(z, np.maximum.reduce(z, axis=axis, keepdims=True), out=out)
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=axis, keepdims=True)
    return e


def _log_softmax(z: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """(ln softmax(z), softmax(z)) along ``axis``, in NumPy, from the shifted scores
    s = z - max z: ln softmax(z) = s - ln sum e^s, which never overflows."""
    shifted = z - np.maximum.reduce(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    total = np.add.reduce(e, axis=axis, keepdims=True)
    return shifted - np.log(total), e / total


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z) without overflow: e^-|z| never exceeds 1."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
