"""The glass box: every number of forward and backward propagation, shown and checked.

- :func:`trace`: one forward and backward pass (and one update) with a_prev, z, a, delta,
  dW, db and the step of every layer; tables, a DataFrame, Markdown and the chain rule
  with the numbers substituted (:meth:`Trace.equations`).
- :func:`iterate`: the lectures' iteration tables, one row per gradient-descent step.
- :func:`through_time`: a tiny recurrent network's h_t and dE/dh_t at every step
  (backpropagation through time; the gradient vanishing with tanh).
- :func:`gradcheck`: backpropagation against central finite differences in float64.
- :func:`graph`: the computation graph of an expression as Graphviz DOT text.
- :func:`loss_landscape`: the loss on a line or a filter-normalized plane in weight space.
- :func:`lr_finder`: the learning-rate range test.
- :func:`activation_report`, :func:`gradient_flow`: dead and saturated units; gradient
  norms per layer over training.
- :func:`adversarial`: FGSM and PGD adversarial examples and the accuracy they cost.
- :mod:`~glassnet.explain.examples`: the lectures' worked examples (``glassnet explain``).

These tools read the autodiff graph itself (``Tensor._ctx``, ``.parents``, ``.op``,
``retain_grad``) and work on copies: the model passed in is never changed. pandas, rich
and matplotlib are imported only by the views that need them.
"""

from glassnet.explain import examples
from glassnet.explain.adversarial import AdversarialResult, adversarial
from glassnet.explain.diagnostics import ActivationReport, activation_report, gradient_flow
from glassnet.explain.gradcheck import GradcheckResult, gradcheck
from glassnet.explain.graph import Graph, graph
from glassnet.explain.iteration import Iteration, iterate
from glassnet.explain.landscape import Landscape, filter_normalized_direction, loss_landscape
from glassnet.explain.lr_finder import LRFinderResult, lr_finder
from glassnet.explain.through_time import ThroughTime, through_time
from glassnet.explain.trace import LayerTrace, Trace, trace

__all__ = [
    "trace", "Trace", "LayerTrace", "iterate", "Iteration", "through_time", "ThroughTime",
    "gradcheck", "GradcheckResult", "graph", "Graph",
    "loss_landscape", "Landscape", "filter_normalized_direction",
    "lr_finder", "LRFinderResult",
    "activation_report", "ActivationReport", "gradient_flow",
    "adversarial", "AdversarialResult",
    "examples",
]
