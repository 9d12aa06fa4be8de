"""Convolution layers: Conv2D, Conv1D (the pooling layers are in :mod:`glassnet.layers.pool`).

Images are (N, C, H, W) and signals (N, C, L), channels first as in PyTorch. The
computations are the ops of :mod:`glassnet.ops.conv`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet.layers.core import KernelLayer
from glassnet.ops._window import as_int, conv_geometry, conv_padding, pair
from glassnet.ops.conv import Conv1d, Conv2d
from glassnet.tensor import Tensor

__all__ = ["Conv2D", "Conv1D"]


def _keras_alias(ours: Any, theirs: Any, name: str, keras_name: str, layer: str) -> Any:
    """Keras's spelling of an argument (``strides``, ``dilation_rate``) accepted for ours."""
    if theirs is None:
        return ours
    if ours is not None and ours != theirs:
        raise ValueError(f"{layer}: give {name} or its Keras spelling {keras_name}, not both")
    return theirs


def window_sizes(value: Any, name: str, layer: str, rank: int, minimum: int) -> tuple[int, ...]:
    """One size per spatial axis of a window option (kernel, pool, stride, dilation, padding):
    an int for a signal (Keras's ``(3,)`` too), a pair for an image."""
    if rank == 1:
        if isinstance(value, (tuple, list)) and len(value) == 1:  # Keras writes (3,)
            value = value[0]
        return (as_int(value, name, layer, minimum),)
    return pair(value, name, layer, minimum)


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
        return window_sizes(value, name, type(self).__name__, self.rank, minimum)

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
        self.create_weights(self.kernel_shape(input_shape), self.filters, rng)

    def kernel_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...] | None:
        return (self.filters, input_shape[0], *self.kernel_size) if input_shape else None

    @property
    def n_units(self) -> int:
        return self.filters

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
