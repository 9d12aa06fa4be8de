"""``glassnet train --data big.parquet --target y``: a Parquet file (or folder of them) larger
than memory, read one row group at a time.

The test rows, and within the others the validation rows, are held out by a seeded hash of
each row's position (:func:`glassnet.training.streams.row_hash`): about ``--test-split`` of
the rows, not stratified, the same rows for the same ``--seed``, known without reading the
file. One pass over the training rows learns the preprocessing (``TabularPreprocessor.
partial_fit``: scaler statistics, ranges, categories) and the target's classes or mean and
scale; training then reads the file batch by batch (row groups in a shuffled order, rows
shuffled within a buffer), with a progress bar that knows the row count from the file's
metadata. The run folder holds what ``glassnet train`` writes for a CSV file: the model,
history, metrics, the learning curves and the figures of the test outputs (confusion matrix
and ROC curve, or the fitted values).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.cli import report
from glassnet.cli.columns import check_columns
from glassnet.cli.data import MAX_INTEGER_CLASSES, Table, encode_target
from glassnet.cli.settings import CliError, TrainSettings, UsageError

__all__ = ["is_parquet", "train"]

_BUFFER_ROWS = 1 << 16


def is_parquet(data: str) -> bool:
    """Whether ``--data`` names a Parquet file (``.parquet``, ``.pq``) or a folder of them.

    Examples
    --------
    >>> is_parquet("runs/big.parquet"), is_parquet("iris")
    (True, False)
    """
    path = Path(data)
    return data.lower().endswith((".parquet", ".pq")) or (path.is_dir() and any(path.glob("*.parquet")))


class _File:
    """The Parquet file: its row groups, the feature and target columns, the row count."""

    def __init__(self, s: TrainSettings) -> None:
        from glassnet.training import sources

        ds = sources._dataset_module()
        if not Path(s.data).exists():
            raise UsageError(f"--data: there is no file {s.data!r}")
        dataset = ds.dataset(s.data, format="parquet")
        names = list(dataset.schema.names)
        if s.target is None or s.target not in names:
            what = "is needed with a Parquet file" if s.target is None else f"{s.target!r} is not a column"
            raise UsageError(f"--target {what}; the columns of {s.data} are {', '.join(map(repr, names))}")
        self.target = s.target
        self.features = [c for c in names if c != s.target]
        if not self.features:
            raise CliError(
                f"{s.data} has only the target column {s.target!r}; the model needs feature columns too"
            )
        columns = dataset.schema.empty_table().to_pandas()[self.features]  # the columns' types, no rows
        check_columns(s, Table(columns, np.empty(0), None, None, s.target, Path(s.data).stem))
        self.groups, sizes = sources._row_groups(dataset)
        self.starts = sources._starts(sizes)
        self.rows = int(sum(sizes))
        self.counts = {"fit": 0, "validation": 0, "test": 0}
        if self.rows < 2:
            raise CliError(f"{s.data} has {self.rows} row(s); training needs more")

    def frames(self, order: Any = None) -> Any:
        """(first row, DataFrame) of every row group, in ``order`` (file order by default)."""
        for i in range(len(self.groups)) if order is None else order:
            yield self.starts[i], self.groups[i].to_table(columns=[*self.features, self.target]).to_pandas()


def _masks(first: int, n: int, s: TrainSettings) -> dict[str, np.ndarray]:
    """The rows of a chunk in each part: "test", "train" (all but test), and within "train",
    "fit" and "validation"."""
    from glassnet.training.streams import row_hash

    rows = np.arange(first, first + n)
    test = row_hash(rows, s.seed) < s.test_split
    held = row_hash(rows, s.seed + 1) < s.validation_split
    return {"test": test, "train": ~test, "fit": ~test & ~held, "validation": ~test & held}


def _learn(s: TrainSettings, file: _File, console: Any) -> tuple[Any, str, list[Any] | None, float, float]:
    """One pass over the training rows: (preprocessing, task, classes, target mean, target
    scale); the rows of each part are counted in ``file.counts``."""
    from sklearn.preprocessing import StandardScaler

    from glassnet import io

    prep = io.TabularPreprocessor(units=s.units, scale=s.scale, polynomial=s.polynomial, features=s.features)
    values, target = set(), StandardScaler()
    integers, numeric = True, True
    with _progress(console, s, file.rows, "learning the preprocessing") as advance:
        for first, frame in file.frames():
            masks = _masks(first, len(frame), s)
            for part in file.counts:
                file.counts[part] += int(masks[part].sum())
            frame = frame[masks["train"]]
            if len(frame):
                prep.partial_fit(frame[file.features])
                column = frame[file.target]
                numeric = numeric and column.dtype.kind in "iuf"
                integers = integers and _integer_valued(column)
                if len(values) <= 2 * MAX_INTEGER_CLASSES or not numeric:
                    values |= set(column.tolist())
                if numeric:
                    target.partial_fit(column.to_numpy(dtype=np.float64).reshape(-1, 1))
            advance(len(frame))
    task = s.task or (
        "classification" if (integers and len(values) <= MAX_INTEGER_CLASSES) or not numeric else "regression"
    )
    if task == "classification":
        classes = sorted(values, key=str) if not numeric else sorted(values)
        return prep, task, [v.item() if hasattr(v, "item") else v for v in classes], 0.0, 1.0
    if not numeric:
        raise UsageError(f"the target column {file.target!r} holds text, so it cannot be a regression target")
    return prep, task, None, float(target.mean_[0]), float(target.scale_[0])


def _integer_valued(column: Any) -> bool:
    if column.dtype.kind in "iu":
        return True
    values = column.to_numpy(dtype=np.float64) if column.dtype.kind == "f" else None
    return values is not None and bool((values == np.round(values)).all())


class _progress:  # noqa: N801 - used like a function: ``with _progress(...) as advance:``
    """A rich progress bar over the rows of the file (nothing when --quiet)."""

    def __init__(self, console: Any, s: TrainSettings, rows: int, what: str) -> None:
        self.console, self.quiet, self.rows, self.what = console, s.quiet, rows, what
        self.bar: Any = None

    def __enter__(self) -> Any:
        if self.quiet:
            return lambda n: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn(self.what),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self.bar.start()
        task = self.bar.add_task(self.what, total=self.rows)
        return lambda n: self.bar.update(task, advance=n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _batches(
    s: TrainSettings, file: _File, prep: Any, table: Table, part: str, mean: float, scale: float
) -> Any:
    """The preprocessed ``(x, y)`` batches of the rows of ``part``, shuffled for "fit"."""
    from glassnet.training.streams import ChunkedBatches

    def read(rng: np.random.Generator | None) -> Any:
        order = None if rng is None else rng.permutation(len(file.groups)).tolist()
        for first, frame in file.frames(order):
            frame = frame[_masks(first, len(frame), s)[part]]
            if not len(frame):
                continue
            x = prep.transform(frame[file.features], warn=False)
            y, _ = encode_target(frame[file.target], table.task, file.target, table.classes)
            yield first, (x, y if table.task == "classification" else ((y - mean) / scale).astype(np.float32))

    shuffle = part == "fit"
    source = ChunkedBatches(read, s.batch_size, shuffle, s.seed if shuffle else None, None, _BUFFER_ROWS)
    source.expected_steps = -(-file.counts[part] // s.batch_size)
    return source


def train(s: TrainSettings, console: Any, folder: Path | None = None) -> Any:
    """``glassnet train`` on a Parquet file read chunk by chunk; returns the Run."""
    from glassnet.cli import train as _train
    from glassnet.cli.interrupt import Interrupt
    from glassnet.cli.network import build_model, check_size, fold_target_scaling

    _refuse(s)
    start = time.perf_counter()
    _train.check_out_folder(s.out)
    file = _File(s)
    prep, task, classes, mean, scale = _learn(s, file, console)
    n_out = len(classes) if classes else 1
    table = Table(None, np.empty(0), task, classes, file.target, Path(s.data).stem)
    n_features = len(prep.feature_names_out)
    check_size(s, n_features, n_out)
    model = build_model(s, n_features, n_out, task, None, s.data)
    counts = file.counts
    for part, fewest in (("fit", max(2, n_out)), ("test", 1)):
        if counts[part] < fewest:
            raise UsageError(
                f"--test-split {s.test_split} and --validation-split {s.validation_split} leave "
                f"{counts[part]} of the {file.rows} rows to {part}; {fewest} at least are needed"
            )
    if not s.quiet:
        console.print(
            f"[bold]glassnet train[/bold] {table.name}: {file.rows} rows (read in "
            f"{len(file.groups)} row groups), {len(file.features)} features, {task}"
            + (f" of {n_out} classes" if classes else "")
            + f"; {counts['fit']} rows to fit, {counts['validation']} to validate, {counts['test']} "
            "to test (held out by a seeded hash of the row)"
        )
    train_source = _batches(s, file, prep, table, "fit", mean, scale)
    validation = _batches(s, file, prep, table, "validation", mean, scale) if s.validation_split else None
    interrupt = Interrupt()
    fit_start = time.perf_counter()
    with report.reported_warnings(), interrupt:
        kwargs = _train.fit_arguments(s)
        kwargs.pop("validation_split")
        kwargs["callbacks"] = [interrupt, *kwargs["callbacks"]]
        history = model.fit(
            train_source, validation_data=validation, **kwargs, verbose=0 if s.quiet else 1, seed=s.seed
        )
    interrupt.keep_weights(history)
    if task == "regression":
        fold_target_scaling(model, mean, scale)
    run = _train.Run(
        Path(),
        s,
        model,
        table,
        history,
        {},
        start,
        time.perf_counter() - fit_start,
        [],
        interrupt.requested,
        interrupt.epoch,
    )
    n = {"train": counts["fit"], "validation": counts["validation"], "test": counts["test"]}
    run.folder = _train.run_folder(s, table.name) if folder is None else folder
    run.folder.mkdir(parents=True)
    run.scores, y_test, out = _test_scores(s, file, prep, table, model)
    _train._save(run, prep, n)
    _train._write_metrics(run)
    _train.outcome_figures(run, y_test, out)
    return run


def _refuse(s: TrainSettings) -> None:
    """The options a file read chunk by chunk cannot serve (they need every row at once)."""
    for option, value in (("--window", s.window), ("--uncertainty", s.uncertainty),
                          ("--class-weight", s.class_weight)):
        if value:
            raise UsageError(
                f"{option} is not available for a Parquet file read chunk by chunk; convert a part "
                "of it to CSV for that"
            )
    if s.lr == "auto":
        raise UsageError(
            "--lr auto is not available for a Parquet file read chunk by chunk; give a learning "
            "rate, e.g. --lr 0.001"
        )


def _test_scores(s: TrainSettings, file: _File, prep: Any, table: Table,
                 model: Any) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """The test metrics, from the outputs of the test rows (kept, one row of outputs each);
    with the test targets and those outputs, for the figures."""
    source = _batches(s, file, prep, table, "test", 0.0, 1.0)
    outs, ys = [], []
    for x, y in source:
        outs.append(report.point_prediction(model, x))
        ys.append(y)
    if not outs:
        raise CliError(
            f"--test-split {s.test_split} held out no row of {file.rows}; use a larger --test-split"
        )
    out, y = np.concatenate(outs), np.concatenate(ys)
    scores: dict[str, Any] = {"n_samples": int(len(y))}
    if not np.isfinite(out).all():
        scores.update(report._diverged(y, out, table.task))
    elif table.task == "classification":
        scores.update(report._classification(y, out, table.classes or []))
    else:
        scores.update(report._regression(y, out.reshape(-1)))
    return scores, y, out
