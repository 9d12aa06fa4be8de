"""Output layers of probabilistic regression: a Gaussian head and a quantile head.

Each is a :class:`~glassnet.layers.Dense` layer (z = a_prev W + b) whose outputs are turned
into a distribution's parameters, and each owns the reading of its output as a prediction
with an error bar: :meth:`mean_std` and :meth:`interval` (NumPy in, NumPy out), which
``Model.predict(X, return_std=True)`` and ``Model.predict_interval`` call. Train a
GaussianHead with :class:`~glassnet.losses.GaussianNLL` and a QuantileHead with
:class:`~glassnet.losses.Pinball` of the same quantiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet._checks import check_hyperparameter
from glassnet.activations import softplus
from glassnet.layers.core import Dense
from glassnet.losses.base import Loss
from glassnet.losses.custom import FunctionLoss
from glassnet.losses.probabilistic import GaussianNLL, Pinball, check_quantiles
from glassnet.ops.linalg import MatMul
from glassnet.ops.shape import Concatenate
from glassnet.tensor import Tensor

__all__ = ["GaussianHead", "QuantileHead", "check_level", "check_head"]


def check_level(owner: str, level: Any) -> float:
    """The nominal coverage of an interval: a number in (0, 1)."""
    return check_hyperparameter(f"{owner}: level", level, 0.0, 1.0, low_open=True, high_open=True)


def _check_units(owner: str, units: Any) -> int:
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
        raise ValueError(f"{owner}: units must be a positive integer (the number of targets), got {units!r}")
    return int(units)


def _check_transform(owner: str, units: int, target_mean: Any, target_scale: Any
                     ) -> tuple[float | list[float], float | list[float]]:
    """The output transform of a head: ``target_mean`` any finite numbers, ``target_scale``
    positive ones, each one number or one per target (``units``); kept as floats or lists."""
    checked = []
    for name, value, accepted in [("target_mean", target_mean, "finite numbers"),
                                  ("target_scale", target_scale, "positive finite numbers")]:
        array = np.asarray(value)
        good = array.dtype.kind in "fiu" and (array.ndim == 0 or array.shape == (units,)) and \
            bool(np.isfinite(array).all())
        if good and name == "target_scale":
            good = bool((array > 0).all())
        if not good:
            raise ValueError(f"{owner}: {name} must be one number or a sequence of {units} (one per target), "
                             f"{accepted}; got {value!r}")
        checked.append(float(array) if array.ndim == 0 else [float(v) for v in array])
    return checked[0], checked[1]


def _to_target_units(head: Dense, out: Tensor) -> Tensor:
    """out * factor + shift, with the head's (factor, shift) of width ``n_units``; the output as
    it is for the identity transform."""
    factor, shift = head.output_affine()
    if (factor == 1).all() and (shift == 0).all():
        return out
    return out * Tensor(factor.astype(out.dtype)) + Tensor(shift.astype(out.dtype))


def _per_target(value: float | list[float], units: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (units,))


def _split(z: Tensor, k: int, g: Any) -> Tensor:
    """concat(z[:, :k], g(z[:, k:])): the first block as it is, the others through g."""
    return Concatenate.apply(z[:, :k], g(z[:, k:]), axis=-1)


def _read(head: Dense, output: Any) -> np.ndarray:
    """The output array a head is asked to read, checked: numbers of shape (N, head width)."""
    array = np.asarray(output.data if isinstance(output, Tensor) else output)
    width = head.n_units
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{type(head).__name__} {head.name!r} reads its own output, numbers of shape "
                        f"(N, {width}); got dtype {array.dtype}")
    if array.ndim != 2 or array.shape[1] != width:
        raise ValueError(f"{type(head).__name__} {head.name!r} reads its own output, numbers of shape "
                         f"(N, {width}); got shape {array.shape}")
    return array


class GaussianHead(Dense):
    """A Dense layer of 2k units read as the mean and the variance of a Gaussian per target.

    .. math::

        z = a_{prev} W + b, \\qquad \\mu = z_{1..k}, \\qquad
        \\sigma^2 = \\mathrm{softplus}(z_{k+1..2k}) + \\sigma^2_{min}

    so the variance is positive and at least ``min_variance``;
    d sigma^2 / dz = sigmoid(z). Trained with :class:`~glassnet.losses.GaussianNLL`, the mean
    learns E[y | x] and the variance the noise Var[y | x] (aleatoric uncertainty).

    A fixed output transform to the targets' units, for a network trained on standardized
    targets t = (y - m) / s (m = ``target_mean``, s = ``target_scale``):

    .. math::

        \\mu_y = m + s\\,\\mu, \\qquad \\sigma^2_y = s^2 \\sigma^2

    which is the distribution of y = m + s t when t ~ N(mu, sigma^2). The identity (m = 0,
    s = 1) by default; a loss sees the output after the transform, in the targets' units.

    Shape: input (N, inputs) -> output (N, 2k) = concat(mean, variance). ``W`` is
    (inputs, 2k), ``b`` (2k,), initialized as Dense's (glorot_uniform, zeros).

    Parameters
    ----------
    units : int
        k, the number of targets.
    min_variance : float >= 0, default 1e-6
        The floor of the variance (before the transform: the output's floor is s^2 min_variance).
    target_mean, target_scale : float or sequence of k floats, default 0.0 and 1.0
        m and s of the output transform (s > 0); set after training with
        :meth:`set_target_transform`.
    kernel_initializer, bias_initializer, kernel_regularizer, input_dim, name, input_shape
        As for :class:`~glassnet.layers.Dense`.

    References
    ----------
    Nix and Weigend (1994); Lakshminarayanan, Pritzel and Blundell, "Simple and scalable
    predictive uncertainty estimation using deep ensembles", NeurIPS 2017.

    Examples
    --------
    >>> model = gn.Sequential([gn.Input((3,)), gn.layers.Dense(16, activation="tanh"), GaussianHead(1)],
    ...                       seed=0)
    >>> model.compile(loss=gn.losses.GaussianNLL())
    >>> X = np.random.default_rng(0).normal(size=(16, 3))
    >>> _ = model.fit(X, X[:, :1], epochs=2, verbose=0)
    >>> mean, std = model.predict(X[:2], return_std=True)
    >>> mean.shape, bool((std > 0).all())
    ((2, 1), True)
    """

    static_graph = True

    def __init__(self, units: int, min_variance: float = 1e-6, kernel_initializer: Any = None,
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 input_dim: int | None = None, name: str | None = None, *,
                 input_shape: tuple[int] | None = None, target_mean: float | Sequence[float] = 0.0,
                 target_scale: float | Sequence[float] = 1.0) -> None:
        _check_units("GaussianHead", units)
        self.min_variance = check_hyperparameter("GaussianHead: min_variance", min_variance)
        super().__init__(units, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, input_dim=input_dim,
                         name=name or "gaussian_head", input_shape=input_shape)
        self.set_target_transform(target_mean, target_scale)

    def set_target_transform(self, target_mean: float | Sequence[float] = 0.0,
                             target_scale: float | Sequence[float] = 1.0) -> None:
        """Set the output transform: mean m + s mu, variance s^2 sigma^2 (see the class docstring).

        A network trained on t = (y - m) / s then predicts y's distribution; its weights are
        unchanged, so the output is exactly the standardized one mapped back.
        """
        self.target_mean, self.target_scale = _check_transform("GaussianHead", self.units, target_mean,
                                                               target_scale)

    def output_affine(self) -> tuple[np.ndarray, np.ndarray]:
        """(factor, shift), each (2k,): the output is the untransformed one times factor plus shift,
        factor = [s, s^2], shift = [m, 0]."""
        m, s = _per_target(self.target_mean, self.units), _per_target(self.target_scale, self.units)
        return np.concatenate([s, s ** 2]), np.concatenate([m, np.zeros(self.units)])

    @property
    def n_units(self) -> int:
        return 2 * self.units

    def call(self, x: Tensor) -> Tensor:
        return _to_target_units(self, _split(self.pre_activation(x), self.units, self._variance))

    def _variance(self, z: Tensor) -> Tensor:
        return softplus(z) + self.min_variance

    def training_loss(self) -> GaussianNLL:
        """The loss that trains this head: ``GaussianNLL()``."""
        return GaussianNLL()

    def mean_std(self, output: Any) -> tuple[np.ndarray, np.ndarray]:
        """(mean, std), each (N, k), from an output (N, 2k): std = sqrt(variance)."""
        out = _read(self, output)
        return out[:, :self.units], np.sqrt(out[:, self.units:])

    def interval(self, output: Any, level: float) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper), each (N, k): the central interval mean -/+ z std of probability
        ``level`` under the Gaussian, z = Phi^{-1}((1 + level) / 2) (1.96 for 0.95)."""
        from scipy.stats import norm

        z = float(norm.ppf(0.5 + check_level("GaussianHead.interval", level) / 2))
        mean, std = self.mean_std(output)
        return mean - z * std, mean + z * std

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["activation"], config["use_bias"]
        return {"units": config.pop("units"), "min_variance": self.min_variance,
                "target_mean": self.target_mean, "target_scale": self.target_scale, **config}


class QuantileHead(Dense):
    """A Dense layer of m k units read as m quantiles per target, which never cross.

    The first block is the lowest quantile; each next one adds a positive increment:

    .. math::

        z = a_{prev} W + b, \\qquad \\hat y_{q_1} = z_1, \\qquad
        \\hat y_{q_i} = \\hat y_{q_{i-1}} + \\mathrm{softplus}(z_i) \\quad (i = 2..m)

    (blocks of k values; computed as concat(z_1, softplus(z_{2..m})) times a constant
    triangular matrix of ones). Trained with :class:`~glassnet.losses.Pinball` of the same
    quantiles, block i learns the q_i-quantile of y given x.

    A fixed output transform to the targets' units, for a network trained on standardized
    targets t = (y - c) / s (c = ``target_mean``, s = ``target_scale`` > 0):
    \\hat y_{q_i} = c + s \\hat t_{q_i}, the q_i-quantile of y = c + s t. The identity (c = 0,
    s = 1) by default; a loss sees the output after the transform, in the targets' units.

    Shape: input (N, inputs) -> output (N, m k); column block i (``[:, i*k:(i+1)*k]``) is
    quantile ``quantiles[i]``. ``W`` is (inputs, m k), ``b`` (m k,), initialized as Dense's.

    Parameters
    ----------
    quantiles : sequence of float in (0, 1), or one float; default (0.05, 0.5, 0.95)
        Increasing.
    units : int, default 1
        k, the number of targets.
    kernel_initializer, bias_initializer, kernel_regularizer, input_dim, name, input_shape
        As for :class:`~glassnet.layers.Dense`.
    target_mean, target_scale : float or sequence of k floats, default 0.0 and 1.0
        c and s of the output transform (s > 0); set after training with
        :meth:`set_target_transform`.

    References
    ----------
    Koenker and Bassett (1978); Moon et al., "Learning multiple quantiles with neural
    networks", J. Comput. Graph. Stat. 30 (2021) (the non-crossing increments).

    Examples
    --------
    >>> head = QuantileHead((0.025, 0.5, 0.975))
    >>> model = gn.Sequential([gn.Input((3,)), gn.layers.Dense(16, activation="tanh"), head], seed=0)
    >>> model.compile(loss=gn.losses.Pinball(head.quantiles))
    >>> X = np.random.default_rng(0).normal(size=(16, 3))
    >>> _ = model.fit(X, X[:, :1], epochs=2, verbose=0)
    >>> lower, upper = model.predict_interval(X[:2], level=0.95)
    >>> lower.shape, bool((lower <= upper).all())
    ((2, 1), True)
    """

    static_graph = True

    def __init__(self, quantiles: Sequence[float] = (0.05, 0.5, 0.95), units: int = 1,
                 kernel_initializer: Any = None, bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None,
                 input_dim: int | None = None, name: str | None = None, *,
                 input_shape: tuple[int] | None = None, target_mean: float | Sequence[float] = 0.0,
                 target_scale: float | Sequence[float] = 1.0) -> None:
        self.quantiles = check_quantiles("QuantileHead", quantiles)
        super().__init__(_check_units("QuantileHead", units), kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         input_dim=input_dim, name=name or "quantile_head", input_shape=input_shape)
        self.set_target_transform(target_mean, target_scale)

    def set_target_transform(self, target_mean: float | Sequence[float] = 0.0,
                             target_scale: float | Sequence[float] = 1.0) -> None:
        """Set the output transform: each quantile c + s q (see the class docstring).

        A network trained on t = (y - c) / s then predicts y's quantiles; its weights are
        unchanged, so the output is exactly the standardized one mapped back.
        """
        self.target_mean, self.target_scale = _check_transform("QuantileHead", self.units, target_mean,
                                                               target_scale)

    def output_affine(self) -> tuple[np.ndarray, np.ndarray]:
        """(factor, shift), each (m k,): the output is the untransformed one times factor plus
        shift, factor = s and shift = c repeated for each of the m quantile blocks."""
        m = len(self.quantiles)
        return (np.tile(_per_target(self.target_scale, self.units), m),
                np.tile(_per_target(self.target_mean, self.units), m))

    @property
    def n_units(self) -> int:
        return len(self.quantiles) * self.units

    def call(self, x: Tensor) -> Tensor:
        z = self.pre_activation(x)
        if len(self.quantiles) > 1:
            steps = _split(z, self.units, softplus)
            z = MatMul.apply(steps, Tensor(self.cumulative(steps.dtype)))
        return _to_target_units(self, z)

    def cumulative(self, dtype: Any) -> np.ndarray:
        """The (m k, m k) matrix C of ones that sums the blocks: (steps C) block i = sum_{j <= i}
        steps block j, so block i is the first quantile plus i increments."""
        m = len(self.quantiles)
        return np.kron(np.triu(np.ones((m, m), dtype=dtype)), np.eye(self.units, dtype=dtype))

    def training_loss(self) -> Pinball:
        """The loss that trains this head: ``Pinball(quantiles)`` of its quantiles."""
        return Pinball(self.quantiles)

    def column(self, output: Any, quantile: float) -> np.ndarray:
        """The block (N, k) of ``output`` that predicts ``quantile`` (one of :attr:`quantiles`)."""
        out = _read(self, output)
        matches = np.flatnonzero(np.isclose(self.quantiles, quantile, rtol=0, atol=1e-9))
        if not matches.size:
            raise ValueError(f"QuantileHead {self.name!r} predicts the quantiles {list(self.quantiles)}, "
                             f"not {quantile!r}")
        i = int(matches[0])
        return out[:, i * self.units:(i + 1) * self.units]

    def levels(self) -> list[float]:
        """The central interval levels this head gives: 1 - 2q for each pair (q, 1 - q) it predicts."""
        return [round(1 - 2 * q, 12) for q in self.quantiles
                if q < 0.5 and np.isclose(self.quantiles, 1 - q, rtol=0, atol=1e-9).any()]

    def interval(self, output: Any, level: float) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper), each (N, k): the predicted quantiles (1 - level) / 2 and (1 + level) / 2,
        which must be among the head's quantiles (level 0.9 needs 0.05 and 0.95)."""
        level = check_level("QuantileHead.interval", level)
        low, high = (1 - level) / 2, (1 + level) / 2
        if not all(np.isclose(self.quantiles, q, rtol=0, atol=1e-9).any() for q in (low, high)):
            available = self.levels()
            raise ValueError(
                f"QuantileHead.interval: level={level!r} needs the quantiles {low:.6g} and {high:.6g}, but "
                f"the head {self.name!r} predicts {list(self.quantiles)}"
                + (f"; the levels it gives are {available}" if available else ", no symmetric pair")
                + f". Train a QuantileHead with quantiles ({low:.6g}, 0.5, {high:.6g}) for this level")
        return self.column(output, low), self.column(output, high)

    def mean_std(self, output: Any) -> tuple[np.ndarray, np.ndarray]:
        """(mean, std), each (N, k), read under a Gaussian assumption from the outer quantiles
        q_1 < q_m: std = (y_{q_m} - y_{q_1}) / (Phi^{-1}(q_m) - Phi^{-1}(q_1)); the mean is the
        median block when 0.5 is a quantile, else y_{q_1} - std Phi^{-1}(q_1)."""
        from scipy.stats import norm

        out = _read(self, output)
        if len(self.quantiles) < 2:
            raise ValueError(f"QuantileHead {self.name!r} predicts one quantile {list(self.quantiles)}; a "
                             "spread (std) needs at least two")
        k = self.units
        z_low, z_high = (float(z) for z in norm.ppf([self.quantiles[0], self.quantiles[-1]]))
        low, high = out[:, :k], out[:, -k:]
        std = (high - low) / (z_high - z_low)
        if np.isclose(self.quantiles, 0.5, rtol=0, atol=1e-9).any():
            return self.column(out, 0.5), std
        return low - std * z_low, std

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["activation"], config["use_bias"]
        return {"quantiles": list(self.quantiles), "units": config.pop("units"),
                "target_mean": self.target_mean, "target_scale": self.target_scale, **config}


#: Each probabilistic loss and the head whose output it reads.
_HEADS: dict[type[Loss], type[Dense]] = {GaussianNLL: GaussianHead, Pinball: QuantileHead}


def _head_for(loss: Any, units: Any) -> str:
    """How to write the head ``loss`` reads, for ``units`` targets (a number, or "k")."""
    if isinstance(loss, GaussianNLL):
        return f"gn.layers.GaussianHead({units})"
    return f"gn.layers.QuantileHead({list(loss.quantiles)}, units={units})"


def check_head(loss: Any, layer: Any, label: str = "the output") -> None:
    """Refuse, at ``compile``, a probabilistic loss on an output that is not its head, a head
    trained with another of glassnet's losses, and a Pinball loss whose quantiles are not
    the QuantileHead's. ``layer`` is the layer making the output (None when unknown: a
    subclassed model, a graph function); a loss function of the user's is not checked."""
    for loss_type, head in _HEADS.items():
        if isinstance(loss, loss_type) and layer is not None and not isinstance(layer, head):
            units = getattr(layer, "n_units", None)
            kind = type(layer).__name__
            instead = f" in place of {kind}({units})" if units else " (k: the number of targets)"
            raise ValueError(
                f"{label} is made by layer {layer.name!r} ({kind}), but {loss_type.__name__} reads the "
                f"output of a {head.__name__}: end the model with {_head_for(loss, units or 'k')}{instead}")
    if not isinstance(layer, (GaussianHead, QuantileHead)) or not isinstance(loss, Loss) or \
            isinstance(loss, FunctionLoss):
        return
    wanted = type(layer.training_loss())
    spelling = "GaussianNLL()" if wanted is GaussianNLL else f"Pinball(quantiles={list(layer.quantiles)})"
    if not isinstance(loss, wanted):
        raise ValueError(f"{label} is the {type(layer).__name__} {layer.name!r}, whose output is trained "
                         f"with {wanted.__name__}, not {type(loss).__name__}: compile with "
                         f"loss=gn.losses.{spelling}")
    if isinstance(loss, Pinball) and loss.quantiles != layer.quantiles:
        raise ValueError(f"{label}: the Pinball loss has quantiles {list(loss.quantiles)} but the "
                         f"QuantileHead {layer.name!r} predicts {list(layer.quantiles)}; give the same: "
                         f"loss=gn.losses.{spelling}")
