"""Splitting data, cross-validation and batches for manual loops (``gn.data``).

The splits come from scikit-learn (``train_test_split``, ``KFold``, ``StratifiedKFold``);
these helpers add the defaults that avoid known traps: seeded shuffling, and stratified
splits for class labels, so every part keeps the class proportions. Scaling and encoding
are scikit-learn's too (``StandardScaler``, ``MinMaxScaler(feature_range=(a, b))``,
``OneHotEncoder``): fit them on the training part only.

For sequences, :func:`timeseries_windows` cuts a series into (window, next value) samples
and :class:`WalkForward` splits them in time order, never training on the future.

For a training loop of your own, :class:`DataLoader` cuts arrays (or a dataset) into
batches, as PyTorch's ``DataLoader`` does; ``fit`` takes it too.

For data larger than memory, :func:`from_parquet` and :func:`from_csv` read a file batch by
batch (``fit``, ``evaluate`` and ``predict`` take what they return); memory-mapped arrays
and Dask collections go to ``fit`` as they are.

Examples
--------
>>> X = np.random.default_rng(0).normal(size=(40, 3))
>>> y = (X[:, 0] > 0).astype(int)
>>> X_train, X_test, y_train, y_test = gn.data.train_test_split(X, y, test_size=0.25, seed=0)
>>> X_train.shape, X_test.shape
((30, 3), (10, 3))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet import _backends, _random
from glassnet._checks import can_stratify, check_seed
from glassnet.timeseries import WalkForward, timeseries_windows
from glassnet.training import arguments as _args
from glassnet.training import data as _data
from glassnet.training import prepare as _prep

__all__ = ["train_test_split", "folds", "cross_validate", "CVScores", "is_class_labels", "timeseries_windows",
           "WalkForward", "DataLoader", "from_parquet", "from_csv", "ChunkedBatches"]  # noqa: F822 - imported on first use


def is_class_labels(y: Any) -> bool:
    """True when ``y`` holds class labels (binary or multiclass, scikit-learn's
    ``type_of_target``), or one-hot rows.

    Parameters
    ----------
    y : array_like
        Targets.

    Returns
    -------
    bool
        True for binary or multiclass labels, or one-hot rows.

    Examples
    --------
    >>> gn.data.is_class_labels([0, 1, 2, 1]), gn.data.is_class_labels([0.5, 1.7])
    (True, False)
    >>> gn.data.is_class_labels([[0, 1], [1, 0]])
    True
    """
    from sklearn.utils.multiclass import type_of_target

    kind = type_of_target(y)
    return kind in ("binary", "multiclass") or (kind == "multilabel-indicator" and _one_hot(y))


def _one_hot(y: Any) -> bool:
    array = np.asarray(y)
    return array.ndim == 2 and bool((array.sum(axis=1) == 1).all())


def _is_auto(stratify: Any) -> bool:
    return isinstance(stratify, str) and stratify == "auto"


def _labels_for_stratify(y: Any, stratify: Any, n_test: int | None = None,
                         folds: int = 2) -> np.ndarray | None:
    """The labels to stratify by: from y for True, and for "auto" when y holds class labels
    that :func:`~glassnet._checks.can_stratify` (a test part of ``n_test`` samples, or
    ``folds`` folds); else as given."""
    if stratify is None or stratify is False:
        return None
    if stratify is True or _is_auto(stratify):
        if y is None:
            if stratify is True:
                raise ValueError("stratify=True needs y (the class labels)")
            return None
        labels = _data.as_array(y, None, "y")
        if not is_class_labels(labels):
            if stratify is True:
                raise ValueError("stratify=True needs class labels in y; y looks continuous")
            return None
        labels = labels.argmax(axis=1) if labels.ndim == 2 else labels.reshape(-1)
        return labels if stratify is True or can_stratify(labels, n_test, folds) else None
    return _data.as_array(stratify, None, "stratify")


def train_test_split(X: Any, y: Any = None, test_size: float = 0.25, seed: int | None = None,
                     stratify: Any = "auto", shuffle: bool = True) -> list[Any]:
    """Split (X, y) into a training and a test part, shuffled with ``seed``.

    Wraps :func:`sklearn.model_selection.train_test_split`. A scikit-learn Bunch may be
    passed as X alone (its ``data`` and ``target`` are used); pandas objects stay pandas.

    Parameters
    ----------
    X : array, DataFrame or Bunch
    y : array or Series, optional
    test_size : float in (0, 1) or int, default 0.25
    seed : int, optional
        Seeds the shuffle (scikit-learn's ``random_state``).
    stratify : "auto", True, False/None or array, default "auto"
        "auto" stratifies by y when y holds class labels with at least two samples each;
        an array gives the labels to stratify by.
    shuffle : bool, default True
        False keeps the order and takes the last ``test_size`` as the test part (ordered
        data such as time series); it cannot be stratified.

    Returns
    -------
    list
        ``[X_train, X_test, y_train, y_test]`` (or ``[X_train, X_test]`` without y).

    Examples
    --------
    >>> X, y = np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5)
    >>> X_train, X_test, y_train, y_test = gn.data.train_test_split(X, y, test_size=0.2, seed=0)
    >>> X_train.shape, X_test.shape, np.bincount(y_test).tolist()
    ((8, 2), (2, 2), [1, 1])
    """
    from sklearn.model_selection import train_test_split as _split

    X, y = _data.unpack_bunch(X, y)
    labels = _labels_for_stratify(y, stratify, _test_count(test_size, len(X))) if shuffle else None
    if not shuffle and not (stratify is None or stratify is False or _is_auto(stratify)):
        raise ValueError("train_test_split: stratify needs shuffle=True")
    arrays = [X] if y is None else [X, y]
    check_seed(seed)
    return _split(*arrays, test_size=test_size, random_state=seed, shuffle=shuffle, stratify=labels)


def _test_count(test_size: Any, n: int) -> int | None:
    """How many samples scikit-learn's ``train_test_split`` puts in the test part (None when
    ``test_size`` is not one it accepts: it then says why)."""
    if isinstance(test_size, (float, np.floating)) and 0 < test_size < 1:
        return int(np.ceil(test_size * n))
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool) and 0 < test_size < n:
        return int(test_size)
    return None


def folds(X: Any, y: Any = None, cv: Any = 5, seed: int | None = None,
          stratify: Any = "auto") -> list[tuple[np.ndarray, np.ndarray]]:
    """(train indices, validation indices) of each fold of a shuffled k-fold split.

    ``StratifiedKFold`` when y holds class labels with at least ``cv`` samples per class
    (``stratify="auto"``), ``KFold`` otherwise; both shuffled with ``seed``. ``cv`` may also
    be a scikit-learn splitter object, used as it is, or the folds themselves: a list of
    (train indices, validation indices) pairs (scikit-learn's iterable ``cv``; a splitter that
    needs groups gives them as ``list(GroupKFold(3).split(X, y, groups))``).

    Parameters
    ----------
    X : array_like
        The inputs (their number of rows counts).
    y : array_like, optional
        The targets; class labels are stratified.
    cv : int, scikit-learn splitter or list of (train, validation) index pairs, default 5
        The number of folds, a splitter, or the folds themselves.
    seed : int, optional
        Seeds the shuffling.
    stratify : "auto" or bool, default 'auto'
        Stratify by y's classes: "auto" when y holds class labels with at least ``cv`` samples per
        class.

    Returns
    -------
    list of (ndarray, ndarray)
        The train and validation indices of each fold.

    Examples
    --------
    >>> pairs = gn.data.folds(np.zeros((6, 1)), cv=3, seed=0)
    >>> [validation.tolist() for train, validation in pairs]
    [[2, 5], [1, 3], [0, 4]]
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    check_seed(seed)
    X, y = _data.unpack_bunch(X, y)
    n = len(X)
    labels = _labels_for_stratify(y, stratify)
    if hasattr(cv, "split"):
        return _split(cv, n, labels)
    if isinstance(cv, (list, tuple)):
        return _given_folds(cv, n)
    if isinstance(cv, bool) or not isinstance(cv, (int, np.integer)) or not 2 <= cv <= n:
        raise ValueError(f"cv must be an integer in [2, {n}] (the number of folds) or a splitter, got {cv!r}")
    if labels is not None and _is_auto(stratify) and not can_stratify(labels, folds=int(cv)):
        labels = None
    splitter = (KFold if labels is None else StratifiedKFold)(int(cv), shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((n, 1)), labels))


def _split(splitter: Any, n: int, labels: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """The folds of a scikit-learn splitter, or a ValueError saying how to give the groups it needs."""
    try:
        return list(splitter.split(np.zeros((n, 1)), labels))
    except ValueError as err:
        if "groups" not in str(err):
            raise
        raise ValueError(f"cv={splitter!r} needs groups ({err}); give the folds themselves: "
                         "cv=list(splitter.split(X, y, groups))") from None


def _given_folds(cv: list[Any] | tuple[Any, ...], n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """A list of (train, validation) index pairs, each index within the ``n`` samples."""
    folds = []
    for i, fold in enumerate(cv):
        if not isinstance(fold, (list, tuple)) or len(fold) != 2:
            raise ValueError(f"cv: fold {i} must be a pair (train indices, validation indices), got {fold!r}")
        train, val = (np.asarray(part) for part in fold)
        for part in (train, val):
            if part.ndim != 1 or part.size == 0 or part.dtype.kind not in "iu" or part.min() < 0 \
                    or part.max() >= n:
                raise ValueError(f"cv: fold {i} must hold non-empty lists of sample indices in [0, {n}), got "
                                 f"{np.ravel(part).tolist()[:10]!r}")
        folds.append((train, val))
    if not folds:
        raise ValueError("cv: give at least one fold (train indices, validation indices), got none")
    return folds


class CVScores:
    """Scores of a cross-validation: per fold, and their mean and standard deviation.

    Parameters
    ----------
    folds : list of dict
        Each fold's ``model.evaluate(..., return_dict=True)``.

    Attributes
    ----------
    folds : list of dict
        ``model.evaluate(..., return_dict=True)`` of each fold's held-out part
        ({"loss": ..., "accuracy": ...}).
    scores : dict of str to numpy.ndarray
        Each score over the folds.
    mean, std : dict of str to float
        Mean and (population) standard deviation over the folds.

    Examples
    --------
    >>> scores = gn.data.CVScores([{"loss": 0.5, "accuracy": 0.8}, {"loss": 0.3, "accuracy": 0.9}])
    >>> print(round(scores.mean["loss"], 4), round(scores.std["accuracy"], 4))
    0.4 0.05
    """

    def __init__(self, folds: list[dict[str, float]]) -> None:
        self.folds = folds
        self.scores = {key: np.array([fold[key] for fold in folds]) for key in folds[0]}
        self.mean = {key: float(values.mean()) for key, values in self.scores.items()}
        self.std = {key: float(values.std()) for key, values in self.scores.items()}

    def __getitem__(self, key: str) -> np.ndarray:
        return self.scores[key]

    def __str__(self) -> str:
        parts = [f"{key} {self.mean[key]:.4g} ± {self.std[key]:.2g}" for key in self.scores]
        return ", ".join(parts) + f" ({len(self.folds)} folds)"

    def __repr__(self) -> str:
        return f"CVScores({self})"


def cross_validate(build_fn: Callable[[], Any], X: Any, y: Any = None, cv: Any = 5,
                   seed: int | None = None, verbose: int = 0, backend: str = "local",
                   n_workers: int | None = None, address: str | None = None, **fit_kwargs: Any) -> CVScores:
    """k-fold cross-validation of a model: train a fresh one on each fold, score it on the rest.

    Parameters
    ----------
    build_fn : callable
        ``build_fn()`` returns a new compiled model (fresh weights every call). With another
        backend than "local" it runs in the workers: a function of a module or script.
    X, y : arrays, pandas objects, or a Bunch as X alone
    cv : int, scikit-learn splitter or list of (train, validation) index pairs, default 5
        Folds are stratified when the model's loss is a classification loss.
    seed : int, optional
        Seeds the folds, every ``fit`` and the weights ``build_fn`` draws without a seed of
        their own, so each fold gives the same scores on every backend.
    verbose : int, default 0
    backend : {"local", "processes", "dask"}, default "local"
        Where the folds train: one after the other here, on worker processes of this
        machine, or on a Dask cluster (see :class:`glassnet._backends.Pool`). The data is
        sent to the workers once.
    n_workers : int, optional
        Worker processes to start (one per core by default).
    address : str, optional
        ``tcp://host:8786``: the scheduler of a running Dask cluster (backend="dask").
    **fit_kwargs
        Passed to ``model.fit`` (epochs, batch_size, callbacks, ...).

    Returns
    -------
    CVScores
        Per-fold ``model.evaluate`` scores, their mean and std.

    Examples
    --------
    >>> def build():
    ...     model = gn.Sequential([gn.layers.Dense(1, input_dim=1)])
    ...     model.compile(optimizer=gn.optim.SGD(lr=0.1), loss="mse")
    ...     return model
    ...
    >>> X = np.linspace(0, 1, 12).reshape(-1, 1)
    >>> scores = gn.cross_validate(build, X, 2 * X, cv=3, seed=0, epochs=5)
    >>> len(scores.folds), sorted(scores.mean)
    (3, ['loss'])
    """
    if not callable(build_fn) or hasattr(build_fn, "fit"):
        raise TypeError(
            f"build_fn must be a function returning a new compiled model (e.g. a def that builds and "
            f"compiles one), got {build_fn!r}"
        )
    _args.check_seed(seed)
    _args.check_verbose(verbose)
    _backends.check_backend(backend, n_workers, address)
    if "n_jobs" in fit_kwargs:
        raise TypeError(f"cross_validate() got n_jobs=...; glassnet spells it {_backends.N_JOBS}")
    X, y = _data.unpack_bunch(X, y)
    if y is None:
        raise ValueError("cross_validate needs targets y (or a Bunch with a target)")
    Xa, ya = _data.as_array(X, None, "X"), _data.as_array(y, None, "y")
    model = _compiled(build_fn())
    if build_fn() is model:
        raise ValueError("build_fn() returned the same model twice; it must build a new one per call")
    classification = _prep.stratify_labels(model, [ya]) is not None
    splits = folds(Xa, ya, cv, seed, stratify="auto" if classification else None)
    seeds = (np.random.SeedSequence([seed, 2]).spawn(len(splits)) if seed is not None
             else _random.children(len(splits)))
    tasks = [(train, val, fold_seeds) for (train, val), fold_seeds in zip(splits, seeds)]
    outcomes = _backends.run_all(_fit_fold, tasks, backend, n_workers, address,
                                 shared=((Xa, ya), (build_fn, seed, verbose, fit_kwargs)))
    for i, outcome in enumerate(outcomes):
        if not outcome.ok:
            if outcome.exception is not None:
                raise outcome.exception
            raise RuntimeError(f"cross_validate: fold {i} failed on {outcome.worker or 'its worker'}: "
                               f"{outcome.error}")
    return CVScores([outcome.value for outcome in outcomes])


def _fit_fold(data: tuple[np.ndarray, np.ndarray], settings: tuple[Any, ...], train: np.ndarray,
              val: np.ndarray, seeds: np.random.SeedSequence) -> dict[str, float]:
    """One fold: a model from ``build_fn``, trained on ``train`` and scored on ``val``. It
    depends on its arguments only (its unseeded draws come from ``seeds``), wherever it runs."""
    (Xa, ya), (build_fn, seed, verbose, fit_kwargs) = data, settings
    with _random.program_seeds(seeds):
        model = _compiled(build_fn())
        model.fit(Xa[train], ya[train], seed=seed, verbose=verbose, **fit_kwargs)
        scores = model.evaluate(Xa[val], ya[val], verbose=0, return_dict=True)
    return {k: float(v) for k, v in scores.items()}


def _compiled(model: Any) -> Any:
    if not getattr(model, "compiled", False):
        raise ValueError(
            f"build_fn() must return a compiled model (call model.compile(...) inside it), got {model!r}"
        )
    return model


def __getattr__(name: str) -> Any:
    """:class:`DataLoader` (for loops of your own) and the readers of files larger than
    memory (:func:`from_parquet`, :func:`from_csv`) are imported on first use."""
    if name == "DataLoader":
        from glassnet.training.loader import DataLoader

        return DataLoader
    if name in ("from_parquet", "from_csv"):
        from glassnet.training import sources

        return getattr(sources, name)
    if name == "ChunkedBatches":
        from glassnet.training.streams import ChunkedBatches

        return ChunkedBatches
    raise AttributeError(f"module 'glassnet.data' has no attribute {name!r}")
