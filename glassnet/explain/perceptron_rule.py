"""The lectures' perceptron rule, visit by visit: the OR gate learnt from w = 0.

The bias in either of the lectures' two forms: a separate b (the output is 1 iff
w . x + b > 0), or a weight w0 on a constant input x0 = 1 (the output is 1 iff w~ . x~ > 0
with x~ = (1, x1, x2) and w~ = (w0, w1, w2), w0 = b = minus the threshold). The numbers are
the same; only the bookkeeping differs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.explain._tables import Section

__all__ = ["perceptron"]

_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_Y = np.array([-1, 1, 1, 1])


def perceptron(lr: float = 0.5, bias_as_weight: bool = False, max_epochs: int = 10) -> Any:
    """The perceptron rule on the OR gate (labels -1 / +1), from w = 0 with step ``lr``, the
    samples in a fixed order, until an epoch without a mistake.

    .. math::

        \\hat y = \\operatorname{sign}(w \\cdot x + b) \\;(-1 \\text{ at } 0), \\qquad
        w \\leftarrow w + \\eta\\, y\\, x,\\; b \\leftarrow b + \\eta\\, y \\text{ on a mistake}

    With ``bias_as_weight`` the table writes b as w0 on x0 = 1: w~ <- w~ + eta y x~.

    Parameters
    ----------
    lr : float, default 0.5
        eta.
    bias_as_weight : bool, default False
        Show the bias as the weight w0 of a constant input x0 = 1.
    max_epochs : int, default 10

    Returns
    -------
    Example
        ``values``: ``weights_after_each_update`` (rows (w0, w1, w2), w0 = b),
        ``final_w``, ``epochs_including_clean_pass``, ``final_predictions``, and
        ``estimator_w``: glassnet's :class:`~glassnet.estimators.Perceptron` fitted the same
        way (it must agree).

    Examples
    --------
    >>> example = perceptron(bias_as_weight=True)
    >>> example.values["final_w"], example.values["epochs_including_clean_pass"]
    ([0.0, 0.5, 0.5], 4)
    """
    from glassnet.estimators import Perceptron
    from glassnet.explain.examples import Example

    augmented = np.column_stack([np.ones(len(_X)), _X])  # rows x~ = (1, x1, x2)
    w, rows, updates, epoch = np.zeros(3), [], [], 0
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for x, y in zip(augmented, _Y):
            s = float(w @ x)
            y_hat = 1 if s > 0 else -1
            if y_hat != y:
                w, mistakes = w + lr * y * x, mistakes + 1
                updates.append(w.tolist())
            rows.append([epoch, *(x if bias_as_weight else x[1:]), y, s, y_hat, *_shown(w, bias_as_weight)])
        if mistakes == 0:
            break
    unit = Perceptron(learning_rate=lr, shuffle=False, fit_intercept=not bias_as_weight)
    unit.fit(augmented if bias_as_weight else _X, _Y)
    fitted = unit.coef_.tolist() if bias_as_weight else [unit.intercept_, *unit.coef_.tolist()]
    values = {"weights_after_each_update": updates, "final_w": w.tolist(),
              "epochs_including_clean_pass": epoch,
              "final_predictions": [1 if s > 0 else -1 for s in augmented @ w],
              "estimator_w": fitted}
    return Example("perceptron", _title(lr, bias_as_weight), [_section(rows, bias_as_weight)], values,
                   [_rule_text(bias_as_weight)])


def _shown(w: np.ndarray, bias_as_weight: bool) -> list[float]:
    """(w0, w1, w2) as the table shows them: w0 first, or b last."""
    return list(w) if bias_as_weight else [w[1], w[2], w[0]]


def _section(rows: list[list[Any]], bias_as_weight: bool) -> Section:
    if bias_as_weight:
        names = ["epoch", "x0", "x1", "x2", "y", "w . x", "y_hat", "w0", "w1", "w2"]
    else:
        names = ["epoch", "x1", "x2", "y", "w . x + b", "y_hat", "w1", "w2", "b"]
    return Section("each visit: the weighted sum, the output and the weights after the rule", names, rows)


def _title(lr: float, bias_as_weight: bool) -> str:
    form = "the bias as w0 on x0 = 1" if bias_as_weight else "the bias b separate"
    return f"perceptron rule on the OR gate, eta = {lr:g}, {form}"


def _rule_text(bias_as_weight: bool) -> str:
    if bias_as_weight:
        return ("y_hat = +1 if w0 x0 + w1 x1 + w2 x2 > 0 else -1, with x0 = 1 (w0 = b = -threshold)\n"
                "on a mistake: (w0, w1, w2) <- (w0, w1, w2) + eta y (1, x1, x2)")
    return ("y_hat = +1 if w1 x1 + w2 x2 + b > 0 else -1 (b = -threshold)\n"
            "on a mistake: (w1, w2) <- (w1, w2) + eta y (x1, x2), b <- b + eta y")
