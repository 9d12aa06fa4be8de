"""Operations, activations and losses as plain functions on Tensors (``gn.functional`` / ``F``).

Examples
--------
>>> import glassnet as gn
>>> F = gn.functional
>>> z = gn.tensor([[-1.0, 0.0, 2.0]])
>>> F.relu(z).numpy()
array([[0., 0., 2.]], dtype=float32)
"""

from __future__ import annotations

from glassnet.activations import (
    binary_step,
    elu,
    gaussian,
    gelu,
    identity,
    inverse_multiquadric,
    leaky_relu,
    log_softmax,
    multiquadric,
    relu,
    selu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from glassnet.functional.losses import (
    binary_cross_entropy,
    cross_entropy,
    gaussian_nll,
    huber_loss,
    mae_loss,
    mse_loss,
    nll_loss,
    pinball_loss,
)
from glassnet.functional.math import (
    abs,
    clip,
    cos,
    exp,
    log,
    logsumexp,
    max,
    maximum,
    mean,
    minimum,
    sin,
    sqrt,
    sum,
    where,
)
from glassnet.functional.shape import (
    broadcast_to,
    cat,
    concatenate,
    linear,
    matmul,
    pad,
    reshape,
    stack,
    transpose,
)
from glassnet.ops.conv import conv1d, conv2d
from glassnet.ops.conv_transpose import conv_transpose2d
from glassnet.ops.pool import avg_pool2d, global_avg_pool2d, max_pool1d, max_pool2d
from glassnet.ops.resize import upsample2d

__all__ = [
    "identity", "binary_step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu",
    "softplus", "softmax", "log_softmax", "gaussian", "multiquadric", "inverse_multiquadric",
    "exp", "log", "sqrt", "abs", "sin", "cos", "clip", "maximum", "minimum", "where", "sum", "mean", "max",
    "logsumexp", "reshape", "transpose", "concatenate", "cat", "stack", "pad", "broadcast_to",
    "matmul", "linear",
    "mse_loss", "mae_loss", "huber_loss", "binary_cross_entropy", "cross_entropy", "nll_loss",
    "gaussian_nll", "pinball_loss",
    "conv2d", "conv1d", "conv_transpose2d", "upsample2d",
    "max_pool2d", "avg_pool2d", "max_pool1d", "global_avg_pool2d",
]
