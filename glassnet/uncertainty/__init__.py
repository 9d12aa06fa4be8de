"""Predictions with error bars: the model's (epistemic) uncertainty, the data's (aleatoric)
noise, and intervals with guaranteed coverage.

- :class:`DeepEnsemble`: networks trained from different seeds (through the backend switch:
  this process, local processes or Dask); their spread is the epistemic uncertainty.
- :class:`MCDropout`: a trained network with dropout kept on at prediction time.
- :func:`conformal_interval`: split-conformal intervals for any trained regressor.

Both classes share one interface: ``predict(X, return_std=True)`` -> (mean, std),
``predict_components(X)`` -> (mean, std, aleatoric_std, epistemic_std) for members or
models ending in a :class:`~glassnet.layers.GaussianHead`, ``predict_interval(X, level)``
-> (lower, upper); for classifiers ``predict_proba(X)`` (mean probabilities) and
``predict_uncertainty(X)`` -> (entropy, aleatoric, mutual_information).
"""

from glassnet.uncertainty._draws import ClassUncertainty, Components
from glassnet.uncertainty.conformal import conformal_interval
from glassnet.uncertainty.ensemble import DeepEnsemble
from glassnet.uncertainty.mc_dropout import MCDropout

__all__ = ["DeepEnsemble", "MCDropout", "conformal_interval", "Components", "ClassUncertainty"]
