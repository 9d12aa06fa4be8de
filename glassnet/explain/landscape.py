"""The loss landscape: the loss along a line and on a plane through weight space.

1-D: between two weight sets (e.g. the initial and the trained ones),
theta(alpha) = theta_0 + alpha (theta_1 - theta_0), or along one random direction.
2-D: around the trained weights theta*, on the plane
theta(alpha, beta) = theta* + alpha d_1 + beta d_2 spanned by two random directions.

The random directions are filter-normalized (Li et al., 2018): each filter of d (a unit's
incoming weights, i.e. a column of a Dense W; an output channel of a convolution) is
rescaled to the norm of the same filter of theta*,

.. math::

    d_{f} \\leftarrow \\frac{d_{f}}{\\lVert d_{f} \\rVert} \\lVert \\theta^*_{f} \\rVert,

so that the plots of networks of different weight scales are comparable; biases (1-D
parameters) get no direction.

References
----------
Li, Xu, Taylor, Studer and Goldstein, "Visualizing the Loss Landscape of Neural Nets",
NeurIPS 2018.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet._checks import check_seed
from glassnet._saved import overwrite
from glassnet.explain import _util
from glassnet.layers.module import Module

__all__ = ["loss_landscape", "Landscape", "filter_normalized_direction"]

DIRECTIONS = ("filter_normalized", "random")
KINDS = ("1d", "2d")


@dataclass
class Landscape:
    """Losses on a line (``kind="1d"``) or a plane (``"2d"``) through weight space.

    Attributes
    ----------
    kind : str
    alphas : numpy.ndarray
        Coordinates along the first direction (1-D: 0 is the start, 1 the model's weights
        when interpolating; otherwise 0 is the model's weights).
    betas : numpy.ndarray or None
        Coordinates along the second direction (2-D).
    losses : numpy.ndarray
        Shape (len(alphas),) or (len(betas), len(alphas)).
    center_loss : float
        The loss at the model's own weights.
    interpolated : bool
        Whether the line runs from a start's weights to the model's (1-D).

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> X = np.linspace(-1, 1, 8).reshape(-1, 1)
    >>> land = gn.explain.loss_landscape(model, X, 2 * X, kind="1d", steps=5, seed=0)
    >>> land.kind, land.alphas.shape, land.losses.shape
    ('1d', (5,), (5,))
    """

    kind: str
    alphas: np.ndarray
    betas: np.ndarray | None
    losses: np.ndarray
    center_loss: float
    interpolated: bool = False

    def plot(self, path: Any = None) -> Any:
        """A matplotlib Figure: the loss curve (1-D), or a contour and a surface (2-D)."""
        from glassnet.explain._figures import landscape_figure

        return landscape_figure(self, path)


def _filter_axis(p: np.ndarray) -> int:
    """The axis indexing filters: units (columns) of a Dense W, output channels of a conv."""
    return 1 if p.ndim == 2 else 0


def filter_normalized_direction(params: Sequence[np.ndarray], rng: np.random.Generator,
                                ignore_bias: bool = True) -> list[np.ndarray]:
    """A random Gaussian direction with each filter scaled to the norm of the same filter
    of ``params``; 1-D parameters get zeros (``ignore_bias``) or their whole norm.

    Parameters
    ----------
    params : sequence of ndarray
        The model's parameters.
    rng : numpy.random.Generator
        The source of the random direction.
    ignore_bias : bool, default True
        Give 1-D parameters (biases) a zero direction.

    Returns
    -------
    list of ndarray
        One direction per parameter, shaped as it.

    Examples
    --------
    >>> W, b = np.array([[3.0, 0.0], [4.0, 1.0]]), np.array([1.0, 1.0])
    >>> dW, db = gn.explain.filter_normalized_direction([W, b], np.random.default_rng(0))
    >>> print(np.linalg.norm(dW, axis=0), db)
    [5. 1.] [0. 0.]
    """
    out = []
    for p in params:
        d = rng.standard_normal(p.shape)
        if p.ndim <= 1:
            d = np.zeros(p.shape) if ignore_bias else d * np.linalg.norm(p) / max(np.linalg.norm(d), 1e-12)
        else:
            axis = _filter_axis(p)
            other = tuple(i for i in range(p.ndim) if i != axis)
            norm_p = np.sqrt((p.astype(np.float64) ** 2).sum(axis=other, keepdims=True))
            norm_d = np.sqrt((d**2).sum(axis=other, keepdims=True))
            d = d / np.maximum(norm_d, 1e-12) * norm_p
        out.append(d)
    return out


def _direction(kind: str, params: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    if kind == "filter_normalized":
        return filter_normalized_direction(params, rng)
    return [rng.standard_normal(p.shape) for p in params]


def _start_weights(start: Any, model: Module) -> list[np.ndarray]:
    """The weights to interpolate from: a model, a state dict or a list of arrays."""
    params = model.named_parameters()
    if isinstance(start, Module):
        arrays = [p.data for p in start.parameters()]
    elif isinstance(start, Mapping):
        missing = [name for name, _ in params if name not in start]
        if missing:
            raise ValueError(f"start is missing the parameter(s) {missing}; pass the state_dict() of a "
                             "model of the same architecture")
        arrays = [np.asarray(start[name]) for name, _ in params]
    else:
        arrays = [np.asarray(a) for a in start]
    shapes = [p.shape for _, p in params]
    if [a.shape for a in arrays] != shapes:
        raise ValueError(f"start has parameter shapes {[a.shape for a in arrays]}, the model {shapes}")
    return arrays


def _check(kind: str, directions: str, steps: Any, span: Any) -> int:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if directions not in DIRECTIONS:
        raise ValueError(f"directions must be one of {DIRECTIONS}, got {directions!r}")
    if isinstance(span, bool) or not isinstance(span, (int, float)) or not span > 0:
        raise ValueError(f"span must be a positive number, got {span!r}")
    return _util.check_positive_int("steps", steps)


def loss_landscape(
    model: Module,
    X: Any,
    y: Any,
    kind: str = "2d",
    directions: str = "filter_normalized",
    steps: int = 21,
    *,
    span: float = 1.0,
    start: Any = None,
    loss: Any = None,
    seed: int = 0,
) -> Landscape:
    """Evaluate the loss on a line or a plane through the model's weights.

    The model is evaluated in evaluation mode without recording a graph; its weights are
    restored afterwards (even after an error).

    Parameters
    ----------
    model : Model
        Built (trained) model; its weights are theta*.
    X, y : array_like
    kind : {"1d", "2d"}, default "2d"
    directions : {"filter_normalized", "random"}, default "filter_normalized"
        How the random directions are scaled ("random": plain Gaussian).
    steps : int, default 21
        Points per axis (odd, so that the model's own weights lie on the grid).
    span : float, default 1.0
        Random directions: coordinates in [-span, span]. Interpolation: alpha in
        [-span / 2, 1 + span / 2].
    start : Model, state dict or list of arrays, optional
        With ``kind="1d"``, interpolate from these weights (alpha = 0) to the model's
        (alpha = 1) instead of following a random direction.
    loss : str or Loss, optional
        Default: the compiled training loss (as ``evaluate`` reports it), else the one the output
        activation calls for (cross-entropy after softmax, binary cross-entropy after sigmoid, else MSE).
    seed : int, default 0
        Seeds the random directions.

    Returns
    -------
    Landscape

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> X = np.linspace(-1, 1, 8).reshape(-1, 1)
    >>> land = gn.explain.loss_landscape(model, X, 2 * X, kind="2d", steps=5, seed=0)
    >>> land.losses.shape, bool(land.losses.min() <= land.center_loss)
    ((5, 5), True)
    """
    check_seed(seed)
    steps = _check(kind, directions, steps, span)
    params = model.parameters()
    if not params:
        raise ValueError("the model has no weights yet: build or fit it first")
    x = _util.as_input(X, params[0].dtype)
    theta = [p.data.copy() for p in params]
    rng = np.random.default_rng(seed)
    interpolated = kind == "1d" and start is not None
    if interpolated:
        origin = _start_weights(start, model)
        first = [t - o for t, o in zip(theta, origin)]
        alphas = np.linspace(-span / 2, 1 + span / 2, steps)
    else:
        origin, first = theta, _direction(directions, theta, rng)
        alphas = np.linspace(-span, span, steps)
    second = _direction(directions, theta, rng) if kind == "2d" else None
    betas = alphas.copy() if kind == "2d" else None
    try:
        losses = _evaluate(model, x, y, loss, origin, first, second, alphas, betas)
    finally:
        for p, t in zip(params, theta):
            overwrite(p, t)
    return Landscape(kind, alphas, betas, losses, _util.loss_value(model, x, y, loss), interpolated)


def _evaluate(model: Module, x: Any, y: Any, loss: Any, origin: list[np.ndarray], first: list[np.ndarray],
              second: list[np.ndarray] | None, alphas: np.ndarray, betas: np.ndarray | None) -> np.ndarray:
    """The loss at origin + alpha first (+ beta second) for every grid point."""
    params = model.parameters()

    def at(a: float, b: float) -> float:
        for k, p in enumerate(params):
            point = origin[k] + a * first[k]
            if second is not None:
                point = point + b * second[k]
            overwrite(p, point, casting="unsafe")
        return _util.loss_value(model, x, y, loss)

    if betas is None:
        return np.array([at(a, 0.0) for a in alphas])
    return np.array([[at(a, b) for a in alphas] for b in betas])
