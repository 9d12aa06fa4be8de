"""Using a saved model from the command line: evaluate, predict, summary, export."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from glassnet._files import atomic_write
from glassnet.cli import report, uncertainty
from glassnet.cli.data import Table, encode_target, is_csv, load_table, read_csv
from glassnet.cli.info import checked_info
from glassnet.cli.paths import check_output_file
from glassnet.cli.settings import CliError, UsageError
from glassnet.cli.train import split_indices

__all__ = ["evaluate", "predict", "summary", "export", "load_model"]

_MAX_ROWS_SHOWN = 30


def load_model(path: str) -> Any:
    """The model in ``path``, with a clear error when it carries no preprocessing."""
    from glassnet import io

    model = io.load(path)
    checked_info(model, path)
    if getattr(model, "preprocessing", None) is None:
        raise CliError(f"{path} holds a model without the column preprocessing that glassnet train "
                       "saves; use it from Python (gn.load(path).predict(X)) with inputs prepared as in "
                       "training")
    return model


def _features(model: Any, data: str) -> tuple[Any, Any]:
    """(whole table, feature columns) of ``--data`` for a saved model."""
    info = model.info
    if is_csv(data):
        frame = read_csv(data)
    else:
        table = load_table(data, seed=int(info.get("training", {}).get("seed", 0)))
        frame = table.X.assign(**{info.get("target") or "target": _dataset_target(table)})
    return frame, feature_columns(model, frame)


def feature_columns(model: Any, frame: Any) -> Any:
    """The columns of ``frame`` that a saved model reads: all but its target."""
    target = model.info.get("target")
    if target in frame.columns and target not in model.preprocessing.columns_:
        return frame.drop(columns=[target])
    return frame


def _dataset_target(table: Table) -> Any:
    return np.asarray(table.classes, dtype=object)[table.y] if table.classes else table.y


def _labelled(model: Any, data: str, target: str | None) -> Table:
    info = model.info
    frame, features = _features(model, data)
    target = target or info.get("target")
    if target not in frame.columns:
        raise UsageError(f"--target {target!r} is not a column of {data}; its columns are "
                         f"{', '.join(map(repr, frame.columns))}")
    features = features.drop(columns=[target], errors="ignore")
    model.preprocessing.check_columns(features)
    y, classes = encode_target(frame[target], info.get("task", "regression"), target, info.get("classes"))
    return Table(features, y, info.get("task"), classes, target, data)


def _same_data(model: Any, data: str) -> bool:
    trained = str(model.info.get("training", {}).get("data", ""))
    return trained == data or (is_csv(data) and trained == str(Path(data).resolve()))


def evaluate(model_path: str, data: str, target: str | None, split: str, console: Any) -> dict[str, Any]:
    """Print the loss and metrics of a saved model on ``data`` (all rows, or the held-out test rows)."""
    model = load_model(model_path)
    table = _labelled(model, data, target)
    if split == "test":
        if not _same_data(model, data):
            trained = model.info.get("training", {}).get("data")
            raise UsageError(f"--split test re-creates the held-out rows of the training data "
                             f"({trained}); for other data use --split all")
        training = model.info["training"]
        _, rows = split_indices(table, float(training["test_split"]), int(training["seed"]))
        table = Table(table.X.iloc[rows], table.y[rows], table.task, table.classes, table.target, table.name)
    with report.reported_warnings():
        X = model.preprocessing.transform(table.X)
    scores = report.score(model, X, table.y, table.task, table.classes)
    report.show_scores(console, scores, f"{Path(model_path).name} on {data} ({split} rows)")
    return scores


def predict(model_path: str, data: str, out: str | None, console: Any, force: bool = False) -> Any:
    """Write the input rows with the predictions (and class probabilities) as CSV; for a model
    trained with ``--uncertainty``, the mean prediction with its ``std``, ``lower`` and
    ``upper`` columns (the central 95% interval).

    ``out`` is checked first: not the model or the data file, not an existing file unless
    ``force``; it is replaced atomically (a failed write leaves the old file).
    """
    from glassnet.cli import stream_predict, stream_train

    if out is not None:
        check_output_file("--out", out, force, {"MODEL": model_path, "--data": data if is_csv(data) else ""})
    model = load_model(model_path)
    if stream_train.is_parquet(data):
        return stream_predict.predict(model, data, out, console)
    frame, features = _features(model, data)
    with report.reported_warnings():
        X = model.preprocessing.transform(features)
    info = model.info
    target = info.get("target") or "target"
    result = frame.copy()
    method = uncertainty.predictor(model, model_path)
    if method is not None:
        columns = uncertainty.columns(method, X)
        result[f"predicted_{target}"] = columns.pop("mean")
        for name, values in columns.items():
            result[name] = values
    else:
        for name, values in report.prediction_columns(model, X).items():
            result[name] = values
    if out is None:
        result.to_csv(sys.stdout, index=False)
    else:
        atomic_write(out, lambda tmp: result.to_csv(tmp, index=False))
        console.print(f"wrote {len(result)} predictions to {out}")
    return result


def _inputs_table(prep: Any) -> Any:
    from rich.table import Table as RichTable

    table = RichTable(title=f"inputs ({len(prep.columns_)} columns)", title_justify="left")
    for name in ("column", "kind", "unit", "training range"):
        table.add_column(name)
    for column in prep.columns_[:_MAX_ROWS_SHOWN]:
        if column in prep.ranges_:
            low, high = prep.ranges_[column]
            kind, seen = "numeric", f"{low:.6g} .. {high:.6g}"
        else:
            cats = prep.categories_[column]
            more = f" (+{len(cats) - 8})" if len(cats) > 8 else ""
            kind, seen = "categorical", ", ".join(cats[:8]) + more
        table.add_row(column, kind, prep.units.get(column, ""), seen)
    if len(prep.columns_) > _MAX_ROWS_SHOWN:
        table.add_row(f"... {len(prep.columns_) - _MAX_ROWS_SHOWN} more", "", "", "")
    return table


def _steps_line(prep: Any) -> str:
    """How the numeric inputs are prepared, and the columns left out."""
    scaled = {"standard": "standardized", "minmax": "scaled to [0, 1]", "none": "not scaled"}[prep.scale]
    crosses = f", with their products up to degree {prep.polynomial}" if prep.polynomial else ""
    ignored = f"; ignored columns: {', '.join(prep.ignored_)}" if prep.ignored_ else ""
    return f"numeric inputs {scaled}{crosses}{ignored}"


def summary(model_path: str, console: Any) -> None:
    """Print the layers, the inputs with their training ranges, the target, settings and metrics."""
    from glassnet import io

    meta = io.read_metadata(model_path)
    model = io.load(model_path)
    checked_info(model, model_path)
    console.print(f"[bold]{model_path}[/bold]: glassnet model file, format version {meta['format_version']}, "
                  f"written by glassnet {meta.get('glassnet_version', '?')}", highlight=False)
    console.print(model.summary(print_fn=None), highlight=False)
    info = getattr(model, "info", {}) or {}
    if info.get("task"):
        classes = info.get("classes")
        what = f"{len(classes)} classes: {', '.join(map(str, classes[:12]))}" if classes else "a number"
        console.print(f"{info['task']} of {info.get('target')!r} into {what}", highlight=False)
    if getattr(model, "preprocessing", None) is not None:
        console.print(_inputs_table(model.preprocessing))
        console.print(_steps_line(model.preprocessing), highlight=False)
    training = info.get("training")
    if training:
        settings = ", ".join(f"{k}={v}" for k, v in training.items() if v not in (None, {}))
        console.print(f"training: {settings}", highlight=False)
    if info.get("test_metrics"):
        console.print("[bold]test metrics[/bold] (rows held out in training)")
        console.print(report.metric_table(info["test_metrics"]))


def export(model_path: str, onnx_path: str, opset: int, console: Any, force: bool = False) -> Path:
    """Write the network as ONNX and say what its input and output are.

    ``onnx_path`` is checked first: not the model file, not an existing file unless ``force``.
    """
    from glassnet import io

    check_output_file("--onnx", onnx_path, force, {"MODEL": model_path})
    model = io.load(model_path)
    path = io.export_onnx(model, onnx_path, opset=opset)
    prep = getattr(model, "preprocessing", None)
    n_in = model.layers[0].input_shape
    console.print(f"wrote {path}: input 'input' of shape (N, {', '.join(map(str, n_in))}), output 'output'",
                  highlight=False)
    if prep is not None:
        console.print("The graph takes the preprocessed features (standardized, one-hot), in this order: "
                      + ", ".join(prep.feature_names_out[:_MAX_ROWS_SHOWN])
                      + (" ..." if len(prep.feature_names_out) > _MAX_ROWS_SHOWN else ""), highlight=False)
    return path
