"""``glassnet train`` keeps what it trained (Ctrl-C, divergence, non-finite metrics), checks
every option and output path before it reads data, and never overwrites a file unasked."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import glassnet as gn
from glassnet.cli import app

RUNNER = CliRunner()


def _invoke(*args):
    return RUNNER.invoke(app, [str(a) for a in args], env={"COLUMNS": "1000"})


def _flat(text):
    return " ".join(text.split())


@pytest.fixture
def no_data(monkeypatch):
    """Reading the data fails the test: what is checked here must be checked before."""
    def refuse(*args, **kwargs):
        raise AssertionError("the data was read before the options were checked")

    monkeypatch.setattr("glassnet.cli.train.load_table", refuse)


# ------------------------------------------------------------------------------ Ctrl-C
def _start(out):
    """``glassnet train`` in a process of its own: long epochs (one sample per batch)."""
    command = ["train", "--batch-size", "1", "--epochs", "200", "--patience", "0", "--out", str(out)]
    return subprocess.Popen([sys.executable, "-c", "from glassnet.cli import main; main()", *command],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "1000"})


def _wait_for_training(proc):
    for line in proc.stdout:
        if line.startswith("epoch 1/"):                 # the first epoch has finished
            return
    pytest.fail("training never started: " + proc.stderr.read())


def test_ctrl_c_stops_after_the_batch_saves_the_run_and_exits_130(tmp_path):
    proc = _start(tmp_path)
    _wait_for_training(proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    match = re.search(r"training interrupted \(Ctrl-C\); the model as it stands is saved in (\S+?):",
                      _flat(out))
    assert match, out
    folder = Path(match.group(1))
    assert folder.parent == tmp_path
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["interrupted"] is True and metrics["interrupted_epoch"] >= 1
    assert metrics["stopped_reason"].startswith("interrupted (Ctrl-C)")
    assert metrics["epochs_run"] < 200 and 0 <= metrics["test_metrics"]["accuracy"] <= 1
    assert "interrupted" in (folder / "config.yaml").read_text().splitlines()[1]
    model = gn.load(folder / "model.safetensors")
    assert model.predict(np.zeros((3, 64), dtype=np.float32)).shape == (3, 10)


def test_a_second_ctrl_c_aborts_at_once_with_exit_code_130(tmp_path):
    proc = _start(tmp_path)
    _wait_for_training(proc)
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130 and "Traceback" not in err


class _CtrlCAfter(gn.callbacks.Callback):
    """Makes every epoch's validation loss worse than the first one's (so early stopping
    would restore epoch 1), and at the end of ``epoch`` keeps the weights and sends this
    process a SIGINT."""

    order = -2

    def __init__(self, epoch):
        self.epoch, self.weights = epoch, None

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = float(epoch)
        if epoch == self.epoch:
            self.weights = self.model.state_dict()
            os.kill(os.getpid(), signal.SIGINT)


def test_an_interrupted_run_keeps_the_weights_it_stopped_with(tmp_path, monkeypatch):
    from glassnet.cli import train

    press = _CtrlCAfter(epoch=3)
    with_early_stopping = train._callbacks
    monkeypatch.setattr(train, "_callbacks", lambda s: [*with_early_stopping(s), press])
    result = _invoke("train", "--data", "iris", "--epochs", 50, "--patience", 5, "--quiet", "--out", tmp_path)
    assert result.exit_code == 130, result.output
    assert "stopped: interrupted (Ctrl-C) during epoch 4" in _flat(result.stdout)
    (folder,) = tmp_path.iterdir()
    assert json.loads((folder / "metrics.json").read_text())["interrupted_epoch"] == 4
    saved = gn.load(folder / "model.safetensors").state_dict()
    assert saved.keys() == press.weights.keys()
    for key, value in press.weights.items():
        np.testing.assert_array_equal(saved[key], value)


# ---------------------------------------------------------------- divergence, NaN metrics
def test_train_help_says_what_patience_does():
    result = _invoke("train", "--help")
    text = _flat(result.output)
    assert "Stop when the validation loss has not improved for this many epochs in a row" in text


def test_a_diverging_run_says_so_keeps_the_run_and_writes_null_metrics(tmp_path):
    result = _invoke("train", "--data", "sine", "--lr", "1e10", "--optimizer", "sgd", "--epochs", 5,
                     "--quiet", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert re.search(r"stopped: training stopped: the loss became (nan|inf) at epoch 1, batch \d+",
                     _flat(result.stdout))
    assert "val_loss" not in result.output and "Traceback" not in result.output
    assert "not finite (loss) are recorded as null" in _flat(result.stderr)
    (folder,) = tmp_path.iterdir()
    metrics = json.loads((folder / "metrics.json").read_text(), parse_constant=lambda c: pytest.fail(c))
    assert metrics["test_metrics"]["loss"] is None
    assert metrics["stopped_reason"].startswith("training stopped: the loss became")
    model = gn.load(folder / "model.safetensors")
    assert model.info["test_metrics"]["loss"] is None
    model.predict(np.zeros((2, 1), dtype=np.float32))
    summary = _invoke("summary", folder / "model.safetensors")
    assert summary.exit_code == 0 and re.search(r"loss\s*│\s*not finite", summary.stdout), summary.output


def test_outputs_that_are_not_finite_give_null_metrics_with_a_warning():
    from glassnet.cli import report

    class Diverged:
        compiled = True

        def predict(self, X):
            return np.full((len(X), 1), np.inf)

    with pytest.warns(RuntimeWarning, match="outputs are NaN or infinite on 4 of the 4 test rows"):
        scores = report.score(Diverged(), np.zeros((4, 1)), np.zeros(4), "regression", None)
    assert np.isnan([scores[k] for k in ("loss", "mse", "rmse", "mae", "r2")]).all()


def test_history_csv_has_a_cell_for_every_epoch(tmp_path):
    from glassnet.callbacks import History
    from glassnet.cli import report

    history = History()
    history.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0})
    history.on_epoch_end(1, {"loss": float("inf")})                # cut short: no validation
    report.write_history(history, tmp_path / "history.csv")
    assert (tmp_path / "history.csv").read_text().splitlines() == ["epoch,loss,val_loss", "1,1.0,2.0",
                                                                   "2,inf,nan"]


# ------------------------------------------------------------------ --out and --name
@pytest.mark.parametrize("name", ["../x", "../../etc", "/tmp/abs", "a/b", "a\\b", "", " ", ".", "..",
                                  "x" * 201, "é" * 101, "tab\there"])
def test_name_cannot_leave_out_and_is_checked_before_the_data(tmp_path, no_data, name):
    result = _invoke("train", "--out", tmp_path / "runs", "--name", name)
    assert result.exit_code == 2, result.output
    assert "--name must be a folder name" in _flat(result.stderr) and "Traceback" not in result.output
    assert not list(tmp_path.iterdir())                       # nothing made, inside --out or out of it


@pytest.mark.parametrize("make, message", [
    (lambda root: (root / "file.txt").write_text("x") and root / "file.txt",
     r"--out '.*file\.txt' is a file"),
    (lambda root: (root / "file.txt").write_text("x") and root / "file.txt" / "runs",
     r"--out '.*runs' cannot be made: '.*file\.txt' is a file"),
])
def test_out_is_checked_before_the_data(tmp_path, no_data, make, message):
    result = _invoke("train", "--out", make(tmp_path))
    assert result.exit_code == 2, result.output
    assert re.search(message, _flat(result.stderr)), result.stderr


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where nobody can write")
def test_out_that_cannot_be_written_is_refused_before_the_data(no_data):
    result = _invoke("train", "--out", "/proc/glassnet-runs")
    assert result.exit_code == 2, result.output
    assert "--out '/proc/glassnet-runs' cannot be used: '/proc' cannot be written" in _flat(result.stderr)


def test_name_and_out_make_the_run_folder_inside_out(tmp_path):
    result = _invoke("train", "--data", "iris", "--epochs", 1, "--quiet", "--out", tmp_path / "new" / "runs",
                     "--name", "first try")
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "new" / "runs").iterdir()
    assert folder.name.endswith("-first try")


# ------------------------------------------------------------------------- options
@pytest.mark.parametrize("args, message", [
    (["--epochs", "0"], "--epochs must be an integer >= 1, got '0'"),
    (["--epochs", "1.5"], "--epochs must be an integer >= 1, got '1.5'"),
    (["--epochs", "abc"], "--epochs must be an integer >= 1, got 'abc'"),
    (["--batch-size", "-1"], "--batch-size must be an integer >= 1, got '-1'"),
    (["--lr", "-1"], "--lr must be a number in (0, inf), got '-1'"),
    (["--lr", "nan"], "--lr must be a number in (0, inf), got 'nan'"),
    (["--lr", "fast"], "--lr must be a number in (0, inf), got 'fast'"),
    (["--validation-split", "1.5"], "--validation-split must be a number in [0, 1), got '1.5'"),
    (["--test-split", "0"], "--test-split must be a number in (0, 1), got '0'"),
    (["--test-split", "1"], "--test-split must be a number in (0, 1), got '1'"),
    (["--dropout", "1"], "--dropout must be a number in [0, 1), got '1'"),
    (["--dropout", "x"], "--dropout must be a number in [0, 1), got 'x'"),
    (["--l2", "-0.1"], "--l2 must be a number in [0, inf), got '-0.1'"),
    (["--hidden", "64,,x"], "--hidden must be positive integers separated by commas"),
    (["--hidden", "64,,32"], "an empty width in '64,,32' is not one"),
    (["--hidden", "64,0"], "'0' in '64,0' is not one"),
    (["--activation", "unknown"], "--activation 'unknown' is not available; choose one of:"),
    (["--optimizer", "unknown"], "--optimizer 'unknown' is not available; choose one of: adagrad, adam"),
    (["--model", "rnn"], "--model 'rnn' is not available; choose one of: mlp, cnn"),
    (["--task", "ranking"], "--task 'ranking' is not available; choose one of: classification, regression"),
    (["--seed", "-1"], "--seed must be an integer from 0 to 4294967295, got '-1'"),
    (["--seed", str(2**32)], "--seed must be an integer from 0 to 4294967295, got '4294967296'"),
    (["--patience", "-1"], "--patience must be an integer >= 0, got '-1'"),
    (["--units", "length"], "--units must look like column=unit,column=unit; 'length' is not column=unit"),
])
def test_bad_options_are_refused_before_the_data_is_read(no_data, args, message):
    result = _invoke("train", *args)
    assert result.exit_code == 2, result.output
    assert message in _flat(result.stderr), result.stderr
    assert "Traceback" not in result.output


def test_unknown_data_set_is_refused_before_training(tmp_path):
    result = _invoke("train", "--data", "unknown", "--out", tmp_path / "runs")
    assert result.exit_code == 2 and not (tmp_path / "runs").exists()
    assert "--data 'unknown' is neither a data set nor a CSV file" in _flat(result.stderr)


@pytest.mark.parametrize("config, message", [
    ({"epoch": 3}, r"unknown setting\(s\) \['epoch'\]"),
    ({"epochs": "ten"}, r"--config .*c\.yaml: epochs must be an integer >= 1, got 'ten'"),
    ({"quiet": "no"}, r"--config .*c\.yaml: quiet must be true or false, got 'no'"),
    ({"hidden": {"a": 1}}, r"--config .*c\.yaml: hidden must be layer widths"),
    ({"lr": [0.1]}, r"--config .*c\.yaml: lr must be a number in \(0, inf\), got \[0.1\]"),
    ({"target": [1]}, r"--config .*c\.yaml: target must be a non-empty text, got \[1\]"),
    ({"units": {"a": [1]}}, r"--config .*c\.yaml: units must map columns to units written as text"),
    ({"name": "../up"}, r"--config .*c\.yaml: name must be a folder name"),
    ({"seed": True}, r"--config .*c\.yaml: seed must be an integer from 0 to 4294967295, got True"),
])
def test_config_values_are_checked_and_named_by_the_file(tmp_path, no_data, config, message):
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    result = _invoke("train", "--config", tmp_path / "c.yaml")
    assert result.exit_code == 2, result.output
    assert re.search(message, _flat(result.stderr)), result.stderr


def test_an_option_overrides_a_bad_config_value(tmp_path):
    (tmp_path / "c.yaml").write_text("epochs: ten\ndata: iris\n")
    result = _invoke("train", "--config", tmp_path / "c.yaml", "--epochs", 1, "--quiet", "--out", tmp_path)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("rows", ["0", "-1", "abc", "1.5"])
def test_explain_rows_must_be_a_positive_integer(rows):
    result = _invoke("explain", "chain-rule", "--rows", rows)
    assert result.exit_code == 2
    assert f"--rows must be an integer >= 1 (the rows of the batch shown), got '{rows}'" in \
        _flat(result.stderr)


# --------------------------------------------------------------- files that exist already
@pytest.fixture(scope="module")
def iris_model(tmp_path_factory):
    root = tmp_path_factory.mktemp("iris")
    assert _invoke("train", "--data", "iris", "--epochs", 2, "--quiet", "--out", root).exit_code == 0
    (folder,) = root.iterdir()
    frame = gn.load(folder / "model.safetensors").preprocessing
    data = root / "new.csv"
    data.write_text(",".join(frame.columns_) + "\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n")
    return folder / "model.safetensors", data


def test_predict_refuses_an_existing_file_unless_forced(iris_model, tmp_path):
    model, data = iris_model
    out = tmp_path / "out.csv"
    out.write_text("keep me\n")
    result = _invoke("predict", model, "--data", data, "--out", out)
    assert result.exit_code == 2
    assert "exists already; give another name, or add --force" in _flat(result.stderr)
    assert out.read_text() == "keep me\n"
    assert _invoke("predict", model, "--data", data, "--out", out, "--force").exit_code == 0
    assert out.read_text().splitlines()[0].endswith("predicted_class")


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_predict_never_overwrites_its_inputs(iris_model, force):
    model, data = iris_model
    before = data.read_bytes(), model.read_bytes()
    for target, name in ((data, "--data"), (model, "MODEL"), (data.parent / "." / data.name, "--data")):
        result = _invoke("predict", model, "--data", data, "--out", target, *force)
        assert result.exit_code == 2, result.output
        assert f"is the {name} file this command reads" in _flat(result.stderr)
    assert (data.read_bytes(), model.read_bytes()) == before


def test_predict_out_in_a_missing_folder_or_a_folder_is_refused_first(iris_model, tmp_path):
    model, data = iris_model
    result = _invoke("predict", model, "--data", data, "--out", tmp_path / "no" / "out.csv")
    assert result.exit_code == 2 and "does not exist; create it first" in _flat(result.stderr)
    result = _invoke("predict", model, "--data", data, "--out", tmp_path)
    assert result.exit_code == 2 and "is a folder" in _flat(result.stderr)


def test_export_refuses_an_existing_file_and_its_model(iris_model, tmp_path):
    model, _ = iris_model
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"old")
    result = _invoke("export", model, "--onnx", onnx)
    assert result.exit_code == 2 and "add --force" in _flat(result.stderr) and onnx.read_bytes() == b"old"
    assert _invoke("export", model, "--onnx", onnx, "--force").exit_code == 0 and onnx.read_bytes() != b"old"
    before = model.read_bytes()
    result = _invoke("export", model, "--onnx", model, "--force")
    assert result.exit_code == 2 and "is the MODEL file" in _flat(result.stderr)
    assert model.read_bytes() == before


@pytest.mark.parametrize("error, message", [
    (RecursionError("maximum recursion depth exceeded"), "RecursionError: maximum recursion depth exceeded"),
    (MemoryError(), "not enough memory"),
    (KeyError("layers"), "KeyError: 'layers'"),
])
def test_an_unforeseen_error_is_one_paragraph_without_a_traceback(monkeypatch, tmp_path, error, message):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr("glassnet.cli.use.summary", fail)
    result = _invoke("summary", tmp_path / "m.safetensors")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert message in _flat(result.stderr) and "--debug" in result.stderr
    assert isinstance(_invoke("--debug", "summary", tmp_path / "m.safetensors").exception, type(error))
