"""The activations' array forms shared by their nodes and by other modules:
ReLU and softmax through :mod:`glassnet.accel`, the others in NumPy."""

from __future__ import annotations

import numpy as np

from glassnet import accel

__all__: list[str] = []

#: max(z, 0) and the softmax along the last axis, from the accelerator boundary (compiled
#: where built; see :mod:`glassnet.accel` for how each agrees with NumPy).
_relu = accel.relu


def _tanh(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return np.tanh(z, out=out)


_softmax = accel.softmax


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
