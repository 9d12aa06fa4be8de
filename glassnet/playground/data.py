"""The playground's data: the toy sets, an uploaded CSV, the train/test split and the input features.

Every 2-D set comes from :func:`glassnet.datasets.load` (circles, XOR, Gaussian blobs,
spirals) or is generated here (the regression plane); the 1-D sine is
``glassnet.datasets.load("sine")``. The inputs are scaled by one factor so that the largest
coordinate is :data:`SPAN` (= 3), which keeps the features x1², sin x1, ... on a common scale.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["DATASETS", "FEATURES", "SPAN", "PlaygroundData", "make_data", "parse_csv", "features", "split"]

#: The data sets the page offers: key -> (label, task, default noise).
DATASETS: dict[str, tuple[str, str, float]] = {
    "circle": ("Circle", "classification", 0.1),
    "xor": ("XOR", "classification", 0.3),
    "gaussians": ("Gaussian blobs", "classification", 1.0),
    "spiral": ("Spiral", "classification", 0.05),
    "plane": ("Regression plane", "regression", 0.1),
    "sine": ("1-D sine", "regression", 0.1),
}

#: The input features: key -> (label shown on the page, the NumPy expression of x1 and x2).
FEATURES: dict[str, tuple[str, str]] = {
    "x1": ("x1", "x1"),
    "x2": ("x2", "x2"),
    "x1^2": ("x1²", "x1 ** 2"),
    "x2^2": ("x2²", "x2 ** 2"),
    "x1*x2": ("x1·x2", "x1 * x2"),
    "sin(x1)": ("sin x1", "np.sin(x1)"),
    "sin(x2)": ("sin x2", "np.sin(x2)"),
}
_COMPUTE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 ** 2,
    "x2^2": lambda x1, x2: x2 ** 2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}

#: The largest absolute input coordinate after scaling.
SPAN = 3.0
#: The data sets made by :func:`glassnet.datasets.load`: key -> its name there.
TOYS = {"circle": "circles", "xor": "xor", "gaussians": "gaussians", "spiral": "spiral", "sine": "sine"}


@dataclass(frozen=True, eq=False)
class PlaygroundData:
    """One data set on the page: the raw points (before the features) and what they mean.

    Attributes
    ----------
    X : numpy.ndarray
        float32, shape (N, 1) or (N, 2): the coordinates x1 (, x2).
    y : numpy.ndarray
        int64 class labels 0..C-1, or float32 targets for a regression.
    task : str
        ``"classification"`` or ``"regression"``.
    n_classes : int or None
    """

    X: np.ndarray
    y: np.ndarray
    task: str
    n_classes: int | None

    @property
    def n_inputs(self) -> int:
        """1 for the sine, 2 for the others."""
        return int(self.X.shape[1])


def scaled(X: np.ndarray) -> np.ndarray:
    """``X`` times one factor so that max |x| = :data:`SPAN` (float32)."""
    X = np.asarray(X, dtype=np.float32)
    largest = float(np.abs(X).max()) if X.size else 0.0
    return X if largest == 0.0 else X * np.float32(SPAN / largest)


def plane(n_samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The regression plane: x uniform on [-1, 1]², y = 0.7 x1 - 0.5 x2 + noise N(0, 1).

    Examples
    --------
    >>> X, y = plane(4, 0.0, seed=0)
    >>> X.shape, bool(np.allclose(y, 0.7 * X[:, 0] - 0.5 * X[:, 1]))
    ((4, 2), True)
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n_samples, 2)).astype(np.float32)
    y = 0.7 * X[:, 0] - 0.5 * X[:, 1] + noise * rng.standard_normal(n_samples)
    return X, y.astype(np.float32)


def make_data(name: str, n_samples: int, noise: float, seed: int, n_classes: int = 2) -> PlaygroundData:
    """Generate the data set ``name`` (a key of :data:`DATASETS`), its inputs scaled to ±SPAN.

    Parameters
    ----------
    name : str
        circle, xor, gaussians, spiral, plane or sine.
    n_samples : int
        The number of points.
    noise : float
        The noise's standard deviation, in the units of :func:`glassnet.datasets.load`.
    seed : int
        Seeds the generator.
    n_classes : int, default 2
        Classes of the Gaussian blobs (2 to 5) and of the spiral (2 or 3).

    Returns
    -------
    PlaygroundData

    Raises
    ------
    ValueError
        For an unknown name.

    Examples
    --------
    >>> data = make_data("xor", 40, 0.1, seed=0)
    >>> data.X.shape, data.n_classes, float(np.abs(data.X).max())
    ((40, 2), 2, 3.0)
    """
    if name not in DATASETS:
        raise ValueError(f"data set {name!r} is not one of {', '.join(DATASETS)}")
    if name == "plane":
        X, y = plane(n_samples, noise, seed)
        return PlaygroundData(scaled(X), y, "regression", None)
    from glassnet import datasets

    options = {"n_classes": n_classes} if name in ("gaussians", "spiral") else {}
    data = datasets.load(TOYS[name], n_samples=n_samples, noise=noise, seed=seed, **options)
    return PlaygroundData(scaled(data.X), data.y, data.task, data.n_classes)


def parse_csv(text: str, max_rows: int) -> PlaygroundData:
    """Read an uploaded CSV: two feature columns and a target (an optional header row).

    A target of whole numbers with at most 10 distinct values is a classification (its
    values are mapped to the labels 0..C-1 in sorted order); any other target a regression.

    Raises
    ------
    ValueError
        Saying which row is wrong, for anything but three numeric columns, fewer than 10
        rows, more than ``max_rows`` rows or a value that is not finite.

    Examples
    --------
    >>> data = parse_csv("a,b,label\\n" + "\\n".join(f"{i},{-i},{i % 2}" for i in range(12)), 100)
    >>> data.task, data.n_classes, data.X.shape
    ('classification', 2, (12, 2))
    """
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if rows and not _numeric(rows[0]):
        rows = rows[1:]
    if len(rows) < 10 or len(rows) > max_rows:
        raise ValueError(f"the CSV has {len(rows)} data rows; the playground takes 10 to {max_rows}")
    for number, row in enumerate(rows, start=1):
        if len(row) != 3 or not _numeric(row):
            raise ValueError(f"data row {number} is {','.join(row)[:60]!r}: each row must be three numbers "
                             "(x1, x2, target)")
    table = np.array([[float(cell) for cell in row] for row in rows])
    if not np.isfinite(table).all():
        raise ValueError("the CSV holds an infinite or NaN value; every value must be a finite number")
    X, target = scaled(table[:, :2]), table[:, 2]
    values = np.unique(target)
    if np.all(values == np.round(values)) and 2 <= len(values) <= 10:
        return PlaygroundData(X, np.searchsorted(values, target).astype(np.int64), "classification",
                              len(values))
    return PlaygroundData(X, target.astype(np.float32), "regression", None)


def _numeric(row: list[str]) -> bool:
    try:
        [float(cell) for cell in row]
    except ValueError:
        return False
    return True


def features(X: np.ndarray, names: list[str]) -> np.ndarray:
    """The input columns the network sees: each named feature of the coordinates x1 (, x2).

    Parameters
    ----------
    X : numpy.ndarray
        Shape (N, 1) or (N, 2).
    names : list of str
        Keys of :data:`FEATURES`, in the order of the columns wanted.

    Returns
    -------
    numpy.ndarray
        float32, shape (N, len(names)).

    Examples
    --------
    >>> features(np.array([[1.0, 2.0]]), ["x1", "x1*x2", "x2^2"])
    array([[1., 2., 4.]], dtype=float32)
    """
    X = np.asarray(X, dtype=np.float32)
    known = feature_names(X.shape[1])
    for name in names:
        if name not in known:
            raise ValueError(f"feature {name!r} is not one of {', '.join(known)}")
    x1, x2 = X[:, 0], X[:, 1] if X.shape[1] > 1 else None
    out = [_COMPUTE[name](x1, x2) for name in names]
    return np.stack(out, axis=1).astype(np.float32)


def feature_names(n_inputs: int) -> list[str]:
    """The feature keys that exist for data of ``n_inputs`` coordinates (1 or 2)."""
    return [name for name in FEATURES if n_inputs == 2 or "x2" not in name]


def split(n_samples: int, train_ratio: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The row indices of the training and test sets: a random permutation seeded by ``seed``.

    Examples
    --------
    >>> train, test = split(10, 0.7, seed=0)
    >>> len(train), len(test), sorted([*train, *test]) == list(range(10))
    (7, 3, True)
    """
    order = np.random.default_rng(seed).permutation(n_samples)
    n_train = min(max(int(round(n_samples * train_ratio)), 1), n_samples - 1)
    return order[:n_train], order[n_train:]
