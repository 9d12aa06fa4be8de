"""MLPRegressor's predictive uncertainty: an ensemble of networks, MC dropout, or a Gaussian
output head (see :mod:`glassnet.uncertainty` for the methods themselves)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import clone

from glassnet.estimators._base import rng_from
from glassnet.uncertainty._draws import Draws, components, model_draw
from glassnet.uncertainty._ranges import joined_ranges, training_ranges, warn_outside
from glassnet.uncertainty.ensemble import member_seeds
from glassnet.uncertainty.mc_dropout import MCDropout

__all__ = ["METHODS", "check_options", "fit_members", "fitted_method", "draws", "summary"]

METHODS = ("ensemble", "mc_dropout", "gaussian")


def check_options(estimator: Any) -> None:
    """A ValueError naming the hyperparameters that the chosen ``uncertainty`` cannot use."""
    method = estimator.uncertainty
    if method is None:
        return
    if estimator.loss != "squared_error":
        raise ValueError(f"uncertainty={method!r} is available with loss='squared_error', got "
                         f"loss={estimator.loss!r}")
    if method == "mc_dropout" and not estimator.dropout:
        raise ValueError("uncertainty='mc_dropout' samples the network's dropout masks at prediction time "
                         f"and needs dropout > 0 (e.g. dropout=0.1), got dropout={estimator.dropout!r}")
    if method == "gaussian" and estimator.solver == "lbfgs":
        raise ValueError("uncertainty='gaussian' trains a mean and a variance output with the Gaussian "
                         "negative log-likelihood on a stochastic solver; use solver='adam' (or 'sgd')")


def fit_members(estimator: Any, X: Any, y: Any, sample_weight: Any, incremental: bool) -> None:
    """After the estimator's own network is trained: for ``uncertainty="ensemble"``, train the
    other ``n_members - 1`` networks, each from its own seed spawned from ``random_state``
    (continued, not restarted, by ``partial_fit`` and ``warm_start``); for every method,
    record the method and the training range of each column of X (widened by ``partial_fit``
    to every batch seen)."""
    estimator._fitted_uncertainty = estimator.uncertainty
    ranges = training_ranges(np.asarray(X)) if estimator.uncertainty else None
    if incremental:
        ranges = joined_ranges(getattr(estimator, "training_ranges_", None), ranges)
    estimator.training_ranges_ = ranges
    members = getattr(estimator, "members_", [])
    if not members or not (incremental or estimator.warm_start):
        base = int(rng_from(estimator.random_state).integers(2**32 - 1))
        estimator._dropout_seed, *seeds = member_seeds(base, estimator.n_members)
        members = [clone(estimator).set_params(uncertainty=None, random_state=s) for s in seeds]
    estimator.members_ = members if estimator.uncertainty == "ensemble" else []
    for member in estimator.members_:
        if incremental:
            member.partial_fit(X, y, sample_weight)
        else:
            member.fit(X, y, sample_weight)


def fitted_method(estimator: Any) -> str | None:
    """The ``uncertainty`` the estimator was fitted with (a later ``set_params`` counts from
    the next fit, as every hyperparameter does), None before fitting."""
    return getattr(estimator, "_fitted_uncertainty", None)


def draws(estimator: Any, X: np.ndarray) -> Draws:
    """The draws behind a prediction for validated X: the members' predictions, the dropout
    passes, or the Gaussian head's mean and variance."""
    method = fitted_method(estimator)
    if method == "ensemble":
        outputs = [estimator._outputs(X)] + [m._outputs(X) for m in estimator.members_]
        return Draws("values", np.stack([o.reshape(o.shape[0], -1) for o in outputs]))
    if method == "mc_dropout":
        passes = MCDropout(estimator.model_, estimator.n_samples, estimator._dropout_seed).sample(X)
        return Draws("values", passes.astype(np.float64))
    mean, variance = model_draw(estimator.model_, estimator.model_.predict(X))
    return Draws("gaussian", mean[None], variance[None])


def summary(estimator: Any, X: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) for validated X, shaped as ``predict`` gives them."""
    if fitted_method(estimator) is None:
        raise ValueError(f"{what}: this MLPRegressor was fitted without uncertainty; fit it with "
                         "uncertainty='ensemble', 'mc_dropout' or 'gaussian' to get a std and intervals")
    warn_outside(estimator.training_ranges_, X, what, stacklevel=4)
    parts = components(draws(estimator, X))
    if estimator.n_outputs_ == 1:
        return parts.mean[:, 0], parts.std[:, 0]
    return parts.mean, parts.std
