"""Batch normalization: each channel standardized over the batch, then scaled and shifted."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from glassnet.function import Function
from glassnet.layers import layout
from glassnet.layers._arguments import declare_input, input_config
from glassnet.layers.module import Layer, Parameter
from glassnet.tensor import Tensor

__all__ = ["BatchNormalization"]


def _real(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))


def _reduce_axes(ndim: int) -> tuple[int, ...]:
    """Every axis but the channel axis 1: (0,) for (N, C), (0, 2, 3) for (N, C, H, W)."""
    return (0, *range(2, ndim))


def _per_channel(values: np.ndarray, ndim: int) -> np.ndarray:
    """A (C,) array shaped to broadcast against the input: (1, C) or (1, C, 1, 1)."""
    return values.reshape((1, -1) + (1,) * (ndim - 2))


class _BatchNorm(Function):
    """y = gamma * x_hat + beta with x_hat = (x - mu) / sqrt(var + eps), per channel.

    One fused node with a hand-written backward instead of a chain of mean, sub, pow,
    sqrt, div, mul and add nodes: the graph gets one node instead of about ten, the
    intermediate arrays are not kept, and the gradient through the batch statistics
    takes the closed form below, which avoids differentiating sqrt near var = 0 and
    the cancellations of the composite. With m values per channel and
    delta = dE/dx_hat = gamma * dE/dy:

    .. math::

        \\frac{\\partial E}{\\partial x} = \\frac{1}{m \\sqrt{\\sigma^2 + \\epsilon}}
        \\Big(m\\,\\delta - \\sum \\delta - \\hat x \\sum \\delta \\hat x\\Big)

    In evaluation the statistics are the running estimates, constants, so the gradient is
    ``delta / sqrt(running_var + eps)``.
    """

    name = "batch_norm"

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, *,
                mean: np.ndarray, var: np.ndarray, eps: float, batch_stats: bool) -> np.ndarray:
        axes = _reduce_axes(x.ndim)
        ctx.batch_stats = batch_stats
        ctx.inv_std = _per_channel(1.0 / np.sqrt(var + eps), x.ndim).astype(x.dtype, copy=False)
        ctx.x_hat = (x - _per_channel(mean, x.ndim)) * ctx.inv_std
        ctx.gamma = _per_channel(gamma, x.ndim)
        ctx.axes = axes
        return ctx.x_hat * ctx.gamma + _per_channel(beta, x.ndim)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        axes, x_hat = ctx.axes, ctx.x_hat
        d_beta = grad.sum(axis=axes)
        d_gamma = (grad * x_hat).sum(axis=axes)
        if not ctx.needs_input_grad[0]:
            return None, d_gamma, d_beta
        delta = grad * ctx.gamma
        if not ctx.batch_stats:
            return delta * ctx.inv_std, d_gamma, d_beta
        m = grad.size // d_beta.size
        sum_delta = _per_channel(d_beta, grad.ndim) * ctx.gamma
        sum_delta_xhat = _per_channel(d_gamma, grad.ndim) * ctx.gamma
        d_x = (ctx.inv_std / m) * (m * delta - sum_delta - x_hat * sum_delta_xhat)
        return d_x, d_gamma, d_beta


class BatchNormalization(Layer):
    """Batch normalization over the channel axis 1 of (N, C), (N, C, L) or (N, C, H, W) inputs.

    In training, each channel is standardized with the mean and (biased) variance of the
    batch, over every axis but the channel axis, then scaled by ``gamma`` and shifted by
    ``beta``; the running estimates are updated. In evaluation (``model.eval()``,
    ``predict``, ``evaluate``), the running estimates are used instead.

    .. math::

        \\hat x = \\frac{x - \\mu_B}{\\sqrt{\\sigma_B^2 + \\epsilon}}, \\qquad
        y = \\gamma \\hat x + \\beta

        \\mu_{run} \\leftarrow (1 - m)\\,\\mu_{run} + m\\,\\mu_B, \\qquad
        \\sigma^2_{run} \\leftarrow (1 - m)\\,\\sigma^2_{run} + m\\,\\frac{n}{n - 1}\\sigma_B^2

    with m the ``momentum`` and n the number of values per channel in the batch (the
    running variance is the unbiased estimate).

    A training batch with one value per channel (one row of (N, C) inputs, the last batch
    of 41 samples in batches of 8) is normalized with its own statistics, as in Keras:
    mean x and variance 0, so x_hat = 0, the output is ``beta`` and no gradient reaches x
    or ``gamma``; it leaves the running estimates unchanged (the unbiased variance of one
    value is undefined). PyTorch raises an error for such a batch instead. This is PyTorch's convention
    (``torch.nn.BatchNorm1d``/``BatchNorm2d``); Keras's ``momentum`` is the weight of the
    old value, so Keras ``momentum=0.99`` is ``momentum=0.01`` here (keras = 1 - torch).

    Shape: input (N, C, ...) -> output of the same shape. ``gamma`` (ones) and ``beta``
    (zeros) are Parameters of shape (C,); ``running_mean`` (zeros) and ``running_var``
    (ones) are buffers of shape (C,), saved in ``state_dict`` and never trained.

    Parameters
    ----------
    momentum : float in [0, 1], default 0.1
        Weight of the current batch in the running estimates.
    epsilon : float > 0, default 1e-5
        Added to the variance before the square root.
    axis : {1, -1}, default 1
        The channel axis: 1 (channels first, as PyTorch). Keras's default -1 is accepted for
        (N, C) inputs, where it is the same axis, and in a channels-last model.
    name : str, optional
    input_shape : tuple of int, optional
        Keras's per-sample input shape of a first layer (see :class:`~glassnet.layers.Flatten`).

    Notes
    -----
    In a model with ``data_format="channels_last"``, images (N, H, W, C) are normalized per
    channel C, as Keras's ``axis=-1`` does (with either ``axis``): the layer takes the
    model's layout and computes on the channels-first transpose (see
    :mod:`glassnet.layers.layout`).

    References
    ----------
    Ioffe and Szegedy, "Batch Normalization: Accelerating Deep Network Training by
    Reducing Internal Covariate Shift", ICML 2015.

    Examples
    --------
    >>> bn = BatchNormalization()
    >>> y = bn(np.array([[1.0, 10.0], [3.0, 30.0]]))
    >>> y.numpy().round(3)
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    >>> bn.running_mean
    array([0.2, 2. ], dtype=float32)
    """

    static_in_evaluation = True
    channels_first_call = True
    #: Any (N, C, ...) data is normalized, so it is not the layer that checks the images' layout.
    checks_input_layout = False

    def __init__(self, momentum: float = 0.1, epsilon: float = 1e-5, name: str | None = None,
                 axis: int = 1, *, input_shape: tuple[int, ...] | None = None) -> None:
        super().__init__(name or "batch_normalization")
        declare_input(self, input_shape)
        if not _real(momentum) or not 0 <= momentum <= 1:
            raise ValueError(
                f"BatchNormalization: momentum must be a number in [0, 1] (PyTorch's convention, "
                f"weight of the new batch; Keras momentum k is 1 - k here), got {momentum!r}"
            )
        if momentum > 0.5:
            warnings.warn(
                f"BatchNormalization: momentum={momentum} is the weight of the NEW batch in the "
                f"running estimates (PyTorch's convention); Keras's momentum={momentum} is "
                f"momentum={1 - momentum:.4g} here",
                UserWarning, stacklevel=2,
            )
        if not _real(epsilon) or not epsilon > 0:
            raise ValueError(f"BatchNormalization: epsilon must be a positive number, got {epsilon!r}")
        if axis not in (1, -1) or isinstance(axis, bool):
            raise ValueError(
                f"BatchNormalization: axis must be 1, the channel axis of (N, C, ...) inputs "
                f"(channels first, as PyTorch; -1 is accepted for (N, C) inputs), got {axis!r}"
            )
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.axis = int(axis)
        layout.init_layout(self, None)
        self.gamma: Parameter | None = None
        self.beta: Parameter | None = None

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        if len(input_shape) not in (1, 2, 3):
            raise ValueError(
                f"BatchNormalization layer {self.name!r} expects inputs (N, C), (N, C, L) or "
                f"(N, C, H, W), got per-sample shape {input_shape}"
            )
        if self.axis == -1 and len(input_shape) != 1 and self.layout == layout.CHANNELS_FIRST:
            raise ValueError(
                f"BatchNormalization layer {self.name!r}: axis=-1 (channels last, Keras's default) "
                f"is only the channel axis for (N, C) inputs; these have per-sample shape "
                f"{tuple(input_shape)}, channels first, so use axis=1 (or build the model with "
                f"data_format='channels_last' for (N, H, W, C) images)"
            )
        channels = layout.to_channels_first(input_shape, self.layout)[0]
        self.gamma = Parameter(np.ones(channels, dtype=self.dtype), name="gamma")
        self.beta = Parameter(np.zeros(channels, dtype=self.dtype), name="beta")
        self.register_buffer("running_mean", np.zeros(channels, dtype=self.dtype))
        self.register_buffer("running_var", np.ones(channels, dtype=self.dtype))

    def forward(self, x: Any) -> Any:
        """The layer on ``x`` in its layout (see :func:`glassnet.layers.layout.forward_layer`)."""
        return layout.forward_layer(self, x)

    def call(self, x: Tensor) -> Tensor:
        """Normalization of channels-first ``x`` (channel axis 1)."""
        if not self.training:
            return _BatchNorm.apply(x, self.gamma, self.beta, mean=self.running_mean,
                                    var=self.running_var, eps=self.epsilon, batch_stats=False)
        axes = _reduce_axes(x.ndim)
        n = x.size // x.shape[1]
        mean, var = x.data.mean(axis=axes), x.data.var(axis=axes)
        if n > 1:
            self._update_running(mean, var * (n / (n - 1)))
        return _BatchNorm.apply(x, self.gamma, self.beta, mean=mean, var=var, eps=self.epsilon,
                                batch_stats=True)

    def weight_shapes(self, input_shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
        """gamma, beta and the running estimates: one value per channel."""
        if not input_shape:
            return {}
        channels = layout.to_channels_first(input_shape, self.layout)[0]
        return {name: (channels,) for name in ("gamma", "beta", "running_mean", "running_var")}

    def _update_running(self, mean: np.ndarray, unbiased_var: np.ndarray) -> None:
        """In place, so that views and ``load_state_dict`` keep pointing at the buffers."""
        m = self.momentum
        self.running_mean *= 1.0 - m
        self.running_mean += m * mean
        self.running_var *= 1.0 - m
        self.running_var += m * unbiased_var

    def get_config(self) -> dict[str, Any]:
        return {"momentum": self.momentum, "epsilon": self.epsilon, "axis": self.axis, "name": self.name,
                **input_config(self)}
