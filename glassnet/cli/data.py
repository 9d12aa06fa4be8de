"""The command line's data: a bundled or generated data set by name, or a user's CSV table.

Either way the result is a :class:`Table`: the feature columns as a DataFrame, the target
encoded for training (class indices 0..C-1, or numbers), and what they mean.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.cli.settings import CliError, UsageError

__all__ = ["Table", "load_table", "read_csv", "encode_target", "is_csv"]

#: An integer target with at most this many distinct values is taken as class labels.
MAX_INTEGER_CLASSES = 20


@dataclasses.dataclass
class Table:
    """Features, target and their meaning.

    Attributes
    ----------
    X : pandas.DataFrame
        The feature columns.
    y : numpy.ndarray
        int64 class indices 0..C-1 (classification) or float64 values (regression).
    task : str
        "classification" or "regression".
    classes : list or None
        The class labels, index c naming class c (JSON scalars: text or numbers).
    target : str
        The target column's name.
    name : str
        The data set's name or the file's stem.
    image_shape : tuple of int or None
        (C, H, W) when each row is an image.
    """

    X: Any
    y: np.ndarray
    task: str
    classes: list[Any] | None
    target: str
    name: str
    image_shape: tuple[int, ...] | None = None


def is_csv(data: str) -> bool:
    """Whether ``--data`` names a file rather than a data set."""
    return data.lower().endswith((".csv", ".tsv", ".txt")) or "/" in data or "\\" in data


def _dataset(name: str, seed: int) -> Table:
    import pandas as pd

    from glassnet import datasets

    if name.lower() not in datasets.names():
        raise UsageError(
            f"--data {name!r} is neither a data set nor a CSV file; the data sets are: "
            f"{', '.join(datasets.names())}. For your own table give a file ending in .csv "
            "with --target COLUMN"
        )
    data = datasets.load(name.lower(), seed=seed)
    X = pd.DataFrame(data.X, columns=list(data.feature_names))
    if data.task == "classification":
        return Table(X, data.y.astype(np.int64), "classification", list(data.target_names), "class",
                     data.name, data.image_shape)
    return Table(X, data.y.astype(np.float64), "regression", None, "target", data.name, data.image_shape)


def read_csv(path: str) -> Any:
    """The table in a CSV file, with clear errors for a missing, empty or unreadable file."""
    import pandas as pd

    file = Path(path)
    if not file.is_file():
        hint = " (it is a folder)" if file.is_dir() else ""
        raise UsageError(f"--data: there is no file {path!r}{hint}; check the path, or give a data set "
                         "name such as digits")
    try:
        frame = pd.read_csv(file, sep=None if file.suffix.lower() in (".tsv", ".txt") else ",",
                            engine="python" if file.suffix.lower() in (".tsv", ".txt") else "c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise CliError(f"{path} could not be read as a CSV table ({err}); it needs a header row "
                       "with the column names and one row per sample") from None
    if frame.empty:
        raise CliError(f"{path} has a header but no rows; it needs one row per sample")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _infer_task(values: Any) -> str:
    if values.dtype.kind in "iu" and values.nunique() <= MAX_INTEGER_CLASSES:
        return "classification"
    if values.dtype.kind in "iuf":
        return "regression"
    return "classification"


def _json_scalar(value: Any) -> Any:
    value = value.item() if hasattr(value, "item") else value
    return value if isinstance(value, (bool, int, float, str)) else str(value)


def encode_target(values: Any, task: str, column: str,
                  classes: list[Any] | None = None) -> tuple[np.ndarray, Any]:
    """(encoded target, class labels): indices into ``classes`` (found sorted when None) for
    classification, float64 values for regression."""
    if task == "regression":
        if values.dtype.kind not in "iuf":
            raise UsageError(f"the target column {column!r} holds text, so it cannot be a regression target; "
                             "use --task classification, or choose a numeric --target")
        return values.to_numpy(dtype=np.float64), None
    if classes is None:
        classes = [_json_scalar(v) for v in np.unique(values.to_numpy())]
        if len(classes) < 2:
            raise CliError(f"the target column {column!r} has a single class ({classes[0]!r}) in all "
                           f"{len(values)} rows; a classifier needs at least two. Check the column, or "
                           "choose another --target")
    index = {str(c): i for i, c in enumerate(classes)}
    keys = values.astype(str)
    unknown = sorted(set(keys) - set(index))
    if unknown:
        raise CliError(f"the target column {column!r} holds classes the model does not know: {unknown[:10]}; "
                       f"its classes are {classes}")
    return keys.map(index).to_numpy(dtype=np.int64), classes


def _csv_table(path: str, target: str | None, task: str | None) -> Table:
    from glassnet.io.tabular import missing_cells_message

    frame = read_csv(path)
    columns = ", ".join(repr(c) for c in frame.columns)
    if target is None:
        raise UsageError(f"--target is needed with a CSV file: name the column to predict; {path} has "
                         f"the columns {columns}")
    if target not in frame.columns:
        raise UsageError(f"--target {target!r} is not a column of {path}; its columns are {columns}")
    if frame.shape[1] < 2:
        raise CliError(f"{path} has only the target column {target!r}; the model needs feature columns too")
    message = missing_cells_message(frame)
    if message:
        raise CliError(f"{path}: {message}")
    values = frame[target]
    task = task or _infer_task(values)
    y, classes = encode_target(values, task, target)
    return Table(frame.drop(columns=[target]), y, task, classes, target, Path(path).stem)


def load_table(data: str, target: str | None = None, task: str | None = None, seed: int = 0) -> Table:
    """The data of ``--data``: a data set by name, or a CSV file with its ``--target`` column.

    Raises
    ------
    UsageError
        For an unknown name, a missing file, a missing or unknown ``--target`` (the
        columns are listed), or a target that cannot serve the task.
    CliError
        For an unreadable file, missing or infinite cells, or a single-class target.
    """
    if not is_csv(data):
        if target is not None:
            raise UsageError(f"--target is for CSV files; the data set {data!r} has its own target")
        table = _dataset(data, seed)
        if task is not None and task != table.task:
            raise UsageError(f"--task {task}: the data set {data!r} is a {table.task} data set")
        return table
    return _csv_table(data, target, task)
