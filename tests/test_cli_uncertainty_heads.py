"""``glassnet train --uncertainty gaussian|quantile``: a network ending in an output head that
predicts the data's noise, trained on standardized targets and saved predicting y's units."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import glassnet as gn
from glassnet.cli import app
from glassnet.cli import uncertainty as cli_uncertainty
from glassnet.cli.network import fold_target_scaling
from glassnet.cli.settings import CliError

RUNNER = CliRunner()
Z_95 = 1.959963984540054
N_ROWS = 1000

pytestmark = pytest.mark.filterwarnings("ignore:model .* predicts with the random weights:UserWarning")


def _invoke(*args: object):
    return RUNNER.invoke(app, [str(a) for a in args], env={"COLUMNS": "1000"})


def _noise_std(x: np.ndarray) -> np.ndarray:
    return 0.5 + 2.0 * (x + 2)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """y = 50 + 20 sin(1.5 x) + noise whose std grows from 0.5 to 8.5 along x in [-2, 2]."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, N_ROWS)
    y = 50 + 20 * np.sin(1.5 * x) + _noise_std(x) * rng.normal(size=N_ROWS)
    path = tmp_path_factory.mktemp("data") / "heteroscedastic.csv"
    pd.DataFrame({"x": x, "y": y}).to_csv(path, index=False)
    return path


def _train(data: Path, out: Path, method: str) -> Path:
    result = _invoke("train", "--data", data, "--target", "y", "--uncertainty", method, "--hidden", "32,32",
                     "--lr", 0.01, "--epochs", 60, "--test-split", 0.3, "--quiet", "--out", out)
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def _predict(folder: Path, data: Path, tmp_path: Path) -> pd.DataFrame:
    result = _invoke("predict", folder / "model.safetensors", "--data", data, "--out", tmp_path / "out.csv")
    assert result.exit_code == 0, result.output
    return pd.read_csv(tmp_path / "out.csv")


@pytest.fixture(scope="module")
def gaussian_run(data, tmp_path_factory) -> Path:
    return _train(data, tmp_path_factory.mktemp("gaussian"), "gaussian")


def test_a_gaussian_run_covers_95_percent_of_the_test_rows(gaussian_run):
    files = {p.name for p in gaussian_run.iterdir()}
    assert {"calibration.png", "uncertainty_band.png", "model.safetensors"} <= files
    metrics = json.loads((gaussian_run / "metrics.json").read_text())["test_metrics"]
    assert metrics["n_samples"] == 300
    assert 0.88 <= metrics["interval_coverage_95"] <= 0.99
    assert 0 < metrics["interval_width_95"] < 4 * Z_95 * 8.5
    model = gn.load(gaussian_run / "model.safetensors")
    assert model.info["uncertainty"] == {"method": "gaussian", "level": 0.95}
    assert isinstance(model.layers[-1], gn.layers.GaussianHead)


def test_the_saved_gaussian_model_predicts_y_and_its_noise_in_y_units(gaussian_run, data):
    table = pd.read_csv(data)
    model = gn.load(gaussian_run / "model.safetensors")
    head, y = model.layers[-1], table["y"].to_numpy()
    # the transform is y's mean and std on the training rows, close to those of all rows
    assert head.target_mean == pytest.approx(y.mean(), abs=0.1 * y.std())
    assert head.target_scale == pytest.approx(y.std(), rel=0.1)
    X = model.preprocessing.transform(table[["x"]], warn=False)
    mean, std = model.predict(X, return_std=True)
    truth = 50 + 20 * np.sin(1.5 * table["x"].to_numpy())
    assert np.sqrt(np.mean((mean[:, 0] - truth) ** 2)) < 0.25 * y.std()
    assert np.corrcoef(std[:, 0], _noise_std(table["x"].to_numpy()))[0, 1] > 0.9
    assert np.median(std[:, 0] / _noise_std(table["x"].to_numpy())) == pytest.approx(1.0, abs=0.3)


def test_predict_writes_the_heads_mean_std_and_bounds(gaussian_run, data, tmp_path):
    table = _predict(gaussian_run, data, tmp_path)
    assert list(table.columns) == ["x", "y", "predicted_y", "std", "lower", "upper"]
    model = gn.load(gaussian_run / "model.safetensors")
    mean, std = model.predict(model.preprocessing.transform(table[["x"]], warn=False), return_std=True)
    np.testing.assert_allclose(table["predicted_y"], mean[:, 0], rtol=1e-6)
    np.testing.assert_allclose(table["std"], std[:, 0], rtol=1e-6)
    half_width = Z_95 * table["std"]
    np.testing.assert_allclose(table["upper"] - table["predicted_y"], half_width, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(table["predicted_y"] - table["lower"], half_width, rtol=1e-5, atol=1e-4)
    result = _invoke("evaluate", gaussian_run / "model.safetensors", "--data", data, "--target", "y")
    assert result.exit_code == 0, result.output


def test_a_quantile_run_predicts_its_own_quantiles_as_the_bounds(data, tmp_path):
    folder = _train(data, tmp_path / "runs", "quantile")
    metrics = json.loads((folder / "metrics.json").read_text())["test_metrics"]
    assert 0.88 <= metrics["interval_coverage_95"] <= 0.99
    table = _predict(folder, data, tmp_path)
    model = gn.load(folder / "model.safetensors")
    assert model.layers[-1].quantiles == cli_uncertainty.QUANTILES
    out = model.predict(model.preprocessing.transform(table[["x"]], warn=False))
    np.testing.assert_allclose(table[["lower", "predicted_y", "upper"]].to_numpy(), out, rtol=1e-6)
    assert (table["lower"] < table["predicted_y"]).all() and (table["predicted_y"] < table["upper"]).all()


def test_fold_target_scaling_sets_a_heads_transform_and_rescales_a_dense_output():
    X = np.random.default_rng(1).normal(size=(6, 2))
    for last in (gn.layers.GaussianHead(1), gn.layers.Dense(1)):
        model = gn.Sequential([gn.Input((2,)), gn.layers.Dense(4, activation="tanh"), last], seed=0,
                              dtype=np.float64).build()
        standardized = model.predict(X)
        fold_target_scaling(model, 30.0, 4.0)
        out = model.predict(X)
        np.testing.assert_allclose(out[:, 0], 30.0 + 4.0 * standardized[:, 0], rtol=1e-14)
        if isinstance(last, gn.layers.GaussianHead):
            np.testing.assert_allclose(out[:, 1], 16.0 * standardized[:, 1], rtol=1e-14)


def test_a_file_claiming_a_head_it_does_not_have_is_refused_at_predict():
    model = gn.Sequential([gn.Input((2,)), gn.layers.Dense(1)], seed=0).build()
    model.info = {"uncertainty": {"method": "gaussian", "level": 0.95}}
    with pytest.raises(CliError, match="ends in a Dense, not a GaussianHead or QuantileHead"):
        cli_uncertainty.predictor(model, "m.safetensors")


@pytest.mark.parametrize(("options", "message"), [
    (["--data", "iris", "--uncertainty", "gaussian"], "gaussian gives error bars of a regression"),
    (["--data", "iris", "--uncertainty", "quantile"], "quantile gives error bars of a regression"),
    (["--data", "digits", "--model", "cnn", "--uncertainty", "gaussian"], "error bars of a regression"),
    (["--data", "sine", "--model", "cnn", "--uncertainty", "gaussian"], "--model cnn needs image data"),
    (["--data", "sine", "--uncertainty", "normal"], "one of: ensemble, mc-dropout, gaussian, quantile"),
])
def test_head_uncertainty_options_that_cannot_work_are_refused(tmp_path, options, message):
    result = _invoke("train", "--epochs", 1, "--quiet", "--out", tmp_path, *options)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not any(p.is_dir() for p in tmp_path.iterdir())
