"""Layers that make images larger, the decoder half of a convolutional autoencoder:
Conv2DTranspose and UpSampling2D.

Images are (N, C, H, W), channels first as in PyTorch, unless the layer or its model says
``data_format="channels_last"`` ((N, H, W, C), as Keras; see :mod:`glassnet.layers.layout`).
The computations are :func:`glassnet.ops.conv_transpose.conv_transpose2d` and
:func:`glassnet.ops.resize.upsample2d`, on channels-first arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers import layout
from glassnet.layers._arguments import declare_input, input_config
from glassnet.layers.conv import _Conv
from glassnet.layers.module import Layer
from glassnet.ops._window import pair
from glassnet.ops.conv_transpose import ConvTranspose2d, transpose_geometry
from glassnet.ops.resize import INTERPOLATIONS, upsample2d
from glassnet.tensor import Tensor

__all__ = ["Conv2DTranspose", "UpSampling2D"]


class Conv2DTranspose(_Conv):
    """Transposed 2-D convolution layer: each input pixel spreads a kernel-weighted patch
    over the output, so a stride s makes the image s times larger.

    .. math::

        z_{n,f,\\; s_h i + d_h u - p_t,\\; s_w j + d_w v - p_l} \\mathrel{+}= x_{n,c,i,j}\\, W_{c,f,u,v},
        \\qquad z_{n,f} \\mathrel{+}= b_f, \\qquad a = g(z)

    the adjoint of :class:`Conv2D`'s map from its input to its output (the computation of a
    Conv2D's backward pass). Equal to PyTorch's ``ConvTranspose2d``. Shape: (N, C, H, W) ->
    (N, filters, Ho, Wo) with, per axis,

    - ``padding="same"``: Ho = H s_h (Keras);
    - ``padding="valid"``: Ho = H s_h + max(d_h (kh - 1) + 1 - s_h, 0) (Keras);
    - an int or pair p (PyTorch): Ho = (H - 1) s_h - 2 p_h + d_h (kh - 1) + output_padding_h + 1.

    ``W`` has PyTorch's shape (C, filters, kh, kw) (Keras's kernel (kh, kw, filters, C) is
    ``W.transpose(2, 3, 1, 0)``) and ``b`` shape (filters,).

    Parameters
    ----------
    filters : int
        Number of output channels.
    kernel_size : int or (int, int)
    stride : int or (int, int), default 1
        Keras's ``strides=`` is accepted too.
    padding : "valid", "same", int or (int, int), default "valid"
        As above: Keras's names or PyTorch's crop of p rows and columns on each side.
    output_padding : int or (int, int), optional
        Rows and columns added at the end (each smaller than the stride or the dilation), to
        pick one of the output sizes a strided convolution maps to the same input size.
        With "same" or "valid" it follows Keras's formula.
    dilation : int or (int, int), default 1
        Keras's ``dilation_rate=`` is accepted too.
    use_bias, activation, kernel_initializer, bias_initializer, kernel_regularizer, name, data_format
        As for :class:`~glassnet.layers.Conv2D`.

    Examples
    --------
    >>> Conv2DTranspose(4, 3, strides=2, padding="same")(np.zeros((2, 8, 7, 7))).shape
    (2, 4, 14, 14)
    """

    static_graph = True
    channels_first_call = True

    rank = 2
    op = ConvTranspose2d

    def __init__(self, filters: int | None = None, kernel_size: int | tuple[int, int] | None = None,
                 *positional: Any, output_padding: int | tuple[int, int] | None = None,
                 **options: Any) -> None:
        # set first: a layer told its input shape builds its weights (and checks them) at once
        self.output_padding = (None if output_padding is None
                               else pair(output_padding, "output_padding", "Conv2DTranspose", 0))
        super().__init__(filters, kernel_size, *positional, **options)
        if self.output_padding is not None:
            transpose_geometry((1, 1), self.kernel_size, self.stride, self.padding, self.output_padding,
                               self.dilation, "Conv2DTranspose")

    def _options(self) -> dict[str, Any]:
        return {**self._pairs(), "output_padding": self.output_padding}

    def kernel_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...] | None:
        if len(input_shape) != 3:
            return None
        return (layout.to_channels_first(input_shape, self.layout)[0], self.filters, *self.kernel_size)

    def check_input_shape(self, input_shape: tuple[int, ...]) -> None:
        """Any image size is accepted; the channels must match the built kernels."""
        channels = self._check_rank(input_shape)[0]
        if self.W is not None and channels != self.W.shape[0]:
            raise ValueError(
                f"Conv2DTranspose layer {self.name!r} was built for {self.W.shape[0]} input channels "
                f"(W has shape {self.W.shape}, (in_channels, filters, kh, kw)) but received {channels}, "
                f"in samples of shape {tuple(input_shape)}{layout.channels_hint(self, input_shape)}"
            )

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = self._check_rank(input_shape)
        _, out = transpose_geometry(tuple(shape[1:]), self.kernel_size, self.stride, self.padding,
                                    self.output_padding, self.dilation, "Conv2DTranspose")
        return layout.from_channels_first((self.filters, *out), self.layout)

    def get_config(self) -> dict[str, Any]:
        extra = None if self.output_padding is None else list(self.output_padding)
        return {**super().get_config(), "output_padding": extra}


class UpSampling2D(Layer):
    """Upsampling of images by integer factors: (N, C, H, W) -> (N, C, H s_h, W s_w).

    "nearest" repeats each pixel s_h x s_w times; "bilinear" interpolates as PyTorch's
    ``interpolate(mode="bilinear", align_corners=False)`` and Keras's ``UpSampling2D`` (see
    :mod:`glassnet.ops.resize`). No weights.

    Parameters
    ----------
    size : int or (int, int), default 2
        The factors (s_h, s_w).
    interpolation : "nearest" or "bilinear", default "nearest"
    name : str, optional
    data_format : "channels_first", "channels_last" or None, default None
        As for :class:`~glassnet.layers.Conv2D`.

    Examples
    --------
    >>> UpSampling2D(2)(np.zeros((1, 3, 4, 5))).shape
    (1, 3, 8, 10)
    """

    static_graph = True
    channels_first_call = True

    def __init__(self, size: int | tuple[int, int] = 2, interpolation: str = "nearest",
                 name: str | None = None, *, data_format: str | None = None,
                 input_shape: tuple[int, ...] | None = None) -> None:
        super().__init__(name or "upsampling2d")
        declare_input(self, input_shape)
        layout.init_layout(self, data_format)
        self.size = pair(size, "size", "UpSampling2D")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"UpSampling2D: interpolation must be one of {INTERPOLATIONS}, "
                             f"got {interpolation!r}")
        self.interpolation = interpolation

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        self.compute_output_shape(input_shape)

    def check_input_shape(self, input_shape: tuple[int, ...]) -> None:
        """Any image size is accepted."""
        self.compute_output_shape(input_shape)

    def forward(self, x: Any) -> Any:
        """The layer on ``x`` in its layout (see :func:`glassnet.layers.layout.forward_layer`)."""
        return layout.forward_layer(self, x)

    def call(self, x: Tensor) -> Tensor:
        """Upsampled channels-first ``x``."""
        return upsample2d(x, self.size, self.interpolation)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) != 3:
            raise ValueError(
                f"UpSampling2D layer {self.name!r} expects inputs {layout.describe(self.layout)}; got "
                f"samples of shape {tuple(input_shape)}"
            )
        c, h, w = layout.to_channels_first(input_shape, self.layout)
        return layout.from_channels_first((c, h * self.size[0], w * self.size[1]), self.layout)

    def get_config(self) -> dict[str, Any]:
        return {"size": list(self.size), "interpolation": self.interpolation, "data_format": self.data_format,
                "name": self.name, **input_config(self)}
