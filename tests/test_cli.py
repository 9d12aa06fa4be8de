"""The ``glassnet`` command: runs in-process with Typer's CliRunner, once as the console script."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import glassnet as gn
from glassnet.cli import app

RUNNER = CliRunner()
RUN_FILES = {"model.safetensors", "history.csv", "metrics.json", "config.yaml", "history.png"}


def _invoke(*args):
    return RUNNER.invoke(app, [str(a) for a in args])


def _ok(*args):
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    return result


def _run_folder(out: Path) -> Path:
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def _table(n=120, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"length": rng.normal(10, 2, n), "mass": rng.uniform(1, 5, n),
                          "color": rng.choice(["red", "green", "blue"], n)})
    frame["price"] = 3 * frame.length + 2 * frame.mass + frame.color.map({"red": 5, "green": 0, "blue": -3})
    frame["size"] = np.where(frame.price > frame.price.median(), "big", "small")
    return frame


@pytest.fixture(scope="module")
def csv_runs(tmp_path_factory):
    """A classifier and a regressor trained on a CSV table, with their run folders."""
    root = tmp_path_factory.mktemp("csv")
    _table().to_csv(root / "table.csv", index=False)
    folders = {}
    for target in ("size", "price"):
        out = root / target
        _ok("train", "--data", root / "table.csv", "--target", target, "--epochs", 8, "--quiet",
            "--out", out, "--units", "length=cm,mass=kg", "--hidden", "16")
        folders[target] = _run_folder(out)
    return root, folders


# ------------------------------------------------------------------ help
@pytest.mark.parametrize(("command", "words"), [
    ([], ["train", "evaluate", "predict", "summary", "export"]),
    (["train"], ["--data", "--target", "--hidden", "--activation", "--optimizer", "--lr", "--epochs",
                 "--batch-size", "--l2", "--dropout", "--validation-split", "--patience", "--seed", "--out",
                 "--quiet", "--config", "--model", "--task"]),
    (["evaluate"], ["MODEL", "--data", "--split"]),
    (["predict"], ["MODEL", "--data", "--out"]),
    (["summary"], ["MODEL"]),
    (["export"], ["MODEL", "--onnx"]),
])
def test_help_reads_well(command, words):
    result = RUNNER.invoke(app, [*command, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    for word in words:
        assert word in result.output


# ------------------------------------------------------------------ train
def test_train_on_a_2d_toy_leaves_a_complete_run_folder(tmp_path):
    result = _ok("train", "--data", "moons", "--epochs", 3, "--hidden", "8", "--out", tmp_path)
    for text in ("epoch 1/3", "accuracy", "F1 (macro)", "per class", "confusion matrix"):
        assert text in result.output
    folder = _run_folder(tmp_path)
    assert folder.name.endswith("-moons")
    assert {p.name for p in folder.iterdir()} == RUN_FILES | {"confusion_matrix.png", "decision_boundary.png",
                                                               "roc_curve.png"}
    metrics = json.loads((folder / "metrics.json").read_text())
    assert set(metrics["test_metrics"]) >= {"accuracy", "f1_macro", "per_class", "confusion_matrix", "loss"}
    assert metrics["rows"] == {"train": 360, "validation": 40, "test": 100}
    history = pd.read_csv(folder / "history.csv")
    assert list(history.columns) == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]
    assert history.epoch.tolist() == [1, 2, 3]
    config = yaml.safe_load((folder / "config.yaml").read_text())
    assert config["data"] == "moons" and config["hidden"] == [8] and config["epochs"] == 3


def test_config_file_repeats_the_run(tmp_path):
    _ok("train", "--data", "iris", "--epochs", 4, "--lr", 0.01, "--quiet", "--out", tmp_path / "a")
    first = _run_folder(tmp_path / "a")
    _ok("train", "--config", first / "config.yaml", "--out", tmp_path / "b")
    second = _run_folder(tmp_path / "b")
    assert json.loads((first / "metrics.json").read_text())["test_metrics"] == \
        json.loads((second / "metrics.json").read_text())["test_metrics"]
    assert (first / "history.csv").read_text() == (second / "history.csv").read_text()
    _ok("train", "--config", first / "config.yaml", "--epochs", 2, "--out", tmp_path / "c")
    assert yaml.safe_load((_run_folder(tmp_path / "c") / "config.yaml").read_text())["epochs"] == 2


def test_regression_data_set(tmp_path):
    _ok("train", "--data", "sine", "--epochs", 3, "--quiet", "--out", tmp_path)
    folder = _run_folder(tmp_path)
    assert "regression_fit.png" in {p.name for p in folder.iterdir()}
    metrics = json.loads((folder / "metrics.json").read_text())["test_metrics"]
    assert {"mse", "rmse", "mae", "r2"} <= set(metrics)


def test_lr_auto_uses_the_range_test_and_keeps_auto_in_the_config(tmp_path):
    result = _ok("train", "--data", "iris", "--lr", "auto", "--epochs", 2, "--out", tmp_path)
    match = re.search(r"learning rate chosen by the range test: ([0-9.e-]+)", result.output)
    assert match and 1e-6 <= float(match.group(1)) <= 1.0
    folder = _run_folder(tmp_path)
    assert yaml.safe_load((folder / "config.yaml").read_text())["lr"] == "auto"
    chosen = gn.load(folder / "model.safetensors").optimizer.lr
    assert chosen == pytest.approx(float(match.group(1)), rel=1e-2)


def test_cnn_on_digits(tmp_path):
    result = _ok("train", "--model", "cnn", "--epochs", 1, "--hidden", "", "--quiet", "--out", tmp_path)
    assert "Conv2D > MaxPool2D" in result.output
    model = gn.load(_run_folder(tmp_path) / "model.safetensors")
    assert [type(layer).__name__ for layer in model.layers][:3] == ["Reshape", "Conv2D", "MaxPool2D"]


def test_default_run_reaches_95_percent(tmp_path):
    _ok("train", "--quiet", "--out", tmp_path)
    metrics = json.loads((_run_folder(tmp_path) / "metrics.json").read_text())
    assert metrics["data"] == "digits" and metrics["model"].startswith("64-128-64-10")
    assert metrics["test_metrics"]["accuracy"] >= 0.95


def test_console_script(tmp_path):
    script = Path(sys.executable).with_name("glassnet")
    done = subprocess.run([str(script), "train", "--epochs", "2", "--quiet", "--out", "tmp"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert RUN_FILES <= {p.name for p in _run_folder(tmp_path / "tmp").iterdir()}


# ------------------------------------------------------------------ using a saved model
def test_csv_model_carries_preprocessing_and_units(csv_runs):
    _, folders = csv_runs
    model = gn.load(folders["size"] / "model.safetensors")
    assert model.info["task"] == "classification" and model.info["classes"] == ["big", "small"]
    assert model.preprocessing.columns_ == ["length", "mass", "color", "price"]
    assert model.preprocessing.units == {"length": "cm", "mass": "kg"}
    regressor = gn.load(folders["price"] / "model.safetensors")
    assert regressor.info["task"] == "regression"


def test_predict_writes_probabilities_labels_and_warns(csv_runs, tmp_path):
    root, folders = csv_runs
    new = _table(6, seed=5).drop(columns=["size"]).assign(mass=3.0, price=30.0)
    new.loc[0, "length"] = 99.0
    new.to_csv(tmp_path / "new.csv", index=False)
    result = _ok("predict", folders["size"] / "model.safetensors", "--data", tmp_path / "new.csv", "--out",
                 tmp_path / "out.csv")
    assert "extrapolating" in result.stderr and "'length'" in result.stderr and "'mass'" not in result.stderr
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out.columns) == [*new.columns, "probability_big", "probability_small", "predicted_size"]
    np.testing.assert_allclose(out[["probability_big", "probability_small"]].sum(axis=1), 1, rtol=1e-6)
    assert set(out.predicted_size) <= {"big", "small"}
    regression = _ok("predict", folders["price"] / "model.safetensors", "--data", root / "table.csv")
    assert "predicted_price" in regression.stdout.splitlines()[0]


def test_evaluate_on_the_held_out_rows_matches_training(csv_runs):
    root, folders = csv_runs
    metrics = json.loads((folders["price"] / "metrics.json").read_text())["test_metrics"]
    result = _ok("evaluate", folders["price"] / "model.safetensors", "--data", root / "table.csv",
                 "--split", "test")
    assert f"{metrics['r2']:.4f}" in result.output and f"{metrics['mae']:.4f}" in result.output
    _ok("evaluate", folders["size"] / "model.safetensors", "--data", root / "table.csv")


def test_summary_and_export(csv_runs, tmp_path):
    import onnxruntime

    root, folders = csv_runs
    path = folders["size"] / "model.safetensors"
    result = _ok("summary", path)
    for text in (f"format version {gn.io.FORMAT_VERSION}", "Dense", "length", "cm", "blue, green, red",
                 "classification",
                 "accuracy"):
        assert text in result.output
    result = _ok("export", path, "--onnx", tmp_path / "m.onnx")
    assert "color_blue" in result.output
    model = gn.load(path)
    X = model.preprocessing.transform(_table(5, seed=3).drop(columns=["size"]), warn=False)
    session = onnxruntime.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": X})[0], model.predict(X), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ bad input
def _bad_files(root: Path, model_path: Path) -> dict[str, Path]:
    table = _table(40)
    files = {"single": table.assign(one="a"), "nan": table.copy(),
             "columns": table.drop(columns=["mass"]).assign(extra=1)}
    files["nan"].loc[[1, 2], "mass"] = np.nan
    files["nan"].loc[3, "color"] = None
    paths = {}
    for name, frame in files.items():
        paths[name] = root / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    meta = gn.io.read_metadata(model_path)
    meta = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in meta.items()}
    from safetensors.numpy import load_file
    from safetensors.numpy import save as to_bytes

    paths["future"] = root / "future.safetensors"
    future = to_bytes(load_file(str(model_path)), metadata={**meta, "format_version": "99"})
    paths["future"].write_bytes(future)
    return paths


@pytest.mark.parametrize(("case", "code", "message"), [
    ("missing_csv", 2, r"no file '.*missing.csv'"),
    ("bad_target", 2, r"--target 'nope' is not a column of .*'length', 'mass', 'color'"),
    ("no_target", 2, r"--target is needed with a CSV file"),
    ("single", 1, r"single class \('a'\)"),
    ("nan", 1, r"3 missing .* 'mass' \(2\), 'color' \(1\).*Drop those rows.*impute"),
    ("dataset", 2, r"'digitz' is neither a data set.*breast_cancer, circles, diabetes, digits"),
    ("future", 1, r"format version 99.*reads format versions 1 to"),
    ("columns", 1, r"missing \['mass'\], extra \['extra'\]"),
    ("hidden", 2, r"--hidden must be positive integers"),
    ("optimizer", 2, r"--optimizer 'adamm' is not available; choose one of: .*adam"),
    ("cnn_table", 2, r"--model cnn needs image data"),
    ("config_key", 2, r"unknown setting\(s\) \['epoch'\]"),
    ("no_model", 2, r"model file '.*none.safetensors' does not exist"),
    ("text_target", 2, r"target column 'size' holds text, so it cannot be a regression target"),
    ("units", 2, r"--units names \['weight'\], which are not feature columns"),
])
def test_user_errors_are_one_paragraph_with_exit_code(csv_runs, tmp_path, case, code, message):
    root, folders = csv_runs
    model_path = folders["size"] / "model.safetensors"
    files = _bad_files(tmp_path, model_path)
    (tmp_path / "c.yaml").write_text("epoch: 3\n")
    args = {
        "missing_csv": ["train", "--data", tmp_path / "missing.csv", "--target", "y"],
        "bad_target": ["train", "--data", root / "table.csv", "--target", "nope"],
        "no_target": ["train", "--data", root / "table.csv"],
        "single": ["train", "--data", files["single"], "--target", "one"],
        "nan": ["train", "--data", files["nan"], "--target", "price"],
        "dataset": ["train", "--data", "digitz"],
        "future": ["summary", files["future"]],
        "columns": ["predict", model_path, "--data", files["columns"]],
        "hidden": ["train", "--hidden", "64,x"],
        "optimizer": ["train", "--optimizer", "adamm"],
        "cnn_table": ["train", "--data", "iris", "--model", "cnn"],
        "config_key": ["train", "--config", tmp_path / "c.yaml"],
        "no_model": ["evaluate", tmp_path / "none.safetensors", "--data", "iris"],
        "text_target": ["train", "--data", root / "table.csv", "--target", "size", "--task", "regression"],
        "units": ["train", "--data", root / "table.csv", "--target", "size", "--units", "weight=kg"],
    }[case]
    result = RUNNER.invoke(app, [str(a) for a in args], env={"COLUMNS": "1000"})
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and "Error:" in result.stderr
    assert re.search(message, result.stderr), result.stderr


def test_debug_shows_the_traceback(tmp_path):
    result = _invoke("train", "--data", tmp_path / "missing.csv", "--target", "y", "--debug")
    assert result.exit_code != 0 and type(result.exception).__name__ == "UsageError"
    result = _invoke("--debug", "train", "--data", "digitz")
    assert type(result.exception).__name__ == "UsageError"


def test_unknown_option_is_a_usage_error():
    result = _invoke("train", "--bogus")
    assert result.exit_code == 2
