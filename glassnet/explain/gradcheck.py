"""Gradient checking: backpropagation against central finite differences, in float64.

For every number theta of every parameter (and of the input), the derivative of the
scalar objective E is estimated by

.. math::

    \\frac{\\partial E}{\\partial \\theta} \\approx
        \\frac{E(\\theta + \\epsilon) - E(\\theta - \\epsilon)}{2 \\epsilon}

(error O(epsilon^2)) and compared with what ``E.backward()`` computed. The relative error
of one number is

.. math::

    r = \\frac{|g_{backprop} - g_{numeric}|}{\\max(|g_{backprop}|, |g_{numeric}|, a / t)}

so gradients far above ``atol / rtol`` are judged relatively (r <= rtol) and tiny ones
absolutely (difference <= atol).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet._checks import check_seed
from glassnet.explain import _util
from glassnet.layers.module import Module
from glassnet.tensor import Tensor, no_grad

__all__ = ["gradcheck", "GradcheckResult"]


@dataclass
class GradcheckResult:
    """What :func:`gradcheck` found, per checked tensor (parameters and ``"input"``).

    Attributes
    ----------
    errors : dict of str to float
        The largest relative error r of each tensor.
    abs_errors : dict of str to float
        The largest absolute difference of each tensor.
    checked : dict of str to int
        How many numbers of each tensor were perturbed.
    rtol, atol : float
    passed : bool
        Every tensor within tolerance. ``bool(result)`` is the same.

    Examples
    --------
    >>> result = gn.explain.gradcheck(lambda x: (x * x).sum(), np.array([[1.0, -2.0]]))
    >>> type(result).__name__, result.passed
    ('GradcheckResult', True)
    """

    errors: dict[str, float]
    abs_errors: dict[str, float]
    checked: dict[str, int]
    rtol: float
    atol: float
    passed: bool = field(init=False)

    def __post_init__(self) -> None:
        self.passed = all(e <= self.rtol for e in self.errors.values())

    @property
    def failed(self) -> list[str]:
        """The tensors whose largest relative error exceeds ``rtol``."""
        return [name for name, e in self.errors.items() if e > self.rtol]

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        from glassnet.explain._tables import Section, plain

        rows = [[name, self.checked[name], self.errors[name], self.abs_errors[name],
                 "ok" if self.errors[name] <= self.rtol else "FAIL"] for name in self.errors]
        verdict = "passed" if self.passed else f"FAILED: {', '.join(self.failed)}"
        section = Section(f"gradient check (rtol {self.rtol:g}, atol {self.atol:g}): {verdict}",
                          ["tensor", "checked", "max rel error", "max abs error", ""], rows)
        return plain([section], digits=3)


def _objective(forward: Callable[[Tensor], Tensor], y: Any, loss_fn: Any,
               seed: int) -> Callable[[Tensor], Tensor]:
    """E(x): the loss of the output, or with ``y`` None a fixed random projection sum(out * R)."""
    projection: dict[str, np.ndarray] = {}

    def objective(x: Tensor) -> Tensor:
        out = forward(x)
        if y is not None:
            return loss_fn(out, y)
        if "R" not in projection:
            projection["R"] = np.random.default_rng(seed).standard_normal(out.shape)
        return (out * projection["R"]).sum()

    return objective


def _numeric(E: Callable[[Tensor], Tensor], x: Tensor, target: Tensor, indices: list[tuple[int, ...]],
             eps: float) -> np.ndarray:
    values = np.empty(len(indices))
    data = target.data
    with no_grad():
        for k, index in enumerate(indices):
            original = data[index]
            data[index] = original + eps
            plus = E(x).item()
            data[index] = original - eps
            minus = E(x).item()
            data[index] = original
            values[k] = (plus - minus) / (2 * eps)
    return values


def _indices(shape: tuple[int, ...], max_checks: int | None,
             rng: np.random.Generator) -> list[tuple[int, ...]]:
    every = list(np.ndindex(shape))
    if max_checks is None or len(every) <= max_checks:
        return every
    chosen = np.sort(rng.choice(len(every), size=max_checks, replace=False))
    return [every[i] for i in chosen]


def _prepare(model_or_fn: Any, training: bool,
             params: Mapping[str, Tensor] | None) -> tuple[Any, dict[str, Tensor]]:
    if isinstance(model_or_fn, Module):
        work = _util.cast(_util.clone(model_or_fn), np.float64)
        work.train(training)
        return work, {}
    if not callable(model_or_fn):
        raise TypeError("model_or_fn must be a glassnet Model/Layer or a callable, got "
                        f"{type(model_or_fn).__name__}")
    extra = dict(params or {})
    for name, t in extra.items():
        if not isinstance(t, Tensor) or t.dtype != np.float64 or not t.requires_grad:
            raise TypeError(
                f"params[{name!r}] must be a float64 Tensor with requires_grad=True (finite "
                f"differences need double precision), got {t!r}"
            )
    return model_or_fn, extra


def gradcheck(
    model_or_fn: Module | Callable[[Tensor], Tensor],
    X: Any,
    y: Any = None,
    *,
    loss: Any = None,
    params: Mapping[str, Tensor] | None = None,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    training: bool = False,
    check_input: bool = True,
    max_checks: int | None = None,
    seed: int = 0,
) -> GradcheckResult:
    """Compare backpropagation with central finite differences for every parameter.

    A model or layer is copied and converted to float64 (the original is untouched);
    the objective is its loss on (X, y), or, with ``y`` None, the sum of its outputs
    weighted by fixed random numbers (which tests every output's gradient).

    Parameters
    ----------
    model_or_fn : Model, Layer or callable
        A callable maps a Tensor X to a Tensor; it is checked with respect to X and to
        the float64 tensors in ``params``.
    X, y : array_like
    loss : str or Loss, optional
        Default: the compiled loss, else the one the output activation calls for (cross-entropy after
        softmax, binary cross-entropy after sigmoid, else MSE) (only used with ``y``).
    params : dict of str to Tensor, optional
        Extra tensors a callable uses (float64, requires_grad=True).
    eps : float, default 1e-6
        The finite-difference step.
    rtol, atol : float, default 1e-5 and 1e-8
        Tolerances, see the module docstring.
    training : bool, default False
        Check the training-mode graph (batch statistics); the default is evaluation
        mode, in which dropout is the identity.
    check_input : bool, default True
        Also check dE/dX (pooling and other parameter-free layers are checked this way).
    max_checks : int, optional
        Perturb at most this many numbers per tensor (a seeded random subset).
    seed : int, default 0

    Returns
    -------
    GradcheckResult

    Examples
    --------
    >>> result = gradcheck(gn.layers.Dense(3, activation="tanh"), np.ones((4, 2)))
    >>> result.passed
    True
    """
    check_seed(seed)
    work, tensors = _prepare(model_or_fn, training, params)
    x = _util.as_input(X, np.float64, requires_grad=check_input)
    loss_fn = None
    if y is not None:
        loss_fn = _util.output_loss(_util.resolve_loss(work, loss), _util.final_activation(work))
    E = _objective(work, y, loss_fn, seed)
    E(x)  # builds lazily created weights before they are listed
    if isinstance(work, Module):
        tensors = dict(work.named_parameters())
    if check_input:
        tensors["input"] = x
    for t in tensors.values():
        t.grad = None
    E(x).backward()
    rng = np.random.default_rng(seed)
    errors, abs_errors, checked = {}, {}, {}
    for name, t in tensors.items():
        indices = _indices(t.shape, max_checks, rng)
        numeric = _numeric(E, x, t, indices, eps)
        analytic = np.zeros(t.shape) if t.grad is None else t.grad
        analytic = np.array([analytic[i] for i in indices])
        diff = np.abs(analytic - numeric)
        scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), atol / rtol)
        errors[name] = float((diff / scale).max(initial=0.0))
        abs_errors[name] = float(diff.max(initial=0.0))
        checked[name] = len(indices)
    return GradcheckResult(errors, abs_errors, checked, rtol, atol)
