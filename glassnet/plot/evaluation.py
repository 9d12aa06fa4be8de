"""Figures of a trained model's results: confusion matrix, ROC curves, decision boundary, fit.

matplotlib and scikit-learn (whose metrics compute the numbers drawn) are imported inside
the functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.plot._canvas import PathLike, as_1d, as_array, finish, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["confusion_matrix", "roc_curve", "decision_boundary", "regression_fit"]


def confusion_matrix(
    y_true: Any,
    y_pred: Any,
    labels: Sequence[Any] | None = None,
    normalize: str | None = None,
    path: PathLike | None = None,
) -> Figure:
    """The confusion matrix, cell (i, j) counting samples of true class i predicted as j.

    Counted by :func:`sklearn.metrics.confusion_matrix`; every cell is annotated.

    Parameters
    ----------
    y_true : array_like, shape (N,)
    y_pred : array_like
        Labels (N,); sigmoid outputs (N,) or (N, 1), thresholded at 0.5; or class
        probabilities (N, C), of which the argmax is taken.
    labels : sequence, optional
        The classes to show, in order (default: those present in either array, sorted).
    normalize : {None, "true", "pred", "all"}
        Divide by the row sums (recall per class), the column sums, or N.
    path : str or os.PathLike, optional
        Where to save the figure (5 x 4.5 inches, 100 dpi).

    Examples
    --------
    >>> figure = gn.plot.confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
    >>> type(figure).__name__, figure.axes[0].get_xlabel()
    ('Figure', 'predicted')
    """
    from sklearn.metrics import confusion_matrix as counts

    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be None, 'true', 'pred' or 'all', got {normalize!r}")
    y_true = as_1d(y_true, "y_true")
    y_pred = _predicted_labels(y_pred)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_true has {y_true.size} samples but y_pred has {y_pred.size}")
    classes = np.union1d(y_true, y_pred) if labels is None else np.asarray(labels)
    matrix = counts(y_true, y_pred, labels=classes, normalize=normalize)
    fig, axes = new_figure(1, 1, (5.0, 4.5))
    ax = axes[0, 0]
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax)
    threshold = (matrix.max() + matrix.min()) / 2
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(j, i, f"{value:.2f}" if normalize else f"{value:d}", ha="center", va="center",
                fontsize=8, color="white" if value > threshold else "black")
    ticks = np.arange(classes.size)
    ax.set(xticks=ticks, yticks=ticks, xticklabels=classes, yticklabels=classes,
           xlabel="predicted", ylabel="true",
           title="confusion matrix" + (f" (normalized: {normalize})" if normalize else ""))
    return finish(fig, path)


def _predicted_labels(predictions: Any) -> np.ndarray:
    """Labels from labels (N,), sigmoid outputs (N,) or (N, 1), or probabilities (N, C)."""
    p = as_array(predictions)
    if p.ndim == 2 and p.shape[1] > 1:
        return p.argmax(axis=1)
    p = as_1d(p, "the predictions")
    if p.dtype.kind in "fc" and not np.all(p == np.round(p)):
        return (p > 0.5).astype(np.int64)
    return p


def roc_curve(y_true: Any, scores: Any, path: PathLike | None = None) -> Figure:
    """ROC curves (true- vs false-positive rate over every threshold), AUC in the legend.

    Binary: ``scores`` of shape (N,) or (N, 1) rank the positive class (the larger label),
    or (N, 2) probabilities (column 1 is used). Multiclass: (N, C) scores, one curve per
    class c, one-vs-rest (labels 0..C-1, column c scoring class c; a class absent from
    ``y_true`` has no curve). Computed by :func:`sklearn.metrics.roc_curve` and
    :func:`sklearn.metrics.auc`.

    Parameters
    ----------
    y_true : array_like, shape (N,)
    scores : array_like, shape (N,), (N, 1) or (N, C)
        Any score that grows with the positive class: probabilities, logits, margins.
    path : str or os.PathLike, optional
        Where to save the figure (5 x 4.5 inches, 100 dpi).

    Examples
    --------
    >>> figure = gn.plot.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> figure.axes[0].get_title()
    'ROC curve'
    """
    from sklearn.metrics import auc
    from sklearn.metrics import roc_curve as curve

    y_true = as_1d(y_true, "y_true")
    s = as_array(scores, dtype=float)
    if s.ndim == 2 and s.shape[1] > 2:
        if not np.isin(y_true, np.arange(s.shape[1])).all():
            raise ValueError(f"with {s.shape[1]} score columns y_true must hold labels "
                             f"0..{s.shape[1] - 1}, got {np.unique(y_true)}")
        curves = [(f"class {c}", y_true == c, s[:, c]) for c in range(s.shape[1])
                  if 0 < np.count_nonzero(y_true == c) < y_true.size]
        if not curves:
            raise ValueError(f"y_true holds only class {y_true[0]}: a ROC curve needs positives "
                             "and negatives")
    else:
        s = s[:, 1] if s.ndim == 2 and s.shape[1] == 2 else as_1d(s, "scores")
        classes = np.unique(y_true)
        if classes.size != 2:
            raise ValueError(f"a binary ROC curve needs exactly 2 classes in y_true, got {classes}; "
                             "for C classes pass scores of shape (N, C)")
        curves = [(f"class {classes[1]}", y_true == classes[1], s)]
    if s.shape[0] != y_true.size:
        raise ValueError(f"y_true has {y_true.size} samples but scores has {s.shape[0]}")
    fig, axes = new_figure(1, 1, (5.0, 4.5))
    ax = axes[0, 0]
    for label, positive, score in curves:
        fpr, tpr, _ = curve(positive, score)
        ax.plot(fpr, tpr, label=f"{label} (AUC = {auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    ax.set(xlabel="false-positive rate", ylabel="true-positive rate", title="ROC curve",
           xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(loc="lower right", fontsize=8)
    return finish(fig, path)


def decision_boundary(
    model: Any, X: Any, y: Any, resolution: int = 200, path: PathLike | None = None
) -> Figure:
    """The regions a classifier assigns to each class over the plane, with the data on top.

    ``model.predict`` is called once on a ``resolution`` x ``resolution`` grid covering the
    data. It may return probabilities (N, C), sigmoid outputs (N, 1) or (N,) (filled by
    P(class 1), with the 0.5 contour drawn), or labels.

    Parameters
    ----------
    model : object with ``predict(X)``
        A glassnet model, a scikit-learn classifier, or anything with that method.
    X : array_like, shape (N, 2)
    y : array_like, shape (N,)
        The true labels; each point is coloured by its class.
    resolution : int, default 200
        Grid points along each axis.
    path : str or os.PathLike, optional
        Where to save the figure (5.5 x 4.5 inches, 100 dpi).

    Raises
    ------
    ValueError
        If ``X`` does not have exactly 2 features, or ``y`` does not match it.

    Examples
    --------
    >>> data = gn.datasets.load("moons", n_samples=40, seed=0)
    >>> model = gn.Sequential([gn.layers.Dense(8, activation="tanh", input_dim=2),
    ...                        gn.layers.Dense(1, activation="sigmoid")], seed=0)
    >>> model.compile(optimizer="adam", loss="binary_crossentropy")
    >>> _ = model.fit(data.X, data.y, epochs=2, verbose=0)
    >>> figure = gn.plot.decision_boundary(model, data.X, data.y, resolution=20)
    >>> type(figure).__name__
    'Figure'
    """
    X = as_array(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary needs 2 features: X of shape (N, 2); got X of shape "
                         f"{X.shape}. Project the data to 2 dimensions first (e.g. PCA).")
    y = as_1d(y, "y")
    if y.size != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.size} labels")
    if not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")
    if not callable(getattr(model, "predict", None)):
        raise TypeError(f"model must have a predict(X) method, got {type(model).__name__}")
    low, high = X.min(axis=0), X.max(axis=0)
    margin = 0.08 * (high - low) + 1e-3
    u = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    v = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    uu, vv = np.meshgrid(u, v)
    grid = np.column_stack([uu.ravel(), vv.ravel()]).astype(X.dtype if X.dtype.kind == "f" else float)
    out = as_array(model.predict(grid))
    if out.shape[0] != grid.shape[0]:
        raise ValueError(f"model.predict returned {out.shape[0]} rows for {grid.shape[0]} inputs")
    fig, axes = new_figure(1, 1, (5.5, 4.5))
    _draw_regions(fig, axes[0, 0], uu, vv, out, y)
    axes[0, 0].set(xlabel="x1", ylabel="x2", title="decision boundary")
    axes[0, 0].scatter(X[:, 0], X[:, 1], c=_point_colours(out, y), s=14, edgecolors="black",
                       linewidths=0.4)
    return finish(fig, path)


def _is_probability(out: np.ndarray) -> bool:
    return out.dtype.kind in "fc" and (
        (out.ndim == 2 and out.shape[1] > 1) or not np.all(out == np.round(out)))


def _palette(n: int) -> list[Any]:
    from matplotlib import colormaps

    return [colormaps["tab10" if n <= 10 else "tab20"](k % 20) for k in range(n)]


def _classes(out: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The sorted classes when the model predicts labels (shared by regions and points)."""
    return np.union1d(y, as_1d(out, "model.predict(X)"))


def _draw_regions(fig: Figure, ax: Axes, uu: np.ndarray, vv: np.ndarray, out: np.ndarray,
                  y: np.ndarray) -> None:
    from matplotlib.colors import ListedColormap

    if _is_probability(out) and (out.ndim == 1 or out.shape[1] <= 2):
        p1 = (out[:, -1] if out.ndim == 2 else out).reshape(uu.shape)
        filled = ax.contourf(uu, vv, p1, levels=np.linspace(0, 1, 11), alpha=0.45,
                             cmap=_two_colour_map(_palette(2)))
        ax.contour(uu, vv, p1, levels=[0.5], colors="black", linewidths=1)
        fig.colorbar(filled, ax=ax, label="P(class 1)")
        return
    if _is_probability(out):
        index, n = out.argmax(axis=1), out.shape[1]
    else:
        classes = _classes(out, y)
        index, n = np.searchsorted(classes, as_1d(out, "model.predict(X)")), classes.size
    ax.contourf(uu, vv, index.reshape(uu.shape), levels=np.arange(n + 1) - 0.5, alpha=0.35,
                cmap=ListedColormap(_palette(n)))


def _two_colour_map(colours: list[Any]) -> Any:
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("two_classes", [colours[0], "white", colours[1]])


def _point_colours(out: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The colour of each point's true class, matching the colours of the regions."""
    if _is_probability(out):
        n = out.shape[1] if out.ndim == 2 and out.shape[1] > 1 else 2
        in_range = np.issubdtype(y.dtype, np.number) and np.isin(y, np.arange(n)).all()
        index = y.astype(np.int64) if in_range else np.unique(y, return_inverse=True)[1]
    else:
        classes = _classes(out, y)
        index, n = np.searchsorted(classes, y), classes.size
    return np.asarray(_palette(max(n, int(index.max()) + 1)))[index]


def regression_fit(
    y_true: Any, y_pred: Any, path: PathLike | None = None, *, x: Any = None
) -> Figure:
    """Predicted against true values with the identity line; R^2 in the title.

    R^2 = 1 - sum_i (y_i - yhat_i)^2 / sum_i (y_i - ybar)^2, by :func:`sklearn.metrics.r2_score`
    (1 for a perfect fit, 0 for predicting the mean).

    Parameters
    ----------
    y_true, y_pred : array_like, shape (N,) or (N, 1)
    path : str or os.PathLike, optional
        Where to save the figure (4.5 x 4 inches per panel, 100 dpi).
    x : array_like, shape (N,) or (N, 1), optional
        For a 1-D input: a second panel (drawn first) shows the data against ``x`` and the
        fitted curve yhat(x).

    Examples
    --------
    >>> figure = gn.plot.regression_fit([1.0, 2.0, 3.0], [1.1, 1.9, 3.2])
    >>> type(figure).__name__, len(figure.axes)
    ('Figure', 1)
    """
    from sklearn.metrics import r2_score

    y_true, y_pred = as_1d(y_true, "y_true"), as_1d(y_pred, "y_pred")
    if y_true.size != y_pred.size:
        raise ValueError(f"y_true has {y_true.size} values but y_pred has {y_pred.size}")
    fig, axes = new_figure(1, 1 if x is None else 2, (4.5, 4.0))
    if x is not None:
        x = as_1d(x, "x (one input feature)")
        if x.size != y_true.size:
            raise ValueError(f"x has {x.size} values but y_true has {y_true.size}")
        order = np.argsort(x, kind="stable")
        ax = axes[0, 0]
        ax.scatter(x, y_true, s=10, alpha=0.6, label="data")
        ax.plot(x[order], y_pred[order], color="C1", linewidth=2, label="model")
        ax.set(xlabel="x", ylabel="y", title="fitted curve")
        ax.legend()
    ax = axes[0, -1]
    ax.scatter(y_true, y_pred, s=10, alpha=0.6)
    low, high = min(y_true.min(), y_pred.min()), max(y_true.max(), y_pred.max())
    ax.plot([low, high], [low, high], linestyle="--", color="grey", label="predicted = true")
    ax.set(xlabel="true", ylabel="predicted",
           title=f"predicted vs true, $R^2$ = {r2_score(y_true, y_pred):.3f}")
    ax.legend()
    return finish(fig, path)
