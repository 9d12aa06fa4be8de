"""Data sets for examples and the command line: scikit-learn's bundled sets and 2-D toys.

Every set comes back as a :class:`Dataset` from :func:`load`. The bundled sets (digits,
iris, wine, breast_cancer, diabetes) ship inside scikit-learn, so nothing is downloaded.
The toys are generated from ``seed``, so the same call always returns the same points:

============== =============== ========== ================================================
name           task            size       source
============== =============== ========== ================================================
digits         classification  1797 x 64  8x8 handwritten digits 0-9 (UCI), pixels 0-16
iris           classification  150 x 4    Fisher's iris flowers, 3 species
wine           classification  178 x 13   chemical analysis of 3 Italian wine cultivars
breast_cancer  classification  569 x 30   Wisconsin diagnostic breast cancer, 2 classes
diabetes       regression      442 x 10   disease progression after one year (scaled)
circles        classification  500 x 2    two concentric circles (make_circles)
moons          classification  500 x 2    two interleaving half circles (make_moons)
xor            classification  500 x 2    four Gaussian blobs at (+-1, +-1), XOR labels
gaussians      classification  500 x 2    k isotropic Gaussian blobs (make_blobs), k = 3
spiral         classification  600 x 2    two or three interleaved spiral arms
sine           regression      200 x 1    y = sin(x) + noise on x in [-pi, pi]
============== =============== ========== ================================================

scikit-learn is imported only when a set is loaded, so ``import glassnet`` stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from glassnet._checks import check_flag
from glassnet._registry import Registry

__all__ = ["Dataset", "load", "names", "is_2d_toy"]

_LOADERS = Registry("dataset")
_TOYS_2D = ("circles", "moons", "xor", "gaussians", "spiral")
_BUNDLED = ("digits", "iris", "wine", "breast_cancer", "diabetes")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set: inputs, targets and what they mean.

    Attributes
    ----------
    X : numpy.ndarray
        Inputs, float32, shape (N, features).
    y : numpy.ndarray
        Targets, shape (N,): int64 class labels 0..C-1 for classification, float32 for
        regression.
    task : str
        ``"classification"`` or ``"regression"``.
    feature_names : list of str
    target_names : list of str or None
        The class names (index c names label c); None for regression.
    name : str
    description : str
        One line: what the set is, its size and its source.
    image_shape : tuple of int or None
        (C, H, W) when each row of ``X`` is a flattened image (digits: (1, 8, 8)), else None.

    Examples
    --------
    >>> data = gn.datasets.load("moons", n_samples=10, seed=0)
    >>> type(data).__name__, data.X.shape, data.task, data.target_names
    ('Dataset', (10, 2), 'classification', ['upper', 'lower'])
    """

    X: np.ndarray
    y: np.ndarray
    task: str
    feature_names: list[str]
    target_names: list[str] | None
    name: str
    description: str
    image_shape: tuple[int, ...] | None = None

    @property
    def n_samples(self) -> int:
        """N, the number of rows."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """The number of input features (columns of ``X``)."""
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int | None:
        """C for classification, None for regression."""
        return None if self.target_names is None else len(self.target_names)

    def __iter__(self) -> NoReturn:
        """Refused: ``X, y = gn.datasets.load(...)`` names ``data.X, data.y`` and ``return_X_y``."""
        raise TypeError(f"a Dataset is not a tuple: write data.X, data.y, or gn.datasets.load({self.name!r}, "
                        "return_X_y=True) for (X, y) as scikit-learn's loaders give it")


def names() -> list[str]:
    """The names :func:`load` accepts, sorted.

    Returns
    -------
    list of str
        The names, sorted.

    Examples
    --------
    >>> "digits" in gn.datasets.names(), "moons" in gn.datasets.names()
    (True, True)
    """
    return _LOADERS.names()


def is_2d_toy(name: str) -> bool:
    """Whether ``name`` is a generated classification set with two features (plottable).

    Parameters
    ----------
    name : str
        A data set's name (see :func:`names`).

    Returns
    -------
    bool
        True for a generated two-feature classification set.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.

    Examples
    --------
    >>> gn.datasets.is_2d_toy("moons"), gn.datasets.is_2d_toy("digits")
    (True, False)
    """
    _LOADERS.get(name)
    return name.lower() in _TOYS_2D


def load(
    name: str,
    *,
    n_samples: int | None = None,
    noise: float | None = None,
    seed: int = 0,
    n_classes: int | None = None,
    return_X_y: bool = False,
) -> Dataset | tuple[np.ndarray, np.ndarray]:
    """Load a bundled data set or generate a toy one.

    Parameters
    ----------
    name : str
        One of :func:`names` (see the module's table for sizes and sources).
    n_samples : int, optional
        Toys: how many points to generate (default: the table's size). Bundled sets: a
        random subset of this many rows, drawn without replacement with ``seed`` and kept
        in the original order (default: every row).
    noise : float, optional
        Toys only: the standard deviation of the Gaussian noise (circles 0.1, moons 0.2,
        xor 0.3, gaussians 1.0 (the blobs' spread), spiral 0.05, sine 0.1 by default).
    seed : int, default 0
        Seeds the generator; the same arguments give the same data.
    n_classes : int, optional
        ``gaussians``: the number of blobs k (default 3); ``spiral``: 2 or 3 arms
        (default 2). Not accepted by the other sets.
    return_X_y : bool, default False
        Return the tuple ``(X, y)`` instead of the Dataset, as scikit-learn's loaders do.

    Returns
    -------
    Dataset, or (X, y) with ``return_X_y=True``

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones) or an argument a set
        does not accept.

    Examples
    --------
    >>> data = load("moons", n_samples=200, noise=0.1)
    >>> data.X.shape, data.target_names
    ((200, 2), ['upper', 'lower'])
    """
    loader = _LOADERS.get(name)
    key = name.lower()
    _check_arguments(key, n_samples, noise, seed, n_classes)
    return_X_y = check_flag("return_X_y", return_X_y)
    if key in _BUNDLED:
        data = loader(n_samples, seed)
    else:
        options: dict[str, Any] = {} if n_classes is None else {"n_classes": n_classes}
        data = loader(n_samples=n_samples, noise=noise, seed=seed, **options)
    return (data.X, data.y) if return_X_y else data


def _check_arguments(
    key: str, n_samples: Any, noise: Any, seed: Any, n_classes: Any
) -> None:
    if n_samples is not None and (not _is_int(n_samples) or n_samples < 1):
        raise ValueError(f"n_samples must be a positive int or None, got {n_samples!r}")
    if noise is not None:
        if key in _BUNDLED:
            raise ValueError(
                f"noise={noise!r}: {key!r} is a fixed data set; noise applies only to the "
                f"generated ones ({', '.join((*_TOYS_2D, 'sine'))})"
            )
        if isinstance(noise, bool) or not isinstance(noise, int | float) or not noise >= 0:
            raise ValueError(f"noise must be a float >= 0 or None, got {noise!r}")
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    if n_classes is not None and key not in ("gaussians", "spiral"):
        raise ValueError(
            f"n_classes={n_classes!r}: only 'gaussians' and 'spiral' take n_classes, not {key!r}"
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


# ------------------------------------------------------------------ bundled (scikit-learn)
def _bundled(
    name: str, task: str, source: str, image_shape: tuple[int, ...] | None = None
) -> Callable[[int | None, int], Dataset]:
    """A loader for scikit-learn's ``load_<name>``; ``source`` completes the description."""

    def load_bundled(n_samples: int | None, seed: int) -> Dataset:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, f"load_{name}")()
        X, y = bunch.data, bunch.target
        total = len(X)
        if n_samples is not None:
            if n_samples > total:
                raise ValueError(f"n_samples={n_samples} but {name!r} has only {total} rows")
            rows = np.sort(np.random.default_rng(seed).choice(total, n_samples, replace=False))
            X, y = X[rows], y[rows]
        rows_note = f"{len(X)} samples, " if len(X) == total else f"{len(X)} of {total} samples, "
        classes = None if task == "regression" else [str(c) for c in bunch.target_names]
        return Dataset(
            X=np.ascontiguousarray(X, dtype=np.float32),
            y=y.astype(np.float32 if task == "regression" else np.int64),
            task=task,
            feature_names=[str(f) for f in bunch.feature_names],
            target_names=classes,
            name=name,
            description=f"{source} ({rows_note}{X.shape[1]} features; scikit-learn's bundled copy)",
            image_shape=image_shape,
        )

    return load_bundled


_LOADERS.register("digits")(_bundled(
    "digits", "classification", "8x8 images of handwritten digits 0-9, pixel values 0-16, "
    "from the UCI optical recognition of handwritten digits set", image_shape=(1, 8, 8)))
_LOADERS.register("iris")(_bundled(
    "iris", "classification", "Fisher's iris flowers: 4 measurements, 3 species (UCI)"))
_LOADERS.register("wine")(_bundled(
    "wine", "classification", "chemical analysis of wines from 3 Italian cultivars (UCI)"))
_LOADERS.register("breast_cancer")(_bundled(
    "breast_cancer", "classification",
    "Wisconsin diagnostic breast cancer, malignant or benign, from cell-nucleus images (UCI)"))
_LOADERS.register("diabetes")(_bundled(
    "diabetes", "regression", "disease progression one year after baseline, 10 mean-centred "
    "and scaled features (Efron et al. 2004)"))


# ------------------------------------------------------------------ generated toys
def _toy(
    name: str, X: np.ndarray, y: np.ndarray, target_names: list[str], what: str
) -> Dataset:
    return Dataset(
        X=np.ascontiguousarray(X, dtype=np.float32),
        y=y.astype(np.int64),
        task="classification",
        feature_names=["x1", "x2"],
        target_names=target_names,
        name=name,
        description=f"{what} ({len(X)} samples, 2 features, {len(target_names)} classes; generated)",
    )


@_LOADERS.register("circles")
def _circles(n_samples: int | None, noise: float | None, seed: int) -> Dataset:
    """Two concentric circles of radii 1 and 0.5, by ``sklearn.datasets.make_circles``."""
    from sklearn.datasets import make_circles

    noise = 0.1 if noise is None else noise
    X, y = make_circles(n_samples or 500, noise=noise, factor=0.5, random_state=seed)
    return _toy("circles", X, y, ["outer", "inner"],
                f"two concentric circles, radii 1 and 0.5, noise {noise:g} (make_circles)")


@_LOADERS.register("moons")
def _moons(n_samples: int | None, noise: float | None, seed: int) -> Dataset:
    """Two interleaving half circles, by ``sklearn.datasets.make_moons``."""
    from sklearn.datasets import make_moons

    noise = 0.2 if noise is None else noise
    X, y = make_moons(n_samples or 500, noise=noise, random_state=seed)
    return _toy("moons", X, y, ["upper", "lower"],
                f"two interleaving half circles, noise {noise:g} (make_moons)")


@_LOADERS.register("xor")
def _xor(n_samples: int | None, noise: float | None, seed: int) -> Dataset:
    """Four Gaussian blobs centred at (+-1, +-1); label 1 where the coordinates' signs differ.

    The blobs take turns, so their sizes differ by at most one; the rows are shuffled.
    """
    n, noise = n_samples or 500, 0.3 if noise is None else noise
    rng = np.random.default_rng(seed)
    centres = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    blob = rng.permutation(np.arange(n) % 4)
    X = centres[blob] + noise * rng.standard_normal((n, 2))
    return _toy("xor", X, blob // 2, ["same sign", "opposite sign"],
                f"XOR: four Gaussian blobs at (+-1, +-1), std {noise:g}")


@_LOADERS.register("gaussians")
def _gaussians(
    n_samples: int | None, noise: float | None, seed: int, n_classes: int = 3
) -> Dataset:
    """k isotropic Gaussian blobs (one class each), by ``sklearn.datasets.make_blobs``."""
    from sklearn.datasets import make_blobs

    if not _is_int(n_classes) or n_classes < 2:
        raise ValueError(f"gaussians: n_classes must be an int >= 2, got {n_classes!r}")
    noise = 1.0 if noise is None else noise
    X, y = make_blobs(n_samples or 500, n_features=2, centers=n_classes, cluster_std=noise,
                      random_state=seed)
    return _toy("gaussians", X, y, [f"blob {k}" for k in range(n_classes)],
                f"{n_classes} Gaussian blobs, std {noise:g} (make_blobs)")


@_LOADERS.register("spiral")
def _spiral(
    n_samples: int | None, noise: float | None, seed: int, n_classes: int = 2
) -> Dataset:
    """K interleaved spiral arms, 1.5 turns each, out to radius 1.

    Arm k's points at t in (0, 1) are r = t, theta = 3 pi t + 2 pi k / K, so
    x = (r cos theta, r sin theta) + noise * N(0, I). Adjacent arms are 1 / (1.5 K) apart
    along a radius.
    """
    if n_classes not in (2, 3) or isinstance(n_classes, bool):
        raise ValueError(f"spiral: n_classes must be 2 or 3, got {n_classes!r}")
    n, noise = n_samples or 600, 0.05 if noise is None else noise
    rng = np.random.default_rng(seed)
    arm = np.arange(n) % n_classes
    position = np.arange(n) // n_classes
    t = (position + 0.5) / np.bincount(arm, minlength=n_classes)[arm]
    theta = 3 * np.pi * t + 2 * np.pi * arm / n_classes
    X = t[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    X += noise * rng.standard_normal((n, 2))
    order = rng.permutation(n)
    return _toy("spiral", X[order], arm[order], [f"arm {k}" for k in range(n_classes)],
                f"{n_classes} interleaved spiral arms, noise {noise:g}")


@_LOADERS.register("sine")
def _sine(n_samples: int | None, noise: float | None, seed: int) -> Dataset:
    """1-D regression: x ~ U(-pi, pi), y = sin(x) + noise * N(0, 1)."""
    n, noise = n_samples or 200, 0.1 if noise is None else noise
    rng = np.random.default_rng(seed)
    x = rng.uniform(-np.pi, np.pi, n)
    y = np.sin(x) + noise * rng.standard_normal(n)
    return Dataset(
        X=x[:, None].astype(np.float32),
        y=y.astype(np.float32),
        task="regression",
        feature_names=["x"],
        target_names=None,
        name="sine",
        description=f"y = sin(x) + noise, x uniform on [-pi, pi], noise std {noise:g} "
        f"({n} samples, 1 feature; generated)",
    )
