"""The bias-variance figure: training and test error against the model's capacity.

Too little capacity (a low polynomial degree, a narrow network) underfits: high bias, both
errors high. Too much overfits: high variance, the training error keeps falling while the
test error rises. :func:`bias_variance` draws both errors against the capacity and marks
the two regions either side of the capacity with the lowest test error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.plot._canvas import PathLike, as_1d, as_array, finish, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["bias_variance", "lecture_data", "PolynomialFit"]


def lecture_data(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The lectures' bias-variance data: x = linspace(0, 1, n), y = x^2 + N(0, noise^2).

    The noise is drawn as the lectures draw it (``np.random.seed(seed)`` then
    ``np.random.normal(0, noise, n)``), from a generator of its own: the global NumPy
    random state is left alone.

    Examples
    --------
    >>> x, y = lecture_data()
    >>> x.shape, round(float(y[0]), 4)
    ((100,), 0.1764)
    """
    x = np.linspace(0.0, 1.0, n)
    return x, x**2 + np.random.RandomState(seed).normal(0.0, noise, n)


class PolynomialFit:
    """Least-squares polynomial of one input, as the lectures' ``np.polyfit(X, y, degree)``.

    Fitted by :meth:`numpy.polynomial.Polynomial.fit`, which maps x to [-1, 1] first: the
    same least-squares polynomial, computed stably at high degrees.

    Examples
    --------
    >>> fit = PolynomialFit(2).fit(np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.0, 1.0, 4.0, 9.0]))
    >>> np.round(fit.predict(np.array([4.0])), 6).tolist()
    [16.0]
    """

    def __init__(self, degree: int) -> None:
        self.degree = degree

    def fit(self, X: Any, y: Any) -> PolynomialFit:
        """Fit to x of shape (N,) or (N, 1) and y of shape (N,)."""
        self.polynomial_ = np.polynomial.Polynomial.fit(as_1d(X, "X"), as_1d(y, "y"), self.degree)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The polynomial at x of shape (N,) or (N, 1)."""
        return self.polynomial_(as_1d(X, "X"))


def _errors(make_model: Callable[[Any], Any], complexity: Any, X_train: np.ndarray, y_train: np.ndarray,
            X_test: np.ndarray, y_test: np.ndarray) -> tuple[float, float]:
    model = make_model(complexity)
    model.fit(X_train, y_train)
    train = np.mean((as_array(model.predict(X_train), float).reshape(y_train.shape) - y_train) ** 2)
    test = np.mean((as_array(model.predict(X_test), float).reshape(y_test.shape) - y_test) ** 2)
    return float(train), float(test)


def bias_variance(
    X: Any = None,
    y: Any = None,
    *,
    complexities: Sequence[Any] = tuple(range(16)),
    make_model: Callable[[Any], Any] | None = None,
    complexity_name: str = "polynomial degree",
    test_size: float = 0.5,
    seed: int = 0,
    path: PathLike | None = None,
) -> tuple[Figure, dict[str, Any]]:
    """Training and test mean squared error against capacity, under- and overfitting marked.

    The data is split at random into training and test rows (scikit-learn's
    ``train_test_split``); for each capacity c a model ``make_model(c)`` is fitted on the
    training rows and its MSE measured on both. The capacity with the lowest test error
    separates the underfitting region (high bias: lower capacities, both errors high) from
    the overfitting one (high variance: higher capacities, the gap test - train grows).

    Parameters
    ----------
    X, y : array_like, optional
        The data; default the lectures' setup (:func:`lecture_data`: 100 points of
        y = x^2 + noise 0.1 on [0, 1]).
    complexities : sequence, default 0, 1, ..., 15
        The capacities, in increasing order (degrees, widths, ...).
    make_model : callable, optional
        ``make_model(c)`` returns an unfitted model with ``fit(X, y)`` and ``predict(X)`` of
        capacity c, e.g. ``lambda width: MLPRegressor(hidden_layer_sizes=(width,))``.
        Default :class:`PolynomialFit` (least-squares polynomial of degree c, one input).
    complexity_name : str, default "polynomial degree"
        The x-axis label.
    test_size : float in (0, 1), default 0.5
    seed : int, default 0
        Seeds the split.
    path : str or os.PathLike, optional
        Where to save the figure (6.5 x 4.5 inches, 100 dpi).

    Returns
    -------
    fig : matplotlib.figure.Figure
    result : dict
        ``"complexity"`` (list), ``"train_error"`` and ``"test_error"`` (arrays of MSE, one
        per capacity), ``"best"`` (the capacity with the lowest test error),
        ``"underfitting"`` and ``"overfitting"`` (the capacities below and above it).

    Raises
    ------
    ValueError
        For fewer than two capacities, a test_size outside (0, 1), or X and y of different
        lengths.

    Examples
    --------
    >>> fig, result = bias_variance(complexities=range(6))
    >>> result["best"], result["underfitting"]
    (2, [0, 1])
    """
    from sklearn.model_selection import train_test_split

    if X is None and y is None:
        X, y = lecture_data()
    elif X is None or y is None:
        raise ValueError("give both X and y, or neither for the lectures' data (y = x^2 + noise)")
    X, y = as_array(X, float), as_1d(y, "y").astype(float)
    if len(X) != len(y):
        raise ValueError(f"X and y have different numbers of rows: {len(X)} and {len(y)}")
    levels = list(complexities)
    if len(levels) < 2:
        raise ValueError(f"complexities must hold at least two capacities to compare, got {complexities!r}")
    if not (isinstance(test_size, float) and 0 < test_size < 1):
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size!r}")
    make_model = PolynomialFit if make_model is None else make_model
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, random_state=seed)
    errors = np.array([_errors(make_model, c, X_train, y_train, X_test, y_test) for c in levels])
    best = int(np.nanargmin(errors[:, 1]))
    result = {"complexity": levels, "train_error": errors[:, 0], "test_error": errors[:, 1],
              "best": levels[best], "underfitting": levels[:best], "overfitting": levels[best + 1:]}
    fig, axes = new_figure(1, 1, (6.5, 4.5))
    _draw(axes[0, 0], result, best, complexity_name)
    return finish(fig, path), result


def _draw(ax: Any, result: dict[str, Any], best: int, complexity_name: str) -> None:
    x = np.arange(len(result["complexity"]), dtype=float)
    if best > 0:
        ax.axvspan(-0.5, best - 0.5, color="tab:blue", alpha=0.08)
        ax.text((best - 1) / 2, 0.97, "underfitting\n(high bias)", transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=9)
    if best < len(x) - 1:
        ax.axvspan(best + 0.5, len(x) - 0.5, color="tab:red", alpha=0.08)
        ax.text((best + len(x)) / 2, 0.97, "overfitting\n(high variance)", transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=9)
    ax.plot(x, result["train_error"], marker="o", label="training error")
    ax.plot(x, result["test_error"], marker="s", label="test error")
    ax.axvline(best, color="grey", linestyle=":", label=f"lowest test error ({result['best']})")
    ax.set_yscale("log")
    ax.set_xticks(x, [str(c) for c in result["complexity"]])
    ax.set(xlim=(-0.5, len(x) - 0.5), xlabel=complexity_name, ylabel="mean squared error",
           title="Bias-variance trade-off")
    ax.legend(fontsize=8, loc="lower left")
