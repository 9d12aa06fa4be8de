"""Convolution and pooling layers: Conv2D, Conv1D, MaxPool2D, AvgPool2D, GlobalAvgPool2D, MaxPool1D.

Images are (N, C, H, W) and signals (N, C, L), channels first as in PyTorch. The
computations are the ops of :mod:`glassnet.ops.conv` and :mod:`glassnet.ops.pool`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet.layers.core import KernelLayer
from glassnet.layers.module import Layer
from glassnet.ops._window import as_int, conv_geometry, conv_padding, pair
from glassnet.ops.conv import Conv1d, Conv2d
from glassnet.ops.pool import AvgPool2d, MaxPool1d, MaxPool2d, global_avg_pool2d, pool_geometry
from glassnet.tensor import Tensor

__all__ = ["Conv2D", "Conv1D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D", "MaxPool1D"]


def _keras_alias(ours: Any, theirs: Any, name: str, keras_name: str, layer: str) -> Any:
    """Keras's spelling of an argument (``strides``, ``dilation_rate``) accepted for ours."""
    if theirs is None:
        return ours
    if ours is not None and ours != theirs:
        raise ValueError(f"{layer}: give {name} or its Keras spelling {keras_name}, not both")
    return theirs


def _positive(value: Any, name: str, layer: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


class _Conv(KernelLayer):
    """What Conv2D and Conv1D share: arguments, lazy weights, penalty and config."""

    rank = 2
    op: Any = Conv2d

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: str | int | tuple[int, ...] = "valid",
        dilation: int | tuple[int, ...] = 1,
        use_bias: bool = True,
        activation: str | Callable[[Tensor], Tensor] | None = None,
        kernel_initializer: Any = None,
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        name: str | None = None,
        *,
        strides: int | tuple[int, ...] | None = None,
        dilation_rate: int | tuple[int, ...] | None = None,
    ) -> None:
        kind = type(self).__name__
        super().__init__(name or kind.lower(), activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer)
        self.filters = _positive(filters, "filters", kind)
        self.kernel_size = self._sizes(kernel_size, "kernel_size", 1)
        stride = _keras_alias(None if stride == 1 else stride, strides, "stride", "strides", kind)
        dilation = _keras_alias(None if dilation == 1 else dilation, dilation_rate, "dilation",
                                "dilation_rate", kind)
        self.stride = self._sizes(1 if stride is None else stride, "stride", 1)
        self.dilation = self._sizes(1 if dilation is None else dilation, "dilation", 1)
        self.padding = (conv_padding(padding, kind) if isinstance(padding, str)
                        else self._sizes(padding, "padding", 0))

    def _sizes(self, value: Any, name: str, minimum: int) -> tuple[int, ...]:
        kind = type(self).__name__
        if self.rank == 1:
            if isinstance(value, (tuple, list)) and len(value) == 1:  # Keras writes (3,)
                value = value[0]
            return (as_int(value, name, kind, minimum),)
        return pair(value, name, kind, minimum)

    def _pairs(self) -> dict[str, Any]:
        """Window options over (H, W); a signal is an image of height 1."""
        if self.rank == 2:
            return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation}
        padding = self.padding if isinstance(self.padding, str) else (0, *self.padding)
        return {"stride": (1, *self.stride), "padding": padding, "dilation": (1, *self.dilation)}

    def _options(self) -> dict[str, Any]:
        """The op's keyword arguments: pairs for Conv2d, single ints for Conv1d."""
        if self.rank == 2:
            return self._pairs()
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return {"stride": self.stride[0], "padding": padding, "dilation": self.dilation[0]}

    def _check_rank(self, input_shape: tuple[int, ...]) -> None:
        layout = "(N, C, H, W)" if self.rank == 2 else "(N, C, L)"
        if len(input_shape) != self.rank + 1:
            raise ValueError(
                f"{type(self).__name__} layer {self.name!r} expects inputs of shape {layout}; got "
                f"samples of shape {tuple(input_shape)} (the input is {len(input_shape) + 1}-D, "
                f"it must be {self.rank + 2}-D)"
            )

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        self._check_rank(input_shape)
        self.compute_output_shape(input_shape)
        self.create_weights((self.filters, input_shape[0], *self.kernel_size), self.filters, rng)

    def check_input_shape(self, input_shape: tuple[int, ...]) -> None:
        """Any spatial size is accepted; the channels must match the built kernels."""
        self._check_rank(input_shape)
        if self.W is not None and input_shape[0] != self.W.shape[1]:
            raise ValueError(
                f"{type(self).__name__} layer {self.name!r} was built for {self.W.shape[1]} input "
                f"channels (W has shape {self.W.shape}) but received {input_shape[0]}"
            )

    def pre_activation(self, x: Tensor) -> Tensor:
        """z = W * x + b, the input of the activation."""
        inputs = (x, self.W) if self.b is None else (x, self.W, self.b)
        return self.op.apply(*inputs, **self._options())

    def call(self, x: Tensor) -> Tensor:
        z = self.pre_activation(x)
        if self.activation in (None, "identity", "linear"):
            return z
        if self.activation == "relu" and not z.requires_grad:
            # inference: relu in place on the fresh output, one pass and no mask to keep
            np.maximum(z.data, 0, out=z.data)
            return z
        return self.g(z)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        self._check_rank(input_shape)
        spatial = tuple(input_shape[1:]) if self.rank == 2 else (1, *input_shape[1:])
        kernel = self.kernel_size if self.rank == 2 else (1, *self.kernel_size)
        options = self._pairs()
        geo = conv_geometry(spatial, kernel, options["stride"], options["padding"],
                            options["dilation"], type(self).__name__)
        return (self.filters, *geo.out[2 - self.rank:])

    def get_config(self) -> dict[str, Any]:
        def plain(sizes: tuple[int, ...]) -> Any:
            return sizes[0] if self.rank == 1 else list(sizes)

        return {
            "filters": self.filters,
            "kernel_size": plain(self.kernel_size),
            "stride": plain(self.stride),
            "padding": self.padding if isinstance(self.padding, str) else plain(self.padding),
            "dilation": plain(self.dilation),
            **self.weight_config(),
            "name": self.name,
        }


class Conv2D(_Conv):
    """2-D convolution layer over images (N, C, H, W).

    .. math::

        z_{n,f,i,j} = b_f + \\sum_{c=1}^{C} \\sum_{u,v} W_{f,c,u,v}\\,
            x_{n,\\,c,\\; s_h i + d_h u - p_h,\\; s_w j + d_w v - p_w},
        \\qquad a = g(z)

    (cross-correlation, as in PyTorch and Keras). Shape: (N, C, H, W) -> (N, filters, Ho, Wo),
    Ho = floor((H + 2 p_h - d_h (kh - 1) - 1) / s_h) + 1. ``W`` has shape
    (filters, C, kh, kw), as in PyTorch, and ``b`` shape (filters,). Any image size is
    accepted after the build; the channels must stay the same.

    Initialization: ``kernel_initializer``, by default He normal for the ReLU family, LeCun
    normal for selu and Glorot uniform otherwise, with fan_in = C kh kw and
    fan_out = filters kh kw; ``b`` is zero.

    Parameters
    ----------
    filters : int
        Number of kernels (output channels).
    kernel_size : int or (int, int)
    stride : int or (int, int), default 1
        Keras's spelling ``strides=`` is accepted too.
    padding : "valid", "same", int or (int, int), default "valid"
        Zeros added around the image. "same" keeps ceil(H / s_h) x ceil(W / s_w) outputs.
    dilation : int or (int, int), default 1
        Spacing between kernel taps (Keras's ``dilation_rate=`` is accepted too).
    use_bias : bool, default True
    activation : str or callable, optional
        g, by name or as a function; None is the identity.
    kernel_initializer, bias_initializer : str or initializer, optional
    kernel_regularizer : str or regularizer, optional
        A penalty on W added to the training loss (see :meth:`regularization_loss`).
    name : str, optional

    Examples
    --------
    >>> layer = Conv2D(6, 5, padding=2, activation="relu")
    >>> layer(np.zeros((8, 1, 28, 28))).shape
    (8, 6, 28, 28)
    >>> layer.W.shape
    (6, 1, 5, 5)
    """

    static_graph = True

    rank = 2
    op = Conv2d


class Conv1D(_Conv):
    """1-D convolution layer over signals (N, C, L).

    .. math::

        z_{n,f,i} = b_f + \\sum_{c=1}^{C} \\sum_{u} W_{f,c,u}\\, x_{n,\\,c,\\; s i + d u - p},
        \\qquad a = g(z)

    Shape: (N, C, L) -> (N, filters, Lo), Lo = floor((L + 2p - d (k - 1) - 1) / s) + 1.
    ``W`` has shape (filters, C, k) and ``b`` shape (filters,). Arguments and initialization
    as :class:`Conv2D`, with single ints for ``kernel_size``, ``stride``, ``padding`` and
    ``dilation``.

    Examples
    --------
    >>> Conv1D(4, 3, padding="same")(np.zeros((2, 1, 10))).shape
    (2, 4, 10)
    """

    static_graph = True

    rank = 1
    op = Conv1d


class _Pool(Layer):
    """What the pooling layers share: window arguments, shape checks and config."""

    rank = 2
    op: Any = MaxPool2d

    def __init__(self, pool_size: int | tuple[int, int] = 2, stride: Any = None, padding: Any = 0,
                 name: str | None = None, *, strides: Any = None) -> None:
        super().__init__(name or type(self).__name__.lower())
        kind = type(self).__name__
        stride = _keras_alias(stride, strides, "stride", "strides", kind)
        if isinstance(padding, str):
            if padding.lower() != "valid":
                raise ValueError(
                    f"{kind}: padding must be 'valid' (0), an int or a pair of ints (pixels on each "
                    f"side, at most half the pool size), got {padding!r}"
                )
            padding = 0
        self.pool_size = self._sizes(pool_size, "pool_size", 1)
        self.stride = self.pool_size if stride is None else self._sizes(stride, "stride", 1)
        self.padding = self._sizes(padding, "padding", 0)

    def _sizes(self, value: Any, name: str, minimum: int) -> tuple[int, ...]:
        kind = type(self).__name__
        if self.rank == 1:
            if isinstance(value, (tuple, list)) and len(value) == 1:  # Keras writes (3,)
                value = value[0]
            return (as_int(value, name, kind, minimum),)
        return pair(value, name, kind, minimum)

    def _geometry(self, input_shape: tuple[int, ...]) -> Any:
        """Window sizes over (H, W); a signal is an image of height 1."""
        kind = type(self).__name__
        if len(input_shape) != self.rank + 1:
            layout = "(N, C, H, W)" if self.rank == 2 else "(N, C, L)"
            raise ValueError(
                f"{kind} layer {self.name!r} expects inputs of shape {layout}; got samples of "
                f"shape {tuple(input_shape)}"
            )
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

    def call(self, x: Tensor) -> Tensor:
        if self.rank == 1:
            return self.op.apply(x, kernel=self.pool_size[0], stride=self.stride[0],
                                 padding=self.padding[0])
        return self.op.apply(x, kernel=self.pool_size, stride=self.stride, padding=self.padding)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        out = self._geometry(input_shape).out
        return (input_shape[0], *out[2 - self.rank:])

    def get_config(self) -> dict[str, Any]:
        def plain(sizes: tuple[int, ...]) -> Any:
            return sizes[0] if self.rank == 1 else list(sizes)

        return {"pool_size": plain(self.pool_size), "stride": plain(self.stride),
                "padding": plain(self.padding), "name": self.name}


class MaxPool2D(_Pool):
    """Max pooling layer: the largest value of each window of each channel.

    .. math::

        a_{n,c,i,j} = \\max_{u < k_h,\\, v < k_w} x_{n,\\,c,\\; s_h i + u - p_h,\\; s_w j + v - p_w}

    Shape: (N, C, H, W) -> (N, C, Ho, Wo). The gradient of a window goes entirely to its
    first maximum in row-major order (ties as PyTorch). No weights.

    Parameters
    ----------
    pool_size : int or (int, int), default 2
    stride : int or (int, int), optional
        Defaults to ``pool_size`` (windows side by side); Keras's ``strides=`` is accepted too.
    padding : int or (int, int), default 0
        At most half the pool size; padded positions never win.
    name : str, optional

    Examples
    --------
    >>> MaxPool2D(2)(np.zeros((8, 6, 28, 28))).shape
    (8, 6, 14, 14)
    """

    static_graph = True

    op = MaxPool2d


class AvgPool2D(_Pool):
    """Average pooling layer: the mean of each window of each channel.

    .. math::

        a_{n,c,i,j} = \\frac{1}{k_h k_w} \\sum_{u,v} x_{n,\\,c,\\; s_h i + u - p_h,\\; s_w j + v - p_w}

    Padded zeros count in the mean (``count_include_pad=True``, PyTorch's default).
    Arguments as :class:`MaxPool2D`.

    Examples
    --------
    >>> AvgPool2D(2)(np.ones((1, 3, 4, 4))).numpy()[0, 0]
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """

    static_graph = True

    op = AvgPool2d


class MaxPool1D(_Pool):
    """Max pooling layer for signals (N, C, L):  a_{n,c,i} = max_u x_{n,c,\\,s i + u - p}.

    Arguments as :class:`MaxPool2D`, with single ints.

    Examples
    --------
    >>> MaxPool1D(2)(np.zeros((2, 4, 10))).shape
    (2, 4, 5)
    """

    static_graph = True

    rank = 1
    op = MaxPool1d


class GlobalAvgPool2D(Layer):
    """The mean of each channel over the whole image: (N, C, H, W) -> (N, C).

    .. math::

        a_{n,c} = \\frac{1}{H W} \\sum_{i,j} x_{n,c,i,j}

    Examples
    --------
    >>> GlobalAvgPool2D()(np.ones((2, 3, 5, 5))).shape
    (2, 3)
    """

    static_graph = True

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name or "globalavgpool2d")

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        self.compute_output_shape(input_shape)

    def check_input_shape(self, input_shape: tuple[int, ...]) -> None:
        """Any image size is accepted."""
        self.compute_output_shape(input_shape)

    def call(self, x: Tensor) -> Tensor:
        return global_avg_pool2d(x)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) != 3:
            raise ValueError(
                f"GlobalAvgPool2D layer {self.name!r} expects inputs of shape (N, C, H, W); got "
                f"samples of shape {tuple(input_shape)}"
            )
        return (input_shape[0],)
