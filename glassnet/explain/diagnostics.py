"""Diagnostics of training health: gradient flow, dead ReLUs and saturated units.

A unit j of layer l passes gradient back only where its local derivative g'(z_j) is not
small, since delta^l = dE/da^l * g'(z^l). A ReLU unit whose z is negative on every
sample has g' = 0 everywhere: it is dead and its weights stop learning. A sigmoid or
tanh unit driven far from 0 has g' close to 0: it is saturated. Both are read here from
the derivatives the activation nodes of one forward pass apply in backward.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet.explain import _util
from glassnet.explain.trace import _g_prime, run_layers
from glassnet.tensor import Tensor

__all__ = ["activation_report", "ActivationReport", "gradient_flow"]

_PROBE = np.linspace(-10.0, 10.0, 4001)


@dataclass
class ActivationReport:
    """Per layer: the fraction of dead and of saturated units on one batch.

    Attributes
    ----------
    rows : list of dict
        One per layer with an elementwise activation: ``layer``, ``activation``,
        ``units``, ``dead`` (fraction of units with g'(z) = 0 on every sample),
        ``saturated`` (fraction of units with |g'(z)| below ``tol`` times the activation's
        largest slope on every sample) and ``saturated_values`` (the same test over all
        sample-unit pairs).
    tol : float
        The saturation threshold, a fraction of the activation's largest slope.

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(8, activation="relu", input_dim=2)], seed=0)
    >>> report = gn.explain.activation_report(model, np.random.default_rng(0).normal(size=(32, 2)))
    >>> type(report).__name__, report.rows[0]["units"]
    ('ActivationReport', 8)
    """

    rows: list[dict[str, Any]]
    tol: float

    columns = ("layer", "activation", "units", "dead", "saturated", "saturated_values")

    def _section(self) -> Any:
        from glassnet.explain._tables import Section

        return Section(f"dead and saturated units (|g'(z)| < {self.tol:g} x max |g'|)", list(self.columns),
                       [[row[c] for c in self.columns] for row in self.rows])

    def table(self, console: Any = None, digits: int = 3) -> list[Any]:
        """Print the report with rich and return the table."""
        from glassnet.explain._tables import print_sections

        return print_sections([self._section()], console, digits)

    def to_markdown(self, digits: int = 3) -> str:
        from glassnet.explain._tables import markdown

        return markdown([self._section()], digits)

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(self.columns))


def _max_slope(g: Any) -> float:
    """The largest |g'(z)| over z in [-10, 10], by the activation's own backward."""
    z = Tensor(_PROBE, requires_grad=True, dtype=np.float64)
    g(z).backward(np.ones_like(_PROBE))
    return float(np.abs(z.grad).max())


def activation_report(model: Any, X: Any, tol: float = 0.01) -> ActivationReport:
    """Fractions of dead and saturated units per layer on the batch ``X``.

    Parameters
    ----------
    model : Sequential
    X : array_like
        A representative batch (the more samples, the more telling "never active" is).
    tol : float, default 0.01
        A value counts as saturated when |g'(z)| < tol * max |g'| (sigmoid: max 1/4 at z = 0).

    Returns
    -------
    ActivationReport

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(4, activation="sigmoid", input_dim=1)], seed=0)
    >>> report = gn.explain.activation_report(model, np.array([[50.0], [60.0]]))
    >>> print(report.rows[0]["activation"], report.rows[0]["saturated"])
    sigmoid 1.0
    """
    if not 0 < tol < 1:
        raise ValueError(f"tol must be in (0, 1), got {tol!r}")
    work, dtype = _util.working_copy(model)
    work.eval()
    x = _util.as_input(X, dtype)
    rows = []
    for i, (layer, _, z, a) in enumerate(run_layers(work, x), start=1):
        slope = _g_prime(z, a)
        if slope is None:
            continue
        slope = np.abs(slope).reshape(slope.shape[0], -1)
        saturated = slope < tol * _max_slope(layer.g)
        rows.append({"layer": f"{i}: {layer.name}", "activation": layer.activation or "identity",
                     "units": slope.shape[1], "dead": float((slope == 0).all(axis=0).mean()),
                     "saturated": float(saturated.all(axis=0).mean()),
                     "saturated_values": float(saturated.mean())})
    return ActivationReport(rows, tol)


def gradient_flow(history: Any, path: Any = None, layers: Sequence[str] | None = None) -> Any:
    """Plot per-layer gradient norms over training from ``fit(..., track_gradients=True)``.

    Parameters
    ----------
    history : History or dict of str to list of float
        ``History.gradient_norms`` (layer name -> mean ||dE/dW|| per epoch) or the History.
    path : str or os.PathLike, optional
        Where to save the figure.
    layers : list of str, optional
        Only these layers.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(4, activation="tanh", input_dim=2), gn.layers.Dense(1)],
    ...                       seed=0)
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> X = np.random.default_rng(0).normal(size=(16, 2))
    >>> history = model.fit(X, X[:, :1], epochs=3, verbose=0, track_gradients=True)
    >>> figure = gn.explain.gradient_flow(history)
    >>> type(figure).__name__, sorted(history.gradient_norms)
    ('Figure', ['dense', 'dense_1'])
    """
    from glassnet import plot

    norms = getattr(history, "gradient_norms", history)
    if not isinstance(norms, Mapping) or not norms:
        raise ValueError(
            "no gradient norms to plot: train with model.fit(..., track_gradients=True) and pass "
            "the History it returns (or its gradient_norms dict)"
        )
    if layers is not None:
        unknown = [name for name in layers if name not in norms]
        if unknown:
            raise ValueError(f"layers {unknown} have no recorded norms; recorded: {list(norms)}")
        norms = {name: norms[name] for name in layers}
    return plot.gradient_flow(norms, path, xlabel="epoch")
