"""Preprocessing of a table's feature columns, saved with the model without pickle.

Numeric columns are standardized, x' = (x - mean) / scale, and text (categorical) columns
one-hot encoded, through a scikit-learn ``ColumnTransformer``. What a model needs later to
be used safely travels with it: the column names and units, the fitted statistics, the
categories and the range of every column seen in training, so that predictions on inputs
outside that range come with a warning (the model is extrapolating).

The fitted transformer is saved as JSON (columns, categories, ranges, units) plus arrays
(the scaler's mean, scale and variance); loading rebuilds an equivalent transformer from
those numbers alone.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from glassnet._checks import check_flag, check_model_dtype
from glassnet.io import _tabular_steps as _steps

__all__ = ["TabularPreprocessor", "ExtrapolationWarning", "missing_cells_message"]


class ExtrapolationWarning(UserWarning):
    """Inputs fall outside the range the model was trained on: its predictions there are guesses.

    Examples
    --------
    >>> import warnings
    >>> issubclass(gn.io.ExtrapolationWarning, UserWarning)
    True
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", gn.io.ExtrapolationWarning)
    ...
    """


def _pandas() -> Any:
    import pandas

    return pandas


def _as_frame(data: Any, columns: list[str] | None = None) -> Any:
    pd = _pandas()
    if isinstance(data, pd.DataFrame):
        frame = data.copy()
        frame.columns = [str(c) for c in frame.columns]
        return frame
    array = np.asarray(data)
    if array.ndim != 2:
        raise ValueError(f"the inputs must be a table (a DataFrame or a 2-D array), got shape {array.shape}")
    if columns is not None and array.shape[1] != len(columns):
        raise ValueError(f"the inputs have {array.shape[1]} columns but the model was trained on "
                         f"{len(columns)}: {', '.join(columns)}")
    names = columns if columns is not None else [f"x{i}" for i in range(array.shape[1])]
    return pd.DataFrame(array, columns=names)


def _listed(names: list[str], limit: int = 10) -> str:
    """``['a', 'b', ... (n more)]``: the first ``limit`` names of a list."""
    more = f", ... ({len(names) - limit} more)" if len(names) > limit else ""
    return "[" + ", ".join(repr(n) for n in names[:limit]) + more + "]"


def _is_numeric(series: Any) -> bool:
    return series.dtype.kind in "iuf"


def missing_cells_message(frame: Any) -> str | None:
    """A one-paragraph description of the NaN (empty) and infinite cells of a table, or None."""
    numeric = frame.select_dtypes(include="number")
    bad = frame.isna()
    if not numeric.empty:
        bad[numeric.columns] |= ~np.isfinite(numeric.to_numpy(dtype=float))
    counts = bad.sum()
    counts = counts[counts > 0]
    if counts.empty:
        return None
    where = ", ".join(f"{name!r} ({n})" for name, n in counts.items())
    rows = int(bad.any(axis=1).sum())
    return (
        f"the table has {int(counts.sum())} missing (NaN or empty) or infinite cell(s) in "
        f"{len(counts)} column(s): {where}; {rows} of {len(frame)} rows are affected. Drop those "
        "rows (pandas: df.dropna()) or impute the values (sklearn.impute.SimpleImputer) first"
    )


def _column_transformer(numeric: list[str], categorical: list[str], categories: Any = "auto",
                        scale: str = "standard", polynomial: int | None = None) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    parts = []
    if numeric:
        parts.append(("numeric", _steps.numeric_step(scale, polynomial), numeric))
    if categorical:
        encoder = OneHotEncoder(categories=categories, handle_unknown="ignore", sparse_output=False)
        parts.append(("categorical", encoder, categorical))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)


class TabularPreprocessor:
    """Standardize numeric columns, one-hot encode text columns; remember the training ranges.

    .. math::

        x'_j = \\frac{x_j - \\mu_j}{s_j} \\quad \\text{(numeric)}, \\qquad
        x' = \\mathrm{onehot}(x_j) \\quad \\text{(categorical)}

    with :math:`\\mu_j` and :math:`s_j` the mean and standard deviation of column j in the
    training data (scikit-learn's ``StandardScaler``; a constant column keeps s = 1).
    ``polynomial=d`` first adds every product of the numeric columns up to degree d (the
    feature crosses x1 x2, x1^2, ...), which are then scaled as the columns are.

    Parameters
    ----------
    units : dict of str to str, optional
        The unit of each column that has one ("mm", "kg"), kept for the model's users.
    scale : {"standard", "minmax", "none"}, default "standard"
        How the numeric features are scaled: standardized, mapped to [0, 1] by the training
        minimum and maximum (``MinMaxScaler``), or left as they are.
    polynomial : int, optional
        The degree d of the polynomial features (``PolynomialFeatures(d, include_bias=False)``);
        None (or 1) for the columns alone.
    features : list of str, optional
        The columns to use, by name; the table's other columns are ignored (in ``fit`` and in
        ``transform``) and listed in ``ignored_``. Default: every column.

    Attributes
    ----------
    columns_ : list of str
        The input columns, in order.
    numeric_, categorical_ : list of str
    ranges_ : dict of str to [min, max]
        Of every numeric column in the training data.
    categories_ : dict of str to list of str
        Of every categorical column.
    ignored_ : list of str
        The columns of the training table left out by ``features``.
    transformer_ : sklearn.compose.ColumnTransformer

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"length": [1.0, 2.0, 3.0], "mass": [4.0, 5.0, 9.0], "id": [7, 8, 9]})
    >>> prep = TabularPreprocessor(units={"length": "cm"}, polynomial=2, features=["length", "mass"])
    >>> prep = prep.fit(frame)
    >>> prep.feature_names_out, prep.ignored_
    (['length', 'mass', 'length^2', 'length mass', 'mass^2'], ['id'])
    >>> prep.transform(frame).shape
    (3, 5)
    """

    def __init__(self, units: Mapping[str, str] | None = None, scale: str = "standard",
                 polynomial: int | None = None, features: list[str] | None = None) -> None:
        if units is not None and (not isinstance(units, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in units.items())):
            raise TypeError(f"units must map column names to unit texts, e.g. {{'length': 'cm'}}, got "
                            f"{units!r}")
        self.units = dict(units or {})
        self.scale, self.polynomial, self.features = _steps.check_steps(scale, polynomial, features)
        self.ignored_: list[str] = []

    # ------------------------------------------------------------------ fitting
    def _prepared(self, frame: Any) -> Any:
        """The columns the transformer reads: numeric as float64, categorical as text."""
        pd = _pandas()
        data = {c: frame[c].to_numpy(dtype=np.float64) for c in self.numeric_}
        data.update({c: frame[c].astype(str).to_numpy(dtype=object) for c in self.categorical_})
        return pd.DataFrame(data, columns=self.columns_, index=frame.index)

    def fit(self, frame: Any) -> TabularPreprocessor:
        """Learn the statistics, categories and ranges of ``frame``'s columns.

        Raises
        ------
        ValueError
            For an empty table, missing or infinite cells (counted per column), or units
            named for columns the table does not have.
        """
        frame = self._checked(frame, "the table to preprocess")
        self._learn_columns(frame)
        prepared = self._prepared(frame)
        self.transformer_ = _column_transformer(self.numeric_, self.categorical_, "auto", self.scale,
                                                self.polynomial).fit(prepared)
        self.ranges_ = {c: [float(prepared[c].min()), float(prepared[c].max())] for c in self.numeric_}
        encoder = self.transformer_.named_transformers_.get("categorical")
        self.categories_ = {c: [str(v) for v in cats] for c, cats in
                            zip(self.categorical_, encoder.categories_ if encoder is not None else [])}
        self.n_samples_ = int(frame.shape[0])
        step = self.transformer_.named_transformers_.get("numeric")
        self._scaler = None if step is None else _steps.fitted_scaler(step, self.scale)
        return self

    def _checked(self, frame: Any, what: str) -> Any:
        """The ``features`` columns of a table to learn from, checked non-empty and complete."""
        frame = _as_frame(frame)
        if frame.shape[0] == 0 or frame.shape[1] == 0:
            raise ValueError(f"{what} is empty (shape {frame.shape})")
        frame = self._select(frame)
        message = missing_cells_message(frame)
        if message:
            raise ValueError(message)
        return frame

    def _learn_columns(self, frame: Any) -> None:
        """The columns of the table to learn from, and which are numeric or categorical."""
        self.columns_ = list(frame.columns)
        unknown = sorted(set(self.units) - set(self.columns_))
        if unknown:
            raise ValueError(f"units are given for {unknown}, which are not feature columns: "
                             f"{', '.join(self.columns_)}")
        self.numeric_ = [c for c in self.columns_ if _is_numeric(frame[c])]
        self.categorical_ = [c for c in self.columns_ if c not in self.numeric_]

    def _select(self, frame: Any) -> Any:
        """The ``features`` columns of the training table; the others are remembered as ignored."""
        if self.features is None:
            self.ignored_ = []
            return frame
        unknown = [c for c in self.features if c not in frame.columns]
        if unknown:
            raise ValueError(f"features {unknown} are not columns of the table; its columns are "
                             f"{_listed(list(frame.columns), 50)}")
        self.ignored_ = [c for c in frame.columns if c not in self.features]
        return frame[self.features]

    def partial_fit(self, frame: Any) -> TabularPreprocessor:
        """Learn from one more chunk of rows, for a table larger than memory.

        The statistics gathered over the chunks so far are those :meth:`fit` learns from
        them all at once: the scaler's mean and variance, or minimum and maximum, of the
        numeric columns (crossed first for ``polynomial``; scikit-learn's ``partial_fit`` of
        ``StandardScaler`` / ``MinMaxScaler``, equal to rounding), the ranges, and the
        categories seen. The first chunk fixes the columns and which are numeric; after
        :meth:`fit`, the chunks add to what it learned, as in scikit-learn. After each call the
        preprocessor transforms as a fitted one.

        Raises
        ------
        ValueError
            For an empty chunk, missing or infinite cells, columns other than the first
            chunk's, or a numeric column that now holds text.

        Examples
        --------
        >>> import pandas as pd
        >>> prep = TabularPreprocessor()
        >>> for part in (pd.DataFrame({"a": [1.0, 2.0]}), pd.DataFrame({"a": [3.0, 4.0]})):
        ...     _ = prep.partial_fit(part)
        >>> prep.ranges_, prep.transform(pd.DataFrame({"a": [2.5]})).round(3).tolist()
        ({'a': [1.0, 4.0]}, [[0.0]])
        """
        frame = self._checked(frame, "the chunk to learn from")
        if not hasattr(self, "_scaler"):
            self._start_partial(frame)
        else:
            self.check_columns(frame)
            self._check_types(frame)
        prepared = self._prepared(frame[self.columns_])
        if self.numeric_ and self._scaler is not None:
            self._scaler.partial_fit(_steps.crossed(prepared[self.numeric_].to_numpy(), self.polynomial))
        for c in self.numeric_:
            low, high = self.ranges_.get(c, [np.inf, -np.inf])
            self.ranges_[c] = [min(low, float(prepared[c].min())), max(high, float(prepared[c].max()))]
        for c in self.categorical_:
            self.categories_[c] = sorted(set(self.categories_[c]) | set(prepared[c].tolist()))
        self.n_samples_ += int(frame.shape[0])
        scaler = self._scaler if self.numeric_ else None
        self.transformer_ = self._rebuild({} if scaler is None else _steps.step_arrays(scaler, self.scale))
        return self

    def _start_partial(self, frame: Any) -> None:
        """The columns, their kinds and empty statistics, from the first chunk."""
        self._learn_columns(frame)
        self.ranges_, self.categories_ = {}, {c: [] for c in self.categorical_}
        self.n_samples_ = 0
        self._scaler = _steps.partial_scaler(self.scale)

    @property
    def feature_names_out(self) -> list[str]:
        """The names of the network's inputs: the numeric columns, then one per category."""
        return [str(n).split("__", 1)[-1] for n in self.transformer_.get_feature_names_out()]

    def feature_ranges(self) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) bounds of each network input over the training data: the numeric
        features (scaled, crossed) from the columns' training ranges, then [0, 1] for each
        one-hot category (the order of :attr:`feature_names_out`).

        Examples
        --------
        >>> import pandas as pd
        >>> prep = TabularPreprocessor(scale="minmax").fit(pd.DataFrame({"x": [2.0, 4.0, 6.0]}))
        >>> [bound.tolist() for bound in prep.feature_ranges()]
        [[0.0], [1.0]]
        """
        low = np.array([self.ranges_[c][0] for c in self.numeric_], dtype=np.float64)
        high = np.array([self.ranges_[c][1] for c in self.numeric_], dtype=np.float64)
        step = self.transformer_.named_transformers_.get("numeric")
        if step is not None:
            low, high = _steps.feature_bounds(step, self.scale, low, high)
        one_hot = sum(len(self.categories_[c]) for c in self.categorical_)
        return np.concatenate([low, np.zeros(one_hot)]), np.concatenate([high, np.ones(one_hot)])

    # ---------------------------------------------------------------- transforming
    def check_columns(self, frame: Any) -> None:
        """Raise a ValueError naming the missing and the extra columns, if any (the columns
        left out by ``features`` may be there, and are ignored)."""
        missing = [c for c in self.columns_ if c not in frame.columns]
        extra = [c for c in frame.columns if c not in self.columns_ and c not in self.ignored_]
        if missing or extra:
            raise ValueError(
                "the table's columns differ from those the model was trained on: "
                + (f"missing {_listed(missing)}" if missing else "no column missing")
                + (f", extra {_listed(extra)}" if extra else ", no extra column")
                + f". The model expects exactly these {len(self.columns_)} columns: "
                + _listed(self.columns_)
            )

    def _check_types(self, frame: Any) -> None:
        pd = _pandas()
        for c in self.numeric_:
            if not _is_numeric(frame[c]):
                values = pd.to_numeric(frame[c], errors="coerce")
                bad = frame[c][values.isna()].astype(str).unique()[:3].tolist()
                raise ValueError(f"column {c!r} was numeric in training but holds text such as {bad}; "
                                 "fix those cells or convert the column to numbers")

    def out_of_range(self, frame: Any) -> dict[str, str]:
        """For each column with inputs outside the training data: what lies outside."""
        found = {}
        for c in self.numeric_:
            low, high = self.ranges_[c]
            values = frame[c].to_numpy(dtype=np.float64)
            outside = (values < low) | (values > high)
            if outside.any():
                unit = f" {self.units[c]}" if c in self.units else ""
                found[c] = (f"{int(outside.sum())} value(s) outside [{low:.6g}, {high:.6g}]{unit}, from "
                            f"{values.min():.6g} to {values.max():.6g}")
        for c in self.categorical_:
            unseen = sorted(set(frame[c].astype(str)) - set(self.categories_[c]))
            if unseen:
                found[c] = f"categories never seen in training: {unseen[:5]}"
        return found

    def transform(self, data: Any, dtype: Any = np.float32, warn: bool = True) -> np.ndarray:
        """The network inputs for a table with the training columns (order may differ).

        Parameters
        ----------
        data : pandas.DataFrame or 2-D array
            An array's columns are taken in the training order.
        dtype : numpy dtype, default float32
        warn : bool, default True
            Issue an :class:`ExtrapolationWarning` naming the columns whose values lie
            outside the training range (or whose categories were never seen).

        Raises
        ------
        ValueError
            For missing or extra columns (both listed), missing cells, or text in a
            numeric column.
        """
        if not hasattr(self, "transformer_"):
            raise ValueError("this TabularPreprocessor is not fitted yet; call fit(table) first")
        warn = check_flag("warn", warn)
        dtype = check_model_dtype(dtype)
        frame = _as_frame(data, self.columns_)
        self.check_columns(frame)
        frame = frame[self.columns_]
        message = missing_cells_message(frame)
        if message:
            raise ValueError(message)
        self._check_types(frame)
        if warn:
            found = self.out_of_range(frame)
            if found:
                details = "; ".join(f"{c!r}: {text}" for c, text in found.items())
                warnings.warn(
                    f"the model is extrapolating: inputs fall outside its training data in "
                    f"{len(found)} column(s) ({details}). Predictions there are less reliable",
                    ExtrapolationWarning, stacklevel=2)
        return np.asarray(self.transformer_.transform(self._prepared(frame)), dtype=dtype)

    # ---------------------------------------------------------------- saving
    def to_config(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """(JSON-able description, arrays): everything :meth:`from_config` needs."""
        step = self.transformer_.named_transformers_.get("numeric")
        arrays = {} if step is None else _steps.step_arrays(step, self.scale)
        config = {
            "class_name": type(self).__name__,
            "columns": self.columns_, "numeric": self.numeric_, "categorical": self.categorical_,
            "categories": self.categories_, "ranges": self.ranges_, "units": self.units,
            "n_samples": self.n_samples_,
            "scale": self.scale, "polynomial": self.polynomial, "ignored": self.ignored_,
        }
        return config, arrays

    @classmethod
    def from_config(cls, config: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> TabularPreprocessor:
        """Rebuild a fitted preprocessor from :meth:`to_config`'s output, without any data.

        Every field is checked for its type (lists of column names, a [min, max] pair of
        finite numbers per numeric column, ...), as it may come from a file.

        Raises
        ------
        ValueError
            When the description is incomplete, of the wrong types, or inconsistent with
            the arrays.
        """
        problem = _config_problem(config)
        if problem:
            raise ValueError(f"the saved preprocessing is incomplete or malformed: {problem}")
        prep = cls(units=config.get("units") or {}, scale=config.get("scale", "standard"),
                   polynomial=config.get("polynomial"))
        prep.ignored_ = list(config.get("ignored") or [])
        prep.columns_ = list(config["columns"])
        prep.numeric_ = list(config["numeric"])
        prep.categorical_ = list(config["categorical"])
        prep.categories_ = {c: list(config["categories"][c]) for c in prep.categorical_}
        prep.ranges_ = {c: [float(v) for v in config["ranges"][c]] for c in prep.numeric_}
        prep.n_samples_ = int(config["n_samples"])
        prep.transformer_ = prep._rebuild(arrays)
        return prep

    def _rebuild(self, arrays: Mapping[str, np.ndarray]) -> Any:
        """A ColumnTransformer equal to the fitted one: fitted on a stand-in table holding
        every category, then given the saved scaler statistics."""
        pd = _pandas()
        categories = [np.array(self.categories_[c], dtype=object) for c in self.categorical_]
        transformer = _column_transformer(self.numeric_, self.categorical_, categories or "auto", self.scale,
                                          self.polynomial)
        rows = max([2, *(len(c) for c in categories)])
        stand_in = {c: np.zeros(rows) for c in self.numeric_}
        stand_in.update({c: np.resize(cats, rows) for c, cats in zip(self.categorical_, categories)})
        transformer.fit(pd.DataFrame(stand_in, columns=self.columns_))
        if self.numeric_:
            _steps.restore_step(transformer.named_transformers_["numeric"], self.scale, arrays,
                                len(self.numeric_), self.n_samples_)
        return transformer


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value) and \
        len(set(value)) == len(value)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def _config_problem(config: Any) -> str | None:
    """What is wrong with a saved preprocessing description (read from a file), or None."""
    keys = {"class_name", "columns", "numeric", "categorical", "categories", "ranges", "units", "n_samples"}
    if not isinstance(config, Mapping) or not keys <= set(config) <= keys | set(_steps.STEP_KEYS):
        return f"a dict with the keys {sorted(keys)} (and optionally {list(_steps.STEP_KEYS)}) is expected"
    problem = _steps.steps_problem(config)
    if problem:
        return problem
    if config["class_name"] != TabularPreprocessor.__name__:
        return f"class_name {config['class_name']!r} is not {TabularPreprocessor.__name__!r}"
    columns, numeric, categorical = config["columns"], config["numeric"], config["categorical"]
    if not (_names(columns) and _names(numeric) and _names(categorical)) or \
            sorted(columns) != sorted(numeric + categorical):
        return "columns, numeric and categorical must be lists of distinct names; numeric and categorical " \
            "together are the columns"
    categories, ranges, units = config["categories"], config["ranges"], config["units"]
    if not isinstance(categories, dict) or set(categories) != set(categorical) or \
            not all(_names(v) for v in categories.values()):
        return "categories must list the distinct categories (text) of every categorical column"
    pairs = ranges.values() if isinstance(ranges, dict) else [None]
    if not isinstance(ranges, dict) or set(ranges) != set(numeric) or not all(
            isinstance(r, list) and len(r) == 2 and all(map(_number, r)) and r[0] <= r[1] for r in pairs):
        return "ranges must give a finite [min, max] of every numeric column"
    if not isinstance(units, dict) or not set(units) <= set(columns) or \
            not all(isinstance(u, str) for u in units.values()):
        return "units must map column names to text"
    n = config["n_samples"]
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        return f"n_samples {n!r} is not a positive count"
    return None
