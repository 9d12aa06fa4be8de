"""Gradient clipping on the ``.grad`` of parameters, in place (as ``torch.nn.utils``)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from glassnet.optim.base import CLIP_EPS, check_hyperparameter
from glassnet.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(params: Tensor | Iterable[Tensor]) -> list[np.ndarray]:
    if isinstance(params, Tensor):
        params = [params]
    grads = []
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"params must hold Tensors (Parameters), got {type(p).__name__}")
        if p.grad is not None:
            if not isinstance(p.grad, np.ndarray):
                p.grad = np.array(p.grad, dtype=p.dtype)
            grads.append(p.grad)
    return grads


def clip_grad_norm_(
    params: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0
) -> float:
    r"""Rescale the gradients in place so that their global norm is at most ``max_norm``.

    .. math::

        \|g\| = \Big(\sum_{p} \sum_i |g_{p,i}|^q\Big)^{1/q}, \qquad
        g \leftarrow g \cdot \min\Big(1, \frac{\text{max\_norm}}{\|g\| + 10^{-6}}\Big)

    over all parameters p together (q = ``norm_type``; ``inf`` takes the largest
    :math:`|g_{p,i}|`). The direction of the update is kept, only its length is capped:
    the usual cure for exploding gradients. Parameters whose ``.grad`` is None are skipped.

    Parameters
    ----------
    params : Parameter or iterable of Parameter
    max_norm : float
        Largest allowed norm, >= 0.
    norm_type : float, default 2.0
        q > 0, or ``math.inf``.

    Returns
    -------
    float
        The norm of the gradients before clipping.

    Examples
    --------
    >>> from glassnet.layers import Parameter
    >>> w = Parameter(np.zeros(2))
    >>> w.grad = np.array([3.0, 4.0])
    >>> clip_grad_norm_([w], max_norm=1.0)
    5.0
    >>> w.grad.round(6)
    array([0.6, 0.8])
    """
    max_norm = check_hyperparameter("max_norm", max_norm)
    if norm_type != math.inf:
        norm_type = check_hyperparameter("norm_type", norm_type, low_open=True)
    grads = _grads(params)
    if not grads:
        return 0.0
    norms = [float(np.linalg.norm(g.reshape(-1), ord=norm_type)) for g in grads]
    total = float(np.linalg.norm(np.array(norms), ord=norm_type))
    coef = max_norm / (total + CLIP_EPS)
    if coef < 1.0:
        for g in grads:
            g *= coef
    return total


def clip_grad_value_(params: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every gradient component to ``[-clip_value, clip_value]``, in place.

    Unlike :func:`clip_grad_norm_` this changes the direction of the gradient.
    Parameters whose ``.grad`` is None are skipped.

    Parameters
    ----------
    params : Parameter or iterable of Parameter
    clip_value : float
        >= 0.

    Examples
    --------
    >>> w = gn.Parameter(np.array([1.0, -2.0], dtype=np.float32))
    >>> (3 * w * w).sum().backward()
    >>> print(w.grad)
    [  6. -12.]
    >>> gn.optim.clip_grad_value_([w], 1.0)
    >>> print(w.grad)
    [ 1. -1.]
    """
    clip_value = check_hyperparameter("clip_value", clip_value)
    for g in _grads(params):
        np.clip(g, -clip_value, clip_value, out=g)
