"""What ``glassnet`` refuses in the user's table and options, in one paragraph and before
training: cells that are not numbers in a numeric column, a target with too many classes,
duplicated column names, repeated units, an oversized network, splits that leave too few
rows, a file that is not UTF-8, an unknown data set, empty paths and non-integer counts."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import glassnet as gn
from glassnet.cli import app

RUNNER = CliRunner()


def _invoke(*args):
    return RUNNER.invoke(app, [str(a) for a in args], env={"COLUMNS": "1000"})


def _flat(text):
    return " ".join(text.split())


def _refused(result, *words, code=2):
    said = _flat(result.stderr)
    assert result.exit_code == code, result.output
    for word in words:
        assert word in said, said


def _table(n=60, seed=0):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "t": np.where(a + b > 0, "yes", "no")})


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A model trained on a CSV table with the columns a, b and the target t."""
    folder = tmp_path_factory.mktemp("model")
    _table().to_csv(folder / "table.csv", index=False)
    result = _invoke("train", "--data", folder / "table.csv", "--target", "t", "--epochs", 1, "--quiet",
                     "--out", folder / "runs")
    assert result.exit_code == 0, result.output
    (run,) = (folder / "runs").iterdir()
    return run / "model.safetensors"


def _train(csv, *options):
    return _invoke("train", "--data", csv, "--target", "t", "--epochs", 1, "--quiet", "--out",
                   csv.parent / "runs", *options)


# ------------------------------------------------------------------ cells that are not numbers
@pytest.mark.parametrize("cells", [["oops"], ["12%"], ["oops", "12%", "n/a?"]])
def test_a_numeric_column_with_a_few_text_cells_is_refused_naming_them(tmp_path, cells):
    frame = _table().astype({"b": object})
    for row, cell in enumerate(cells, 3):
        frame.loc[row, "b"] = cell
    frame.to_csv(tmp_path / "t.csv", index=False)
    _refused(_train(tmp_path / "t.csv"), "column 'b' holds numbers but", f"{len(cells)} of its 60 cells",
             f"{cells[0]!r} (row 4)", code=1)
    assert not (tmp_path / "runs").exists()


def test_a_column_mostly_of_text_is_categorical(tmp_path):
    frame = _table()
    frame["colour"] = np.resize(["red", "green", "3"], len(frame))
    frame.to_csv(tmp_path / "t.csv", index=False)
    assert _train(tmp_path / "t.csv").exit_code == 0
    (run,) = (tmp_path / "runs").iterdir()
    assert gn.load(run / "model.safetensors").preprocessing.categorical_ == ["colour"]


def test_predict_refuses_text_cells_in_a_numeric_column(model, tmp_path):
    frame = _table().drop(columns="t").astype({"a": object})
    frame.loc[7, "a"] = "oops"
    frame.to_csv(tmp_path / "new.csv", index=False)
    _refused(_invoke("predict", model, "--data", tmp_path / "new.csv"), "'oops' (row 8)", code=1)


# ------------------------------------------------------------------ classes
def test_classification_of_a_continuous_target_is_refused_naming_the_count(tmp_path):
    frame = _table()
    frame["t"] = frame["a"] * 3.7
    frame.to_csv(tmp_path / "t.csv", index=False)
    _refused(_train(tmp_path / "t.csv", "--task", "classification"), "'t' has 60 distinct values in 60 rows",
             "--task regression", code=1)


def test_a_text_target_with_a_class_per_row_is_refused(tmp_path):
    frame = _table()
    frame["t"] = [f"id{i}" for i in range(len(frame))]
    frame.to_csv(tmp_path / "t.csv", index=False)
    _refused(_train(tmp_path / "t.csv"), "60 distinct values in 60 rows", "another --target", code=1)


def test_an_integer_valued_float_target_is_classified_like_integers(tmp_path):
    frame = _table()
    frame["t"] = np.where(frame["a"] > 0, 2.0, 1.0)
    frame.loc[::3, "t"] = 3.0
    frame.to_csv(tmp_path / "t.csv", index=False)
    assert _train(tmp_path / "t.csv").exit_code == 0
    (run,) = (tmp_path / "runs").iterdir()
    info = gn.load(run / "model.safetensors").info
    assert info["task"] == "classification" and info["classes"] == [1, 2, 3]
    result = _invoke("evaluate", run / "model.safetensors", "--data", tmp_path / "t.csv")
    assert result.exit_code == 0, result.output


# ------------------------------------------------------------------ duplicated column names
@pytest.mark.parametrize("command", ["train", "evaluate", "predict"])
def test_a_column_name_given_twice_is_refused(model, tmp_path, command):
    (tmp_path / "t.csv").write_text("a,b,a,t\n1,2,3,yes\n4,5,6,no\n7,8,9,yes\n", encoding="utf-8")
    args = {"train": ["train", "--target", "t", "--out", tmp_path / "runs"],
            "evaluate": ["evaluate", model], "predict": ["predict", model]}[command]
    _refused(_invoke(*args, "--data", tmp_path / "t.csv"), "column name(s) given twice", "'a'", code=1)


# ------------------------------------------------------------------ units
def test_units_repeating_a_column_are_refused():
    _refused(_invoke("train", "--units", "a=m2,a=kg"), "--units gives the unit of 'a' twice ('m2' and 'kg')")


def test_units_of_a_column_that_does_not_exist_are_refused_naming_the_columns(tmp_path):
    _table().to_csv(tmp_path / "t.csv", index=False)
    _refused(_train(tmp_path / "t.csv", "--units", "a=m,c=kg"), "--units names ['c']", "they are: a, b")


# ------------------------------------------------------------------ network size
def test_a_network_too_large_is_refused_with_its_parameter_count(tmp_path):
    width = 100_000_000
    n = (4 + 1) * width + (width + 1) * 3                      # iris: 4 inputs, 3 classes
    _refused(_invoke("train", "--data", "iris", "--hidden", width, "--out", tmp_path),
             f"would have {n:,} parameters", "the limit is 200,000,000 parameters")


def test_the_size_limit_follows_the_machines_memory(tmp_path, monkeypatch):
    monkeypatch.setattr("glassnet.cli.network._memory", lambda: 10**9)
    limit = 10**9 // 2 // 16                                    # float32 weight, gradient, 2 moments
    _refused(_invoke("train", "--data", "iris", "--hidden", 10_000_000, "--out", tmp_path),
             f"the limit is {limit:,} parameters (half of this machine's 1.0 GB of memory)")


def test_the_parameter_count_is_that_of_the_network_built():
    from glassnet.cli.network import build_model, count_parameters
    from glassnet.cli.settings import TrainSettings

    for settings, shape in [(TrainSettings(hidden=[7, 5]), None), (TrainSettings(model="cnn", hidden=[9]),
                                                                    (1, 8, 8))]:
        n_in = int(np.prod(shape)) if shape else 4
        built = build_model(settings, n_in, 3, "classification", shape)
        built.build((n_in,))
        assert count_parameters(settings, n_in, 3, shape) == built.count_params()


# ------------------------------------------------------------------ splits
@pytest.mark.parametrize("options, words", [
    (["--test-split", "0.99"], ["--test-split 0.99 holds out 60 of the 60 rows", "leaving 0 for training"]),
    (["--test-split", "0.96"], ["leaving 2 for training; at least 3 are needed (one per class: 3 classes)"]),
    (["--validation-split", "0.99"], ["--validation-split 0.99 holds out 48 of the 48 training rows"]),
])
def test_splits_that_leave_too_few_rows_are_refused_in_glassnets_words(tmp_path, options, words):
    frame = _table()
    frame["t"] = np.resize(["x", "y", "z"], len(frame))
    frame.to_csv(tmp_path / "t.csv", index=False)
    _refused(_train(tmp_path / "t.csv", *options), *words)


# ------------------------------------------------------------------ encodings
@pytest.mark.parametrize("command", ["train", "predict"])
def test_a_file_that_is_not_utf8_is_refused_saying_how_to_resave_it(model, tmp_path, command):
    (tmp_path / "t.csv").write_bytes("a,b,t\n1,2,yes\n3,4,caf\u00e9\n5,6,no\n".encode("latin-1"))
    args = ["predict", model] if command == "predict" else ["train", "--target", "t", "--out", tmp_path / "r"]
    _refused(_invoke(*args, "--data", tmp_path / "t.csv"), "is not UTF-8 text (line 3", "iconv", code=1)


# ------------------------------------------------------------------ data sets and paths
def test_an_unknown_data_set_with_target_is_refused_listing_the_data_sets():
    _refused(_invoke("train", "--data", "bogusset", "--target", "t"),
             "--data 'bogusset' is neither a data set", "digits, gaussians, iris")


def test_a_file_without_extension_is_read_as_a_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _table().to_csv(tmp_path / "table", index=False)
    result = _invoke("train", "--data", "table", "--target", "t", "--epochs", 1, "--quiet", "--out", "runs")
    assert result.exit_code == 0, result.output


def test_a_missing_path_is_said_to_be_missing(tmp_path):
    _refused(_invoke("train", "--data", tmp_path / "nothing" / "t", "--target", "t"), "there is no file")


@pytest.mark.parametrize("args, option", [
    (["predict", "{model}", "--data", "{csv}", "--out", ""], "--out"),
    (["predict", "", "--data", "{csv}"], "MODEL"),
    (["evaluate", "{model}", "--data", ""], "--data"),
    (["summary", ""], "MODEL"),
    (["export", "{model}", "--onnx", " "], "--onnx"),
    (["train", "--config", ""], "--config"),
    (["train", "--out", ""], "--out"),
    (["explain", "{model}", "--data", ""], "--data"),
])
def test_an_empty_path_is_refused_as_empty(model, tmp_path, args, option):
    _table().to_csv(tmp_path / "t.csv", index=False)
    args = [a.format(model=model, csv=tmp_path / "t.csv") for a in args]
    _refused(_invoke(*args), f"{option} is empty")


# ------------------------------------------------------------------ integers
@pytest.mark.parametrize("setting", ["epochs: 1.0", "patience: 2.0", "seed: 0.0", "batch_size: 8.0"])
def test_an_integer_setting_written_as_a_float_is_refused_in_a_config_as_on_the_command_line(tmp_path,
                                                                                              setting):
    name, value = setting.split(": ")
    (tmp_path / "c.yaml").write_text(setting + "\n", encoding="utf-8")
    _refused(_invoke("train", "--config", tmp_path / "c.yaml"), f"{name} must be an integer", f"got {value}")
    _refused(_invoke("train", f"--{name.replace('_', '-')}", value), "must be an integer", f"got '{value}'")


def test_a_setting_given_twice_in_a_config_is_refused(tmp_path):
    (tmp_path / "c.yaml").write_text("epochs: 1\nseed: 3\nepochs: 5\n", encoding="utf-8")
    _refused(_invoke("train", "--config", tmp_path / "c.yaml"), "'epochs' given twice")


def test_metrics_json_of_a_complete_run_is_strict_json(model):
    metrics = json.loads((model.parent / "metrics.json").read_text())
    assert metrics["unfinished"] is None


def test_a_test_split_of_one_class_leaves_out_the_roc_curve(tmp_path):
    frame = _table(n=10)
    frame["t"] = np.resize(["x", "y"], len(frame))
    frame.to_csv(tmp_path / "t.csv", index=False)
    result = _train(tmp_path / "t.csv", "--test-split", "0.1")
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "runs").iterdir()
    assert (run / "confusion_matrix.png").exists() and not (run / "roc_curve.png").exists()
