"""Loss functions E(y_hat, y): MSE, MAE, Huber, binary and categorical cross-entropy, NLL.

Every loss is called ``loss(y_pred, y_true, sample_weight=None)`` (PyTorch's order) and
returns a Tensor: a scalar for ``reduction="mean"`` or ``"sum"``, one value per sample
for ``"none"``. Each is one fused node whose backward is written next to its forward.

Reductions. With per-element losses l_ij (sample i, output j):

- ``"mean"``: the mean over all elements, (1/(n k)) sum_ij l_ij;
- ``"sum"``: the sum over all elements, sum_ij l_ij (so the textbook
  E = 1/2 sum (y_hat - y)^2 is ``MSE(reduction="sum", scale=0.5)``);
- ``"none"``: per sample, the mean over that sample's outputs.

With ``sample_weight`` w_i, "mean" is the weighted mean sum_i w_i l_i / sum_i w_i
(as scikit-learn's metrics) and "sum" is sum_i w_i l_i.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._registry import Registry
from glassnet.activations import _sigmoid
from glassnet.errors import NonFiniteError
from glassnet.function import Function
from glassnet.tensor import Tensor

__all__ = [
    "Loss", "MSE", "MAE", "Huber", "BinaryCrossEntropy", "CrossEntropy", "NLL", "get", "names",
]

LOSSES = Registry("loss")
REDUCTIONS = ("mean", "sum", "none")


def _check_finite(name: str, array: np.ndarray) -> None:
    if not np.isfinite(array).all():
        bad = np.size(array) - int(np.isfinite(array).sum())
        raise NonFiniteError(
            f"{name}: the prediction holds {bad} NaN or inf value(s) of {np.size(array)}; the "
            "model diverged or its input is not finite (lower the learning rate, scale the "
            "inputs, or check the data for NaN)"
        )


def _as_target(name: str, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
    target = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true, dtype=y_pred.dtype)
    if not np.isfinite(target).all():
        raise NonFiniteError(f"{name}: the target holds NaN or inf; clean or impute it first")
    if target.shape != y_pred.shape:
        if target.size == y_pred.size and target.shape[:1] == y_pred.shape[:1]:
            target = target.reshape(y_pred.shape)
        else:
            raise ValueError(
                f"{name}: prediction of shape {y_pred.shape} and target of shape {target.shape} "
                "do not match (they need the same number of samples and outputs)"
            )
    return target


def _weights(sample_weight: Any, n: int, dtype: np.dtype) -> np.ndarray | None:
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=dtype).reshape(-1)
    if w.shape[0] != n:
        raise ValueError(f"sample_weight has {w.shape[0]} values for {n} samples")
    if (w < 0).any() or not np.isfinite(w).all():
        raise ValueError("sample_weight must hold finite, non-negative numbers")
    return w


class _Reduce(Function):
    """Shared reduction of per-element losses and the matching scale of the gradient.

    ``forward`` sets ``ctx.coef``: the per-element factor dE/dl_ij (ones-shaped weights
    divided by the normaliser), and ``ctx.none`` for per-sample output.
    """

    @staticmethod
    def reduce(ctx: Any, elements: np.ndarray, weights: np.ndarray | None, reduction: str) -> np.ndarray:
        n = elements.shape[0] if elements.ndim else 1
        k = elements.size // n if n else 1
        ctx.reduction = reduction
        if weights is None:
            if reduction == "none":
                ctx.coef = 1.0 / k
                return elements.reshape(n, -1).mean(axis=1)
            if elements.size == 0:
                raise ValueError("the loss is undefined for zero samples")
            ctx.coef = 1.0 if reduction == "sum" else 1.0 / elements.size
            return np.asarray(elements.sum() * ctx.coef, dtype=elements.dtype)
        w = weights.reshape((n,) + (1,) * (elements.ndim - 1))
        per_sample = elements.reshape(n, -1).sum(axis=1)
        if reduction == "none":
            ctx.coef = w / k
            return per_sample * weights / k
        if reduction == "sum":
            ctx.coef = w
            return np.asarray((per_sample * weights).sum(), dtype=elements.dtype)
        denominator = k * weights.sum()
        if denominator == 0:
            raise ValueError("the loss is undefined: no samples, or all sample weights are zero")
        ctx.coef = w / denominator
        return np.asarray((per_sample * weights).sum() / denominator, dtype=elements.dtype)

    @staticmethod
    def upstream(ctx: Any, grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """dE/dl_ij for every element, from the upstream gradient of the reduced loss."""
        if ctx.reduction == "none":
            g = grad.reshape((shape[0],) + (1,) * (len(shape) - 1)) if shape else grad
            return g * ctx.coef
        return grad * ctx.coef


class Loss:
    """Base of the losses: validates ``reduction`` and the inputs, then applies the fused node."""

    function: type[Function]

    def __init__(self, reduction: str = "mean") -> None:
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    @property
    def name(self) -> str:
        return self.function.name

    def __call__(self, y_pred: Tensor, y_true: Any, sample_weight: Any = None) -> Tensor:
        if not isinstance(y_pred, Tensor):
            y_pred = Tensor(y_pred)
        _check_finite(self.name, y_pred.data)
        target = self._target(y_pred.data, y_true)
        weights = _weights(sample_weight, y_pred.shape[0] if y_pred.ndim else 1, y_pred.dtype)
        with np.errstate(over="ignore"):  # a loss too large for the dtype is inf, not a warning
            return self.apply_prepared(y_pred, target, weights)

    def prepare_target(self, y_true: Any, output_shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """Validate and convert targets once for predictions of ``output_shape`` (the training
        loop does this for the whole data set, then calls :meth:`apply_prepared` per batch)."""
        return self._target(np.empty(output_shape, dtype=dtype), y_true)

    def apply_prepared(self, y_pred: Tensor, target: np.ndarray, weights: np.ndarray | None = None) -> Tensor:
        """The loss node for a target from :meth:`prepare_target`, without per-call checks.

        A non-finite prediction gives a non-finite loss, which the training loop detects.
        """
        return self.function.apply(y_pred, target=target, weights=weights, reduction=self.reduction,
                                   **self._options())

    def _target(self, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
        return _as_target(self.name, y_pred, y_true)

    def _options(self) -> dict[str, Any]:
        return {}

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, for saving and :func:`get`."""
        return {"reduction": self.reduction}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class _MSE(_Reduce):
    name = "mse"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str,
                scale: float) -> np.ndarray:
        ctx.diff, ctx.scale = y_pred - target, scale
        return scale * _Reduce.reduce(ctx, ctx.diff * ctx.diff, weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return ((2 * ctx.scale) * _Reduce.upstream(ctx, grad, ctx.diff.shape) * ctx.diff,)


@LOSSES.register("mse", "mean_squared_error")
class MSE(Loss):
    """Squared error: l = scale (y_hat - y)^2;  dl/dy_hat = 2 scale (y_hat - y).

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
    scale : float, default 1.0
        ``MSE(reduction="sum", scale=0.5)`` is the lectures' E = 1/2 sum (y_hat - y)^2,
        whose gradient is simply y_hat - y.
    """

    function = _MSE

    def __init__(self, reduction: str = "mean", scale: float = 1.0) -> None:
        super().__init__(reduction)
        self.scale = float(scale)

    def _options(self) -> dict[str, Any]:
        return {"scale": self.scale}

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "scale": self.scale}


class _MAE(_Reduce):
    name = "mae"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str) -> np.ndarray:
        diff = y_pred - target
        ctx.sign, ctx.shape = np.sign(diff), diff.shape
        return _Reduce.reduce(ctx, np.abs(diff), weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (_Reduce.upstream(ctx, grad, ctx.shape) * ctx.sign,)


@LOSSES.register("mae", "mean_absolute_error")
class MAE(Loss):
    """Absolute error: l = |y_hat - y|;  dl/dy_hat = sign(y_hat - y) (0 at equality)."""

    function = _MAE


class _Huber(_Reduce):
    name = "huber"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str,
                delta: float) -> np.ndarray:
        diff = y_pred - target
        small = np.abs(diff) <= delta
        ctx.slope = np.where(small, diff, delta * np.sign(diff))
        elements = np.where(small, 0.5 * diff * diff, delta * (np.abs(diff) - 0.5 * delta))
        ctx.shape = diff.shape
        return _Reduce.reduce(ctx, elements, weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (_Reduce.upstream(ctx, grad, ctx.shape) * ctx.slope,)


@LOSSES.register("huber")
class Huber(Loss):
    """Huber loss, quadratic near zero and linear in the tails (d = y_hat - y):

    l = d^2 / 2 if |d| <= delta else delta (|d| - delta / 2);
    dl/dy_hat = d if |d| <= delta else delta sign(d). Equals PyTorch's ``HuberLoss``.
    """

    function = _Huber

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"Huber: delta must be > 0, got {delta!r}")
        self.delta = float(delta)

    def _options(self) -> dict[str, Any]:
        return {"delta": self.delta}

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "delta": self.delta}


class _BinaryCrossEntropy(_Reduce):
    name = "binary_cross_entropy"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str,
                from_logits: bool, eps: float) -> np.ndarray:
        ctx.target, ctx.from_logits, ctx.shape = target, from_logits, y_pred.shape
        if from_logits:
            z = y_pred
            ctx.p = _sigmoid(z)
            elements = np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z)))
        else:
            ctx.p = np.clip(y_pred, eps, 1 - eps)
            ctx.inside = (y_pred >= eps) & (y_pred <= 1 - eps)
            elements = -(target * np.log(ctx.p) + (1 - target) * np.log1p(-ctx.p))
        return _Reduce.reduce(ctx, elements, weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        up = _Reduce.upstream(ctx, grad, ctx.shape)
        if ctx.from_logits:
            return (up * (ctx.p - ctx.target),)
        p = ctx.p
        return (up * ctx.inside * (p - ctx.target) / (p * (1 - p)),)


@LOSSES.register("binary_cross_entropy", "bce", "binary_crossentropy")
class BinaryCrossEntropy(Loss):
    """Binary cross-entropy: l = -[y ln p + (1 - y) ln(1 - p)];  dl/dp = (p - y) / (p (1 - p)).

    Parameters
    ----------
    from_logits : bool, default False
        If True, ``y_pred`` holds logits z and p = sigmoid(z) is fused into the loss:
        l = max(z, 0) - z y + ln(1 + e^{-|z|}), dl/dz = sigmoid(z) - y (stable for any z).
    eps : float, default 1e-7
        Probabilities are clipped to [eps, 1 - eps] so that ln never sees 0.
    """

    function = _BinaryCrossEntropy

    def __init__(self, reduction: str = "mean", from_logits: bool = False, eps: float = 1e-7) -> None:
        super().__init__(reduction)
        self.from_logits, self.eps = bool(from_logits), float(eps)

    def _target(self, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
        target = _as_target(self.name, y_pred, y_true)
        if ((target < 0) | (target > 1)).any():
            raise ValueError(f"{self.name}: targets must lie in [0, 1] (class labels 0 and 1)")
        return target

    def _options(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits, "eps": self.eps}

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "from_logits": self.from_logits, "eps": self.eps}


def _class_targets(name: str, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
    """Integer labels (N,) checked against the number of classes, or a (N, C) distribution."""
    raw = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    if y_pred.ndim != 2:
        raise ValueError(f"{name}: the prediction must be 2-D (samples, classes), got shape {y_pred.shape}")
    n, classes = y_pred.shape
    if raw.ndim == 2 and raw.shape[1] == 1 and classes > 1:
        raw = raw.reshape(-1)
    if raw.ndim == 1:
        if raw.shape[0] != n:
            raise ValueError(f"{name}: {raw.shape[0]} labels for {n} predictions")
        if raw.dtype.kind == "f":
            if not np.isfinite(raw).all() or (raw != np.round(raw)).any():
                raise ValueError(f"{name}: class labels must be whole numbers in [0, {classes})")
        elif raw.dtype.kind not in "iub":
            raise ValueError(f"{name}: class labels must be integers, got dtype {raw.dtype}")
        labels = raw.astype(np.intp)
        if n and (labels.min() < 0 or labels.max() >= classes):
            bad = labels[(labels < 0) | (labels >= classes)]
            raise ValueError(
                f"{name}: class labels must lie in [0, {classes}) for a prediction with {classes} "
                f"outputs; found {np.unique(bad)[:10].tolist()}. Encode labels as 0..C-1 "
                "(sklearn.preprocessing.LabelEncoder) or widen the output layer"
            )
        return labels
    if raw.shape != y_pred.shape:
        raise ValueError(
            f"{name}: target of shape {raw.shape} does not match prediction {y_pred.shape}; give "
            "integer labels (N,) or one-hot / probability rows (N, C)"
        )
    target = raw.astype(y_pred.dtype)
    if not np.isfinite(target).all():
        raise NonFiniteError(f"{name}: the target holds NaN or inf")
    return target


class _CrossEntropy(_Reduce):
    name = "cross_entropy"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str,
                from_logits: bool, eps: float) -> np.ndarray:
        n = y_pred.shape[0]
        if from_logits:
            shifted = y_pred - y_pred.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            s = e.sum(axis=1, keepdims=True)
            log_p = shifted - np.log(s)
            ctx.p = e / s
        else:
            ctx.clipped = np.clip(y_pred, eps, None)
            log_p = np.log(ctx.clipped)
        ctx.target, ctx.from_logits, ctx.n = target, from_logits, n
        if target.ndim == 1:
            elements = -log_p[np.arange(n), target]
        else:
            elements = -(target * log_p).sum(axis=1)
        return _Reduce.reduce(ctx, elements, weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        up = _Reduce.upstream(ctx, grad, (ctx.n,))
        up = np.reshape(up, (-1, 1)) if np.ndim(up) else up
        target = ctx.target
        if ctx.from_logits:
            if target.ndim == 1:
                g = ctx.p.copy()
                g[np.arange(ctx.n), target] -= 1
                return (g * up,)
            return ((ctx.p * target.sum(axis=1, keepdims=True) - target) * up,)
        if target.ndim == 1:
            g = np.zeros_like(ctx.clipped)
            rows = np.arange(ctx.n)
            g[rows, target] = -1 / ctx.clipped[rows, target]
        else:
            g = -target / ctx.clipped
        return (g * up,)


@LOSSES.register("cross_entropy", "categorical_crossentropy", "sparse_categorical_crossentropy")
class CrossEntropy(Loss):
    """Categorical cross-entropy: l = -sum_c y_c ln p_c.

    By default ``y_pred`` holds logits z and p = softmax(z) is fused in (stable, through
    the log-softmax): l = -z_y + ln sum_c e^{z_c}, dl/dz = p - onehot(y). Targets are
    integer labels of shape (N,) in [0, C) or one-hot / probability rows of shape (N, C).

    Parameters
    ----------
    from_logits : bool, default True
        False: ``y_pred`` holds probabilities (clipped at ``eps`` before the log).
    """

    function = _CrossEntropy

    def __init__(self, reduction: str = "mean", from_logits: bool = True, eps: float = 1e-7) -> None:
        super().__init__(reduction)
        self.from_logits, self.eps = bool(from_logits), float(eps)

    def _target(self, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
        return _class_targets(self.name, y_pred, y_true)

    def _options(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits, "eps": self.eps}

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "from_logits": self.from_logits, "eps": self.eps}


class _NLL(_Reduce):
    name = "nll"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str) -> np.ndarray:
        n = y_pred.shape[0]
        ctx.target, ctx.shape = target, y_pred.shape
        if target.ndim == 1:
            elements = -y_pred[np.arange(n), target]
        else:
            elements = -(target * y_pred).sum(axis=1)
        return _Reduce.reduce(ctx, elements, weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        n = ctx.shape[0]
        up = _Reduce.upstream(ctx, grad, (n,))
        up = np.reshape(up, (-1, 1)) if np.ndim(up) else up
        if ctx.target.ndim == 1:
            g = np.zeros(ctx.shape, dtype=grad.dtype)
            g[np.arange(n), ctx.target] = -1
        else:
            g = -ctx.target
        return (g * up,)


@LOSSES.register("nll", "negative_log_likelihood")
class NLL(Loss):
    """Negative log-likelihood of log-probabilities: l = -ln p_y (input: ``log_softmax`` output);
    dl/d(ln p_c) = -1[c = y]."""

    function = _NLL

    def _target(self, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
        return _class_targets(self.name, y_pred, y_true)


def get(loss: str | Loss | Any) -> Loss:
    """Resolve a loss given by name (a new instance with defaults) or as an object/callable."""
    if isinstance(loss, str):
        return LOSSES.get(loss)()
    if isinstance(loss, type) and issubclass(loss, Loss):
        return loss()
    if callable(loss):
        return loss
    raise TypeError(f"loss must be a name or a callable, got {type(loss).__name__}")


def names() -> list[str]:
    """Every registered loss name (aliases included)."""
    return LOSSES.names()
