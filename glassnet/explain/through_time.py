"""Backpropagation through time, step by step: a tiny recurrent network's h_t and the gradient
dE/dh_t that flows back to each step, and how it vanishes with tanh.

The numbers are read from the recurrent layer's node in the graph: its forward output holds
every h_t, and its backward keeps dE/dh_t of every step (``state_grads``, see
:mod:`glassnet.ops.recurrent`). Going one step back multiplies the gradient by the step's
Jacobian,

.. math::

    \\frac{\\partial E}{\\partial h_{t-1}}
        = \\Big(\\frac{\\partial E}{\\partial h_t} \\odot g'(z_t)\\Big) U^T,

so with tanh, whose g'(z) = 1 - h_t^2 <= 1, the norm shrinks at every step where a unit is
away from zero; an orthogonal U keeps the norm by itself (a linear g keeps it exactly), so
the shrinking is tanh's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet.explain._tables import Section, markdown, plain, print_sections

__all__ = ["through_time", "ThroughTime"]


@dataclass
class ThroughTime:
    """One sequence through a SimpleRNN and back, with E = sum(h_T).

    Attributes
    ----------
    activation : str
    x : ndarray (T, F)
        The input sequence.
    h : ndarray (T, H)
        The hidden state after each step.
    grad : ndarray (T, H)
        dE/dh_t for each step t (row t-1 is step t).
    layer : SimpleRNN
        The layer, with its weights W, U, b, b_U.

    Examples
    --------
    >>> result = gn.explain.through_time(steps=10, units=2)
    >>> type(result).__name__, result.h.shape
    ('ThroughTime', (10, 2))
    """

    activation: str
    x: np.ndarray
    h: np.ndarray
    grad: np.ndarray
    layer: Any

    @property
    def norms(self) -> np.ndarray:
        """||dE/dh_t|| per step."""
        return np.linalg.norm(self.grad, axis=1)

    @property
    def factor(self) -> float:
        """The mean factor by which one step back scales the gradient's norm:
        (||dE/dh_1|| / ||dE/dh_T||)^(1 / (T - 1)); 1 for a sequence of one step."""
        T = len(self.norms)
        return 1.0 if T == 1 else float((self.norms[0] / self.norms[-1]) ** (1 / (T - 1)))

    def sections(self) -> list[Section]:
        rows = [[t + 1, self.h[t], self.grad[t], self.norms[t], self.norms[t] / self.norms[-1]]
                for t in range(len(self.h))]
        return [Section(f"a SimpleRNN({self.h.shape[1]}, activation={self.activation!r}) over {len(self.h)} "
                        "steps, E = sum(h_T)",
                        ["t", "h_t", "dE/dh_t", "||dE/dh_t||", "||dE/dh_t|| / ||dE/dh_T||"], rows)]

    def summary(self) -> str:
        first = self.norms[0] / self.norms[-1]
        trend = "vanishes" if self.factor < 0.99 else "explodes" if self.factor > 1.01 else "keeps its size"
        return (f"One step back multiplies ||dE/dh_t|| by {self.factor:.4g} on average: the gradient "
                f"reaching h_1 is {first:.3g} times the one at h_T (it {trend}). "
                f"dE/dh_(t-1) = (dE/dh_t * g'(z_t)) U^T with g = {self.activation}.")

    def print(self, console: Any = None, digits: int = 4) -> None:
        """The table (rich) and the summary."""
        from rich.console import Console

        console = Console(highlight=False) if console is None else console
        console.rule("Backpropagation through time")
        print_sections(self.sections(), console, digits)
        console.print(self.summary(), markup=False, soft_wrap=True)

    def to_markdown(self, digits: int = 4) -> str:
        return f"{markdown(self.sections(), digits)}\n{self.summary()}\n"

    def __str__(self) -> str:
        return f"{plain(self.sections())}\n{self.summary()}"


def through_time(steps: int = 50, units: int = 2, activation: str = "tanh", features: int = 1,
                 seed: int = 0) -> ThroughTime:
    """Run one random sequence of ``steps`` steps through a SimpleRNN of ``units`` units in
    float64 (glassnet's default initializers, seeded), back-propagate E = sum(h_T), and read
    each step's h_t and dE/dh_t from the layer's node.

    Parameters
    ----------
    steps : int, default 50
    units : int, default 2
    activation : {"tanh", "relu", "sigmoid", "linear"}, default "tanh"
    features : int, default 1
    seed : int, default 0
        Seeds the weights and the sequence.

    Examples
    --------
    >>> result = gn.explain.through_time(steps=50)
    >>> bool(result.norms[0] < 1e-3 * result.norms[-1])       # vanished over 50 tanh steps
    True
    """
    from glassnet.explain._util import check_positive_int
    from glassnet.layers import SimpleRNN
    from glassnet.tensor import Tensor

    steps, units, features = (check_positive_int(n, v) for n, v in
                              (("steps", steps), ("units", units), ("features", features)))
    rng = np.random.default_rng(seed)
    layer = SimpleRNN(units, activation=activation, return_sequences=True)
    layer.rng = rng
    layer.ensure_built((steps, features), np.float64)
    x = rng.normal(size=(1, steps, features))
    h = layer(Tensor(x, dtype=np.float64))
    node = h.parents[0]._ctx  # h is the outputs' slice of the layer's node
    h[:, -1].sum().backward()
    return ThroughTime(layer.activation, x[0], h.data[0], node.state_grads[:, 0], layer)
