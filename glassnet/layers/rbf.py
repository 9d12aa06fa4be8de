"""The radial basis function layer: each unit responds to the distance of the input to its centre."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import activations
from glassnet._checks import check_flag
from glassnet.layers._arguments import declare_input, input_config
from glassnet.layers.module import Layer, Parameter
from glassnet.ops.distance import Distance
from glassnet.tensor import Tensor

__all__ = ["RBF", "KERNELS"]

#: The radial functions phi(z) of z = ||x - c|| / sigma, each a registered activation.
KERNELS = ("gaussian", "multiquadric", "inverse_multiquadric")
_FROM_DATA = ("kmeans", "random")


class RBF(Layer):
    """Radial basis function layer: unit j computes phi(||x - c_j|| / sigma_j).

    .. math::

        a_j = \\varphi\\left(\\frac{\\lVert x - c_j \\rVert}{\\sigma_j}\\right),\\qquad
        \\varphi(z) = e^{-z^2} \\;\\text{(gaussian)},\\; \\sqrt{1 + z^2}
        \\;\\text{(multiquadric)},\\; \\frac{1}{\\sqrt{1 + z^2}} \\;\\text{(inverse multiquadric)}

    The input of phi is a distance to a centre c_j, not a weighted sum x . w + b: a
    Gaussian unit answers near its centre and is silent far away. An RBF network is this
    layer followed by a linear ``Dense`` output layer.

    Shape: input (N, D) -> output (N, units). Weights: the centres ``C`` (units, D) and the
    widths ``widths`` (units,), trained by backpropagation like any weight
    (dE/dc_j = -sum_i dE/dr_ij (x_i - c_j) / r_ij) unless ``learn_centers`` /
    ``learn_widths`` is False (then they are fixed buffers).

    Centres from data (Keras's ``adapt`` habit of preprocessing layers): with
    ``centers="kmeans"`` (the k-means cluster centres of scikit-learn's ``KMeans``) or
    ``centers="random"`` (distinct samples drawn at random), call ``layer.adapt(X)`` with the
    inputs the layer will see before training; a layer used before that raises a
    ValueError saying so. An array gives the centres directly. Widths not given start at
    each centre's distance to its nearest other centre (units overlap at e^{-1} of their
    peak for the Gaussian).

    Parameters
    ----------
    units : int
        The number of centres.
    kernel : {"gaussian", "multiquadric", "inverse_multiquadric"}, default "gaussian"
        phi.
    centers : {"kmeans", "random"} or array_like of shape (units, D), default "kmeans"
    learn_centers, learn_widths : bool, default True
    widths : float or array_like of shape (units,), optional
        sigma; by default from the centres (see above).
    seed : int, optional
        Seeds k-means and the random choice; otherwise the model's seed does.
    name : str, optional
    input_shape : (int,), optional
        Keras's per-sample input shape of a first layer.

    Examples
    --------
    >>> layer = RBF(2, centers=[[0.0, 0.0], [3.0, 4.0]], widths=5.0)
    >>> layer(np.array([[0.0, 0.0]])).numpy().round(4)
    array([[1.    , 0.3679]], dtype=float32)
    >>> X = np.array([[0.0], [0.1], [5.0], [5.2]])
    >>> np.sort(RBF(2, seed=0).adapt(X).C.numpy().ravel()).round(2)
    array([0.05, 5.1 ], dtype=float32)
    """

    static_graph = True

    def __init__(self, units: int, kernel: str = "gaussian", centers: Any = "kmeans",
                 learn_centers: bool = True, learn_widths: bool = True, widths: Any = None,
                 seed: int | None = None, name: str | None = None, *,
                 input_shape: tuple[int] | None = None) -> None:
        super().__init__(name or "rbf")
        declare_input(self, input_shape)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"RBF: units must be a positive integer, got {units!r}")
        if kernel not in KERNELS:
            raise ValueError(f"RBF: kernel must be one of {', '.join(KERNELS)}, got {kernel!r}")
        self.units, self.kernel, self.g = int(units), kernel, activations.get(kernel)
        self.centers = _check_centers(centers, self.units)
        if isinstance(self.centers, np.ndarray) and self.declared_input_shape is None:
            self.declared_input_shape = (self.centers.shape[1],)
        self.widths_given = _check_widths(widths, self.units)
        self.learn_centers = check_flag("RBF: learn_centers", learn_centers)
        self.learn_widths = check_flag("RBF: learn_widths", learn_widths)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise ValueError(f"RBF: seed must be an integer >= 0 or None, got {seed!r}")
        self.seed = seed
        if seed is not None:
            self.rng = np.random.default_rng(seed)

    def weight_shapes(self, input_shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
        return {"C": (self.units, input_shape[0]), "widths": (self.units,)} if len(input_shape) == 1 else {}

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        if len(input_shape) != 1:
            raise ValueError(f"RBF layer {self.name!r} expects inputs of shape (N, features), got "
                             f"per-sample shape {input_shape}; put a Flatten layer before it")
        if isinstance(self.centers, np.ndarray) and self.centers.shape[1] != input_shape[0]:
            raise ValueError(f"RBF layer {self.name!r}: centers have {self.centers.shape[1]} features but "
                             f"the input has {input_shape[0]}")
        C = self.centers
        if not isinstance(C, np.ndarray):
            C = np.full((self.units, input_shape[0]), np.nan)
        self._set("C", C.astype(self.dtype), self.learn_centers)
        self._set("widths", np.full(self.units, np.nan, self.dtype), self.learn_widths)
        if not np.isnan(C).any():
            self._fill_widths()

    def _set(self, key: str, value: np.ndarray, learned: bool) -> None:
        if learned:
            setattr(self, key, Parameter(value, name=key))
        else:
            self.register_buffer(key, value)

    def _fill_widths(self) -> None:
        """sigma from ``widths`` if given, else each centre's distance to its nearest other one."""
        C = _array(self.C)
        if self.widths_given is not None:
            sigma = np.broadcast_to(self.widths_given, (self.units,))
        elif self.units == 1:
            sigma = np.ones(1)
        else:
            gaps = np.sqrt(((C[:, None, :] - C[None, :, :]) ** 2).sum(-1))
            np.fill_diagonal(gaps, np.inf)
            sigma = gaps.min(axis=1)
            sigma = np.where(sigma > 0, sigma, 1.0)
        _array(self.widths)[...] = sigma

    def adapt(self, X: Any) -> RBF:
        """Place the centres from data X (n_samples, D), the inputs this layer will see: the
        k-means cluster centres (``centers="kmeans"``) or ``units`` distinct samples
        (``"random"``); then the widths unless given. Returns the layer."""
        X = np.asarray(X, dtype=self.dtype or np.float32)
        if X.ndim != 2 or X.shape[0] < self.units:
            raise ValueError(f"RBF.adapt: X must have shape (n_samples, features) with at least units="
                             f"{self.units} samples, got shape {X.shape}")
        if isinstance(self.centers, np.ndarray):
            raise ValueError(f"RBF layer {self.name!r} was given its centres as an array; adapt places "
                             "them from data only for centers='kmeans' or 'random'")
        self.ensure_built(X.shape[1:], X.dtype)
        seed = int(self.rng.integers(2 ** 31 - 1))
        if self.centers == "kmeans":
            from sklearn.cluster import KMeans

            C = KMeans(n_clusters=self.units, n_init=10, random_state=seed).fit(X).cluster_centers_
        else:
            C = X[np.random.default_rng(seed).choice(X.shape[0], self.units, replace=False)]
        _array(self.C)[...] = C
        self._fill_widths()
        return self

    def call(self, x: Tensor) -> Tensor:
        C, widths = _tensor(self.C), _tensor(self.widths)
        if np.isnan(C.data[0, 0]):
            raise ValueError(
                f"RBF layer {self.name!r} has no centres yet: centers={self.centers!r} places them from "
                "data. Call layer.adapt(X) with the inputs it will see (e.g. model.layers[0].adapt(X_train)) "
                "before fit or predict, or give centers= an array of shape (units, features)")
        return self.g(Distance.apply(x, C) / widths)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (self.units,)

    def get_config(self) -> dict[str, Any]:
        centers = self.centers.tolist() if isinstance(self.centers, np.ndarray) else self.centers
        widths = self.widths_given
        widths = widths.tolist() if isinstance(widths, np.ndarray) else widths
        return {"units": self.units, "kernel": self.kernel, "centers": centers,
                "learn_centers": self.learn_centers, "learn_widths": self.learn_widths, "widths": widths,
                "seed": self.seed, "name": self.name, **input_config(self)}


def _array(value: Any) -> np.ndarray:
    return value.data if isinstance(value, Tensor) else value


def _tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(value)


def _check_centers(centers: Any, units: int) -> str | np.ndarray:
    if isinstance(centers, str):
        if centers not in _FROM_DATA:
            raise ValueError("RBF: centers must be 'kmeans', 'random' or an array of shape (units, "
                             f"features), got {centers!r}")
        return centers
    array = np.asarray(centers, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] != units or not np.isfinite(array).all():
        raise ValueError(f"RBF: centers given as an array must be finite with shape (units={units}, "
                         f"features), got shape {array.shape}")
    return array


def _check_widths(widths: Any, units: int) -> float | np.ndarray | None:
    if widths is None:
        return None
    array = np.asarray(widths, dtype=np.float64)
    if array.shape not in ((), (units,)) or not (np.isfinite(array) & (array > 0)).all():
        raise ValueError(f"RBF: widths must be a positive number or {units} positive numbers, got {widths!r}")
    return float(array) if array.ndim == 0 else array
