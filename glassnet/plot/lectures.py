"""The lectures' figures, drawn from what the engine computes.

:func:`activations` is the table of activation functions g(z) with their derivatives g'(z),
each derivative obtained by glassnet's own backward pass. :func:`gradient_descent_path`
is the slide on step sizes: gradient descent with a too-small, a good and a too-large
learning rate on the contours of a quadratic loss.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.activations import ACTIVATIONS as _REGISTRY
from glassnet.plot._canvas import PathLike, as_array, finish, new_figure
from glassnet.tensor import Tensor, tensor

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["activations", "gradient_descent_path", "ACTIVATIONS", "ill_conditioned_quadratic"]

ACTIVATIONS = (
    "identity", "binary_step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu",
    "softplus", "gaussian",
)
"""The elementwise activations of the lectures' table, in its order."""

_STEP_SIZE_ROLES = ("too small", "good", "too large")


def activations(names: str | Sequence[str] | None = None, path: PathLike | None = None) -> Figure:
    """The table of activations: g(z) and g'(z) on z in [-4, 4], one panel each.

    g'(z) is what glassnet's autodiff computes: z = gn.tensor(z, requires_grad=True),
    a = g(z), a.backward(ones), g'(z) = z.grad (elementwise, so the vector-Jacobian product
    with ones is the derivative itself). A wrong backward would show in the figure.

    Parameters
    ----------
    names : str or sequence of str, optional
        Registered activation names (default: :data:`ACTIVATIONS`, the lectures' 11).
    path : str or os.PathLike, optional
        Where to save the figure (4 panels a row, 3 x 2.4 inches each, 100 dpi).

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones) or softmax / log_softmax,
        which act on a whole vector rather than on each z.

    Examples
    --------
    >>> figure = gn.plot.activations(["sigmoid", "relu"])
    >>> len(figure.axes)
    2
    """
    chosen = list(ACTIVATIONS if names is None else [names] if isinstance(names, str) else names)
    if not chosen:
        raise ValueError("names is empty: give at least one activation name, or None for all")
    functions = [_REGISTRY.get(name) for name in chosen]
    vector_valued = [n for n in chosen if n.lower() in ("softmax", "log_softmax")]
    if vector_valued:
        raise ValueError(f"{vector_valued} act on a whole vector, not on each z; "
                         f"choose among the elementwise ones: {list(ACTIVATIONS)}")
    z = np.linspace(-4.0, 4.0, 401)
    ncols = min(4, len(chosen))
    fig, axes = new_figure(-(-len(chosen) // ncols), ncols, (3.0, 2.4))
    for ax, name, g in zip(axes.flat, chosen, functions, strict=False):
        a, derivative = _value_and_derivative(g, z)
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.axvline(0, color="grey", linewidth=0.5)
        ax.plot(z, a, label="g(z)")
        ax.plot(z, derivative, linestyle="--", label="g'(z)")
        ax.set_title(name, fontsize=10)
    for ax in axes.flat[len(chosen):]:
        ax.set_axis_off()
    axes[0, 0].legend(fontsize=8)
    return finish(fig, path)


def _value_and_derivative(g: Callable[[Tensor], Tensor], z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """g(z) and dg/dz by glassnet's backward pass, in float64."""
    z_t = tensor(z, requires_grad=True, dtype=np.float64)
    a = g(z_t)
    a.backward(np.ones_like(a.data))
    return a.data, z_t.grad


def ill_conditioned_quadratic(w: Any) -> Any:
    """E(w) = (w1^2 + 10 w2^2) / 2: Hessian diag(1, 10), condition number 10.

    Gradient descent converges iff lr < 2 / 10 = 0.2 (the largest curvature sets the limit);
    lr = 2 / (1 + 10) ~ 0.18 contracts both directions equally fast (by 9/11 a step).
    ``w`` has shape (2, ...), an array or a Tensor; the result has shape (...).

    Parameters
    ----------
    w : ndarray or Tensor
        The weights, shape (2, ...).

    Returns
    -------
    ndarray or Tensor
        E(w), shape (...).

    Examples
    --------
    >>> print(gn.plot.ill_conditioned_quadratic(np.array([1.0, 1.0])))
    5.5
    >>> gn.plot.ill_conditioned_quadratic(np.array([[1.0, 0.0], [0.0, 1.0]]))
    array([0.5, 5. ])
    """
    return 0.5 * (w[0] * w[0] + 10.0 * w[1] * w[1])


def gradient_descent_path(
    f: Callable[[Any], Any] | None = None,
    grad: Callable[[np.ndarray], Any] | None = None,
    *,
    start: Sequence[float] = (-4.0, 2.0),
    lrs: Sequence[float] = (0.02, 0.18, 0.21),
    steps: int = 25,
    path: PathLike | None = None,
) -> Figure:
    """Gradient descent w <- w - lr dE/dw from one start, one panel per learning rate.

    Each panel draws the path on the contours of the loss: with three rates (the default,
    in the order too small, good, too large) the first crawls, the second converges, the
    third overshoots across the steep valley and diverges.

    Parameters
    ----------
    f : callable, optional
        The loss E(w) of two parameters, vectorised: given ``w`` of shape (2, ...) it returns
        shape (...). Default :func:`ill_conditioned_quadratic`.
    grad : callable, optional
        dE/dw at one point, shape (2,) -> (2,). Default: glassnet's autodiff of ``f``, which
        must then be written with Tensor operations (arithmetic, indexing).
    start : sequence of 2 floats, default (-4, 2)
    lrs : sequence of float, default (0.02, 0.18, 0.21)
        The learning rates, one panel each.
    steps : int, default 25
        Updates per path; a path stops early once |w| exceeds 1e6 (diverged).
    path : str or os.PathLike, optional
        Where to save the figure (4 x 3.6 inches per panel, 100 dpi).

    Examples
    --------
    >>> fig = gradient_descent_path(lrs=(0.05, 0.18, 0.21), steps=20)
    """
    f = ill_conditioned_quadratic if f is None else f
    w0 = np.asarray(start, dtype=np.float64)
    _check_descent_arguments(f, grad, w0, lrs, steps)
    grad = _autodiff_gradient(f) if grad is None else grad
    paths = [_descend(grad, w0, float(lr), steps) for lr in lrs]
    losses = [_loss(f, p.T) for p in paths]
    start_loss = _loss(f, w0)
    bounds = _bounds(paths, losses, start_loss)
    fig, axes = new_figure(1, len(paths), (4.0, 3.6))
    for k, (ax, lr, points, loss) in enumerate(zip(axes[0], lrs, paths, losses, strict=True)):
        role = f" ({_STEP_SIZE_ROLES[k]})" if len(paths) == 3 else ""
        _draw_descent(ax, f, bounds, points)
        status = "diverged" if len(points) <= steps else f"E = {loss[-1]:.3g}" + (
            " (diverging)" if loss[-1] > start_loss else "")
        ax.set_title(f"lr = {float(lr):g}{role}\nafter {len(points) - 1} steps: {status}",
                     fontsize=10)
    return finish(fig, path)


def _check_descent_arguments(f: Any, grad: Any, w0: np.ndarray, lrs: Any, steps: Any) -> None:
    if not callable(f) or (grad is not None and not callable(grad)):
        raise TypeError("f and grad must be callables (or None for the built-in quadratic)")
    if w0.shape != (2,) or not np.all(np.isfinite(w0)):
        raise ValueError(f"start must be 2 finite numbers (w1, w2), got {w0.tolist()}")
    rates = np.asarray(lrs, dtype=np.float64)
    if rates.ndim != 1 or rates.size == 0 or not np.all(rates > 0):
        raise ValueError(f"lrs must be a non-empty sequence of learning rates > 0, got {lrs!r}")
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
        raise ValueError(f"steps must be an int >= 1, got {steps!r}")


def _autodiff_gradient(f: Callable[[Any], Any]) -> Callable[[np.ndarray], np.ndarray]:
    def grad(w: np.ndarray) -> np.ndarray:
        w_t = tensor(w, requires_grad=True, dtype=np.float64)
        loss = f(w_t)
        if not isinstance(loss, Tensor) or loss.size != 1:
            raise TypeError("to be differentiated by glassnet, f must map a Tensor of shape (2,) "
                            f"to a scalar Tensor; it returned {type(loss).__name__}. Write f with "
                            "Tensor operations or pass grad=")
        loss.backward()
        return w_t.grad

    return grad


def _descend(grad: Callable[[np.ndarray], Any], w0: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """The points w_0, ..., w_steps (fewer if |w| passed 1e6), shape (k, 2)."""
    points = [w0]
    for _ in range(steps):
        w = points[-1] - lr * as_array(grad(points[-1]), dtype=np.float64)
        points.append(w)
        if not np.abs(w).max() <= 1e6:
            break
    return np.array(points)


def _loss(f: Callable[[Any], Any], w: np.ndarray) -> np.ndarray:
    return as_array(f(w), dtype=np.float64)


def _bounds(paths: list[np.ndarray], losses: list[np.ndarray], start_loss: Any) -> np.ndarray:
    """[[w1 low, w1 high], [w2 low, w2 high]] around every point no higher than the start."""
    kept = np.concatenate([p[loss <= start_loss] for p, loss in zip(paths, losses, strict=True)])
    low, high = kept.min(axis=0), kept.max(axis=0)
    margin = 0.15 * np.maximum(high - low, 1e-3 * (1 + np.abs(high)))
    return np.stack([low - margin, high + margin], axis=1)


def _draw_descent(ax: Axes, f: Callable[[Any], Any], bounds: np.ndarray, points: np.ndarray) -> None:
    w1, w2 = np.meshgrid(np.linspace(*bounds[0], 150), np.linspace(*bounds[1], 150))
    surface = _loss(f, np.stack([w1, w2]))
    levels = np.unique(np.quantile(surface, np.linspace(0.02, 0.98, 14)))
    ax.contour(w1, w2, surface, levels=levels, cmap="viridis", linewidths=0.8)
    ax.plot(points[:, 0], points[:, 1], color="crimson", marker="o", markersize=3, linewidth=1)
    ax.plot(*points[0], marker="s", color="black", markersize=5)
    ax.set(xlim=bounds[0], ylim=bounds[1], xlabel="w1", ylabel="w2")
