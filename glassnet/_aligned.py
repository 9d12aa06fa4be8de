"""Arrays whose data start on a 64-byte boundary (a cache line).

NumPy aligns its buffers to 16 bytes only, and BLAS reads a weight matrix with 32-byte
vector loads: a 784x256 float32 matrix that starts 16 bytes off a 32-byte boundary makes
the one-row product ``x W`` markedly slower, and with it a one-row prediction. Layers
create their weights here, and the optimizers' flat buffers, into which training moves the
weights, start here too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["empty", "copy"]

CACHE_LINE = 64


def empty(shape: int | tuple[int, ...], dtype: Any) -> np.ndarray:
    """An uninitialised C-ordered array whose data start on a cache line."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape))
    buffer = np.empty(count * dtype.itemsize + CACHE_LINE, dtype=np.uint8)
    start = -buffer.ctypes.data % CACHE_LINE
    return buffer[start:start + count * dtype.itemsize].view(dtype).reshape(shape)


def copy(values: np.ndarray) -> np.ndarray:
    """A C-ordered copy of ``values`` whose data start on a cache line."""
    out = empty(values.shape, values.dtype)
    out[...] = values
    return out
