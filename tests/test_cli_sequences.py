"""glassnet train --model lstm on a CSV of windows, and --window/--horizon on a time-series CSV:
the windows and their targets, the chronological test split, the saved LSTM model, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import glassnet as gn
from glassnet.cli import app
from glassnet.cli.data import Table
from glassnet.cli.settings import UsageError
from glassnet.cli.windows import chronological_split, window_table

RUNNER = CliRunner()


def _invoke(*args):
    return RUNNER.invoke(app, [str(a) for a in args], env={"COLUMNS": "1000"})


def _series_csv(path, n=160):
    t = np.arange(n)
    frame = pd.DataFrame({"temp": np.cos(t / 6.0), "value": np.sin(t / 6.0)})
    frame.to_csv(path, index=False)
    return frame


def _only_run(out):
    (folder,) = list(out.iterdir())
    return folder


def test_window_option_trains_an_lstm_on_the_series(tmp_path):
    frame = _series_csv(tmp_path / "series.csv")
    result = _invoke("train", "--data", tmp_path / "series.csv", "--target", "value", "--window", 6,
                     "--horizon", 2, "--model", "lstm", "--hidden", 8, "--epochs", 2, "--quiet",
                     "--out", tmp_path / "runs")
    assert result.exit_code == 0, result.output
    folder = _only_run(tmp_path / "runs")
    model = gn.load(folder / "model.safetensors")
    assert [type(layer).__name__ for layer in model.layers] == ["Reshape", "LSTM", "Dense"]
    assert model.layers[0].target_shape == (6, 2)
    config = yaml.safe_load((folder / "config.yaml").read_text())
    assert config["window"] == 6 and config["horizon"] == 2 and config["model"] == "lstm"
    n_windows = len(frame) - 6 - 2 + 1
    assert model.info["rows"]["test"] == int(np.ceil(0.2 * n_windows))


def test_window_table_and_chronological_split():
    t = np.arange(10.0)
    table = Table(pd.DataFrame({"temp": 100 + t}), t * 2, "regression", None, "value", "s")
    windows = window_table(table, window=3, horizon=2)
    assert list(windows.X.columns) == ["temp[t-2]", "value[t-2]", "temp[t-1]", "value[t-1]", "temp[t-0]",
                                       "value[t-0]"]
    np.testing.assert_array_equal(windows.X.iloc[0], [100, 0, 101, 2, 102, 4])
    np.testing.assert_array_equal(windows.y, 2 * np.arange(4.0, 10.0))
    train, test = chronological_split(len(windows.y), 0.34)
    assert train.max() < test.min() and len(test) == 3
    labels = Table(pd.DataFrame({"temp": t}), np.arange(10) % 2, "classification", [0, 1], "odd", "s")
    with pytest.raises(UsageError, match="numeric series"):
        window_table(labels, window=3, horizon=1)


def test_model_lstm_on_a_csv_of_windows(tmp_path):
    series = np.sin(np.arange(120) / 5.0)
    rows = np.lib.stride_tricks.sliding_window_view(series, 6)
    pd.DataFrame(rows, columns=[f"x{i}" for i in range(5)] + ["next"]).to_csv(tmp_path / "w.csv", index=False)
    result = _invoke("train", "--data", tmp_path / "w.csv", "--target", "next", "--model", "lstm", "--hidden",
                     "8,4", "--epochs", 2, "--quiet", "--out", tmp_path / "runs")
    assert result.exit_code == 0, result.output
    model = gn.load(_only_run(tmp_path / "runs") / "model.safetensors")
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Reshape", "LSTM", "LSTM", "Dense"]
    assert model.layers[0].target_shape == (5, 1) and model.layers[1].return_sequences


@pytest.mark.parametrize("args, message", [
    (["--horizon", 2], "give --window too"),
    (["--window", 0], "--window"),
    (["--window", 500], "the series has 160 steps"),
    (["--window", 4, "--model", "lstm", "--hidden", ""], "at least one --hidden"),
])
def test_errors(tmp_path, args, message):
    _series_csv(tmp_path / "series.csv")
    result = _invoke("train", "--data", tmp_path / "series.csv", "--target", "value", *args, "--epochs", 1,
                     "--quiet", "--out", tmp_path / "runs")
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
