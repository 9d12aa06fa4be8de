"""Test metrics of a trained model, as numbers (metrics.json) and as tables in the terminal."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["score", "metric_table", "show_scores", "write_history", "write_json"]


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


def score(model: Any, X: np.ndarray, y: np.ndarray, task: str, classes: list[Any] | None) -> dict[str, Any]:
    """Loss and metrics of ``model`` on (X, y): accuracy, macro F1, per-class precision, recall
    and F1 and the confusion matrix for a classifier; MSE, RMSE, MAE and R^2 for a regressor."""
    out = model.predict(X)
    scores: dict[str, Any] = {"n_samples": int(len(y))}
    if model.compiled:
        scores["loss"] = float(model.evaluate(X, y, verbose=0, return_dict=True)["loss"])
    if task == "classification":
        scores.update(_classification(y, out, classes or []))
    else:
        scores.update(_regression(y, out.reshape(-1)))
    return scores


def metric_table(scores: dict[str, Any]) -> Any:
    """The loss and metrics as a two-column table."""
    from rich.table import Table

    table = Table()
    table.add_column("metric")
    table.add_column("value", justify="right")
    names = {"loss": "loss", "accuracy": "accuracy", "f1_macro": "F1 (macro)", "mse": "MSE", "rmse": "RMSE",
             "mae": "MAE", "r2": "R²", "n_samples": "samples"}
    for key, label in names.items():
        if key in scores:
            value = scores[key]
            table.add_row(label, str(value) if isinstance(value, int) else f"{value:.4f}")
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


def write_history(history: Any, path: Path) -> None:
    """history.csv: one row per epoch (1-based), one column per logged quantity."""
    keys = list(history.history)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["epoch", *keys])
        for i, epoch in enumerate(history.epoch):
            writer.writerow([epoch + 1, *(repr(float(history.history[k][i])) for k in keys)])


def write_json(data: dict[str, Any], path: Path) -> None:
    """Pretty JSON (NaN written as null)."""
    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        if isinstance(value, float) and not np.isfinite(value):
            return None
        return value.item() if isinstance(value, np.generic) else value

    path.write_text(json.dumps(clean(data), indent=2) + "\n", encoding="utf-8")
