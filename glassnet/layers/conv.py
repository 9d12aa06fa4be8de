"""Convolution layers: Conv2D, Conv1D (the pooling layers are in :mod:`glassnet.layers.pool`).

Images are (N, C, H, W) and signals (N, C, L), channels first as in PyTorch, unless the
layer or its model says ``data_format="channels_last"`` ((N, H, W, C) and (N, L, C), as
Keras; see :mod:`glassnet.layers.layout`). The computations are the ops of
:mod:`glassnet.ops.conv`, on channels-first arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet.layers import layout
from glassnet.layers._arguments import declare_input, input_config
from glassnet.layers.core import KernelLayer
from glassnet.ops._window import as_int, conv_geometry, conv_padding, pair
from glassnet.ops.conv import Conv1d, Conv2d
from glassnet.tensor import Tensor

__all__ = ["Conv2D", "Conv1D"]


def _keras_alias(ours: Any, theirs: Any, name: str, keras_name: str, layer: str,
                 library: str = "Keras") -> Any:
    """Another library's spelling of an argument (Keras's ``strides``, ``dilation_rate``;
    PyTorch's ``out_channels``, ``kernel_size`` of a pool) accepted for ours."""
    if theirs is None:
        return ours
    if ours is not None and ours != theirs:
        raise ValueError(f"{layer}: give {name} or its {library} spelling {keras_name}, not both")
    return theirs


#: glassnet's convolution layers -> PyTorch's module of the same operation.
_TORCH_NAMES = {"Conv2D": "Conv2d", "Conv1D": "Conv1d", "Conv2DTranspose": "ConvTranspose2d"}


def _refuse_positional(kind: str, positional: tuple[Any, ...]) -> None:
    """Only filters and kernel_size are positional: a third positional argument is PyTorch's
    kernel_size (``nn.Conv2d(in_channels, out_channels, kernel_size)``) as often as Keras's strides."""
    if positional:
        raise TypeError(
            f"{kind} takes filters and kernel_size by position and the other arguments by name; got "
            f"{len(positional) + 2} positional arguments (the last {len(positional)}: "
            f"{', '.join(map(repr, positional))}). PyTorch's nn.{_TORCH_NAMES[kind]}(in_channels, "
            f"out_channels, kernel_size) is {kind}(out_channels, kernel_size) here (the input channels come "
            "from the data); give the others by name: stride=... (Keras's strides=), padding=...")


def _torch_arguments(kind: str, filters: Any, kernel_size: Any, in_channels: Any, out_channels: Any,
                     bias: Any, use_bias: Any) -> tuple[Any, Any]:
    """PyTorch's ``out_channels`` and ``bias`` reconciled with ``filters`` and ``use_bias``;
    ``in_channels`` refused (the input channels come from the data). Returns
    ``(filters, use_bias)``."""
    filters = _keras_alias(filters, out_channels, "filters", "out_channels", kind, "PyTorch")
    if in_channels is not None:
        written = filters if filters is not None else "filters"
        raise TypeError(
            f"{kind}: in_channels={in_channels!r} is PyTorch's argument of nn.{_TORCH_NAMES[kind]}("
            f"in_channels, out_channels, kernel_size); glassnet's {kind} reads the input channels from the "
            f"data (or from input_shape=...). Write {kind}({written}, kernel_size=...)")
    if filters is None:
        raise TypeError(f"{kind}: filters (the number of kernels, PyTorch's out_channels) is required: "
                        f"{kind}(filters, kernel_size)")
    if kernel_size is None:
        raise TypeError(f"{kind}: kernel_size is required: {kind}({filters}, kernel_size)")
    if bias is None:
        return filters, use_bias
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"{kind}: bias must be True or False (PyTorch's bias=; Keras's use_bias=), "
                        f"got {bias!r}")
    if bias and use_bias is False:
        raise ValueError(f"{kind}: use_bias=False and bias=True contradict each other; give one of them")
    return filters, bool(bias) and use_bias


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
        filters: int | None = None,
        kernel_size: int | tuple[int, ...] | None = None,
        *positional: Any,
        stride: int | tuple[int, ...] = 1,
        padding: str | int | tuple[int, ...] = "valid",
        dilation: int | tuple[int, ...] = 1,
        use_bias: bool = True,
        activation: str | Callable[[Tensor], Tensor] | None = None,
        kernel_initializer: Any = None,
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        name: str | None = None,
        strides: int | tuple[int, ...] | None = None,
        dilation_rate: int | tuple[int, ...] | None = None,
        data_format: str | None = None,
        input_shape: tuple[int, ...] | None = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        out_channels: int | None = None,
        in_channels: int | None = None,
        bias: bool | None = None,
    ) -> None:
        kind = type(self).__name__
        _refuse_positional(kind, positional)
        filters, use_bias = _torch_arguments(kind, filters, kernel_size, in_channels, out_channels, bias,
                                             use_bias)
        super().__init__(name or kind.lower(), activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer)
        declare_input(self, input_shape)
        self.filters = _positive(filters, "filters", kind)
        self.kernel_size = self._sizes(kernel_size, "kernel_size", 1)
        stride = _keras_alias(None if stride == 1 else stride, strides, "stride", "strides", kind)
        dilation = _keras_alias(None if dilation == 1 else dilation, dilation_rate, "dilation",
                                "dilation_rate", kind)
        self.stride = self._sizes(1 if stride is None else stride, "stride", 1)
        self.dilation = self._sizes(1 if dilation is None else dilation, "dilation", 1)
        self.padding = (conv_padding(padding, kind) if isinstance(padding, str)
                        else self._sizes(padding, "padding", 0))
        layout.init_layout(self, data_format)
        shape = self.declared_input_shape
        if shape is not None and layout.reads_at_construction(self, shape):
            self.build_at_construction(shape)

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

    def _check_rank(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The per-sample input shape, channels first, after checking its rank."""
        if len(input_shape) != self.rank + 1:
            raise ValueError(
                f"{type(self).__name__} layer {self.name!r} expects inputs "
                f"{layout.describe(self.layout, self.rank)}; got "
                f"samples of shape {tuple(input_shape)} (the input is {len(input_shape) + 1}-D, "
                f"it must be {self.rank + 2}-D)"
            )
        return layout.to_channels_first(input_shape, self.layout)

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        self._check_rank(input_shape)
        self.compute_output_shape(input_shape)
        self.create_weights(self.kernel_shape(input_shape), self.filters, rng)

    def kernel_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...] | None:
        if len(input_shape) != self.rank + 1:
            return None
        return (self.filters, layout.to_channels_first(input_shape, self.layout)[0], *self.kernel_size)

    @property
    def n_units(self) -> int:
        return self.filters

    def check_input_shape(self, input_shape: tuple[int, ...]) -> None:
        """Any spatial size is accepted; the channels must match the built kernels."""
        channels = self._check_rank(input_shape)[0]
        if self.W is not None and channels != self.W.shape[1]:
            raise ValueError(
                f"{type(self).__name__} layer {self.name!r} was built for {self.W.shape[1]} input "
                f"channels (W has shape {self.W.shape}) but received {channels}, in samples of shape "
                f"{tuple(input_shape)}{layout.channels_hint(self, input_shape)}"
            )

    def forward(self, x: Any) -> Any:
        """The layer on ``x`` in its layout (see :func:`glassnet.layers.layout.forward_layer`)."""
        return layout.forward_layer(self, x)

    def pre_activation(self, x: Tensor) -> Tensor:
        """z = W * x + b, the input of the activation, for channels-first ``x``."""
        inputs = (x, self.W) if self.b is None else (x, self.W, self.b)
        return self.op.apply(*inputs, **self._options())

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = self._check_rank(input_shape)
        spatial = tuple(shape[1:]) if self.rank == 2 else (1, *shape[1:])
        kernel = self.kernel_size if self.rank == 2 else (1, *self.kernel_size)
        options = self._pairs()
        geo = conv_geometry(spatial, kernel, options["stride"], options["padding"],
                            options["dilation"], type(self).__name__)
        return layout.from_channels_first((self.filters, *geo.out[2 - self.rank:]), self.layout)

    def get_config(self) -> dict[str, Any]:
        def plain(sizes: tuple[int, ...]) -> Any:
            return sizes[0] if self.rank == 1 else list(sizes)

        return {
            "filters": self.filters,
            "kernel_size": plain(self.kernel_size),
            "stride": plain(self.stride),
            "padding": self.padding if isinstance(self.padding, str) else plain(self.padding),
            "dilation": plain(self.dilation),
            "data_format": self.data_format,
            **self.weight_config(),
            "name": self.name,
            **input_config(self),
        }


class Conv2D(_Conv):
    """2-D convolution layer over images (N, C, H, W).

    .. math::

        z_{n,f,i,j} = b_f + \\sum_{c=1}^{C} \\sum_{u,v} W_{f,c,u,v}\\,
            x_{n,\\,c,\\; s_h i + d_h u - p_h,\\; s_w j + d_w v - p_w},
        \\qquad a = g(z)

    (cross-correlation, as in PyTorch and Keras). Shape: (N, C, H, W) -> (N, filters, Ho, Wo),
    Ho = floor((H + 2 p_h - d_h (kh - 1) - 1) / s_h) + 1; with ``data_format="channels_last"``
    (N, H, W, C) -> (N, Ho, Wo, filters). ``W`` has shape (filters, C, kh, kw) in both
    layouts, as in PyTorch (Keras's kernel (kh, kw, C, filters) is its transpose
    ``W.transpose(2, 3, 1, 0)``), and ``b`` shape (filters,). Any image size is accepted
    after the build; the channels must stay the same.

    Initialization: ``kernel_initializer``, by default He normal for the ReLU family, LeCun
    normal for selu and Glorot uniform otherwise, with fan_in = C kh kw and
    fan_out = filters kh kw; ``b`` is zero.

    Parameters
    ----------
    filters : int
        Number of kernels (output channels; PyTorch's ``out_channels=`` is accepted too). The
        input channels come from the data: PyTorch's ``in_channels=`` is refused, and so is
        its positional order ``nn.Conv2d(in_channels, out_channels, kernel_size)``, which
        here would read (filters, kernel_size, stride); write ``Conv2D(out_channels, kernel_size)``.
    kernel_size : int or (int, int)
    stride : int or (int, int), default 1
        Keras's spelling ``strides=`` is accepted too.
    padding : "valid", "same", int or (int, int), default "valid"
        Zeros added around the image. "same" keeps ceil(H / s_h) x ceil(W / s_w) outputs.
    dilation : int or (int, int), default 1
        Spacing between kernel taps (Keras's ``dilation_rate=`` is accepted too).
    use_bias : bool, default True
        PyTorch's ``bias=False`` is accepted too.
    activation : str or callable, optional
        g, by name or as a function; None is the identity.
    kernel_initializer, bias_initializer : str or initializer, optional
    kernel_regularizer : str or regularizer, optional
        A penalty on W added to the training loss (see :meth:`regularization_loss`).
    name : str, optional
    data_format : "channels_first", "channels_last" or None, default None
        The layout of the images: (N, C, H, W), as PyTorch, or (N, H, W, C), as Keras.
        None follows the model (``gn.Sequential([...], data_format=...)``, or the layout
        declared upstream in a functional graph), else channels first. Unlike Keras, there
        is no global default. A model transposes channels-last data once and computes
        channels first (:mod:`glassnet.layers.layout`); data that looks channels last
        reaching a layer whose layout nobody declared is refused
        (:func:`glassnet.layers.layout.check_input_layout`).

    Examples
    --------
    >>> layer = Conv2D(6, 5, padding=2, activation="relu")
    >>> layer(np.zeros((8, 1, 28, 28))).shape
    (8, 6, 28, 28)
    >>> layer.W.shape
    (6, 1, 5, 5)
    >>> Conv2D(6, 5, padding="same", data_format="channels_last")(np.zeros((8, 28, 28, 1))).shape
    (8, 28, 28, 6)
    """

    static_graph = True
    channels_first_call = True

    rank = 2
    op = Conv2d


class Conv1D(_Conv):
    """1-D convolution layer over signals (N, C, L).

    .. math::

        z_{n,f,i} = b_f + \\sum_{c=1}^{C} \\sum_{u} W_{f,c,u}\\, x_{n,\\,c,\\; s i + d u - p},
        \\qquad a = g(z)

    Shape: (N, C, L) -> (N, filters, Lo), Lo = floor((L + 2p - d (k - 1) - 1) / s) + 1;
    (N, L, C) -> (N, Lo, filters) with ``data_format="channels_last"``.
    ``W`` has shape (filters, C, k) and ``b`` shape (filters,). Arguments and initialization
    as :class:`Conv2D`, with single ints for ``kernel_size``, ``stride``, ``padding`` and
    ``dilation``.

    Parameters
    ----------
    filters : int
        Number of kernels (output channels).
    kernel_size : int
        The kernel's length k.
    stride : int, default 1
        The step s; Keras's ``strides=`` is accepted too.
    padding : "valid", "same" or int, default "valid"
        Zeros p added at each end; "same" keeps ceil(L / s) outputs.
    dilation : int, default 1
        The spacing d between kernel taps (Keras's ``dilation_rate=`` too).
    use_bias : bool, default True
        Whether to add b (PyTorch's ``bias=`` is accepted too).
    activation : str or callable, optional
        g, by name or as a function; None is the identity.
    kernel_initializer : str or initializer, optional
        The initializer of W; by default the one that suits ``activation``.
    bias_initializer : str or initializer, default "zeros"
        The initializer of b.
    kernel_regularizer : str or regularizer, optional
        A penalty on W added to the training loss.
    name : str, optional
        The layer's name.
    data_format : "channels_first", "channels_last" or None, default None
        (N, C, L) as PyTorch or (N, L, C) as Keras; None follows the model.
    input_shape : tuple of int, optional
        Keras's per-sample input shape of a first layer.

    Examples
    --------
    >>> Conv1D(4, 3, padding="same")(np.zeros((2, 1, 10))).shape
    (2, 4, 10)
    """

    static_graph = True
    channels_first_call = True

    rank = 1
    op = Conv1d
