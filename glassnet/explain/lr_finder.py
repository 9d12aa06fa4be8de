"""The learning-rate range test: train briefly while the learning rate grows exponentially.

Step k uses

.. math::

    \\eta_k = \\eta_{start} \\left(\\frac{\\eta_{end}}{\\eta_{start}}\\right)^{k / (K - 1)},
    \\qquad k = 0, \\dots, K - 1,

one mini-batch per step. While eta is too small the loss barely moves, then it falls,
then it blows up. The loss is smoothed by an exponential moving average with bias
correction, L_k = m_k / (1 - beta^{k+1}) with m_k = beta m_{k-1} + (1 - beta) E_k, and the
suggested rate is where it falls fastest in relative terms, the minimum of

.. math::

    \\frac{d \\ln L}{d \\ln \\eta}

before the smoothed loss reaches its lowest value. (The relative fall is used because a
loss falls by factors: on a quadratic, a step at rate eta multiplies each error mode by
(1 - eta lambda)^2, which is smallest near the best fixed rate.)

References
----------
Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet._checks import check_seed
from glassnet.errors import NonFiniteError
from glassnet.explain import _util
from glassnet.tensor import Tensor, no_grad

__all__ = ["lr_finder", "LRFinderResult"]


@dataclass
class LRFinderResult:
    """What :func:`lr_finder` measured.

    Attributes
    ----------
    lrs, losses, smoothed : numpy.ndarray
        The learning rate, the batch loss and the smoothed loss of every step taken.
    suggestion : float
        The rate where the smoothed loss falls fastest (relative to its value).
    min_loss_lr : float
        The rate of the lowest smoothed loss (usually too large to train with).

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> X = np.linspace(-1, 1, 32).reshape(-1, 1)
    >>> result = gn.explain.lr_finder(model, X, 2 * X, start=1e-3, end=1.0, steps=20, loss="mse")
    >>> type(result).__name__, result.lrs.shape == result.losses.shape
    ('LRFinderResult', True)
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float
    min_loss_lr: float

    def plot(self, path: Any = None) -> Any:
        """Loss against learning rate (log scale), the suggestion marked; a matplotlib Figure."""
        from glassnet.explain._figures import lr_finder_figure

        return lr_finder_figure(self, path)


def _check_range(start: Any, end: Any) -> tuple[float, float]:
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < np.inf:
            raise ValueError(f"{name} must be a positive learning rate, got {value!r}")
    if not start < end:
        raise ValueError(f"start must be smaller than end, got start={start!r}, end={end!r}")
    return float(start), float(end)


def _batches(n: int, batch_size: int | None, steps: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``steps`` batches of indices, visiting the samples in fresh random orders."""
    size = n if batch_size is None else min(_util.check_positive_int("batch_size", batch_size), n)
    per_epoch = n // size
    epochs = -(-steps // per_epoch)
    order = np.concatenate([rng.permutation(n)[: per_epoch * size] for _ in range(epochs)])
    return [order[k * size:(k + 1) * size] for k in range(steps)]


def _suggest(lrs: np.ndarray, smoothed: np.ndarray, skip: int) -> float:
    """The rate at which ln L falls fastest per unit of ln eta, between the first ``skip``
    steps (the moving average is still settling) and the lowest smoothed loss."""
    stop = int(np.argmin(smoothed)) + 1
    if stop - skip < 3:
        raise RuntimeError(
            "the loss did not fall during the range test: lower start or raise end (and check that "
            f"the model trains at all); smoothed losses {np.round(smoothed[:8], 6).tolist()}"
        )
    log_loss = np.log(np.maximum(smoothed[:stop], np.finfo(np.float64).tiny))
    slope = np.gradient(log_loss, np.log(lrs[:stop]))
    return float(lrs[skip + int(np.argmin(slope[skip:]))])


def lr_finder(
    model: Any,
    X: Any,
    y: Any,
    start: float = 1e-7,
    end: float = 10.0,
    steps: int = 100,
    *,
    optimizer: Any = None,
    loss: Any = None,
    batch_size: int | None = 32,
    beta: float | None = None,
    diverge: float = 4.0,
    seed: int = 0,
) -> LRFinderResult:
    """Run the learning-rate range test on a copy of ``model`` and suggest a rate.

    Parameters
    ----------
    model : Model
    X, y : array_like
    start, end : float, default 1e-7 and 10
        The range of learning rates, swept geometrically.
    steps : int, default 100
        Number of mini-batch steps (the test stops early once the loss diverges).
    optimizer : str or Optimizer, optional
        Its hyperparameters are used with a fresh state. Default: the compiled optimizer,
        else plain SGD.
    loss : str or Loss, optional
        Default: the compiled loss, else the one the output activation calls for (cross-entropy after
        softmax, binary cross-entropy after sigmoid, else MSE).
    batch_size : int or None, default 32
        None for full-batch gradient descent.
    beta : float, optional
        Smoothing factor of the moving average (0 = none; about 1 / (1 - beta) steps are
        averaged). Default 0.9 for mini-batches, whose losses are noisy, and 0.5 for full
        batches, whose losses are not (the average lags behind the rising rate, so no more
        smoothing than needed is used).
    diverge : float, default 4
        Stop when the smoothed loss exceeds ``diverge`` times its minimum.
    seed : int, default 0
        Seeds the order of the batches.

    Returns
    -------
    LRFinderResult
        ``model`` itself is unchanged: weights, optimizer state and generators.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(64, 2))
    >>> y = X @ np.array([[1.0], [-2.0]])
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=0)
    >>> result = gn.explain.lr_finder(model, X, y, start=1e-4, end=1.0, steps=30, loss="mse")
    >>> bool(1e-4 <= result.suggestion <= 1.0)
    True
    >>> model.compile(optimizer=gn.optim.SGD(lr=result.suggestion), loss="mse")
    """
    check_seed(seed)
    start, end = _check_range(start, end)
    steps = _util.check_positive_int("steps", steps)
    work, dtype = _util.working_copy(model)
    x = _util.as_input(X, dtype)
    if beta is None:
        beta = 0.5 if batch_size is None or batch_size >= x.shape[0] else 0.9
    if not 0 <= beta < 1 or not diverge > 1:
        raise ValueError(f"beta must be in [0, 1) and diverge > 1, got beta={beta!r}, diverge={diverge!r}")
    with no_grad():
        work(x[:1])
    chosen = optimizer if optimizer is not None else getattr(model, "optimizer", None) or "sgd"
    opt = _util.optimizer_copy(chosen, work.parameters())
    work.train(True)
    lrs = start * (end / start) ** (np.arange(steps) / max(steps - 1, 1))
    batches = _batches(x.shape[0], batch_size, steps, np.random.default_rng(seed))
    raw = _sweep(opt, _util.objective(work, loss), x, np.asarray(y), lrs, batches, beta, diverge)
    smoothed = _smooth(raw, beta)
    taken = lrs[: raw.size]
    finite = np.isfinite(smoothed)
    skip = min(int(round(1 / (1 - beta))), raw.size // 10)
    return LRFinderResult(taken, raw, smoothed, _suggest(taken[finite], smoothed[finite], skip),
                          float(taken[finite][np.argmin(smoothed[finite])]))


def _sweep(opt: Any, E: Any, x: Tensor, y: np.ndarray, lrs: np.ndarray, batches: list[np.ndarray],
           beta: float, diverge: float) -> np.ndarray:
    """The batch loss of every step, until the smoothed loss exceeds ``diverge`` x its minimum."""
    losses: list[float] = []
    average, best = 0.0, np.inf
    for k, index in enumerate(batches):
        value = _step(opt, E, x, y, index, float(lrs[k]))
        losses.append(value)
        average = beta * average + (1 - beta) * value
        current = average / (1 - beta ** (k + 1))
        best = min(best, current)
        if not np.isfinite(value) or current > diverge * best:
            break
    return np.array(losses)


def _step(opt: Any, E: Any, x: Tensor, y: np.ndarray, index: np.ndarray, lr: float) -> float:
    """One update at learning rate ``lr``; returns the batch loss before it (inf if not finite)."""
    opt.lr = lr
    opt.zero_grad()
    try:
        value = E(Tensor(x.data[index]), y[index])
    except NonFiniteError:
        return float("inf")
    if not np.isfinite(value.item()):
        return float("inf")
    value.backward()
    opt.step()
    return float(value.item())


def _smooth(losses: np.ndarray, beta: float) -> np.ndarray:
    """Bias-corrected exponential moving average."""
    out = np.empty_like(losses)
    m = 0.0
    for k, value in enumerate(losses):
        m = beta * m + (1 - beta) * value
        out[k] = m / (1 - beta ** (k + 1))
    return out
