"""The lectures' optimizer figures: paths of gradient descent and its variants on a 2-D loss.

:func:`optimizer_paths` runs glassnet's own optimizers (SGD, momentum, Nesterov, AdaGrad,
RMSProp, Adam from :mod:`glassnet.optim`) on a two-element parameter w from one start, on a
ravine and on Rosenbrock's valley, and counts the steps each needs to come within ``tol``
of the minimum. :func:`learning_rate_paths` is gradient descent with a too-small, a good
and a too-large learning rate on the same surface.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.plot._canvas import PathLike, finish, new_figure
from glassnet.plot.lectures import _bounds, _draw_descent, _loss, ill_conditioned_quadratic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["optimizer_paths", "learning_rate_paths", "rosenbrock", "SURFACES", "OPTIMIZERS"]

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
"""The optimizers of the lectures, by their :func:`glassnet.optim.get` names, in their order."""


def rosenbrock(w: Any) -> Any:
    """Rosenbrock's valley E(w) = (1 - w1)^2 + 100 (w2 - w1^2)^2, minimum 0 at (1, 1).

    ``w`` has shape (2, ...), an array or a Tensor; the result has shape (...).

    Examples
    --------
    >>> float(rosenbrock(np.array([1.0, 1.0]))), float(rosenbrock(np.array([0.0, 0.0])))
    (0.0, 1.0)
    """
    a = 1.0 - w[0]
    b = w[1] - w[0] * w[0]
    return a * a + 100.0 * b * b


# Each built-in surface: its loss, its minimum, a start, and per optimizer the settings
# (learning rate) with which the lectures' ordering shows within a few hundred steps.
SURFACES: dict[str, dict[str, Any]] = {
    "ravine": {
        "f": ill_conditioned_quadratic, "minimum": (0.0, 0.0), "start": (-4.0, 2.0), "steps": 200,
        "settings": {"sgd": {"lr": 0.02}, "momentum": {"lr": 0.02}, "nesterov": {"lr": 0.02},
                     "adagrad": {"lr": 1.0}, "rmsprop": {"lr": 0.05}, "adam": {"lr": 0.3}},
        "lrs": (0.02, 0.18, 0.21),
    },
    "rosenbrock": {
        "f": rosenbrock, "minimum": (1.0, 1.0), "start": (-1.5, 2.0), "steps": 2000,
        "settings": {"sgd": {"lr": 1e-3}, "momentum": {"lr": 1e-3}, "nesterov": {"lr": 1e-3},
                     "adagrad": {"lr": 0.5}, "rmsprop": {"lr": 1e-2}, "adam": {"lr": 0.05}},
        "lrs": (2e-4, 1e-3, 3e-3),
    },
}
"""The built-in surfaces by name: ``f``, ``minimum``, ``start``, ``steps``, the optimizers'
``settings`` and the three learning rates ``lrs`` of :func:`learning_rate_paths`."""

_DIVERGED = 1e6


def _surfaces(surface: Any, minimum: Any) -> list[tuple[str, dict[str, Any]]]:
    """(name, description) of each surface asked for."""
    chosen = [surface] if isinstance(surface, str) or callable(surface) else list(surface)
    if not chosen:
        raise ValueError("surface is empty: give 'ravine', 'rosenbrock', a callable, or a list of them")
    found = []
    for item in chosen:
        if callable(item):
            if minimum is None:
                raise ValueError("minimum= is needed with a callable surface: the point (w1, w2) the "
                                 "paths should reach, to count their steps")
            found.append((getattr(item, "__name__", "surface"),
                          {"f": item, "minimum": tuple(minimum), "start": (-1.0, 1.0), "steps": 200,
                           "settings": {}, "lrs": (0.01, 0.1, 0.5)}))
        elif isinstance(item, str) and item.lower() in SURFACES:
            found.append((item.lower(), SURFACES[item.lower()]))
        else:
            raise ValueError(f"surface {item!r} is not available; choose 'ravine', 'rosenbrock' or give a "
                             "callable E(w) of w with shape (2, ...)")
    return found


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def _check_point(name: str, value: Any) -> np.ndarray:
    point = np.asarray(value, dtype=np.float64)
    if point.shape != (2,) or not np.all(np.isfinite(point)):
        raise ValueError(f"{name} must be 2 finite numbers (w1, w2), got {value!r}")
    return point


def _optimizer(name: str, settings: Mapping[str, Any]) -> Any:
    from glassnet import optim

    return optim.get(name, **settings)


def _run_path(f: Callable[[Any], Any], optimizer: Any, start: np.ndarray, steps: int) -> np.ndarray:
    """The points w_0, ..., w_steps of ``optimizer`` on E = ``f`` (fewer if it diverged), shape (k, 2).

    w is a float64 :class:`~glassnet.layers.Parameter` of shape (2,); each step is the PyTorch
    loop ``opt.zero_grad(); f(w).backward(); opt.step()``, the gradient by glassnet's autodiff.
    """
    from glassnet.layers import Parameter

    w = Parameter(start.copy())
    optimizer.bind([w])
    points = [start.copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss = f(w)
        if not hasattr(loss, "backward") or loss.size != 1:
            raise TypeError("the surface must map a Tensor of shape (2,) to a scalar Tensor (write it with "
                            f"Tensor operations: +, *, indexing); it returned {type(loss).__name__}")
        loss.backward()
        optimizer.step()
        points.append(w.data.copy())
        if not np.abs(points[-1]).max() <= _DIVERGED:
            break
    return np.array(points)


def _steps_to_reach(points: np.ndarray, minimum: np.ndarray, tol: float) -> int | None:
    """The first step k with ||w_k - w*|| <= tol, or None if the path never comes that close."""
    close = np.flatnonzero(np.linalg.norm(points - minimum, axis=1) <= tol)
    return int(close[0]) if close.size else None


def _settings(name: str, described: dict[str, Any], given: Mapping[str, Any] | None) -> dict[str, Any]:
    return {**described["settings"].get(name, {}), **((given or {}).get(name) or {})}


def optimizer_paths(
    surface: str | Callable[[Any], Any] | Sequence[str | Callable[[Any], Any]] = ("ravine", "rosenbrock"),
    optimizers: Sequence[str] = OPTIMIZERS,
    *,
    start: Sequence[float] | None = None,
    steps: int | None = None,
    tol: float = 1e-2,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    minimum: Sequence[float] | None = None,
    path: PathLike | None = None,
) -> tuple[Figure, dict[str, dict[str, dict[str, Any]]]]:
    """Paths of several optimizers from one start on a 2-D loss surface, one panel per surface.

    Each optimizer is glassnet's own (``gn.optim.get(name, **settings)``) updating a
    two-element parameter w; the gradient dE/dw comes from glassnet's autodiff. The legend
    gives the number of steps each needs to reach the minimum within ``tol``
    (||w_k - w*|| <= tol), or that it did not within ``steps``.

    Parameters
    ----------
    surface : str, callable or sequence of them, default ("ravine", "rosenbrock")
        "ravine": E = (w1^2 + 10 w2^2) / 2, minimum (0, 0); "rosenbrock":
        E = (1 - w1)^2 + 100 (w2 - w1^2)^2, minimum (1, 1); or a callable E(w) written with
        Tensor operations on w of shape (2, ...) (then ``minimum`` is needed).
    optimizers : sequence of str, default :data:`OPTIMIZERS`
        Names :func:`glassnet.optim.get` accepts.
    start : 2 floats, optional
        The start (default: each surface's, (-4, 2) on the ravine, (-1.5, 2) on Rosenbrock).
    steps : int, optional
        Updates per path (default: 200 on the ravine, 2000 on Rosenbrock).
    tol : float, default 0.01
        Distance to the minimum that counts as reached.
    settings : dict of str to dict, optional
        Per optimizer, hyperparameters that override the built-in ones, e.g.
        ``{"adam": {"lr": 0.1}}`` (the defaults are in :data:`SURFACES`).
    minimum : 2 floats, optional
        The minimum of a callable surface.
    path : str or os.PathLike, optional
        Where to save the figure (5 x 4.5 inches per panel, 100 dpi).

    Returns
    -------
    fig : matplotlib.figure.Figure
    result : dict
        ``result[surface][optimizer]`` is a dict with ``"steps"`` (int, or None when the
        path did not reach the minimum), ``"path"`` (array of shape (k, 2), w_0 first) and
        ``"settings"`` (the optimizer's hyperparameters).

    Raises
    ------
    ValueError
        For an unknown surface or optimizer, a start that is not 2 finite numbers, steps < 1,
        tol <= 0, or a callable surface without ``minimum``.

    Examples
    --------
    >>> fig, result = optimizer_paths("ravine", ("sgd", "momentum"), steps=60, tol=0.1)
    >>> result["ravine"]["sgd"]["steps"], result["ravine"]["momentum"]["steps"]
    (None, 37)
    """
    described = _surfaces(surface, minimum)
    if isinstance(optimizers, str) or not optimizers:
        raise ValueError(f"optimizers must be a non-empty sequence of names such as {list(OPTIMIZERS)}, "
                         f"got {optimizers!r}")
    if not (isinstance(tol, (int, float)) and not isinstance(tol, bool) and tol > 0):
        raise ValueError(f"tol must be a number > 0 (a distance to the minimum), got {tol!r}")
    result: dict[str, dict[str, dict[str, Any]]] = {}
    fig, axes = new_figure(1, len(described), (5.0, 4.5))
    for ax, (name, d) in zip(axes[0], described, strict=True):
        w0 = _check_point("start", d["start"] if start is None else start)
        n = _check_int("steps", d["steps"] if steps is None else steps, 1)
        target = _check_point("minimum", d["minimum"])
        runs = {}
        for opt_name in optimizers:
            chosen = _settings(opt_name, d, settings)
            points = _run_path(d["f"], _optimizer(opt_name, chosen), w0, n)
            runs[opt_name] = {"steps": _steps_to_reach(points, target, tol), "path": points,
                              "settings": chosen}
        result[name] = runs
        _draw_paths(ax, d["f"], w0, target, runs)
        ax.set_title(f"{name}: {n} steps from ({w0[0]:g}, {w0[1]:g}), tol {tol:g}", fontsize=10)
    return finish(fig, path), result


def _draw_paths(ax: Any, f: Callable[[Any], Any], w0: np.ndarray, target: np.ndarray,
                runs: dict[str, dict[str, Any]]) -> None:
    paths = [run["path"] for run in runs.values()]
    start_loss = _loss(f, w0)
    bounds = _bounds([*paths, target[None]], [*(_loss(f, p.T) for p in paths), np.zeros(1)], start_loss)
    _draw_descent(ax, f, bounds, np.array([w0]))
    for name, run in runs.items():
        reached = f"{run['steps']} steps" if run["steps"] is not None else "not reached"
        points = run["path"]
        ax.plot(points[:, 0], points[:, 1], marker="o", markersize=1.5, linewidth=1,
                label=f"{name} (lr {run['settings'].get('lr', '')}): {reached}")
    ax.plot(*target, marker="*", color="black", markersize=10, linestyle="none")
    ax.legend(fontsize=7, loc="best")


def learning_rate_paths(
    surface: str | Callable[[Any], Any] = "ravine",
    lrs: Sequence[float] | None = None,
    *,
    start: Sequence[float] | None = None,
    steps: int = 40,
    tol: float = 1e-2,
    minimum: Sequence[float] | None = None,
    path: PathLike | None = None,
) -> tuple[Figure, dict[float, dict[str, Any]]]:
    """Gradient descent with a too-small, a good and a too-large learning rate on one surface.

    One panel per rate, each path drawn on the contours of the loss; the steps are
    glassnet's :class:`~glassnet.optim.SGD` (w <- w - lr dE/dw), as in
    :func:`optimizer_paths`.

    Parameters
    ----------
    surface : str or callable, default "ravine"
        As in :func:`optimizer_paths`.
    lrs : sequence of float, optional
        The learning rates (default: the surface's three, e.g. 0.02, 0.18 and 0.21 on the
        ravine, whose gradient descent diverges above lr = 2 / 10).
    start : 2 floats, optional
    steps : int, default 40
    tol : float, default 0.01
    minimum : 2 floats, optional
        The minimum of a callable surface.
    path : str or os.PathLike, optional
        Where to save the figure (4 x 3.6 inches per panel, 100 dpi).

    Returns
    -------
    fig : matplotlib.figure.Figure
    result : dict
        ``result[lr]`` is a dict with ``"steps"`` to reach the minimum (or None), ``"path"``
        (shape (k, 2)) and ``"diverged"`` (bool: the path left |w| <= 1e6 or its loss grew
        above the start's).

    Examples
    --------
    >>> fig, result = learning_rate_paths()
    >>> [result[lr]["diverged"] for lr in (0.02, 0.18, 0.21)]
    [False, False, True]
    """
    (name, d), = _surfaces(surface, minimum)
    rates = d["lrs"] if lrs is None else tuple(lrs)
    if not rates or not all(isinstance(r, (int, float)) and not isinstance(r, bool) and r > 0 for r in rates):
        raise ValueError(f"lrs must be a non-empty sequence of learning rates > 0, got {lrs!r}")
    w0 = _check_point("start", d["start"] if start is None else start)
    n = _check_int("steps", steps, 1)
    target = _check_point("minimum", d["minimum"])
    from glassnet.optim import SGD

    start_loss = float(_loss(d["f"], w0))
    result: dict[float, dict[str, Any]] = {}
    for lr in rates:
        points = _run_path(d["f"], SGD(lr=float(lr)), w0, n)
        final = float(_loss(d["f"], points[-1]))
        result[lr] = {"steps": _steps_to_reach(points, target, tol), "path": points,
                      "diverged": bool(len(points) <= n or not final <= start_loss)}
    paths = [r["path"] for r in result.values()]
    bounds = _bounds(paths, [_loss(d["f"], p.T) for p in paths], start_loss)
    fig, axes = new_figure(1, len(rates), (4.0, 3.6))
    roles = ("too small", "good", "too large") if len(rates) == 3 else ("",) * len(rates)
    for ax, lr, role in zip(axes[0], rates, roles, strict=True):
        run = result[lr]
        _draw_descent(ax, d["f"], bounds, run["path"])
        status = "diverged" if run["diverged"] else (
            f"reached in {run['steps']} steps" if run["steps"] is not None else "not reached")
        ax.set_title(f"{name}, lr = {lr:g}" + (f" ({role})" if role else "") + f"\n{status}", fontsize=10)
    return finish(fig, path), result
