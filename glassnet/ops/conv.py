"""Convolutions: conv2d and conv1d as im2col plus one matrix product per layer.

A convolution layer (cross-correlation, as in every deep-learning library) computes

.. math::

    z_{n,f,i,j} = b_f + \\sum_{c} \\sum_{u,v} W_{f,c,u,v}\\,
        x_{n,\\,c,\\; s i + d u - p_h,\\; s j + d v - p_w}

with stride s, dilation d and zero padding p. Gathering every window of the input into
the columns of a matrix (im2col) turns this into one product ``Z = W_mat @ cols`` and the
chain rule into two more: ``dE/dW = delta @ cols^T`` and ``dE/dcols = W_mat^T @ delta``,
whose columns are added back onto the input positions they came from (col2im).

Layout. The public layout is (N, C, H, W), as in PyTorch. Internally the work is done
channels-outermost, (C, N, H, W): the product ``W_mat @ cols`` then yields the output
directly in that order, with no transposing copy. The output is returned as a transposed
*view* of shape (N, C, H, W); the next conv or pooling op reads it without copying, and
element-wise ops keep its memory order. Values and shapes are exactly the public ones.

Speed. The im2col matrix is kh kw times larger than the input, so it is built and used a
few samples at a time (chunks of about ``CHUNK_BYTES``) and never leaves the CPU cache;
the backward pass rebuilds each chunk instead of keeping the whole matrix. im2col and
col2im are kernels of :mod:`glassnet.accel` that release the GIL, so the chunks of one op
run on several threads (:mod:`glassnet._parallel`), each product on one BLAS thread.
Temporaries live in per-thread work arrays (``scratch``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _parallel
from glassnet._parallel import one_blas_thread
from glassnet.accel.windows import col2im, im2col
from glassnet.function import Function
from glassnet.ops._window import (
    Geometry,
    as_int,
    as_tensor,
    bias_alias,
    check_ndim,
    conv_geometry,
    conv_padding,
    from_cnhw,
    pad_cnhw,
    pair,
    refuse_torch_options,
    scratch,
    to_cnhw,
    unpad_cnhw,
)
from glassnet.tensor import Tensor

__all__ = ["Conv2d", "Conv1d", "conv2d", "conv1d"]

CHUNK_BYTES = 1 << 21  # im2col columns per chunk: a few times a core's L2 cache, well within L3
PRODUCT_WORK = 1 << 20  # multiply-adds of these thin products worth a thread, as MIN_CHUNK_WORK
PIECES = 4  # several chunks are a multiple of this in number
PIECE_WORK = 1 << 23  # multiply-adds per chunk below which extra chunks cost more than a thread gives
#: A weight gradient with fewer entries than this (kh kw C x F; LeNet's first layer: 25 x 6) is
#: computed as one product per sample, summed: NumPy keeps the GIL through a 2-D matmul with
#: so small an output, however long its sum, so two chunks could not run at once; the batched
#: products release it at the same cost.
SMALL_PRODUCT = 512


def _check_conv(x: np.ndarray, W: np.ndarray, b: np.ndarray | None, op: str) -> None:
    if W.ndim != x.ndim:
        expected = "(filters, in_channels, kh, kw)" if x.ndim == 4 else "(filters, in_channels, k)"
        raise ValueError(f"{op}: W must have shape {expected}, got shape {W.shape}")
    if x.shape[1] != W.shape[1]:
        raise ValueError(
            f"{op}: the input has {x.shape[1]} channels (shape {x.shape}) but W of shape "
            f"{W.shape} expects {W.shape[1]} (W is (filters, in_channels, ...))"
        )
    if b is not None and b.shape != (W.shape[0],):
        raise ValueError(f"{op}: b must have shape ({W.shape[0]},) (one per filter), got {b.shape}")


class _Columns:
    """im2col of a padded batch xp (C, N, Hp, Wp), one chunk of samples at a time.

    ``columns(chunk)`` is the matrix (C kh kw, n Ho Wo) whose column for output pixel
    (n, i, j) holds that pixel's window, copied into a reused per-thread buffer.
    """

    def __init__(self, xp: np.ndarray, geo: Geometry) -> None:
        (kh, kw), (ho, wo) = geo.kernel, geo.out
        self.xp, self.geo = xp, geo
        self.rows, self.per_sample = xp.shape[0] * kh * kw, ho * wo

    def __call__(self, chunk: slice) -> np.ndarray:
        n = chunk.stop - chunk.start
        buffer = scratch("columns", (self.rows, n * self.per_sample), self.xp.dtype)
        return im2col(self.xp, self.geo, chunk, buffer)


def _col2im(grad: np.ndarray, W_mat: np.ndarray, geo: Geometry, padded_shape: tuple[int, ...],
            chunks: list[slice]) -> np.ndarray:
    """dE/d(padded x) (C, N, Hp, Wp): per chunk, dcols = W_mat^T @ delta and every column of
    dcols added onto the input positions of its window."""
    dxp = np.empty(padded_shape, dtype=grad.dtype)

    def add_chunk(k: int) -> None:
        d = _delta(grad[chunks[k]])
        dcols = scratch("dcols", (W_mat.shape[1], d.shape[1]), grad.dtype)
        np.matmul(W_mat.T, d, out=dcols)
        col2im(dcols, dxp, geo, chunks[k])

    threads = _parallel.threads_for(W_mat.shape[1] * grad.size, PRODUCT_WORK)
    _parallel.run(add_chunk, len(chunks), threads)
    return dxp


def _delta(grad: np.ndarray) -> np.ndarray:
    """dE/dz (n, F, Ho, Wo) of a chunk of samples as an (F, n Ho Wo) matrix (in a
    per-thread work array unless it is one block already)."""
    g = to_cnhw(grad)
    if g.flags.c_contiguous:
        return g.reshape(g.shape[0], -1)
    d = scratch("delta", g.shape, grad.dtype)
    d[...] = g
    return d.reshape(g.shape[0], -1)


def _chunks(n: int, rows: int, columns: int, itemsize: int, depth: int) -> list[slice]:
    """Slices of the batch whose im2col matrix (rows x columns per sample) fits in cache;
    ``PIECES`` of them at least when the product with ``depth`` output rows is worth two
    ``PIECE_WORK``, so that a small batch of large images still feeds several threads.

    The im2col matrix is kh kw times larger than the input; built and consumed one chunk
    at a time (about CHUNK_BYTES each) it never leaves the CPU cache, which made the
    forward and backward passes markedly faster than one batch-sized matrix. Each chunk
    also costs a few NumPy calls, and on several threads a hand-over of the GIL, so there
    are no more than that: on LeNet-5, 2 MB chunks trained faster than 512 kB ones on
    one thread and on two, and 4 MB ones slower on two (``benchmarks/cnn.py``). Several
    chunks are made a multiple of ``PIECES`` in number and equal in size to a sample, so
    that 2 or 4 threads get equal shares. The chunks depend on the shapes only, not on the
    threads: the weight gradient, a sum over chunks, has the same bits on any number of
    threads. An empty batch has no chunk.
    """
    if n == 0:
        return []
    size = max(1, min(n, CHUNK_BYTES // max(1, rows * columns * itemsize)))
    count = -(-n // size)
    if count > 1 or depth * rows * columns * n >= 2 * PIECE_WORK:
        count = min(n, -(-count // PIECES) * PIECES)
    bounds = [n * k // count for k in range(count + 1)]
    return [slice(start, stop) for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]


def _products(W_mat: np.ndarray, columns: _Columns, chunks: list[slice], dtype: Any,
              b: np.ndarray | None = None) -> np.ndarray:
    """W_mat @ im2col (+ b), (F, N Ho Wo): each chunk's product (and bias) into its own
    columns, chunks spread over threads."""
    L, N = columns.per_sample, columns.xp.shape[1]
    z = np.empty((W_mat.shape[0], N * L), dtype=dtype)

    def product_of(k: int) -> None:
        part = z[:, chunks[k].start * L:chunks[k].stop * L]
        np.matmul(W_mat, columns(chunks[k]), out=part)
        if b is not None:
            part += b[:, None]

    _parallel.run(product_of, len(chunks), _parallel.threads_for(W_mat.size * N * L, PRODUCT_WORK))
    return z


def _weight_grad(columns: _Columns, grad: np.ndarray, chunks: list[slice]) -> np.ndarray:
    """(dE/dW_mat)^T = sum over chunks of im2col_chunk @ delta_chunk^T for delta = ``grad``
    (N, F, Ho, Wo) (cols @ delta^T is faster than delta @ cols^T); the chunks' products are
    computed on several threads and added in chunk order, so the sum does not depend on the
    threads."""
    def product_of(k: int) -> np.ndarray:
        cols, d = columns(chunks[k]), _delta(grad[chunks[k]])
        if cols.shape[0] * d.shape[0] >= SMALL_PRODUCT:
            return cols @ d.T
        n = chunks[k].stop - chunks[k].start  # sample by sample, then summed: see SMALL_PRODUCT
        by_sample = np.matmul(cols.reshape(cols.shape[0], n, -1).transpose(1, 0, 2),
                              d.reshape(d.shape[0], n, -1).transpose(1, 2, 0))
        return by_sample.sum(axis=0)

    F = grad.shape[1]
    threads = _parallel.threads_for(columns.rows * F * columns.per_sample * grad.shape[0], PRODUCT_WORK)
    total = np.zeros((columns.rows, F), dtype=grad.dtype)
    for part in _parallel.run(product_of, len(chunks), threads):
        total += part
    return total


def _conv_forward(ctx: Any, x: np.ndarray, W: np.ndarray, b: np.ndarray | None,
                  geo: Geometry) -> np.ndarray:
    """z = W_mat @ im2col(x) + b, chunk by chunk in (C, N, H, W) order; returns (N, F, Ho, Wo)."""
    F, N = W.shape[0], x.shape[0]
    xp = pad_cnhw(to_cnhw(x), geo.pads)
    columns = _Columns(xp, geo)
    W_mat = W.reshape(F, -1)
    chunks = _chunks(N, columns.rows, columns.per_sample, x.itemsize, F)
    z = _products(W_mat, columns, chunks, np.result_type(x, W), b)
    if ctx.needs_input_grad:
        ctx.xp, ctx.W_mat, ctx.geo, ctx.chunks = xp, W_mat, geo, chunks
        ctx.x_shape, ctx.w_shape = x.shape, W.shape
    return from_cnhw(z.reshape(F, N, *geo.out))


def _conv_backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
    """delta (N, F, Ho, Wo) -> dE/dx, dE/dW, dE/db (None where not needed).

    dE/dW = sum_chunks delta_chunk @ im2col(x_chunk)^T (the columns are rebuilt, chunk by
    chunk: cheaper than keeping the whole matrix); dE/dx = col2im(W_mat^T @ delta).
    """
    needs = ctx.needs_input_grad
    xp, W_mat, geo = ctx.xp, ctx.W_mat, ctx.geo
    gW = gx = None
    if needs[1]:
        gW = _weight_grad(_Columns(xp, geo), grad, ctx.chunks).T.reshape(ctx.w_shape)
    if needs[0]:
        dxp = _col2im(grad, W_mat, geo, xp.shape, ctx.chunks)
        gx = unpad_cnhw(dxp, geo.pads, ctx.x_shape[2:])
    if len(needs) == 2:
        return gx, gW
    return gx, gW, (to_cnhw(grad).sum(axis=(1, 2, 3)) if needs[2] else None)


class Conv2d(Function):
    """2-D convolution (cross-correlation) of x (N, C, H, W) with W (F, C, kh, kw), plus b (F,).

    .. math::

        z_{n,f,i,j} = b_f + \\sum_{c,u,v} W_{f,c,u,v}\\, x_{n,c,\\,s_h i + d_h u - p_t,\\,
            s_w j + d_w v - p_l}

    With delta = dE/dz:  dE/dW = delta @ cols^T,  dE/db_f = sum_{n,i,j} delta_{n,f,i,j},
    dE/dx = col2im(W_mat^T @ delta). Options: ``stride`` and ``dilation`` (pairs), ``padding``
    ("valid", "same" or a pair (ph, pw) applied on both sides).
    """

    name = "conv2d"

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, W: np.ndarray, b: np.ndarray | None = None, *,
                stride: tuple[int, int] = (1, 1), padding: Any = (0, 0),
                dilation: tuple[int, int] = (1, 1)) -> np.ndarray:
        check_ndim(x, 4, "conv2d")
        _check_conv(x, W, b, "conv2d")
        geo = conv_geometry(x.shape[2:], W.shape[2:], stride, padding, dilation, "conv2d")
        with one_blas_thread():
            return _conv_forward(ctx, x, W, b, geo)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        with one_blas_thread():
            return _conv_backward(ctx, grad)


class Conv1d(Function):
    """1-D convolution of signals x (N, C, L) with W (F, C, k), plus b (F,).

    .. math::

        z_{n,f,i} = b_f + \\sum_{c,u} W_{f,c,u}\\, x_{n,c,\\,s i + d u - p}

    Computed as a 2-D convolution over a height-1 image; options are single ints
    (``padding`` may also be "valid" or "same").
    """

    name = "conv1d"

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, W: np.ndarray, b: np.ndarray | None = None, *,
                stride: int = 1, padding: Any = 0, dilation: int = 1) -> np.ndarray:
        check_ndim(x, 3, "conv1d")
        _check_conv(x, W, b, "conv1d")
        pad2 = padding if isinstance(padding, str) else (0, padding)
        geo = conv_geometry((1, x.shape[2]), (1, W.shape[2]), (1, stride), pad2, (1, dilation),
                            "conv1d")
        with one_blas_thread():
            return _conv_forward(ctx, x[:, :, None, :], W[:, :, None, :], b, geo)[:, :, 0, :]

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        with one_blas_thread():
            gx, gW, *gb = _conv_backward(ctx, grad[:, :, None, :])
        gx = None if gx is None else gx[:, :, 0, :]
        gW = None if gW is None else gW[:, :, 0, :]
        return (gx, gW, *gb)


def conv2d(x: Any, W: Any, b: Any = None, stride: int | tuple[int, int] = 1,
           padding: str | int | tuple[int, int] = 0,
           dilation: int | tuple[int, int] = 1, groups: int = 1, *, bias: Any = None) -> Tensor:
    """2-D convolution (cross-correlation) of images with a bank of kernels.

    .. math::

        z_{n,f,i,j} = b_f + \\sum_{c=1}^{C} \\sum_{u=0}^{k_h-1} \\sum_{v=0}^{k_w-1}
            W_{f,c,u,v}\\, x_{n,\\,c,\\; s_h i + d_h u - p_h,\\; s_w j + d_w v - p_w}

    Shape: x (N, C, H, W), W (F, C, kh, kw), b (F,) -> z (N, F, Ho, Wo) with
    Ho = floor((H + 2 p_h - d_h (kh - 1) - 1) / s_h) + 1 (likewise Wo).

    Parameters
    ----------
    x : Tensor or array_like
        Images, channels first.
    W : Tensor or array_like
        Kernels, as PyTorch stores them; a fixed kernel may be a plain array.
    b : Tensor or array_like, optional
        One bias per filter.
    stride, dilation : int or (int, int), default 1
    padding : "valid", "same", int or (int, int), default 0
        Zeros added on both sides of each spatial axis. "same" keeps ceil(H / s_h) rows
        (the odd padding row goes at the bottom, as PyTorch); "valid" is 0.
    groups : 1
        PyTorch's grouped convolutions are not implemented: only 1 is accepted.
    bias : Tensor or array_like, optional
        PyTorch's keyword for ``b``.

    Returns
    -------
    Tensor of shape (N, F, Ho, Wo).

    Raises
    ------
    ValueError
        For an input that is not 4-D, channels that differ from W's, or a kernel larger
        than the padded input.

    Examples
    --------
    >>> laplacian = [[[[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]]]]
    >>> image = np.zeros((1, 1, 3, 3), dtype=np.float32); image[0, 0, 1, 1] = 1.0
    >>> conv2d(image, laplacian).numpy().ravel()
    array([4.], dtype=float32)
    """
    refuse_torch_options("conv2d", groups=groups)
    b = bias_alias(b, bias, "conv2d")
    x = as_tensor(x)
    inputs = [x, as_tensor(W, x)] + ([] if b is None else [as_tensor(b, x)])
    return Conv2d.apply(
        *inputs, stride=pair(stride, "stride", "conv2d"), padding=conv_padding(padding, "conv2d"),
        dilation=pair(dilation, "dilation", "conv2d"),
    )


def conv1d(x: Any, W: Any, b: Any = None, stride: int = 1, padding: str | int = 0,
           dilation: int = 1, groups: int = 1, *, bias: Any = None) -> Tensor:
    """1-D convolution (cross-correlation) of signals with a bank of kernels.

    .. math::

        z_{n,f,i} = b_f + \\sum_{c=1}^{C} \\sum_{u=0}^{k-1} W_{f,c,u}\\, x_{n,\\,c,\\; s i + d u - p}

    Shape: x (N, C, L), W (F, C, k), b (F,) -> z (N, F, Lo), Lo = floor((L + 2p - d(k-1) - 1)/s) + 1.

    Parameters
    ----------
    x, W, b : Tensor or array_like
        Signals (channels first), kernels and the optional bias.
    stride, dilation : int, default 1
    padding : "valid", "same" or int, default 0
    groups, bias
        As for :func:`conv2d`: groups=1 only; ``bias`` is PyTorch's keyword for ``b``.

    Returns
    -------
    Tensor of shape (N, F, Lo).

    Examples
    --------
    >>> conv1d([[[1.0, 2.0, 4.0]]], [[[1.0, -1.0]]]).numpy()
    array([[[-1., -2.]]], dtype=float32)
    """
    refuse_torch_options("conv1d", groups=groups)
    b = bias_alias(b, bias, "conv1d")
    x = as_tensor(x)
    inputs = [x, as_tensor(W, x)] + ([] if b is None else [as_tensor(b, x)])
    padding = conv_padding(padding, "conv1d") if isinstance(padding, str) else \
        as_int(padding, "padding", "conv1d", minimum=0)
    return Conv1d.apply(*inputs, stride=as_int(stride, "stride", "conv1d"), padding=padding,
                        dilation=as_int(dilation, "dilation", "conv1d"))
