"""Test metrics of a trained model, as numbers (metrics.json) and as tables in the terminal."""

from __future__ import annotations

import csv
import json
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.training.checkpoint import json_ready

__all__ = ["point_prediction", "score", "add_generalization_gap", "metric_table", "show_scores",
           "write_history", "write_json", "reported_warnings", "not_finite"]


@contextmanager
def reported_warnings(console: Any = None) -> Iterator[list[Any]]:
    """Collect the warnings raised inside (the model extrapolating, diverging, ...) and print
    each different one as one paragraph on ``console`` (default: stderr) at the end; the
    caller may drop some from the yielded list first."""
    from rich.console import Console
    from rich.markup import escape

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield caught
        finally:
            console = console or Console(stderr=True, highlight=False)
            for text in dict.fromkeys(str(item.message) for item in caught):
                console.print(f"[yellow]warning:[/yellow] {escape(text)}", highlight=False)


def _classification(y: np.ndarray, proba: np.ndarray, classes: list[Any]) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = np.arange(len(classes))
    pred = proba.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    return {
        "accuracy": float(accuracy_score(y, pred)),
        "f1_macro": float(f1_score(y, pred, labels=labels, average="macro", zero_division=0)),
        "per_class": [
            {"class": c, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for c, p, r, f, s in zip(classes, precision, recall, f1, support)
        ],
        "confusion_matrix": confusion_matrix(y, pred, labels=labels).tolist(),
    }


def _regression(y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    mse = float(mean_squared_error(y, pred))
    return {"mse": mse, "rmse": float(np.sqrt(mse)), "mae": float(mean_absolute_error(y, pred)),
            "r2": float(r2_score(y, pred))}


def not_finite(scores: dict[str, Any]) -> list[str]:
    """The names of the scores that are NaN or infinite."""
    return [k for k, v in scores.items() if isinstance(v, (float, np.floating)) and not math.isfinite(v)]


def _diverged(y: np.ndarray, out: np.ndarray, task: str) -> dict[str, Any]:
    """NaN for every score of outputs that are not all finite, with a warning saying so."""
    rows = int((~np.isfinite(out.reshape(len(out), -1))).any(axis=1).sum())
    warnings.warn(f"the model's outputs are NaN or infinite on {rows} of the {len(y)} test rows (the "
                  "training diverged); its test metrics are not numbers", RuntimeWarning, stacklevel=3)
    names = ("accuracy", "f1_macro") if task == "classification" else ("mse", "rmse", "mae", "r2")
    return dict.fromkeys(("loss", *names), math.nan)


def point_prediction(model: Any, X: np.ndarray) -> np.ndarray:
    """``model.predict(X)``, or for a network ending in an output head that predicts a
    distribution (GaussianHead, QuantileHead) the mean the head reads from it."""
    out = model.predict(X)
    final_layer = getattr(model, "final_layer", None)  # None for an object with only predict
    head = final_layer(0) if callable(final_layer) else None
    return head.mean_std(out)[0] if callable(getattr(head, "mean_std", None)) else out


def prediction_columns(model: Any, X: np.ndarray) -> dict[str, np.ndarray]:
    """The columns ``glassnet predict`` adds for the prepared inputs X of a model trained by
    ``glassnet train``: ``probability_<class>`` per class and ``predicted_<target>``."""
    target = model.info.get("target") or "target"
    if model.info.get("task") != "classification":
        return {f"predicted_{target}": point_prediction(model, X).reshape(-1)}
    output, classes = model.predict(X), model.info["classes"]
    columns = {f"probability_{name}": output[:, c] for c, name in enumerate(classes)}
    columns[f"predicted_{target}"] = np.asarray(classes, dtype=object)[output.argmax(axis=1)]
    return columns


def score(model: Any, X: np.ndarray, y: np.ndarray, task: str, classes: list[Any] | None) -> dict[str, Any]:
    """Loss and metrics of ``model`` on (X, y): accuracy, macro F1, per-class precision, recall
    and F1 and the confusion matrix for a classifier; MSE, RMSE, MAE and R^2 for a regressor.

    Outputs that are not all finite (a diverged model) give NaN scores and a RuntimeWarning.
    """
    out = point_prediction(model, X)
    scores: dict[str, Any] = {"n_samples": int(len(y))}
    if not np.isfinite(out).all():
        scores.update(_diverged(y, out, task))
        return scores
    if model.compiled:
        scores["loss"] = float(model.evaluate(X, y, verbose=0, return_dict=True)["loss"])
    if task == "classification":
        scores.update(_classification(y, out, classes or []))
    else:
        scores.update(_regression(y, out.reshape(-1)))
    return scores


def add_generalization_gap(scores: dict[str, Any], model: Any, X_train: np.ndarray,
                           y_train: np.ndarray) -> None:
    """Add to ``scores`` the training loss (on the rows the model was fit on, the same loss as
    the test loss) and the generalization gap, test loss - training loss: how much worse the
    model does on data it has not seen (the lectures' generalization error). Nothing is
    added when there is no finite test loss.

    Examples
    --------
    >>> class Model:
    ...     def evaluate(self, X, y, verbose=0, return_dict=False):
    ...         return {"loss": 0.25}
    >>> scores = {"loss": 0.4}
    >>> add_generalization_gap(scores, Model(), np.zeros((2, 1)), np.zeros(2))
    >>> scores["train_loss"], round(scores["generalization_gap"], 2)
    (0.25, 0.15)
    """
    loss = scores.get("loss")
    if not isinstance(loss, float) or not math.isfinite(loss) or len(y_train) == 0:
        return
    train = float(model.evaluate(X_train, y_train, verbose=0, return_dict=True)["loss"])
    scores["train_loss"] = train
    scores["generalization_gap"] = loss - train


def _number(value: float | None) -> str:
    """Four decimals, or four significant digits for a value too large or small for them;
    "not finite" for NaN and inf (None in a model file's JSON)."""
    if value is None or not math.isfinite(value):
        return "not finite"
    return f"{value:.4f}" if value == 0 or 1e-3 <= abs(value) < 1e6 else f"{value:.4g}"


def metric_table(scores: dict[str, Any]) -> Any:
    """The loss and metrics as a two-column table."""
    from rich.table import Table

    table = Table()
    table.add_column("metric")
    table.add_column("value", justify="right")
    names = {"loss": "loss", "train_loss": "training loss",
             "generalization_gap": "generalization gap (test − training loss)", "accuracy": "accuracy",
             "f1_macro": "F1 (macro)", "mse": "MSE", "rmse": "RMSE",
             "mae": "MAE", "r2": "R²", "n_samples": "samples"}
    for key, label in names.items():
        if key in scores:
            value = scores[key]
            table.add_row(label, str(value) if isinstance(value, int) else _number(value))
    return table


def _class_table(scores: dict[str, Any]) -> Any:
    from rich.table import Table

    table = Table()
    for name in ("class", "precision", "recall", "F1", "support"):
        table.add_column(name, justify="left" if name == "class" else "right")
    for row in scores["per_class"]:
        numbers = (f"{row[key]:.3f}" for key in ("precision", "recall", "f1"))
        table.add_row(str(row["class"]), *numbers, str(row["support"]))
    return table


def _confusion_table(scores: dict[str, Any]) -> Any:
    from rich.table import Table

    classes = [str(row["class"]) for row in scores["per_class"]]
    table = Table()
    table.add_column("true \\ pred")
    for name in classes:
        table.add_column(name[:10], justify="right")
    for i, (name, row) in enumerate(zip(classes, scores["confusion_matrix"])):
        cells = [f"[bold]{n}[/bold]" if i == j else ("·" if n == 0 else str(n)) for j, n in enumerate(row)]
        table.add_row(name[:14], *cells)
    return table


def show_scores(console: Any, scores: dict[str, Any], title: str) -> None:
    """Print the metric table, then the per-class report and the confusion matrix."""
    console.print(f"[bold]{title}[/bold]")
    console.print(metric_table(scores))
    if "per_class" in scores:
        console.print("[bold]per class[/bold]")
        console.print(_class_table(scores))
        console.print("[bold]confusion matrix[/bold] (rows: true class, columns: predicted class)")
        console.print(_confusion_table(scores))


def _cell(value: Any) -> str:
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return str(value)


def write_history(history: Any, path: Path) -> None:
    """history.csv: one row per epoch (1-based), one column per logged quantity ("nan" where
    an epoch has no value, such as the validation loss of an epoch cut short)."""
    keys = list(history.history)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["epoch", *keys])
        for i, epoch in enumerate(history.epoch):
            values = (history.history[k][i] if i < len(history.history[k]) else math.nan for k in keys)
            writer.writerow([epoch + 1, *map(_cell, values)])


def write_json(data: dict[str, Any], path: Path) -> None:
    """Pretty, strict JSON: NaN and infinities written as null."""
    path.write_text(json.dumps(json_ready(data), indent=2, allow_nan=False) + "\n", encoding="utf-8")
