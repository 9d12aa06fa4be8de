"""``glassnet train --window W [--horizon H]``: a time-series table cut into windows.

The CSV's rows are time steps in order; ``--target`` is the series to forecast. Each sample
becomes the last W steps of every column (the target's own past included) and its target
the target column H steps after the window's end (:func:`glassnet.data.timeseries_windows`).
The windows are written as a flat table, step by step (``sales[t-2], temp[t-2], sales[t-1],
..., temp[t-0]``), so that the preprocessing, the model file and ``glassnet predict`` treat
them as any table; ``--model lstm`` reads each row back as (W, features).
"""

from __future__ import annotations

import numpy as np

from glassnet.cli.data import Table
from glassnet.cli.settings import UsageError

__all__ = ["window_table", "chronological_split"]


def window_table(table: Table, window: int, horizon: int) -> Table:
    """The samples of ``table``'s series: W steps of every column in, the target H steps later out."""
    import pandas as pd

    from glassnet.data import timeseries_windows

    if table.task != "regression":
        raise UsageError(f"--window forecasts a numeric series: the target {table.target!r} is taken as "
                         "classes; use --task regression, or leave --window out for a table of samples")
    frame = pd.concat([table.X.reset_index(drop=True), pd.Series(table.y, name=table.target)], axis=1)
    numeric = [c for c in frame.columns if frame[c].dtype.kind in "biuf"]
    text = [str(c) for c in frame.columns if c not in numeric]
    if text:
        raise UsageError(f"--window reads every column as a series of numbers; {', '.join(text)} hold text: "
                         "remove those columns from the CSV")
    columns = [c for c in frame.columns if c != table.target] + [table.target]
    values = frame[columns].to_numpy(dtype=np.float64)
    if len(values) < window + horizon + 1:
        raise UsageError(f"--window {window} --horizon {horizon}: the series has {len(values)} steps; each "
                         f"sample spans {window + horizon}, and training needs several samples")
    X, y = timeseries_windows(values, window, horizon)
    names = [f"{c}[t-{window - 1 - k}]" for k in range(window) for c in columns]
    X_table = pd.DataFrame(X.reshape(len(X), -1), columns=names)
    return Table(X_table, y[:, -1], "regression", None, f"{table.target}[t+{horizon}]",
                 table.name)


def chronological_split(n: int, test_split: float) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) row indices: the test rows are the last ``test_split`` of the series."""
    n_test = int(np.ceil(n * test_split))
    if n - n_test < 2 or n_test < 1:
        raise UsageError(f"--test-split {test_split} leaves too few of the {n} windows for training or "
                         "testing")
    return np.arange(n - n_test), np.arange(n - n_test, n)
