"""The op, activation and loss tables that drive the generic gradient tests, and their helper.

Each :class:`Spec` is one declarative entry: a glassnet function, the PyTorch function that
computes the same thing, the input shapes to try (broadcasting cases included) and the
domain the inputs are drawn from. :func:`helper_test_spec` checks one entry on one case:

- value and gradient against PyTorch in float64 (rtol 1e-6) and float32 (rtol 1e-4);
- gradient against central finite differences in float64 (rtol 1e-5);
- float32 in gives float32 out, and every node's backward returns its parent's dtype;
- every gradient has its input's shape (broadcasting undone).

The upstream gradient is random, so an error in any output's gradient shows (a plain
``sum`` would hide one in softmax, whose outputs always sum to 1).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as tnf

import glassnet as gn
from glassnet.losses import MAE, MSE, NLL, BinaryCrossEntropy, CrossEntropy, GaussianNLL, Huber, Pinball
from glassnet.ops.distance import cdist
from glassnet.ops.recurrent import GRUSequence, LSTMSequence, SimpleRNNSequence

F = gn.functional

Shapes = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Spec:
    """One table entry: ``fn(*tensors, *constants)`` and ``torch_fn`` on the same inputs."""

    name: str
    fn: Callable[..., Any]
    torch_fn: Callable[..., Any]
    cases: tuple[Shapes, ...]
    domain: str | tuple[str, ...] = "real"
    constants: Callable[[np.random.Generator, Shapes], tuple[np.ndarray, ...]] | None = None


def _distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.2 apart, so a maximum has no ties within a finite-difference step."""
    n = int(np.prod(shape))
    return ((rng.permutation(n) - n / 2) * 0.25 + rng.uniform(0, 0.05, n)).reshape(shape)


DOMAINS: dict[str, Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]] = {
    "real": lambda rng, shape: rng.uniform(-2.0, 2.0, shape),
    "positive": lambda rng, shape: rng.uniform(0.5, 2.0, shape),
    "nonzero": lambda rng, shape: rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape),
    "unit": lambda rng, shape: rng.uniform(0.05, 0.95, shape),
    "log_probability": lambda rng, shape: rng.uniform(-3.0, -0.05, shape),
    "distinct": _distinct,
}

UNARY: tuple[Shapes, ...] = (((3, 4),), ((),))
BINARY: tuple[Shapes, ...] = (((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3)))
CUBE: tuple[Shapes, ...] = (((2, 3, 4),),)


# ----------------------------------------------------------------- constants
def _condition(rng: np.random.Generator, shapes: Shapes) -> tuple[np.ndarray, ...]:
    return (rng.random(np.broadcast_shapes(*shapes)) > 0.5,)


def _mask(rng: np.random.Generator, shapes: Shapes) -> tuple[np.ndarray, ...]:
    return (rng.random(shapes[0]) > 0.4,)


def _real_target(rng: np.random.Generator, shapes: Shapes) -> tuple[np.ndarray, ...]:
    return (rng.uniform(-2.0, 2.0, shapes[0]),)


def _binary_target(rng: np.random.Generator, shapes: Shapes) -> tuple[np.ndarray, ...]:
    return (rng.integers(0, 2, shapes[0]).astype(np.float64),)


def _labels(rng: np.random.Generator, shapes: Shapes) -> tuple[np.ndarray, ...]:
    n, classes = shapes[0]
    return (rng.integers(0, classes, n),)


def _soft_target(rng: np.random.Generator, shapes: Shapes) -> tuple[np.ndarray, ...]:
    p = rng.uniform(0.1, 1.0, shapes[0])
    return (p / p.sum(axis=1, keepdims=True),)


def _narrow_target(blocks: int) -> Callable[..., tuple[np.ndarray, ...]]:
    """A real target (N, k) for a prediction (N, blocks * k): a Gaussian head's or a quantile head's."""
    def make(rng: np.random.Generator, shapes: Shapes) -> tuple[np.ndarray, ...]:
        n, width = shapes[0]
        return (rng.uniform(-2.0, 2.0, (n, width // blocks)),)

    return make


def _weighted(target: Callable[..., tuple[np.ndarray, ...]]) -> Callable[..., tuple[np.ndarray, ...]]:
    def make(rng: np.random.Generator, shapes: Shapes) -> tuple[np.ndarray, ...]:
        return target(rng, shapes) + (rng.uniform(0.2, 2.0, shapes[0][0]),)

    return make


# -------------------------------------------------------- torch references
def _per_sample(elements: torch.Tensor) -> torch.Tensor:
    """glassnet's reduction="none": one value per sample, the mean over its outputs."""
    return elements.reshape(elements.shape[0], -1).mean(dim=1)


def _weighted_mean(elements: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return (_per_sample(elements) * w).sum() / w.sum()


def _gaussian_nll_of_head(p: torch.Tensor, t: torch.Tensor, **options: Any) -> torch.Tensor:
    """PyTorch's Gaussian NLL of a GaussianHead output p = [mean, variance]."""
    k = p.shape[1] // 2
    return tnf.gaussian_nll_loss(p[:, :k], t, p[:, k:], **options)


def _pinball(p: torch.Tensor, t: torch.Tensor, quantiles: tuple[float, ...]) -> torch.Tensor:
    """The pinball loss of a QuantileHead output, elements (N, m k), written in PyTorch."""
    q = torch.tensor(quantiles, dtype=p.dtype).repeat_interleave(t.shape[1])
    u = t.repeat(1, len(quantiles)) - p
    return torch.maximum(q * u, (q - 1) * u)


def _step(x: torch.Tensor) -> torch.Tensor:
    """Heaviside step with its zero gradient (torch.heaviside has no autograd)."""
    return (x > 0).to(x.dtype) + 0 * x


def _torch_sequence(kind: str, reverse: bool = False) -> Callable[..., torch.Tensor]:
    """PyTorch's RNN/LSTM/GRU as glassnet's recurrent ops lay out their result: the outputs
    (N, T, H), then the final states, along the time axis; W and U as (inputs, units)."""
    fn, states = {"rnn": (torch.rnn_tanh, 1), "lstm": (torch.lstm, 2), "gru": (torch.gru, 1)}[kind]

    def run(x: torch.Tensor, *arrays: torch.Tensor) -> torch.Tensor:
        hx = [h[None] for h in arrays[:states]]
        W, U, b, b_U = arrays[states:]
        x = x.flip(1) if reverse else x
        y, *finals = fn(x, tuple(hx) if states == 2 else hx[0], [W.T, U.T, b, b_U], True, 1, 0.0, False,
                        False, True)
        y = y.flip(1) if reverse else y
        return torch.cat([y, *[f[0][:, None] for f in finals]], dim=1)

    return run


def _cropped_transpose(crop: tuple[int, int, int, int], **options: Any) -> Callable[..., torch.Tensor]:
    """PyTorch's conv_transpose2d, then Keras's asymmetric crop (top, bottom, left, right) of a
    "same" or "valid" output that PyTorch's symmetric padding cannot express."""
    top, bottom, left, right = crop

    def run(*t: torch.Tensor) -> torch.Tensor:
        y = tnf.conv_transpose2d(*t, **options)
        return y[:, :, top:y.shape[2] - bottom, left:y.shape[3] - right]

    return run


_TRANSPOSE: tuple[Shapes, ...] = (((2, 3, 4, 5), (3, 2, 3, 3), (2,)),)
_TRANSPOSE_NO_BIAS: tuple[Shapes, ...] = (((2, 3, 4, 5), (3, 2, 3, 2)),)
_IMAGES: tuple[Shapes, ...] = (((2, 3, 4, 5),), ((1, 1, 1, 3),))


def _sequence_shapes(gates: int, states: int) -> tuple[Shapes, ...]:
    """x (N, T, F), the initial states (N, H), W (F, G H), U (H, G H), b and b_U (G H,)."""
    return (((2, 3, 2), *[(2, 3)] * states, (2, 3 * gates), (3, 3 * gates), (3 * gates,), (3 * gates,)),)


# --------------------------------------------------------------- the tables
OPS: tuple[Spec, ...] = (
    Spec("add", lambda a, b: a + b, lambda a, b: a + b, BINARY),
    Spec("sub", lambda a, b: a - b, lambda a, b: a - b, BINARY),
    Spec("mul", lambda a, b: a * b, lambda a, b: a * b, BINARY),
    Spec("div", lambda a, b: a / b, lambda a, b: a / b, BINARY, ("real", "nonzero")),
    Spec("pow", lambda a, b: a**b, lambda a, b: a**b, BINARY, ("positive", "real")),
    Spec("pow_scalar", lambda a: a**3, lambda a: a**3, UNARY),
    Spec("rsub_scalar", lambda a: 1.5 - a, lambda a: 1.5 - a, UNARY),
    Spec("rdiv_scalar", lambda a: 2.0 / a, lambda a: 2.0 / a, UNARY, "nonzero"),
    Spec("rpow_scalar", lambda a: 2.0**a, lambda a: 2.0**a, UNARY),
    Spec("neg", lambda a: -a, lambda a: -a, UNARY),
    Spec("exp", lambda a: a.exp(), torch.exp, UNARY),
    Spec("log", F.log, torch.log, UNARY, "positive"),
    Spec("sqrt", lambda a: a.sqrt(), torch.sqrt, UNARY, "positive"),
    Spec("abs", F.abs, torch.abs, UNARY, "nonzero"),
    Spec("sin", F.sin, torch.sin, UNARY),
    Spec("cos", F.cos, torch.cos, UNARY),
    Spec("clip", lambda a: a.clip(-0.5, 0.5), lambda a: torch.clamp(a, -0.5, 0.5), UNARY),
    Spec("clip_low", lambda a: F.clip(a, low=0.0), lambda a: torch.clamp(a, min=0.0), UNARY),
    Spec("maximum", F.maximum, torch.maximum, BINARY),
    Spec("minimum", F.minimum, torch.minimum, BINARY),
    Spec("maximum_scalar", lambda a: F.maximum(a, 0.3), lambda a: torch.clamp(a, min=0.3), UNARY),
    Spec("where", lambda a, b, c: gn.where(c, a, b), lambda a, b, c: torch.where(c, a, b),
         (((3, 4), (3, 4)), ((3, 1), (4,))), constants=_condition),
    Spec("matmul", lambda a, b: a @ b, lambda a, b: a @ b,
         (((3, 4), (4, 2)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2)), ((4,), (4, 3)),
          ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4,)))),
    Spec("linear", F.linear, lambda a, W, b: a @ W + b, (((5, 3), (3, 2), (2,)), ((2, 5, 3), (3, 2), (2,)))),
    Spec("linear_one_feature_one_unit", F.linear, lambda a, W, b: a @ W + b,
         (((5, 1), (1, 4), (4,)), ((5, 3), (3, 1), (1,)), ((2, 5, 1), (1, 1), (1,)))),
    Spec("linear_no_bias", F.linear, lambda a, W: a @ W, (((5, 3), (3, 2)),)),
    Spec("cdist", cdist, torch.cdist, (((5, 3), (4, 3)), ((1, 2), (3, 2)))),
    Spec("sum", lambda a: a.sum(), torch.sum, CUBE),
    Spec("sum_axes", lambda a: F.sum(a, axis=(0, 2)), lambda a: a.sum(dim=(0, 2)), CUBE),
    Spec("sum_keepdims", lambda a: a.sum(axis=-1, keepdims=True), lambda a: a.sum(-1, keepdim=True), CUBE),
    Spec("mean", lambda a: a.mean(), torch.mean, CUBE),
    Spec("mean_axis_keepdims", lambda a: F.mean(a, axis=1, keepdims=True), lambda a: a.mean(1, keepdim=True),
         CUBE),
    Spec("max", lambda a: a.max(), torch.max, CUBE, "distinct"),
    Spec("max_axis", lambda a: a.max(axis=-1), lambda a: torch.amax(a, dim=-1), CUBE, "distinct"),
    Spec("max_axes_keepdims", lambda a: F.max(a, axis=(0, 1), keepdims=True),
         lambda a: torch.amax(a, dim=(0, 1), keepdim=True), CUBE, "distinct"),
    Spec("logsumexp", F.logsumexp, lambda a: torch.logsumexp(a, dim=(0, 1, 2)), CUBE),
    Spec("logsumexp_axis", lambda a: F.logsumexp(a, axis=1, keepdims=True),
         lambda a: torch.logsumexp(a, dim=1, keepdim=True), CUBE),
    Spec("reshape", lambda a: a.reshape(4, 3), lambda a: a.reshape(4, 3), (((3, 4),),)),
    Spec("reshape_infer", lambda a: F.reshape(a, (-1,)), lambda a: a.reshape(-1), CUBE),
    Spec("transpose", lambda a: a.transpose(1, 0, 2), lambda a: a.permute(1, 0, 2), CUBE),
    Spec("transpose_negative_axes", lambda a: F.transpose(a, (-1, 0, 1)), lambda a: a.permute(-1, 0, 1),
         CUBE),
    Spec("transpose_reverse", lambda a: a.transpose(), lambda a: a.permute(2, 1, 0), CUBE),
    Spec("T", lambda a: a.T, lambda a: a.T, (((3, 4),),)),
    Spec("getitem_slices", lambda a: a[1:, ::2], lambda a: a[1:, ::2], (((4, 5),),)),
    Spec("getitem_int", lambda a: a[2], lambda a: a[2], (((4, 5),),)),
    Spec("getitem_reversed", lambda a: a[::-1], lambda a: a.flip(0), (((4, 5),),)),
    Spec("getitem_newaxis_ellipsis", lambda a: a[None, ..., 1], lambda a: a[None, ..., 1], CUBE),
    Spec("getitem_repeated", lambda a: a[[0, 0, 3, 0]], lambda a: a[[0, 0, 3, 0]], (((4, 5),),)),
    Spec("getitem_repeated_pairs", lambda a: a[[0, 0, 3], [1, 1, 2]], lambda a: a[[0, 0, 3], [1, 1, 2]],
         (((4, 5),),)),
    Spec("getitem_mask", lambda a, m: a[m], lambda a, m: a[m], (((4, 5),),), constants=_mask),
    Spec("concatenate", lambda *xs: gn.concatenate(xs), lambda *xs: torch.cat(xs),
         (((2, 3), (1, 3), (4, 3)),)),
    Spec("concatenate_last", lambda *xs: F.concatenate(xs, axis=-1), lambda *xs: torch.cat(xs, dim=-1),
         (((2, 1), (2, 3)),)),
    Spec("stack", lambda *xs: gn.stack(xs), lambda *xs: torch.stack(xs), (((2, 3), (2, 3), (2, 3)),)),
    Spec("stack_last", lambda *xs: F.stack(xs, axis=-1), lambda *xs: torch.stack(xs, dim=-1),
         (((2, 3), (2, 3)),)),
    Spec("pad", lambda a: F.pad(a, ((1, 2), (0, 1))), lambda a: tnf.pad(a, (0, 1, 1, 2)), (((2, 3),),)),
    Spec("pad_every_axis", lambda a: F.pad(a, ((1, 2),)), lambda a: tnf.pad(a, (1, 2, 1, 2)), (((2, 3),),)),
    Spec("broadcast_to", lambda a: F.broadcast_to(a, (2, 3, 4)), lambda a: torch.broadcast_to(a, (2, 3, 4)),
         (((3, 1),), ((4,),))),
    Spec("cast", lambda a: a.astype(np.float64).astype(a.dtype), lambda a: a.double().to(a.dtype), UNARY),
    Spec("simple_rnn_sequence", SimpleRNNSequence.apply, _torch_sequence("rnn"), _sequence_shapes(1, 1)),
    Spec("lstm_sequence", LSTMSequence.apply, _torch_sequence("lstm"), _sequence_shapes(4, 2)),
    Spec("lstm_sequence_reverse", lambda *a: LSTMSequence.apply(*a, reverse=True),
         _torch_sequence("lstm", reverse=True), _sequence_shapes(4, 2)),
    Spec("gru_sequence", GRUSequence.apply, _torch_sequence("gru"), _sequence_shapes(3, 1)),
    Spec("conv_transpose2d", F.conv_transpose2d, tnf.conv_transpose2d, _TRANSPOSE + _TRANSPOSE_NO_BIAS),
    Spec("conv_transpose2d_strided", lambda *t: F.conv_transpose2d(*t, stride=2, padding=1, output_padding=1),
         lambda *t: tnf.conv_transpose2d(*t, stride=2, padding=1, output_padding=1), _TRANSPOSE),
    Spec("conv_transpose2d_dilated",
         lambda *t: F.conv_transpose2d(*t, stride=(1, 2), padding=(2, 0), dilation=2),
         lambda *t: tnf.conv_transpose2d(*t, stride=(1, 2), padding=(2, 0), dilation=2), _TRANSPOSE),
    Spec("conv_transpose2d_same_stride2", lambda *t: F.conv_transpose2d(*t, stride=2, padding="same"),
         _cropped_transpose((0, 1, 0, 1), stride=2), _TRANSPOSE),
    Spec("conv_transpose2d_valid_kernel_below_stride",
         lambda *t: F.conv_transpose2d(*t, stride=3, padding="valid"),
         lambda *t: tnf.conv_transpose2d(*t, stride=3, output_padding=(0, 1)), _TRANSPOSE_NO_BIAS),
    Spec("upsample2d_nearest", lambda a: F.upsample2d(a, (2, 3)),
         lambda a: tnf.interpolate(a, scale_factor=(2, 3), mode="nearest"), _IMAGES),
    Spec("upsample2d_bilinear", lambda a: F.upsample2d(a, (3, 2), "bilinear"),
         lambda a: tnf.interpolate(a, scale_factor=(3, 2), mode="bilinear", align_corners=False), _IMAGES),
)

ACTIVATIONS: tuple[Spec, ...] = (
    Spec("identity", F.identity, lambda z: z, UNARY),
    Spec("binary_step", F.binary_step, _step, UNARY, "nonzero"),
    Spec("sigmoid", F.sigmoid, torch.sigmoid, UNARY),
    Spec("tanh", F.tanh, torch.tanh, UNARY),
    Spec("relu", F.relu, torch.relu, UNARY, "nonzero"),
    Spec("leaky_relu", F.leaky_relu, tnf.leaky_relu, UNARY, "nonzero"),
    Spec("leaky_relu_slope", lambda z: F.leaky_relu(z, slope=0.2), lambda z: tnf.leaky_relu(z, 0.2), UNARY,
         "nonzero"),
    Spec("elu", F.elu, tnf.elu, UNARY, "nonzero"),
    Spec("elu_alpha", lambda z: F.elu(z, alpha=0.5), lambda z: tnf.elu(z, alpha=0.5), UNARY, "nonzero"),
    Spec("selu", F.selu, tnf.selu, UNARY, "nonzero"),
    Spec("gelu", F.gelu, tnf.gelu, UNARY),
    Spec("gelu_tanh", lambda z: F.gelu(z, approximate="tanh"), lambda z: tnf.gelu(z, approximate="tanh"),
         UNARY),
    Spec("softplus", F.softplus, tnf.softplus, UNARY),
    Spec("softmax", F.softmax, lambda z: torch.softmax(z, dim=-1), (((3, 4),), ((5,),))),
    Spec("softmax_axis0", lambda z: F.softmax(z, axis=0), lambda z: torch.softmax(z, dim=0), CUBE),
    Spec("log_softmax", F.log_softmax, lambda z: torch.log_softmax(z, dim=-1), (((3, 4),), ((5,),))),
    Spec("log_softmax_axis1", lambda z: F.log_softmax(z, axis=1), lambda z: torch.log_softmax(z, dim=1),
         CUBE),
    Spec("gaussian", F.gaussian, lambda z: torch.exp(-z * z), UNARY),
    Spec("multiquadric", F.multiquadric, lambda z: torch.sqrt(1 + z * z), UNARY),
    Spec("inverse_multiquadric", F.inverse_multiquadric, lambda z: 1 / torch.sqrt(1 + z * z), UNARY),
)

_MATRIX: tuple[Shapes, ...] = (((4, 3),),)
_VECTOR_AND_MATRIX: tuple[Shapes, ...] = (((6,),), ((4, 3),))

LOSSES: tuple[Spec, ...] = (
    Spec("mse", lambda p, t: MSE()(p, t), tnf.mse_loss, _VECTOR_AND_MATRIX, constants=_real_target),
    Spec("mse_sum_half", lambda p, t: MSE(reduction="sum", scale=0.5)(p, t),
         lambda p, t: 0.5 * tnf.mse_loss(p, t, reduction="sum"), _MATRIX, constants=_real_target),
    Spec("mse_none", lambda p, t: MSE(reduction="none")(p, t),
         lambda p, t: _per_sample(tnf.mse_loss(p, t, reduction="none")), _VECTOR_AND_MATRIX,
         constants=_real_target),
    Spec("mse_weighted", lambda p, t, w: MSE()(p, t, sample_weight=w),
         lambda p, t, w: _weighted_mean(tnf.mse_loss(p, t, reduction="none"), w), _MATRIX,
         constants=_weighted(_real_target)),
    Spec("mae", lambda p, t: MAE()(p, t), tnf.l1_loss, _VECTOR_AND_MATRIX, constants=_real_target),
    Spec("mae_sum", lambda p, t: MAE(reduction="sum")(p, t),
         lambda p, t: tnf.l1_loss(p, t, reduction="sum"), _MATRIX, constants=_real_target),
    Spec("huber", lambda p, t: Huber(delta=0.5)(p, t), lambda p, t: tnf.huber_loss(p, t, delta=0.5),
         _VECTOR_AND_MATRIX, constants=_real_target),
    Spec("huber_none_weighted", lambda p, t, w: Huber(reduction="none")(p, t, sample_weight=w),
         lambda p, t, w: _per_sample(tnf.huber_loss(p, t, reduction="none")) * w, _MATRIX,
         constants=_weighted(_real_target)),
    Spec("bce", lambda p, t: BinaryCrossEntropy()(p, t), tnf.binary_cross_entropy, _VECTOR_AND_MATRIX,
         "unit", _binary_target),
    Spec("bce_sum_soft_target", lambda p, t: BinaryCrossEntropy(reduction="sum")(p, t),
         lambda p, t: tnf.binary_cross_entropy(p, t, reduction="sum"), _MATRIX, "unit", _soft_target),
    Spec("bce_logits", lambda z, t: BinaryCrossEntropy(from_logits=True)(z, t),
         tnf.binary_cross_entropy_with_logits, _VECTOR_AND_MATRIX, constants=_binary_target),
    Spec("bce_logits_weighted", lambda z, t, w: BinaryCrossEntropy(from_logits=True)(z, t, sample_weight=w),
         lambda z, t, w: _weighted_mean(tnf.binary_cross_entropy_with_logits(z, t, reduction="none"), w),
         _MATRIX, constants=_weighted(_binary_target)),
    Spec("cross_entropy", lambda z, y: CrossEntropy()(z, y), tnf.cross_entropy, _MATRIX, constants=_labels),
    Spec("cross_entropy_sum", lambda z, y: CrossEntropy(reduction="sum")(z, y),
         lambda z, y: tnf.cross_entropy(z, y, reduction="sum"), _MATRIX, constants=_labels),
    Spec("cross_entropy_none", lambda z, y: CrossEntropy(reduction="none")(z, y),
         lambda z, y: tnf.cross_entropy(z, y, reduction="none"), _MATRIX, constants=_labels),
    Spec("cross_entropy_soft_target", lambda z, t: CrossEntropy()(z, t), tnf.cross_entropy, _MATRIX,
         constants=_soft_target),
    Spec("cross_entropy_weighted", lambda z, y, w: CrossEntropy()(z, y, sample_weight=w),
         lambda z, y, w: (tnf.cross_entropy(z, y, reduction="none") * w).sum() / w.sum(), _MATRIX,
         constants=_weighted(_labels)),
    Spec("cross_entropy_probabilities", lambda p, y: CrossEntropy(from_logits=False)(p, y),
         lambda p, y: tnf.nll_loss(torch.log(p), y), _MATRIX, "unit", _labels),
    Spec("cross_entropy_probabilities_soft", lambda p, t: CrossEntropy(from_logits=False)(p, t),
         lambda p, t: -(t * torch.log(p)).sum(dim=1).mean(), _MATRIX, "unit", _soft_target),
    Spec("nll", lambda x, y: NLL()(x, y), tnf.nll_loss, _MATRIX, "log_probability", _labels),
    Spec("gaussian_nll", lambda m, v, t: F.gaussian_nll(m, t, v),
         lambda m, v, t: tnf.gaussian_nll_loss(m, t, v),
         (((4, 3), (4, 3)), ((6,), (6,))), ("real", "positive"), _real_target),
    Spec("gaussian_nll_full_sum", lambda m, v, t: F.gaussian_nll(m, t, v, full=True, reduction="sum"),
         lambda m, v, t: tnf.gaussian_nll_loss(m, t, v, full=True, reduction="sum"), (((4, 3), (4, 3)),),
         ("real", "positive"), _real_target),
    Spec("gaussian_nll_shared_variance", lambda m, v, t: F.gaussian_nll(m, t, v),
         lambda m, v, t: tnf.gaussian_nll_loss(m, t, v), (((4, 3), (4,)), ((4, 3), (4, 1))),
         ("real", "positive"), _real_target),
    Spec("gaussian_nll_head", lambda p, t: GaussianNLL()(p, t), _gaussian_nll_of_head, (((4, 6),), ((5, 2),)),
         "positive", _narrow_target(2)),
    Spec("gaussian_nll_head_none_weighted",
         lambda p, t, w: GaussianNLL(reduction="none")(p, t, sample_weight=w),
         lambda p, t, w: _per_sample(_gaussian_nll_of_head(p, t, reduction="none")) * w, (((4, 6),),),
         "positive", _weighted(_narrow_target(2))),
    Spec("pinball", lambda p, t: Pinball()(p, t), lambda p, t: _pinball(p, t, (0.05, 0.5, 0.95)).mean(),
         (((4, 6),), ((5, 3),)), constants=_narrow_target(3)),
    Spec("pinball_sum", lambda p, t: Pinball((0.1, 0.9), reduction="sum")(p, t),
         lambda p, t: _pinball(p, t, (0.1, 0.9)).sum(), (((4, 2),),), constants=_narrow_target(2)),
    Spec("pinball_none_weighted", lambda p, t, w: Pinball((0.25,), reduction="none")(p, t, sample_weight=w),
         lambda p, t, w: _per_sample(_pinball(p, t, (0.25,))) * w, (((4, 3),),),
         constants=_weighted(_narrow_target(1))),
    Spec("nll_none_soft_target", lambda x, t: NLL(reduction="none")(x, t),
         lambda x, t: -(t * x).sum(dim=1), _MATRIX, "log_probability", _soft_target),
)


# ----------------------------------------------------------------- helpers
def spec_cases(specs: tuple[Spec, ...]) -> list[Any]:
    """pytest parameters: one per (entry, case), with readable ids."""
    return [pytest.param(s, shapes, id=f"{s.name}-{i}") for s in specs for i, shapes in enumerate(s.cases)]


def _domains(spec: Spec, n: int) -> tuple[str, ...]:
    return (spec.domain,) * n if isinstance(spec.domain, str) else spec.domain


def _cast(array: np.ndarray, dtype: type) -> np.ndarray:
    return array.astype(dtype) if array.dtype.kind == "f" else array


def sample(spec: Spec, shapes: Shapes) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """float64 inputs drawn from the entry's domain, and its constants; seeded by name and shapes."""
    rng = np.random.default_rng(zlib.crc32(f"{spec.name}{shapes}".encode()))
    domains = _domains(spec, len(shapes))
    arrays = [np.asarray(DOMAINS[d](rng, s), dtype=np.float64) for d, s in zip(domains, shapes, strict=True)]
    constants = list(spec.constants(rng, shapes)) if spec.constants else []
    return arrays, constants


def upstream_for(out: gn.Tensor) -> np.ndarray:
    """A fixed random dE/d(out): the same values for every dtype."""
    return np.asarray(np.random.default_rng(0).standard_normal(out.shape), dtype=out.dtype)


def run_glassnet(spec: Spec, arrays: list[np.ndarray], constants: list[np.ndarray]) -> tuple[gn.Tensor, list]:
    """Forward, then backward with a random upstream gradient (the same for every dtype)."""
    leaves = [gn.tensor(a.copy(), requires_grad=True, dtype=a.dtype) for a in arrays]
    out = spec.fn(*leaves, *constants)
    out.backward(upstream_for(out))
    return out, [leaf.grad if leaf.grad is not None else np.zeros_like(leaf.data) for leaf in leaves]


def run_torch(spec: Spec, arrays: list[np.ndarray], constants: list[np.ndarray],
              upstream: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = spec.torch_fn(*leaves, *[torch.from_numpy(np.ascontiguousarray(c)) for c in constants])
    (out * torch.from_numpy(upstream)).sum().backward()
    grads = [t.grad.numpy() if t.grad is not None else np.zeros_like(a)
             for t, a in zip(leaves, arrays, strict=True)]
    return out.detach().numpy(), grads


def finite_differences(spec: Spec, arrays: list[np.ndarray], constants: list[np.ndarray],
                       upstream: np.ndarray, h: float = 1e-6) -> list[np.ndarray]:
    """Central differences of sum(fn(x) * upstream) for every input element, in float64."""

    def objective() -> float:
        with gn.no_grad():
            out = spec.fn(*[gn.tensor(a, dtype=np.float64) for a in arrays], *constants)
        return float(np.sum(out.data * upstream))

    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for index in np.ndindex(a.shape):
            original = a[index]
            a[index] = original + h
            plus = objective()
            a[index] = original - h
            minus = objective()
            a[index] = original
            g[index] = (plus - minus) / (2 * h)
        grads.append(g)
    return grads


def assert_backward_keeps_dtypes(out: gn.Tensor) -> None:
    """Every node's backward returns, for each parent, a gradient of that parent's dtype."""
    for node in out._topological_order():
        ctx = node._ctx
        if ctx is None:
            continue
        grads = type(ctx).backward(ctx, np.ones(node.shape, dtype=node.dtype))
        for parent, grad in zip(ctx.parents, grads, strict=True):
            if grad is not None:
                assert grad.dtype == parent.dtype, f"{node.op} backward: {grad.dtype} for {parent.dtype}"


TOLERANCES = {np.float64: (1e-6, 1e-9), np.float32: (1e-4, 1e-5)}


def helper_test_spec(spec: Spec, shapes: Shapes) -> None:
    """Check one entry on one case against PyTorch, finite differences and the dtype rules."""
    arrays64, constants64 = sample(spec, shapes)
    for dtype, (rtol, atol) in TOLERANCES.items():
        arrays = [a.astype(dtype) for a in arrays64]
        constants = [_cast(c, dtype) for c in constants64]
        out, grads = run_glassnet(spec, arrays, constants)
        upstream = upstream_for(out)
        expected, expected_grads = run_torch(spec, arrays, constants, upstream)
        label = f"{spec.name} {shapes} {dtype.__name__}"
        assert out.dtype == dtype, f"{label}: output dtype {out.dtype}"
        np.testing.assert_allclose(out.data, expected, rtol=rtol, atol=atol, err_msg=f"{label}: value")
        for i, (grad, expected_grad) in enumerate(zip(grads, expected_grads, strict=True)):
            assert grad.shape == arrays[i].shape, f"{label}: gradient {i} has shape {grad.shape}"
            assert grad.dtype == dtype, f"{label}: gradient {i} has dtype {grad.dtype}"
            np.testing.assert_allclose(grad, expected_grad, rtol=rtol, atol=atol,
                                       err_msg=f"{label}: gradient {i} vs torch")
        if dtype is np.float32:
            assert_backward_keeps_dtypes(out)
        else:
            numeric = finite_differences(spec, [a.copy() for a in arrays], constants, upstream)
            for i, (grad, fd) in enumerate(zip(grads, numeric, strict=True)):
                np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-7,
                                           err_msg=f"{label}: gradient {i} vs finite differences")


def node_types(specs: tuple[Spec, ...]) -> set[type]:
    """The Function classes that appear in the graphs the entries build (first case each)."""
    found: set[type] = set()
    for spec in specs:
        arrays, constants = sample(spec, spec.cases[0])
        out, _ = run_glassnet(spec, arrays, constants)
        found.update(type(node._ctx) for node in out._topological_order() if node._ctx is not None)
    return found
