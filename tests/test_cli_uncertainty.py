"""``glassnet train --uncertainty ensemble|mc-dropout`` and the error bars of ``glassnet predict``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import glassnet as gn
from glassnet.cli import app

RUNNER = CliRunner()
Z_95 = 1.959963984540054


def _invoke(*args: object):
    return RUNNER.invoke(app, [str(a) for a in args], env={"COLUMNS": "1000"})


def _train(out: Path, *options: object) -> Path:
    result = _invoke("train", "--data", "sine", "--epochs", 20, "--quiet", "--out", out, *options)
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def _predict(folder: Path, tmp_path: Path) -> pd.DataFrame:
    new = tmp_path / "new.csv"
    pd.DataFrame({"x": [-3.0, 0.0, 1.5, 3.0]}).to_csv(new, index=False)
    result = _invoke("predict", folder / "model.safetensors", "--data", new, "--out", tmp_path / "out.csv",
                     "--force")
    assert result.exit_code == 0, result.output
    return pd.read_csv(tmp_path / "out.csv")


@pytest.fixture(scope="module")
def ensemble_run(tmp_path_factory) -> Path:
    return _train(tmp_path_factory.mktemp("ensemble"), "--uncertainty", "ensemble")


def test_an_ensemble_run_keeps_its_members_plots_and_coverage(ensemble_run):
    names = {p.name for p in ensemble_run.iterdir()}
    assert {"model.safetensors", "ensemble.safetensors", "calibration.png", "uncertainty_band.png"} <= names
    ensemble = gn.uncertainty.DeepEnsemble.load(ensemble_run / "ensemble.safetensors")
    assert len(ensemble.members_) == 5 and ensemble.members_[0].preprocessing is not None
    first = gn.load(ensemble_run / "model.safetensors")
    for a, b in zip(first.get_weights(), ensemble.members_[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    info = first.info["uncertainty"]
    assert info["method"] == "ensemble" and info["members"] == 5 and info["noise_std"] > 0
    metrics = json.loads((ensemble_run / "metrics.json").read_text())["test_metrics"]
    assert 0 <= metrics["interval_coverage_95"] <= 1 and metrics["interval_width_95"] > 0
    assert yaml.safe_load((ensemble_run / "config.yaml").read_text())["uncertainty"] == "ensemble"


def test_predict_writes_the_mean_std_and_95_percent_bounds(ensemble_run, tmp_path):
    table = _predict(ensemble_run, tmp_path)
    assert list(table.columns) == ["x", "predicted_target", "std", "lower", "upper"]
    np.testing.assert_allclose(table["upper"] - table["predicted_target"], Z_95 * table["std"], rtol=1e-9)
    np.testing.assert_allclose(table["predicted_target"] - table["lower"], Z_95 * table["std"], rtol=1e-9)
    ensemble = gn.uncertainty.DeepEnsemble.load(ensemble_run / "ensemble.safetensors")
    prep = ensemble.members_[0].preprocessing
    mean = ensemble.predict(prep.transform(table[["x"]]))
    np.testing.assert_allclose(table["predicted_target"], mean.reshape(-1), rtol=1e-6)
    # the data's noise (homoscedastic) and the members' spread: never below the noise
    noise = gn.load(ensemble_run / "model.safetensors").info["uncertainty"]["noise_std"]
    assert (table["std"] >= noise - 1e-12).all()


def test_predict_says_when_the_members_file_is_missing(ensemble_run, tmp_path):
    moved = tmp_path / "alone"
    moved.mkdir()
    (moved / "model.safetensors").write_bytes((ensemble_run / "model.safetensors").read_bytes())
    new = tmp_path / "new.csv"
    pd.DataFrame({"x": [0.0]}).to_csv(new, index=False)
    result = _invoke("predict", moved / "model.safetensors", "--data", new)
    assert result.exit_code != 0
    assert "ensemble.safetensors" in " ".join(result.output.split())


def test_an_mc_dropout_run_predicts_reproducible_error_bars(tmp_path):
    folder = _train(tmp_path / "runs", "--uncertainty", "mc-dropout", "--dropout", 0.1)
    assert {"calibration.png", "uncertainty_band.png"} <= {p.name for p in folder.iterdir()}
    assert gn.load(folder / "model.safetensors").info["uncertainty"]["method"] == "mc_dropout"
    first = _predict(folder, tmp_path)
    again = _predict(folder, tmp_path)
    pd.testing.assert_frame_equal(first, again)
    assert (first["std"] > 0).all() and (first["lower"] < first["upper"]).all()


@pytest.mark.parametrize(("options", "message"), [
    (["--data", "iris", "--uncertainty", "ensemble"], "error bars of a regression"),
    (["--data", "sine", "--uncertainty", "mc-dropout"], "needs --dropout > 0"),
    (["--data", "sine", "--uncertainty", "bayes"], "choose one of: ensemble, mc-dropout"),
])
def test_uncertainty_options_that_cannot_work_are_refused(tmp_path, options, message):
    result = _invoke("train", "--epochs", 1, "--quiet", "--out", tmp_path, *options)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not any(p.is_dir() for p in tmp_path.iterdir())
