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

__all__ = ["Table", "load_table", "read_csv", "check_numbers", "encode_target", "is_csv"]

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
    """Whether ``--data`` names a file rather than a data set: a path, a name ending in .csv,
    .tsv or .txt, or an existing file whose name is not a data set's."""
    from glassnet import datasets

    if data.lower().endswith((".csv", ".tsv", ".txt")) or "/" in data or "\\" in data:
        return True
    return data.lower() not in datasets.names() and Path(data).is_file()


def _check_dataset(name: str) -> None:
    from glassnet import datasets

    if name.lower() not in datasets.names():
        raise UsageError(
            f"--data {name!r} is neither a data set nor a CSV file; the data sets are: "
            f"{', '.join(datasets.names())}. For your own table give the path of a CSV file "
            "with --target COLUMN"
        )


def _dataset(name: str, seed: int) -> Table:
    import pandas as pd

    from glassnet import datasets

    data = datasets.load(name.lower(), seed=seed)
    X = pd.DataFrame(data.X, columns=list(data.feature_names))
    if data.task == "classification":
        return Table(X, data.y.astype(np.int64), "classification", list(data.target_names), "class",
                     data.name, data.image_shape)
    return Table(X, data.y.astype(np.float64), "regression", None, "target", data.name, data.image_shape)


def read_csv(path: str) -> Any:
    """The table in a CSV file, with clear errors for a missing, empty, unreadable or
    non-UTF-8 file, a Parquet file, a column name given twice, and numeric columns with cells that are not
    numbers (:func:`check_numbers`)."""
    import pandas as pd

    from glassnet.cli.stream_train import is_parquet

    if is_parquet(path):
        raise UsageError(f"{path} is a Parquet file: glassnet train and glassnet predict read it chunk by "
                         "chunk; the other commands read a CSV file or a data set, so write the rows to a "
                         "CSV file (the test metrics of a model trained on the Parquet file are in its run "
                         "folder's metrics.json)")
    file = Path(path)
    if not file.is_file():
        hint = " (it is a folder)" if file.is_dir() else ""
        raise UsageError(f"--data: there is no file {path!r}{hint}; check the path, or give a data set "
                         "name such as digits")
    delimited = file.suffix.lower() in (".tsv", ".txt")
    how = {"sep": None if delimited else ",", "engine": "python" if delimited else "c"}
    try:
        frame = pd.read_csv(file, **how)
        header = pd.read_csv(file, header=None, nrows=1, dtype=str, keep_default_na=False, **how)
    except UnicodeDecodeError:
        raise CliError(_not_utf8(file)) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise CliError(f"{path} could not be read as a CSV table ({err}); it needs a header row "
                       "with the column names and one row per sample") from None
    names = [str(c).strip() for c in header.iloc[0]]
    twice = sorted({name for name in names if name and names.count(name) > 1})
    if twice:
        raise CliError(f"{path} has {len(twice)} column name(s) given twice in its header: "
                       f"{', '.join(map(repr, twice))}; give every column its own name")
    if frame.empty:
        raise CliError(f"{path} has a header but no rows; it needs one row per sample")
    frame.columns = [str(c).strip() for c in frame.columns]
    check_numbers(frame, path)
    return frame


def _not_utf8(file: Path) -> str:
    """Where a file is not UTF-8, and how to re-save it."""
    where = ""
    with open(file, "rb") as stream:
        for number, line in enumerate(stream, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as err:
                where = f" (line {number} holds the byte {line[err.start:err.start + 1]!r})"
                break
    return (f"{file} is not UTF-8 text{where}; glassnet reads CSV files in UTF-8. Re-save it as UTF-8: in "
            "Excel 'Save As' > 'CSV UTF-8', in LibreOffice choose the character set Unicode (UTF-8), or in a "
            f"terminal: iconv -f latin1 -t utf-8 {file.name} > {file.stem}-utf8{file.suffix}")


def check_numbers(frame: Any, path: str) -> None:
    """Refuse a column whose cells are numbers except a few: a column is text (categorical)
    only when most of its non-empty cells are not numbers; otherwise the cells that are not
    numbers are errors, named with their rows.

    Raises
    ------
    CliError
        Naming the column, how many cells are not numbers and the first few with their rows.
    """
    import pandas as pd

    for column in frame.select_dtypes(exclude=["number", "bool"]).columns:
        cells = frame[column].dropna()
        text = cells[pd.to_numeric(cells, errors="coerce").isna()]
        if text.empty or 2 * len(text) > len(cells):
            continue
        shown = ", ".join(f"{value!r} (row {row + 1})" for row, value in text.head(5).items())
        raise CliError(f"{path}: column {column!r} holds numbers but {len(text)} of its {len(cells)} cells "
                       f"are not numbers: {shown}{', ...' if len(text) > 5 else ''} (rows counted from 1 "
                       "after the header). Fix those cells; a column is taken as text only when most of "
                       "its cells are not numbers")


def _integer_valued(values: Any) -> bool:
    """Whether a column holds integers, written as such (1, 2) or as floats (1.0, 2.0)."""
    if values.dtype.kind in "iu":
        return True
    if values.dtype.kind != "f":
        return False
    numbers = values.to_numpy(dtype=np.float64)
    return bool(np.isfinite(numbers).all() and (numbers == np.round(numbers)).all())


def _infer_task(values: Any) -> str:
    if _integer_valued(values) and values.nunique() <= MAX_INTEGER_CLASSES:
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
    if values.dtype.kind == "f" and _integer_valued(values) and \
            not any(isinstance(c, float) for c in classes or []):  # a model trained on labels 1.0, 2.0
        values = values.astype(np.int64)
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
    if classes is not None and 2 * len(classes) > len(y):
        fix = "--task regression" if values.dtype.kind in "iuf" else "another --target"
        raise CliError(f"the target column {target!r} has {len(classes)} distinct values in {len(y)} rows: "
                       "as classes, more than half the rows would each be a class of their own, too few "
                       f"rows to learn them (a classifier needs several rows per class); use {fix}")
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
        _check_dataset(data)
        if target is not None:
            raise UsageError(f"--target is for CSV files; the data set {data!r} has its own target")
        table = _dataset(data, seed)
        if task is not None and task != table.task:
            raise UsageError(f"--task {task}: the data set {data!r} is a {table.task} data set")
        return table
    return _csv_table(data, target, task)
