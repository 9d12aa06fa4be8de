"""The feature options of ``glassnet train`` checked against the table before any training:
``--features`` and ``--units`` must name its columns, ``--polynomial`` must not make too many
features, ``--class-weight`` is for a classification."""

from __future__ import annotations

import math
from typing import Any

from glassnet.cli.data import Table
from glassnet.cli.settings import TrainSettings, UsageError

__all__ = ["check_columns", "MAX_POLYNOMIAL_FEATURES"]


def check_columns(s: TrainSettings, table: Table) -> None:
    """Refuse --features and --units naming columns the table does not have (or that are
    not used), and --class-weight for a regression.

    Raises
    ------
    UsageError
        Naming the option, the unknown names and the columns available.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> table = Table(pd.DataFrame({"a": [1.0], "b": [2.0]}), np.zeros(1), "regression", None, "y", "t")
    >>> check_columns(TrainSettings(features=["a", "c"]), table)
    Traceback (most recent call last):
    ...
    glassnet.cli.settings.UsageError: --features names ['c'], which are not feature columns; they are: a, b
    """
    columns = [str(c) for c in table.X.columns]
    available = f"they are: {', '.join(columns)}"
    unknown = [c for c in s.features or [] if c not in columns]
    if unknown:
        target = f" ({table.target!r} is the target)" if table.target in unknown else ""
        raise UsageError(f"--features names {unknown}, which are not feature columns{target}; {available}")
    used = s.features or columns
    unknown = sorted(set(s.units) - set(used))
    if unknown:
        why = "not among --features" if s.features else "not feature columns"
        raise UsageError(f"--units names {unknown}, which are {why}; {available}")
    _check_polynomial(s, table.X[used])
    if s.class_weight and table.task != "classification":
        raise UsageError(f"--class-weight {s.class_weight} weighs the classes of a classification; "
                         f"{table.name!r} is a {table.task} (leave --class-weight out)")


#: Most features --polynomial may make: k numeric columns and degree d make C(k + d, d) - 1.
MAX_POLYNOMIAL_FEATURES = 10_000


def _check_polynomial(s: TrainSettings, X: Any) -> None:
    """Refuse a --polynomial degree that would make more than MAX_POLYNOMIAL_FEATURES features."""
    k = int(X.select_dtypes(include="number").shape[1])
    if not s.polynomial or k == 0:
        return
    n = math.comb(k + s.polynomial, s.polynomial) - 1
    if n > MAX_POLYNOMIAL_FEATURES:
        raise UsageError(f"--polynomial {s.polynomial} of {k} numeric columns makes {n:,} features, more "
                         f"than {MAX_POLYNOMIAL_FEATURES:,}; choose a lower degree or fewer columns with "
                         "--features")
