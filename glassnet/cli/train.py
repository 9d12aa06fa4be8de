"""``glassnet train``: split, preprocess, build, fit, test, and leave a run folder behind.

The run folder ``<out>/<date-time>-<name>/`` holds model.safetensors (network and
preprocessing), history.csv, metrics.json, config.yaml (every setting: ``glassnet train
--config`` on it repeats the run) and the figures. A run stopped by Ctrl-C, or by a loss
that became NaN or inf, is kept the same way; metrics.json says why it stopped.
"""

from __future__ import annotations

import dataclasses
import datetime
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from glassnet._checks import can_stratify
from glassnet.cli import report, uncertainty
from glassnet.cli.columns import check_columns
from glassnet.cli.data import Table, is_csv, load_table
from glassnet.cli.interrupt import Interrupt, held
from glassnet.cli.network import build_model, check_size, describe, fold_target_scaling
from glassnet.cli.paths import check_out_folder
from glassnet.cli.settings import CliError, TrainSettings, UsageError
from glassnet.cli.windows import chronological_split, window_table
from glassnet.training.checkpoint import json_ready

__all__ = ["Run", "train", "split_indices", "check_splits", "run_folder", "split", "fit_arguments",
           "fit_target", "fit_rows"]


@dataclasses.dataclass
class Run:
    """What a training run produced."""

    folder: Path
    settings: TrainSettings
    model: Any
    table: Table
    history: Any
    scores: dict[str, Any]
    started: float
    fit_seconds: float
    files: list[str]
    interrupted: bool = False
    interrupted_epoch: int | None = None
    unfinished: str | None = None
    members: list[Any] = dataclasses.field(default_factory=list)  # an ensemble's other networks
    noise_std: float = 0.0  # the data's noise, for the error bars of --uncertainty
    ignored: list[str] = dataclasses.field(default_factory=list)  # columns left out by --features

    def uncertain(self) -> Any:
        """What predicts with error bars (``--uncertainty``), or None."""
        from glassnet.uncertainty import DeepEnsemble, MCDropout

        if self.settings.uncertainty in uncertainty.HEADS:
            return uncertainty.HeadPrediction(self.model)
        if self.members:
            method = DeepEnsemble.from_models([self.model, *self.members])
        elif self.settings.uncertainty == "mc-dropout":
            method = MCDropout(self.model, uncertainty.N_SAMPLES, self.settings.seed)
        else:
            return None
        return uncertainty.WithNoise(method, self.noise_std)


def split_indices(table: Table, test_split: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded (train, test) row indices, stratified by class when every class has 2+ rows."""
    from sklearn.model_selection import train_test_split

    n = len(table.y)
    classes = table.task == "classification"
    stratify = table.y if classes and can_stratify(table.y, int(np.ceil(n * test_split))) else None
    train, test = train_test_split(np.arange(n), test_size=test_split, random_state=seed, stratify=stratify)
    if len(train) < 2 or len(test) < 1:
        raise UsageError(f"--test-split {test_split} leaves too few rows of {n} for training or testing")
    return np.sort(train), np.sort(test)


def check_splits(s: TrainSettings, n: int, n_classes: int) -> None:
    """Refuse a --test-split or --validation-split that leaves fewer rows to fit than two,
    or than classes, before the data is split.

    Raises
    ------
    UsageError
        Naming the option, the rows it holds out and the rows needed.
    """
    n_test = int(np.ceil(n * s.test_split))
    n_train = n - n_test
    n_validation = int(np.ceil(n_train * s.validation_split)) if s.validation_split else 0
    need = max(2, n_classes)
    why = f"at least {need} are needed" + (f" (one per class: {n_classes} classes)" if n_classes > 2 else "")
    if n_train < need:
        raise UsageError(f"--test-split {s.test_split} holds out {n_test} of the {n} rows for the test, "
                         f"leaving {n_train} for training; {why}: use a smaller --test-split, such as 0.2")
    if n_train - n_validation < need:
        raise UsageError(f"--validation-split {s.validation_split} holds out {n_validation} of the {n_train} "
                         f"training rows, leaving {n_train - n_validation} to fit; {why}: use a smaller "
                         "--validation-split (0: none) or --test-split")


def fit_rows(s: TrainSettings, y_train: np.ndarray, task: str) -> np.ndarray:
    """The rows of the training split that ``fit`` trained on: all of them without a
    --validation-split, else all but the validation rows, drawn as ``fit`` draws them (the
    first draw of the generator seeded with --seed, stratified by class; the last rows of
    a --window series).

    Examples
    --------
    >>> rows = fit_rows(TrainSettings(validation_split=0.25), np.array([0, 1] * 4), "classification")
    >>> len(rows), sorted(np.array([0, 1] * 4)[rows].tolist())
    (6, [0, 0, 0, 1, 1, 1])
    """
    if not s.validation_split:
        return np.arange(len(y_train))
    from glassnet._random import generator
    from glassnet.training.data import validation_split

    stratify = y_train if task == "classification" else None
    rows, _ = validation_split(len(y_train), s.validation_split, generator(s.seed), stratify,
                               "last" if s.window else "random")
    return rows


def run_folder(s: TrainSettings, name: str) -> Path:
    """The path of a new folder ``<out>/<date-time>-<name>`` (``-2``, ``-3``, ... appended if
    taken), not made yet."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(s.out) / f"{stamp}-{s.name or name}"
    if base.resolve().parent != Path(s.out).resolve():
        raise UsageError(f"--name {s.name!r} would leave --out {s.out!r}; give a plain folder name")
    folder, k = base, 1
    while folder.exists():
        k += 1
        folder = base.with_name(f"{base.name}-{k}")
    return folder


def _callbacks(s: TrainSettings) -> list[Any]:
    """Early stopping on the validation loss, keeping the best weights (Keras's patience)."""
    if not s.patience or not s.validation_split:
        return []
    from glassnet.callbacks import EarlyStopping

    return [EarlyStopping(monitor="val_loss", patience=s.patience, restore_best_weights=True)]


def fit_arguments(s: TrainSettings) -> dict[str, Any]:
    """How ``fit`` trains with settings ``s`` (epochs, batch size, validation split, early stopping)."""
    ordered = {"validation_split_mode": "last"} if s.window else {}  # the latest windows validate
    weighted = {"class_weight": s.class_weight} if s.class_weight else {}
    return {"epochs": s.epochs, "batch_size": s.batch_size, "validation_split": s.validation_split,
            "callbacks": _callbacks(s), **ordered, **weighted}


def _settings_record(s: TrainSettings) -> dict[str, Any]:
    record = s.as_dict()
    if is_csv(s.data):
        record["data"] = str(Path(s.data).resolve())
    return record


def _info(s: TrainSettings, table: Table, scores: dict[str, Any], history: Any,
          n: dict[str, int], interrupted: bool) -> dict[str, Any]:
    """What the model file keeps about its training: strict JSON (non-finite metrics as null)."""
    return json_ready({
        "task": table.task, "target": table.target, "classes": table.classes, "data": table.name,
        "image_shape": list(table.image_shape) if table.image_shape else None,
        "training": _settings_record(s), "rows": n,
        "epochs_run": len(history.epoch), "stopped_reason": history.stopped_reason,
        "interrupted": interrupted,
        "test_metrics": {k: v for k, v in scores.items() if not isinstance(v, list)},
    })


def _figures(run: Run, X_test: Any, y_test: np.ndarray, prep: Any) -> None:
    """Draw the figures into the run folder, adding each to ``run.files`` once written."""
    from glassnet import datasets, plot

    folder, table, model = run.folder, run.table, run.model
    files = run.files
    out = report.point_prediction(model, prep.transform(X_test, warn=False))
    x = X_test.iloc[:, 0].to_numpy() if X_test.shape[1] == 1 else None
    outcome_figures(run, y_test, out, x)
    if table.task == "classification" and not is_csv(run.settings.data) and datasets.is_2d_toy(table.name):
        plot.decision_boundary(_RawInputs(model, prep), table.X.to_numpy(), table.y,
                               path=folder / "decision_boundary.png")
        files.append("decision_boundary.png")
    method = run.uncertain() if table.task != "classification" else None
    if method is not None:
        files += uncertainty.figures(method, prep.transform(X_test, warn=False), x, y_test, folder)


def outcome_figures(run: Run, y_test: np.ndarray, out: np.ndarray, x: np.ndarray | None = None) -> None:
    """The learning curves and the figures of the test outputs ``out`` against ``y_test``: the
    confusion matrix and, for two classes, the ROC curve; or the fitted values (against ``x``,
    the one feature, when there is one). Each is added to ``run.files`` once written."""
    from glassnet import plot

    folder, table, files = run.folder, run.table, run.files
    plot.history(run.history, path=folder / "history.png")
    files.append("history.png")
    if table.task == "classification":
        names = [str(c) for c in table.classes]
        plot.confusion_matrix(np.asarray(names)[y_test], np.asarray(names)[out.argmax(axis=1)], labels=names,
                              path=folder / "confusion_matrix.png")
        files.append("confusion_matrix.png")
        if len(names) == 2 and len(np.unique(y_test)) == 2:  # a ROC curve needs both classes
            plot.roc_curve(y_test, out, path=folder / "roc_curve.png")
            files.append("roc_curve.png")
    else:
        plot.regression_fit(y_test, out.reshape(-1), x=x, path=folder / "regression_fit.png")
        files.append("regression_fit.png")


class _RawInputs:
    """The model seen from the raw feature space (for plots in the data's own coordinates)."""

    def __init__(self, model: Any, prep: Any) -> None:
        self.model, self.prep = model, prep

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict(self.prep.transform(X, warn=False))


def _fit(s: TrainSettings, model: Any, X: np.ndarray, y: np.ndarray, interrupt: Interrupt) -> Any:
    """Fit with early stopping (when asked); Ctrl-C stops after the current batch; the
    warnings of training are printed as one paragraph each."""
    with report.reported_warnings() as caught:
        with interrupt:
            kwargs = fit_arguments(s)
            kwargs["callbacks"] = [interrupt, *kwargs["callbacks"]]
            history = model.fit(X, y, **kwargs, verbose=0 if s.quiet else 1, seed=s.seed)
        interrupt.keep_weights(history)
        reason = history.stopped_reason or ""
        caught[:] = [w for w in caught if str(w.message) not in reason]  # said with the results
    return history


def _train_members(s: TrainSettings, model: Any, X: np.ndarray, y: np.ndarray, interrupt: Interrupt,
                   console: Any) -> list[Any]:
    """The ensemble's other networks (``--uncertainty ensemble``), each built and trained as
    the first was, from its own seed; a Ctrl-C stops after the current one."""
    members = []
    for i, member_settings in enumerate(uncertainty.member_settings(s), start=2):
        if interrupt.requested:
            break
        if not s.quiet:
            console.print(f"ensemble member {i}/{uncertainty.N_MEMBERS} (seed {member_settings.seed})")
        member = build_model(member_settings, X.shape[1], 1, "regression")
        member.optimizer.lr = model.optimizer.lr  # the rate the range test chose, if --lr auto
        _fit(member_settings, member, X, y, interrupt)
        members.append(member)
    return members


def _choose_lr(s: TrainSettings, model: Any, X: np.ndarray, y: np.ndarray, console: Any) -> None:
    """``--lr auto``: the learning-rate range test on a copy of the model picks the rate."""
    from glassnet import explain

    result = explain.lr_finder(model, X, y, start=1e-6, end=1.0, steps=100, batch_size=s.batch_size,
                               seed=s.seed)
    if not (np.isfinite(result.suggestion) and result.suggestion > 0):
        raise CliError(f"--lr auto: the learning-rate range test found no usable rate (it suggests "
                       f"{result.suggestion}); give a learning rate, e.g. --lr 0.001")
    model.optimizer.lr = float(result.suggestion)
    if not s.quiet:
        console.print(f"learning rate chosen by the range test: {model.optimizer.lr:.3g}")


def fit_target(task: str, y_train: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The targets to fit, their mean and scale: a regression's targets standardized (the model's
    output is scaled back after training), class indices as they are."""
    if task != "regression":
        return y_train, 0.0, 1.0
    mean, scale = float(y_train.mean()), float(y_train.std()) or 1.0
    return (y_train - mean) / scale, mean, scale


def split(s: TrainSettings, table: Table) -> tuple[Any, ...]:
    """Train and test rows of the features and the target, and the fitted preprocessing."""
    from glassnet import io

    if s.window:
        train_rows, test_rows = chronological_split(len(table.y), s.test_split)
    else:
        train_rows, test_rows = split_indices(table, s.test_split, s.seed)
    X_train, X_test = table.X.iloc[train_rows], table.X.iloc[test_rows]
    prep = io.TabularPreprocessor(units=s.units, scale=s.scale, polynomial=s.polynomial,
                                  features=s.features).fit(X_train)
    return X_train, X_test, table.y[train_rows], table.y[test_rows], prep


def _test(run: Run, X_test: Any, y_test: np.ndarray, prep: Any, fitted: tuple[np.ndarray, np.ndarray]
          ) -> dict[str, Any]:
    """The test scores and the generalization gap to the rows ``fitted`` (X, y) the model was
    fit on, warning about scores that are not finite (written as null)."""
    with report.reported_warnings():
        X = prep.transform(X_test, warn=False)
        scores = report.score(run.model, X, y_test, run.table.task, run.table.classes)
        report.add_generalization_gap(scores, run.model, *fitted)
        bad = report.not_finite(scores)
        method = run.uncertain()
        if method is not None and not bad:
            scores.update(uncertainty.interval_scores(method, X, y_test))
        if bad:
            warnings.warn(f"test metrics that are not finite ({', '.join(bad)}) are recorded as null in "
                          "metrics.json and the model file", RuntimeWarning, stacklevel=2)
    return scores


def train(s: TrainSettings, console: Any, folder: Path | None = None) -> Run:
    """Run ``glassnet train`` with settings ``s``, printing to ``console``; return the run.

    ``--out`` is checked before the data is read; Ctrl-C during training stops it after the
    current batch and the run is kept (``Run.interrupted``). The run folder is ``folder``
    when given (a new folder; ``glassnet tune`` keeps its best run there), else a new
    ``<out>/<date-time>-<name>``.
    """
    from glassnet.cli import stream_train

    if stream_train.is_parquet(s.data):
        return stream_train.train(s, console, folder)
    start = time.perf_counter()
    check_out_folder(s.out)
    table = load_table(s.data, s.target, s.task, s.seed)
    if s.window:
        table = window_table(table, s.window, s.horizon or 1)
    check_columns(s, table)
    n_out = len(table.classes) if table.classes else 1
    uncertainty.check(s, table.task)
    check_splits(s, len(table.y), len(table.classes or []))
    X_train, X_test, y_train, y_test, prep = split(s, table)
    X_fit = prep.transform(X_train, warn=False)
    check_size(s, X_fit.shape[1], n_out, table.image_shape)
    regression = table.task == "regression"
    y_fit, mean, scale = fit_target(table.task, y_train)
    model = build_model(s, X_fit.shape[1], n_out, table.task, table.image_shape, s.data)
    if not s.quiet:
        console.print(f"[bold]glassnet train[/bold] {table.name}: {len(table.y)} rows, {len(prep.columns_)} "
                      f"features, {table.task}" + (f" of {n_out} classes" if table.classes else "")
                      + f"; test split {len(y_test)} rows")
    if s.lr == "auto":
        _choose_lr(s, model, X_fit, y_fit, console)
    fit_start, interrupt = time.perf_counter(), Interrupt()
    history = _fit(s, model, X_fit, y_fit, interrupt)
    members = _train_members(s, model, X_fit, y_fit, interrupt, console)
    run = Run(Path(), s, model, table, history, {}, start, time.perf_counter() - fit_start, [],
              interrupt.requested, interrupt.epoch, unfinished="computing the test metrics",
              members=members, ignored=prep.ignored_)
    rows = fit_rows(s, y_train, table.task)
    n = {"train": len(y_train) - int(np.ceil(len(y_train) * s.validation_split)), "test": len(y_test)}
    n["validation"] = len(y_train) - n["train"]
    try:
        with held():
            if regression:
                for network in (model, *members):
                    fold_target_scaling(network, mean, scale)
                if uncertainty.adds_noise(s):
                    run.noise_std = uncertainty.noise_std(run.uncertain(), X_fit, y_train)
            run.folder = run_folder(s, table.name) if folder is None else folder
            run.folder.mkdir(parents=True)
            _save(run, prep, n)
        _finish(run, prep, X_test, y_test, n, (X_fit[rows], y_train[rows]))
    except KeyboardInterrupt:
        run.interrupted = True
        with held():
            _write_metrics(run)
    return run


def _save(run: Run, prep: Any, n: dict[str, int]) -> None:
    """Write the model with the test metrics known so far; the first time, history.csv and
    config.yaml too."""
    import yaml

    from glassnet import io

    s = run.settings
    run.model.info = _info(s, run.table, run.scores, run.history, n, run.interrupted)
    run.model.info["uncertainty"] = uncertainty.record(s, 1 + len(run.members), run.noise_std)
    io.save(run.model, run.folder / "model.safetensors", preprocessing=prep)
    if run.members:
        seeds = [s.seed] + [member.seed for member in uncertainty.member_settings(s)][:len(run.members)]
        uncertainty.save_ensemble(run.folder, [run.model, *run.members], seeds, prep, run.model.info)
    if run.files:
        return
    report.write_history(run.history, run.folder / "history.csv")
    header = "# glassnet train --config <this file> repeats this run\n"
    if run.interrupted:
        header += f"# this run was {run.history.stopped_reason or 'interrupted (Ctrl-C)'}\n"
    (run.folder / "config.yaml").write_text(header + yaml.safe_dump(_settings_record(s), sort_keys=False),
                                            encoding="utf-8")
    run.files += ["model.safetensors", "history.csv", "config.yaml"]
    if run.members:
        run.files.append(uncertainty.ENSEMBLE_FILE)


def _finish(run: Run, prep: Any, X_test: Any, y_test: np.ndarray, n: dict[str, int],
            fitted: tuple[np.ndarray, np.ndarray]) -> None:
    """After the model is saved: the test metrics (saved with the model too), metrics.json,
    then the figures. ``Run.unfinished`` names the step under way, for a Ctrl-C."""
    run.scores = _test(run, X_test, y_test, prep, fitted)
    with held():
        run.unfinished = None
        _save(run, prep, n)
        _write_metrics(run)
    run.unfinished = "drawing the figures"
    _figures(run, X_test, y_test, prep)
    run.unfinished = None


def _write_metrics(run: Run) -> None:
    """metrics.json: the test metrics and how the run went (stopped, interrupted, unfinished)."""
    summary = {"data": run.table.name, "task": run.table.task, "model": describe(run.model),
               "rows": run.model.info["rows"], "epochs_run": len(run.history.epoch),
               "stopped_reason": run.history.stopped_reason, "interrupted": run.interrupted,
               "interrupted_epoch": run.interrupted_epoch, "unfinished": run.unfinished,
               "seconds": round(time.perf_counter() - run.started, 3),
               "training_seconds": round(run.fit_seconds, 3), "ignored_columns": run.ignored,
               "test_metrics": run.scores}
    report.write_json(summary, run.folder / "metrics.json")
    if "metrics.json" not in run.files:
        run.files.append("metrics.json")
