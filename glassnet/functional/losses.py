"""Losses as functions, PyTorch's ``F.mse_loss`` and the like: each calls the loss class of
:mod:`glassnet.losses` that ``compile`` uses. Re-exported by :mod:`glassnet.functional`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.functional._wrap import _t
from glassnet.functional.shape import broadcast_to, concatenate, reshape
from glassnet.losses import MAE, MSE, NLL, BinaryCrossEntropy, CrossEntropy, GaussianNLL, Huber, Pinball
from glassnet.tensor import Tensor

__all__ = ["mse_loss", "mae_loss", "huber_loss", "binary_cross_entropy", "cross_entropy", "nll_loss",
           "gaussian_nll", "pinball_loss"]


def mse_loss(y_pred: Tensor, y_true: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error (see :class:`glassnet.losses.MSE`).

    Parameters
    ----------
    y_pred : Tensor
        The predictions, (N, outputs).
    y_true : array_like
        The targets, the shape of ``y_pred``.
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> print(gn.functional.mse_loss(gn.tensor([[1.0], [2.0]]), [[0.0], [2.0]]).numpy())
    0.5
    """
    return MSE(reduction)(y_pred, y_true)


def mae_loss(y_pred: Tensor, y_true: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error (see :class:`glassnet.losses.MAE`).

    Parameters
    ----------
    y_pred : Tensor
        The predictions, (N, outputs).
    y_true : array_like
        The targets, the shape of ``y_pred``.
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> print(gn.functional.mae_loss(gn.tensor([[1.0], [2.0]]), [[0.0], [4.0]]).numpy())
    1.5
    """
    return MAE(reduction)(y_pred, y_true)


def huber_loss(y_pred: Tensor, y_true: Any, delta: float = 1.0, reduction: str = "mean") -> Tensor:
    """Huber loss (see :class:`glassnet.losses.Huber`).

    Parameters
    ----------
    y_pred : Tensor
        The predictions, (N, outputs).
    y_true : array_like
        The targets, the shape of ``y_pred``.
    delta : float, default 1.0
        Where the loss turns from quadratic to linear.
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> print(gn.functional.huber_loss(gn.tensor([[0.5], [3.0]]), [[0.0], [0.0]]).numpy())
    1.3125
    """
    return Huber(reduction, delta)(y_pred, y_true)


def binary_cross_entropy(y_pred: Tensor, y_true: Any, from_logits: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy; ``from_logits`` as in :class:`glassnet.losses.BinaryCrossEntropy`.

    Parameters
    ----------
    y_pred : Tensor
        Probabilities in (0, 1), or logits with ``from_logits=True``.
    y_true : array_like
        Labels 0 or 1.
    from_logits : bool, optional
        Whether ``y_pred`` holds logits; None reads it from the graph (a sigmoid output is
        probabilities).
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> p = gn.tensor([[0.9], [0.2]])
    >>> print(round(float(gn.functional.binary_cross_entropy(p, [[1.0], [0.0]]).numpy()), 4))
    0.1643
    """
    return BinaryCrossEntropy(reduction, from_logits)(y_pred, y_true)


def cross_entropy(y_pred: Tensor, y_true: Any, from_logits: bool | None = None,
                  reduction: str = "mean") -> Tensor:
    """Categorical cross-entropy; ``from_logits`` as in :class:`glassnet.losses.CrossEntropy`.

    Parameters
    ----------
    y_pred : Tensor
        Class probabilities (N, classes), or logits with ``from_logits=True``.
    y_true : array_like
        Class indices (N,) or one-hot rows (N, classes).
    from_logits : bool, optional
        Whether ``y_pred`` holds logits; None reads it from the graph (a softmax output is
        probabilities).
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> logits = gn.tensor([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0]])
    >>> print(round(float(gn.functional.cross_entropy(logits, [0, 1], from_logits=True).numpy()), 4))
    0.1672
    """
    return CrossEntropy(reduction, from_logits)(y_pred, y_true)


def nll_loss(log_probs: Tensor, y_true: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (see :class:`glassnet.losses.NLL`).

    Parameters
    ----------
    log_probs : Tensor
        Log-probabilities (N, classes), e.g. from ``log_softmax``.
    y_true : array_like
        Class indices (N,).
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        -mean log p of the true classes.

    Examples
    --------
    >>> log_p = gn.functional.log_softmax(gn.tensor([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0]]))
    >>> print(round(float(gn.functional.nll_loss(log_p, [0, 1]).numpy()), 4))
    0.1672
    """
    return NLL(reduction)(log_probs, y_true)


def gaussian_nll(input: Any, target: Any, var: Any, full: bool = False, eps: float = 1e-6,  # noqa: A002
                 reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood of ``target`` under N(input, var), in PyTorch's argument
    order (``torch.nn.functional.gaussian_nll_loss``); see :class:`glassnet.losses.GaussianNLL`
    for the formula and its gradients.

    ``input`` (the mean) and ``target`` have shape (N, ...); ``var`` has their shape, or one
    value per sample (the shape without its last axis, or with a last axis of 1) for a
    variance shared by a sample's outputs, as PyTorch allows. ``reduction="none"`` gives one
    value per sample, the mean over its outputs (PyTorch's is element by element; they agree
    for a mean of shape (N,)).

    Parameters
    ----------
    input : object
        The predicted means, (N, ...).
    target : object
        The targets, the shape of ``input``.
    var : object
        The predicted variances, positive.
    full : bool, default False
        Add the constant ln(2 pi) / 2, as PyTorch's ``full=True``.
    eps : float, default 1e-06
        Variances are clamped to at least ``eps``.
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> mean = gn.tensor([[0.0], [1.0]])
    >>> var = gn.tensor([[1.0], [4.0]])
    >>> print(round(float(gn.functional.gaussian_nll(mean, [[1.0], [1.0]], var).numpy()), 4))
    0.5966
    """
    mean = _t(input, var if isinstance(var, Tensor) else None)
    var = _t(var, mean)
    if mean.ndim == 0:
        raise ValueError("gaussian_nll: input must have a batch axis, shape (N, ...), got a scalar")
    if var.shape != mean.shape:
        if var.shape == mean.shape[:-1]:
            var = reshape(var, (*var.shape, 1))
        if var.shape[:-1] != mean.shape[:-1] or var.shape[-1] != 1:
            raise ValueError(
                f"gaussian_nll: var of shape {var.shape} does not fit input of shape {mean.shape}: give the "
                "same shape, or one variance per sample (the shape without the last axis, or with a last "
                "axis of 1)")
        var = broadcast_to(var, mean.shape)
    n = mean.shape[0]
    both = concatenate([reshape(mean, (n, -1)), reshape(var, (n, -1))], axis=-1)
    target = np.reshape(target.data if isinstance(target, Tensor) else np.asarray(target), (n, -1))
    return GaussianNLL(full, eps, reduction)(both, target)


def pinball_loss(y_pred: Tensor, y_true: Any, quantiles: Sequence[float] = (0.05, 0.5, 0.95),
                 reduction: str = "mean") -> Tensor:
    """Pinball (quantile) loss of predictions (N, m k) for ``quantiles`` (see
    :class:`glassnet.losses.Pinball`).

    Parameters
    ----------
    y_pred : Tensor
        The predicted quantiles, (N, outputs * len(quantiles)).
    y_true : array_like
        The targets, (N, outputs).
    quantiles : sequence of float, default (0.05, 0.5, 0.95)
        The quantile levels in (0, 1), one column each.
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> pred = gn.tensor([[0.0, 1.0, 2.0]])
    >>> print(round(float(gn.functional.pinball_loss(pred, [[1.5]]).numpy()), 4))
    0.1167
    """
    return Pinball(quantiles, reduction)(y_pred, y_true)
