"""Pooling layers: MaxPool2D, AvgPool2D, MaxPool1D, GlobalAvgPool2D.

Images are (N, C, H, W) and signals (N, C, L), channels first as in PyTorch, unless the
layer or its model says ``data_format="channels_last"`` ((N, H, W, C) and (N, L, C), as
Keras; see :mod:`glassnet.layers.layout`). The computations are the ops of
:mod:`glassnet.ops.pool`, on channels-first arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers import layout
from glassnet.layers._arguments import declare_input, input_config
from glassnet.layers.conv import _keras_alias, window_sizes
from glassnet.layers.module import Layer
from glassnet.ops.pool import AvgPool2d, MaxPool1d, MaxPool2d, global_avg_pool2d, pool_geometry
from glassnet.tensor import Tensor

__all__ = ["MaxPool2D", "AvgPool2D", "GlobalAvgPool2D", "MaxPool1D"]


class _Pool(Layer):
    """What the pooling layers share: window arguments, shape checks and config."""

    rank = 2
    op: Any = MaxPool2d

    def __init__(self, pool_size: int | tuple[int, int] = 2, stride: Any = None, padding: Any = 0,
                 name: str | None = None, *, strides: Any = None, data_format: str | None = None,
                 input_shape: tuple[int, ...] | None = None, kernel_size: Any = None) -> None:
        super().__init__(name or type(self).__name__.lower())
        declare_input(self, input_shape)
        kind = type(self).__name__
        layout.init_layout(self, data_format)
        stride = _keras_alias(stride, strides, "stride", "strides", kind)
        pool_size = _keras_alias(None if pool_size == 2 else pool_size, kernel_size, "pool_size",
                                 "kernel_size", kind, "PyTorch")
        if isinstance(padding, str):
            if padding.lower() != "valid":
                raise ValueError(
                    f"{kind}: padding must be 'valid' (0), an int or a pair of ints (pixels on each "
                    f"side, at most half the pool size), got {padding!r}"
                )
            padding = 0
        self.pool_size = self._sizes(2 if pool_size is None else pool_size, "pool_size", 1)
        self.stride = self.pool_size if stride is None else self._sizes(stride, "stride", 1)
        self.padding = self._sizes(padding, "padding", 0)

    def _sizes(self, value: Any, name: str, minimum: int) -> tuple[int, ...]:
        return window_sizes(value, name, type(self).__name__, self.rank, minimum)

    def _geometry(self, input_shape: tuple[int, ...]) -> Any:
        """Window sizes over (H, W); a signal is an image of height 1."""
        kind = type(self).__name__
        if len(input_shape) != self.rank + 1:
            raise ValueError(
                f"{kind} layer {self.name!r} expects inputs {layout.describe(self.layout, self.rank)}; "
                f"got samples of shape {tuple(input_shape)}"
            )
        input_shape = layout.to_channels_first(input_shape, self.layout)
        if self.rank == 2:
            return pool_geometry((1, *input_shape), self.pool_size, self.stride, self.padding,
                                 (1, 1), kind)
        return pool_geometry((1, input_shape[0], 1, input_shape[1]), (1, *self.pool_size),
                             (1, *self.stride), (0, *self.padding), (1, 1), kind)

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        self._geometry(input_shape)

    def check_input_shape(self, input_shape: tuple[int, ...]) -> None:
        """Any size the window fits is accepted: pooling has no weights."""
        self._geometry(input_shape)

    def forward(self, x: Any) -> Any:
        """The layer on ``x`` in its layout (see :func:`glassnet.layers.layout.forward_layer`)."""
        return layout.forward_layer(self, x)

    def call(self, x: Tensor) -> Tensor:
        """Pooling of channels-first ``x``."""
        if self.rank == 1:
            return self.op.apply(x, kernel=self.pool_size[0], stride=self.stride[0],
                                 padding=self.padding[0])
        return self.op.apply(x, kernel=self.pool_size, stride=self.stride, padding=self.padding)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        out = self._geometry(input_shape).out
        channels = layout.to_channels_first(input_shape, self.layout)[0]
        return layout.from_channels_first((channels, *out[2 - self.rank:]), self.layout)

    def get_config(self) -> dict[str, Any]:
        def plain(sizes: tuple[int, ...]) -> Any:
            return sizes[0] if self.rank == 1 else list(sizes)

        return {"pool_size": plain(self.pool_size), "stride": plain(self.stride),
                "padding": plain(self.padding), "data_format": self.data_format, "name": self.name,
                **input_config(self)}


class MaxPool2D(_Pool):
    """Max pooling layer: the largest value of each window of each channel.

    .. math::

        a_{n,c,i,j} = \\max_{u < k_h,\\, v < k_w} x_{n,\\,c,\\; s_h i + u - p_h,\\; s_w j + v - p_w}

    Shape: (N, C, H, W) -> (N, C, Ho, Wo), or (N, H, W, C) -> (N, Ho, Wo, C) channels last.
    The gradient of a window goes entirely to its first maximum in row-major order (ties as
    PyTorch). No weights.

    Parameters
    ----------
    pool_size : int or (int, int), default 2
        The window's size (PyTorch's ``kernel_size=`` is accepted too).
    stride : int or (int, int), optional
        Defaults to ``pool_size`` (windows side by side); Keras's ``strides=`` is accepted too.
    padding : int or (int, int), default 0
        At most half the pool size; padded positions never win.
    name : str, optional
    data_format : "channels_first", "channels_last" or None, default None
        The layout of the images, (N, C, H, W) or (N, H, W, C), as for
        :class:`~glassnet.layers.Conv2D`; None follows the model, else channels first.

    Examples
    --------
    >>> MaxPool2D(2)(np.zeros((8, 6, 28, 28))).shape
    (8, 6, 14, 14)
    """

    static_graph = True
    channels_first_call = True

    op = MaxPool2d


class AvgPool2D(_Pool):
    """Average pooling layer: the mean of each window of each channel.

    .. math::

        a_{n,c,i,j} = \\frac{1}{k_h k_w} \\sum_{u,v} x_{n,\\,c,\\; s_h i + u - p_h,\\; s_w j + v - p_w}

    Padded zeros count in the mean (``count_include_pad=True``, PyTorch's default).
    Arguments as :class:`MaxPool2D`.

    Parameters
    ----------
    pool_size : int or (int, int), default 2
        The window's size (PyTorch's ``kernel_size=`` is accepted too).
    stride : int or (int, int), optional
        Defaults to ``pool_size``; Keras's ``strides=`` is accepted too.
    padding : int or (int, int), default 0
        At most half the pool size; padded zeros count in the mean.
    name : str, optional
        The layer's name.
    data_format : "channels_first", "channels_last" or None, default None
        The layout of the images, as for :class:`Conv2D`.
    input_shape : tuple of int, optional
        Keras's per-sample input shape of a first layer.

    Examples
    --------
    >>> AvgPool2D(2)(np.ones((1, 3, 4, 4))).numpy()[0, 0]
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """

    static_graph = True
    channels_first_call = True

    op = AvgPool2d


class MaxPool1D(_Pool):
    """Max pooling layer for signals (N, C, L):  a_{n,c,i} = max_u x_{n,c,\\,s i + u - p}.

    Arguments as :class:`MaxPool2D`, with single ints.

    Parameters
    ----------
    pool_size : int, default 2
        The window's length (PyTorch's ``kernel_size=`` is accepted too).
    stride : int, optional
        Defaults to ``pool_size``; Keras's ``strides=`` is accepted too.
    padding : int, default 0
        At most half the pool size; padded positions never win.
    name : str, optional
        The layer's name.
    data_format : "channels_first", "channels_last" or None, default None
        (N, C, L) or (N, L, C); None follows the model.
    input_shape : tuple of int, optional
        Keras's per-sample input shape of a first layer.

    Examples
    --------
    >>> MaxPool1D(2)(np.zeros((2, 4, 10))).shape
    (2, 4, 5)
    """

    static_graph = True
    channels_first_call = True

    rank = 1
    op = MaxPool1d


class GlobalAvgPool2D(Layer):
    """The mean of each channel over the whole image: (N, C, H, W) -> (N, C), or
    (N, H, W, C) -> (N, C) with ``data_format="channels_last"``.

    .. math::

        a_{n,c} = \\frac{1}{H W} \\sum_{i,j} x_{n,c,i,j}

    Parameters
    ----------
    name : str, optional
    data_format : "channels_first", "channels_last" or None, default None
        As for :class:`MaxPool2D`.

    Examples
    --------
    >>> GlobalAvgPool2D()(np.ones((2, 3, 5, 5))).shape
    (2, 3)
    """

    static_graph = True
    channels_first_call = True

    def __init__(self, name: str | None = None, *, data_format: str | None = None,
                 input_shape: tuple[int, ...] | None = None) -> None:
        super().__init__(name or "globalavgpool2d")
        declare_input(self, input_shape)
        layout.init_layout(self, data_format)

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        self.compute_output_shape(input_shape)

    def check_input_shape(self, input_shape: tuple[int, ...]) -> None:
        """Any image size is accepted."""
        self.compute_output_shape(input_shape)

    def forward(self, x: Any) -> Any:
        """The layer on ``x`` in its layout (see :func:`glassnet.layers.layout.forward_layer`)."""
        return layout.forward_layer(self, x)

    def call(self, x: Tensor) -> Tensor:
        """The channel means of channels-first ``x``."""
        return global_avg_pool2d(x)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) != 3:
            raise ValueError(
                f"GlobalAvgPool2D layer {self.name!r} expects inputs {layout.describe(self.layout)}; got "
                f"samples of shape {tuple(input_shape)}"
            )
        return (layout.to_channels_first(input_shape, self.layout)[0],)

    def get_config(self) -> dict[str, Any]:
        return {"data_format": self.data_format, "name": self.name, **input_config(self)}
