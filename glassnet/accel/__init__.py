"""The accelerator boundary: every compiled kernel, its NumPy fallback, and ``reference()``.

Compiled code lives in one C extension, ``glassnet._compiled`` (the C files
``glassnet/_compiled.c``, ``_lstm.c`` and ``_windows.c``), built by ``pip install`` where a
C compiler exists. Nothing else in glassnet imports it: callers ask this package for a
kernel (its modules :mod:`~glassnet.accel.elementwise` and :mod:`~glassnet.accel.windows`
hold the kernels with their NumPy code). A function here runs the compiled kernel when it
is built, takes the arrays (float32 or float64, of one type; C-contiguous, or strided 4-D
arrays for the sliding windows) and the calling thread is not inside :func:`reference`;
otherwise it runs its NumPy code, the reference path. The optimizers' NumPy formulas stay
in their classes (``SGD._update``, ``Adam._update``), which ask :func:`optimizer_kernel`
for the compiled update.

**Contract.** Every function gives the same bits as the reference path on the same
machine, except where this list says otherwise:

- :func:`relu`, :func:`relu_grad`: bit for bit (NumPy's ``maximum(z, 0)`` and
  ``grad * (a > 0)``, NaN and signed zeros included), for arrays in any axis order that
  fill one block of memory (the (N, C, H, W) view of a convolution's output too).
- The sliding windows (:mod:`glassnet.accel.windows`): im2col and col2im of the
  convolutions, max pooling and its gradient: bit for bit. im2col and the pooled maxima
  are copies and comparisons; col2im and the pooling gradient add the same numbers in
  NumPy's order (tap by tap in row-major order where windows overlap). The recorded
  maximum is the window's first (its last NaN if any), as NumPy's loop over the taps
  records it. A window's delta reaches its maximum only, on both paths, even when it is
  infinite or NaN (as in PyTorch).
- Threads (:mod:`glassnet._parallel`): convolutions, pooling and their gradients run their
  chunks of samples or channels, and ReLU's kernels the ranges of a large array, on up to
  :func:`glassnet.get_num_threads` threads; bit for
  bit the one-thread result, whatever the number of threads: the chunks depend on the
  shapes only, each is computed by the same calls on the same slices (one BLAS thread
  each) and writes only its own part of the output, and the weight gradient's partial sums
  are added in chunk order.
- :func:`softmax_cross_entropy_grad`, and the updates of SGD, Adam and AdamW
  (:func:`optimizer_kernel`): bit for bit (the same rounded operations in the same order;
  the build forbids contraction into fused multiply-adds).
- The LSTM step (:func:`lstm_kernels`, used by :mod:`glassnet.ops._cells`): bit for bit.
  The compiled parts do only additions and products, in NumPy's order; the step's tanh
  stays NumPy's, called between them.
- :func:`softmax` and :func:`softmax_cross_entropy`: to rounding, not bit for bit. The
  sum of a row's exponentials is accumulated in double (NumPy sums pairwise in the array's
  type), the float32 exponential is computed in C to under 2 ulp and the float64 one is the
  C library's (NumPy has its own vectorised ones): relative differences of a few ulp.

**Why each kernel exists.** A kernel stays only while it saves at least 10% of a case of
the benchmarks (``python benchmarks/kernels.py`` measures each family on and off). The
optimizer updates do in one pass over the flat buffers what NumPy does in about ten passes.
ReLU's forward and backward, the softmax and the softmax cross-entropy each replace several
NumPy calls (the last two also NumPy's row-by-row reductions along a short axis) on arrays
so small that the calls cost more than the arithmetic: small networks, one-row
predictions, the estimators' batches. The LSTM step replaces about 25 NumPy calls on (N, H)
slices per time step, T times per sequence, forward and backward, by three passes
(``benchmarks/rnn.py``). The sliding-window kernels replace the strided NumPy copies and adds of
im2col, col2im and max pooling (kh kw calls per chunk, each holding the GIL between them)
by one pass per chunk without the GIL, so that the chunks of a convolution or a pooling
run on several cores at once (``benchmarks/cnn.py``).

**Reference mode.** ``with glassnet.reference():`` runs the plain NumPy graph in the
calling thread: no compiled kernel, no recorded-step replay (``fit`` then builds the
graph at every step) and no op split over threads. It is the teaching mode and the tests'
oracle; other threads are not affected, as with :func:`glassnet.no_grad`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

try:
    from glassnet import _compiled
except ImportError:  # installed without a C compiler: the NumPy code below runs
    _compiled = None

__all__ = [
    "reference", "in_reference", "compiled_available", "compiled_in_use", "replay_allowed",
    "optimizer_kernel", "lstm_kernels", "relu", "relu_grad", "softmax", "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
#: A kernel refuses other arrays with one of these; the NumPy code then runs.
REFUSED = (TypeError, ValueError, BufferError)


class _Mode(threading.local):
    """Whether the calling thread is inside ``reference()``; a new thread starts outside."""

    reference = False


_mode = _Mode()


class _Reference:
    """Switches reference mode on inside a ``with`` block, then restores it (a plain class:
    it may be entered once per step)."""

    __slots__ = ("previous",)

    def __init__(self) -> None:
        self.previous = False

    def __enter__(self) -> None:
        self.previous = _mode.reference
        _mode.reference = True

    def __exit__(self, *exc: object) -> None:
        _mode.reference = self.previous


def reference() -> _Reference:
    """Context in which the calling thread runs the plain NumPy graph: no compiled kernel,
    no replay of recorded training steps, no op split over threads.

    Results are the reference path's: the same bits as outside the block, except for the
    functions that :mod:`glassnet.accel` lists as agreeing to rounding. Other threads keep
    their own mode.

    Examples
    --------
    >>> import glassnet as gn
    >>> with gn.reference():
    ...     gn.accel.compiled_in_use()
    False
    """
    return _Reference()


def in_reference() -> bool:
    """Whether the calling thread is inside :func:`reference`.

    Returns
    -------
    bool
        True inside ``with gn.reference():``.

    Examples
    --------
    >>> gn.accel.in_reference()
    False
    >>> with gn.reference():
    ...     print(gn.accel.in_reference())
    ...
    True
    """
    return _mode.reference


def compiled_available() -> bool:
    """Whether the compiled kernels were built at install time (a C compiler was found).

    Returns
    -------
    bool
        True when the extension module was built.

    Examples
    --------
    The answer depends on the install (``GLASSNET_NO_EXTENSION=1`` builds none):

    >>> isinstance(gn.accel.compiled_available(), bool)
    True
    """
    return _compiled is not None


def compiled_in_use() -> bool:
    """Whether compiled kernels run in the calling thread: built, and not in reference mode.

    Returns
    -------
    bool
        True when the compiled kernels run here.

    Examples
    --------
    >>> gn.accel.compiled_in_use() == gn.accel.compiled_available()
    True
    >>> with gn.reference():
    ...     print(gn.accel.compiled_in_use())
    ...
    False
    """
    return _compiled is not None and not _mode.reference


def replay_allowed() -> bool:
    """Whether ``fit`` may replay recorded training steps in the calling thread.

    Returns
    -------
    bool
        False inside ``with gn.reference():``.

    Examples
    --------
    >>> gn.accel.replay_allowed()
    True
    >>> with gn.reference():
    ...     print(gn.accel.replay_allowed())
    ...
    False
    """
    return not _mode.reference


def optimizer_kernel(name: str, dtype: Any) -> Callable[..., None] | None:
    """The compiled single-pass update ``name`` ("sgd" or "adam", which also serves AdamW)
    for parameters of ``dtype``, or None: the optimizer then runs its NumPy formula.

    Parameters
    ----------
    name : str
        ``"sgd"`` or ``"adam"``.
    dtype : dtype
        The parameters' dtype.

    Returns
    -------
    callable or None
        The kernel, or None for the NumPy formula.

    Examples
    --------
    >>> with gn.reference():
    ...     print(gn.accel.optimizer_kernel("adam", np.float32))
    ...
    None
    """
    if _compiled is None or _mode.reference or np.dtype(dtype) not in _FLOATS:
        return None
    return getattr(_compiled, name)


def lstm_kernels(dtype: Any, activation: str,
                 recurrent_activation: str) -> tuple[Callable[..., None], ...] | None:
    """The compiled parts of an LSTM step, ``(pre, cell, backward)``, for arrays of ``dtype``
    and the cell's activations, or None: :mod:`glassnet.ops._cells` then runs its NumPy
    step. Compiled for tanh and sigmoid only.

    Parameters
    ----------
    dtype : dtype
        The arrays' dtype.
    activation : str
        The cell's activation.
    recurrent_activation : str
        The gates' activation.

    Returns
    -------
    tuple of callable, or None
        ``(pre, cell, backward)``, or None for the NumPy step.

    Examples
    --------
    >>> print(gn.accel.lstm_kernels(np.float32, "relu", "sigmoid"))
    None
    """
    if (_compiled is None or _mode.reference or activation != "tanh" or recurrent_activation != "sigmoid"
            or dtype not in _FLOATS):
        return None
    kernels = (_compiled.lstm_pre, _compiled.lstm_cell, _compiled.lstm_backward)
    return None if None in kernels else kernels


from glassnet.accel.elementwise import (  # noqa: E402 - they reach _compiled through this module
    relu,
    relu_grad,
    softmax,
    softmax_cross_entropy,
    softmax_cross_entropy_grad,
)
