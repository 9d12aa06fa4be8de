"""The prediction methods shared by every method that draws several predictions per input."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._checks import check_flag
from glassnet.layers.heads import check_level
from glassnet.uncertainty._draws import (
    ClassUncertainty,
    Components,
    Draws,
    class_uncertainty,
    components,
    normal_interval,
)

__all__ = ["Predictive"]


class Predictive:
    """``predict``, ``predict_components``, ``predict_interval``, ``predict_proba`` and
    ``predict_uncertainty`` from the draws a subclass gives (``_draws(X, what)``)."""

    def _draws(self, X: Any, what: str) -> Draws:
        raise NotImplementedError

    def _kind_of_draws(self, X: Any, what: str, regression: bool | None) -> Draws:
        """The draws, checked to be a regression's (``regression`` True) or a classifier's
        (False); every public method calls it directly, so that warnings point at the caller."""
        draws = self._draws(X, what)
        if regression is None:
            return draws
        if regression and draws.kind == "probabilities":
            raise ValueError(f"{what} is for a regression, but the model's output holds class "
                             f"probabilities ({draws.activation}); use predict_proba and "
                             "predict_uncertainty for a classifier")
        if not regression and draws.kind != "probabilities":
            raise ValueError(f"{what} needs class probabilities, but the model's output is not a softmax "
                             "or sigmoid; use predict(X, return_std=True) or predict_interval for a "
                             "regression")
        return draws

    def predict(self, X: Any, return_std: bool = False) -> Any:
        """The mean prediction over the draws, shape (N, outputs) as ``Model.predict`` gives.

        With ``return_std=True`` (scikit-learn's ``GaussianProcessRegressor`` convention)
        ``(mean, std)``: for a regression the total predictive std (aleatoric and
        epistemic, see :meth:`predict_components`); for a classifier the mean class
        probabilities and their std over the draws.
        """
        check_flag("return_std", return_std)
        draws = self._kind_of_draws(X, "predict", None)
        if draws.kind == "probabilities":
            mean = draws.means.mean(axis=0)
            return (mean, draws.means.std(axis=0)) if return_std else mean
        parts = components(draws)
        return (parts.mean, parts.std) if return_std else parts.mean

    def predict_components(self, X: Any) -> Components:
        """The regression prediction and its std split by source, as a named tuple
        ``(mean, std, aleatoric_std, epistemic_std)`` with std^2 = aleatoric_std^2 +
        epistemic_std^2.

        The aleatoric variance is the mean of the draws' predicted noise variances (zero
        for networks without a Gaussian or quantile output head); the epistemic variance
        is the variance of the draws' means.
        """
        return components(self._kind_of_draws(X, "predict_components", True))

    def predict_interval(self, X: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)``: the central ``level`` interval of a normal distribution with
        the predicted mean and total std.

        Without an output head that predicts the noise, the std is the spread of the draws
        only (epistemic): such an interval does not cover the data's noise. For intervals
        with guaranteed coverage use :func:`glassnet.uncertainty.conformal_interval`.
        """
        level = check_level("predict_interval", level)
        parts = components(self._kind_of_draws(X, "predict_interval", True))
        return normal_interval(parts.mean, parts.std, level)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The class probabilities averaged over the draws."""
        return self._kind_of_draws(X, "predict_proba", False).means.mean(axis=0)

    def predict_uncertainty(self, X: Any) -> ClassUncertainty:
        """Per input, in nats, a named tuple ``(entropy, aleatoric, mutual_information)``:
        the entropy of the mean probabilities, the draws' mean entropy (aleatoric) and the
        mutual information (epistemic), ``entropy = aleatoric + mutual_information``."""
        return class_uncertainty(self._kind_of_draws(X, "predict_uncertainty", False))
