"""Figures of a model and its training (``gn.plot``): matplotlib, Agg canvas, no pyplot.

Every function returns a :class:`matplotlib.figure.Figure` drawn on an Agg canvas of its
own, so a user's chosen backend, current figure and open figures are left alone; those
that compute numbers worth checking (:func:`optimizer_paths`, :func:`learning_rate_paths`,
:func:`bias_variance`) return ``(figure, result)`` with the numbers in a dict. Given
``path=``, the figure is also saved there, at :data:`DPI` dots per inch (PNG unless the
suffix names another format matplotlib writes; missing folders are created).
matplotlib and scikit-learn are imported inside the functions: ``import glassnet`` does
not load them.

- training: :func:`history`, :func:`gradient_flow`
- the network's neurons and weights: :func:`network`
- results: :func:`confusion_matrix`, :func:`roc_curve`, :func:`decision_boundary`,
  :func:`regression_fit`
- uncertainty: :func:`calibration`, :func:`uncertainty_band`
- a hyperparameter search: :func:`search_results`
- the lectures' figures: :func:`activations`, :func:`gradient_descent_path`,
  :func:`optimizer_paths`, :func:`learning_rate_paths`, :func:`bias_variance`
"""

from glassnet.plot._canvas import DPI
from glassnet.plot.complexity import bias_variance
from glassnet.plot.evaluation import confusion_matrix, decision_boundary, regression_fit, roc_curve
from glassnet.plot.lectures import (
    ACTIVATIONS,
    activations,
    gradient_descent_path,
    ill_conditioned_quadratic,
)
from glassnet.plot.network import network
from glassnet.plot.paths import learning_rate_paths, optimizer_paths
from glassnet.plot.search import search_results
from glassnet.plot.training import gradient_flow, history
from glassnet.plot.uncertainty import calibration, uncertainty_band

__all__ = [
    "history", "gradient_flow", "confusion_matrix", "roc_curve", "decision_boundary",
    "regression_fit", "activations", "gradient_descent_path", "ill_conditioned_quadratic",
    "calibration", "uncertainty_band", "ACTIVATIONS", "DPI", "optimizer_paths", "learning_rate_paths",
    "bias_variance", "network", "search_results",
]
