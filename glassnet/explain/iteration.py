"""The lectures' iteration tables: repeat forward, backward and update, one row per step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet.explain import _util
from glassnet.explain.trace import _Pass

__all__ = ["iterate", "Iteration"]


@dataclass
class Iteration:
    """The lectures' iteration table: one row per step (see :func:`iterate`).

    ``rows[k]`` maps each column to its value at step k + 1; ``iteration[column]`` is that
    column over the steps as an array.

    Attributes
    ----------
    columns : list of str
        "step", "a^L", "E", "dE/da^L", then each parameter's gradient and value.
    rows : list of dict
        One per step.

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> table = gn.explain.iterate(model, [[1.0]], [[2.0]], steps=2, optimizer=gn.optim.SGD(lr=0.1),
    ...                            loss="mse")
    >>> table.columns[:4], len(table.rows)
    (['step', 'a^L', 'E', 'dE/da^L'], 2)
    """

    columns: list[str]
    rows: list[dict[str, Any]]

    def __getitem__(self, column: str) -> np.ndarray:
        if column not in self.columns:
            raise KeyError(f"no column {column!r}; the columns are {self.columns}")
        return np.array([row[column] for row in self.rows])

    def _section(self) -> Any:
        from glassnet.explain._tables import Section

        return Section("iterations", self.columns, [[row[c] for c in self.columns] for row in self.rows])

    def table(self, console: Any = None, digits: int = 6) -> list[Any]:
        """Print the table with rich and return it."""
        from glassnet.explain._tables import print_sections

        return print_sections([self._section()], console, digits)

    def to_markdown(self, digits: int = 6) -> str:
        from glassnet.explain._tables import markdown

        return markdown([self._section()], digits)

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per step."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


def iterate(
    model: Any,
    X: Any,
    y: Any,
    steps: int,
    optimizer: Any,
    loss: Any = None,
    params: Sequence[str] | Mapping[str, str] | None = None,
    *,
    dtype: Any = None,
) -> Iteration:
    """Repeat forward, backward and update ``steps`` times and tabulate every step.

    Row k holds the output a^L and the loss E computed with the parameters before update
    k, the gradients dE/da^L and dE/dparam, and the parameters after update k (the
    lectures' convention). The steps run on a copy: ``model`` is left unchanged.

    Parameters
    ----------
    model : Sequential or Layer
    X, y : array_like
    steps : int
    optimizer : str or Optimizer
        Its hyperparameters (and state, if it is bound to ``model``) are used on the copy.
    loss : str or Loss, optional
        As for :func:`trace`.
    params : list of str or dict of str to str, optional
        The parameters to show, by their names in ``model.named_parameters()``; a dict
        maps those names to column labels (``{"layers.0.W": "w"}``). Default: all.
    dtype : numpy dtype, optional

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1,
    ...                                        kernel_initializer=gn.initializers.Constant(0.8),
    ...                                        bias_initializer=gn.initializers.Constant(0.2))])
    >>> table = gn.explain.iterate(model, [[1.5]], [[0.5]], steps=3, optimizer=gn.optim.SGD(lr=0.1),
    ...                            loss=gn.losses.MSE("sum"), params={"layers.0.W": "w", "layers.0.b": "b"})
    >>> table["w"]
    array([0.53  , 0.4355, 0.4024])
    """
    steps = _util.check_positive_int("steps", steps)
    work, dtype = _util.working_copy(model, dtype)
    work.train(True)
    x = _util.as_input(X, dtype)
    loss_fn = _util.output_loss(_util.resolve_loss(model, loss), _util.final_activation(work))
    chosen = _chosen_params(work, params)
    opt = _util.optimizer_copy(optimizer, work.parameters(), model.parameters())
    columns = ["step", "a^L", "E", "dE/da^L", *[f"dE/d{label}" for label, _ in chosen],
               *[label for label, _ in chosen]]
    rows = []
    for k in range(1, steps + 1):
        opt.zero_grad()
        run = _Pass(work, x, y, loss_fn)
        row: dict[str, Any] = {"step": k, "a^L": _scalar(run.output.data), "E": float(run.total.item()),
                               "dE/da^L": _scalar(run.output.grad)}
        row.update({f"dE/d{label}": _scalar(p.grad) for label, p in chosen})
        opt.step()
        row.update({label: _scalar(p.data) for label, p in chosen})
        rows.append(row)
    return Iteration(columns, rows)


def _scalar(values: np.ndarray) -> Any:
    return values.item() if values.size == 1 else values.copy()


def _chosen_params(work: Any, params: Sequence[str] | Mapping[str, str] | None) -> list[tuple[str, Any]]:
    named = dict(work.named_parameters())
    if params is None:
        return list(named.items())
    labels = dict(params) if isinstance(params, Mapping) else {name: name for name in params}
    unknown = [name for name in labels if name not in named]
    if unknown:
        raise ValueError(f"params: unknown parameter name(s) {unknown}; the model has {list(named)}")
    return [(label, named[name]) for name, label in labels.items()]
