"""Draws of a prediction (ensemble members, dropout samples) and what they summarize to.

Each draw s of S is one network's output for the N inputs: its values (a plain
regression output), its mean and variance (an output head that predicts the data's
noise, such as :class:`~glassnet.layers.GaussianHead`), or its class probabilities.
Over the draws the law of total variance splits the predictive variance in two:

.. math::

    \\sigma^2(x) = \\underbrace{\\frac{1}{S}\\sum_s \\sigma_s^2(x)}_{\\text{aleatoric}}
        + \\underbrace{\\frac{1}{S}\\sum_s \\big(\\mu_s(x) - \\bar\\mu(x)\\big)^2}_{\\text{epistemic}}

For probabilities, the predictive entropy H[p-bar] splits likewise into the expected
entropy of the draws (aleatoric) and the mutual information between the prediction and
the draw (epistemic): MI = H[p-bar] - (1/S) sum_s H[p_s].
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Draws", "Components", "ClassUncertainty", "output_head", "output_kind", "model_draw",
           "components", "class_uncertainty", "normal_interval"]

#: Output activations whose values are probabilities.
PROBABILITIES = ("softmax", "sigmoid")


class Draws(NamedTuple):
    """S draws of a prediction for N inputs and k outputs.

    kind : "values", "gaussian" (means and variances) or "probabilities"
    means : (S, N, k) values, means or probabilities
    variances : (S, N, k) predicted noise variances ("gaussian"), else None
    activation : the output activation of probabilities ("softmax" or "sigmoid"), else None
    """

    kind: str
    means: np.ndarray
    variances: np.ndarray | None = None
    activation: str | None = None


class Components(NamedTuple):
    """A regression prediction with its standard deviation split into its two sources.

    ``std**2 == aleatoric_std**2 + epistemic_std**2``; each array has the shape of ``mean``.

    Parameters
    ----------
    mean : ndarray
        The prediction.
    std : ndarray
        The total standard deviation.
    aleatoric_std : ndarray
        The data's noise, from a Gaussian head.
    epistemic_std : ndarray
        The model's uncertainty, from the spread of the members or passes.

    Examples
    --------
    >>> c = gn.uncertainty.Components(np.array([1.0]), np.array([5.0]), np.array([3.0]), np.array([4.0]))
    >>> bool(np.allclose(c.std ** 2, c.aleatoric_std ** 2 + c.epistemic_std ** 2))
    True
    """

    mean: np.ndarray
    std: np.ndarray
    aleatoric_std: np.ndarray
    epistemic_std: np.ndarray


class ClassUncertainty(NamedTuple):
    """Per input (shape (N,)), in nats: the predictive entropy H[p-bar], its aleatoric part
    (the draws' mean entropy) and its epistemic part, the mutual information
    ``entropy - aleatoric``.

    Parameters
    ----------
    entropy : ndarray
        The predictive entropy H[p-bar], (N,).
    aleatoric : ndarray
        The draws' mean entropy, (N,).
    mutual_information : ndarray
        ``entropy - aleatoric``, the epistemic part, (N,).

    Examples
    --------
    >>> u = gn.uncertainty.ClassUncertainty(np.array([0.69]), np.array([0.5]), np.array([0.19]))
    >>> u.mutual_information
    array([0.19])
    """

    entropy: np.ndarray
    aleatoric: np.ndarray
    mutual_information: np.ndarray


def output_head(model: Any) -> Any:
    """The layer making the model's single output when it reads that output as a mean and a
    spread (``mean_std``: a :class:`~glassnet.layers.GaussianHead` or
    :class:`~glassnet.layers.QuantileHead`), else None."""
    if len(model.output_activations) != 1:
        return None
    last = model.final_layer(0)
    return last if callable(getattr(last, "mean_std", None)) else None


def output_kind(model: Any) -> str:
    """"gaussian" for a model ending in an output head, "probabilities" for a softmax or
    sigmoid output, else "values"."""
    if output_head(model) is not None:
        return "gaussian"
    activations = model.output_activations
    if len(activations) != 1:
        raise ValueError(f"model {model.name!r} has {len(activations)} outputs; the uncertainty methods "
                         "take models with one output")
    return "probabilities" if activations[0] in PROBABILITIES else "values"


def model_draw(model: Any, output: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(means, variances or None) of one network output, as 2-D (N, k) arrays."""
    head = output_head(model)
    if head is None:
        out = np.asarray(output, dtype=np.float64)
        return out.reshape(out.shape[0], -1), None
    mean, std = head.mean_std(np.asarray(output))
    mean = np.asarray(mean, dtype=np.float64)
    std = np.asarray(std, dtype=np.float64)
    return mean.reshape(mean.shape[0], -1), std.reshape(std.shape[0], -1) ** 2


def components(draws: Draws) -> Components:
    """Mean and std over the draws, the std split into aleatoric and epistemic parts."""
    mean = draws.means.mean(axis=0)
    epistemic = draws.means.var(axis=0)
    aleatoric = draws.variances.mean(axis=0) if draws.variances is not None else np.zeros_like(mean)
    return Components(mean, np.sqrt(aleatoric + epistemic), np.sqrt(aleatoric), np.sqrt(epistemic))


def normal_interval(mean: np.ndarray, std: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The central ``level`` interval of N(mean, std^2): mean -/+ z std."""
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return mean - z * std, mean + z * std


def _entropy(p: np.ndarray, activation: str | None) -> np.ndarray:
    """Entropy (nats) over the last axis; a sigmoid's outputs are independent Bernoullis."""
    p = np.clip(p, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = -np.where(p > 0, p * np.log(p), 0.0)
        if activation == "sigmoid":
            q = 1.0 - p
            terms = terms - np.where(q > 0, q * np.log(q), 0.0)
    return terms.sum(axis=-1)


def class_uncertainty(draws: Draws) -> ClassUncertainty:
    """Predictive entropy and its split into expected entropy and mutual information."""
    total = _entropy(draws.means.mean(axis=0), draws.activation)
    aleatoric = _entropy(draws.means, draws.activation).mean(axis=0)
    return ClassUncertainty(total, aleatoric, np.maximum(total - aleatoric, 0.0))
