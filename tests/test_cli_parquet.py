"""``glassnet train`` and ``glassnet predict`` on a Parquet file read chunk by chunk, and the
preprocessing learned from chunks (``TabularPreprocessor.partial_fit``)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import glassnet as gn
from glassnet.cli import app
from glassnet.io import TabularPreprocessor

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pd = pytest.importorskip("pandas")

RUNNER = CliRunner()


def _invoke(*args):
    return RUNNER.invoke(app, [str(a) for a in args], env={"COLUMNS": "1000"})


def _frame(rows=3000, seed=0):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=rows), rng.uniform(0, 10, size=rows)
    kind = rng.choice(["red", "green", "blue"], size=rows)
    label = np.where(a + (kind == "red") > 0.3, "yes", "no")
    return pd.DataFrame({"a": a, "b": b, "kind": kind, "label": label, "value": 2 * a + b / 10})


@pytest.fixture(scope="module")
def parquet(tmp_path_factory):
    path = tmp_path_factory.mktemp("parquet") / "table.parquet"
    pq.write_table(pa.Table.from_pandas(_frame(), preserve_index=False), path, row_group_size=700)
    return path


@pytest.mark.parametrize("steps", [{}, {"scale": "minmax"}, {"scale": "none"}, {"polynomial": 2},
                                   {"scale": "minmax", "polynomial": 3, "features": ["a", "b", "kind"]}],
                         ids=["standard", "minmax", "none", "polynomial", "minmax crosses features"])
def test_partial_fit_learns_what_fit_learns(steps):
    frame = _frame(500)[["a", "b", "kind", "value"]]
    if "features" not in steps:
        frame = frame[["a", "b", "kind"]]
    whole = TabularPreprocessor(units={"a": "mm"}, **steps).fit(frame)
    chunked = TabularPreprocessor(units={"a": "mm"}, **steps)
    for start in range(0, 500, 120):
        chunked.partial_fit(frame.iloc[start : start + 120])
    assert chunked.ranges_ == whole.ranges_ and chunked.categories_ == whole.categories_
    assert chunked.n_samples_ == whole.n_samples_ == 500
    assert chunked.ignored_ == whole.ignored_ and chunked.feature_names_out == whole.feature_names_out
    np.testing.assert_allclose(chunked.transform(frame), whole.transform(frame), atol=1e-6)
    config, arrays = chunked.to_config()
    np.testing.assert_allclose(
        TabularPreprocessor.from_config(config, arrays).transform(frame), whole.transform(frame), atol=1e-6
    )


@pytest.mark.parametrize("steps", [{}, {"scale": "minmax"}, {"scale": "none"}, {"polynomial": 2},
                                   {"scale": "minmax", "polynomial": 3, "features": ["a", "b", "kind"]}],
                         ids=["standard", "minmax", "none", "polynomial", "minmax crosses features"])
def test_partial_fit_after_fit_goes_on_from_what_fit_learned(steps):
    frame = _frame(500)[["a", "b", "kind", "value"]]
    if "features" not in steps:
        frame = frame[["a", "b", "kind"]]
    whole = TabularPreprocessor(**steps).fit(frame)
    chunked = TabularPreprocessor(**steps).partial_fit(_frame(50, seed=1)[list(frame.columns)])
    chunked.fit(frame.iloc[:200])  # learns anew, as scikit-learn's fit does
    for start in range(200, 500, 120):
        chunked.partial_fit(frame.iloc[start : start + 120])
    assert chunked.ranges_ == whole.ranges_ and chunked.categories_ == whole.categories_
    assert chunked.n_samples_ == 500
    np.testing.assert_allclose(chunked.transform(frame), whole.transform(frame), atol=1e-6)


def test_partial_fit_refuses_chunks_that_differ_from_the_first():
    prep = TabularPreprocessor().partial_fit(pd.DataFrame({"a": [1.0, 2.0], "b": [0.0, 1.0]}))
    with pytest.raises(ValueError, match="missing \\['b'\\]"):
        prep.partial_fit(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(ValueError, match="numeric in training but holds text"):
        prep.partial_fit(pd.DataFrame({"a": ["x"], "b": [1.0]}))
    with pytest.raises(ValueError, match="missing"):
        prep.partial_fit(pd.DataFrame({"a": [np.nan], "b": [1.0]}))


def test_train_and_predict_on_a_parquet_file(parquet, tmp_path):
    result = _invoke("train", "--data", parquet, "--target", "label", "--epochs", 3, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert (
        "3000 rows (read in 5 row groups)" in result.output and "classification of 2 classes" in result.output
    )
    folder = next(tmp_path.iterdir())
    metrics = json.loads((folder / "metrics.json").read_text())
    rows = metrics["rows"]
    assert rows["train"] + rows["validation"] + rows["test"] == 3000
    assert metrics["test_metrics"]["n_samples"] == rows["test"] and metrics["test_metrics"]["accuracy"] > 0.8
    model = gn.load(folder / "model.safetensors")
    assert model.info["classes"] == ["no", "yes"] and model.preprocessing.categories_["kind"] == [
        "blue",
        "green",
        "red",
    ]
    out = tmp_path / "predictions.csv"
    predicted = _invoke("predict", folder / "model.safetensors", "--data", parquet, "--out", out)
    assert predicted.exit_code == 0, predicted.output
    table = pd.read_csv(out)
    assert len(table) == 3000 and set(table["predicted_label"]) <= {"no", "yes"}
    with pytest.warns(gn.io.ExtrapolationWarning):  # the test rows reach beyond the training range
        expected = model.predict(_frame()[["a", "b", "kind", "value"]])
    np.testing.assert_allclose(table["probability_yes"], expected[:, 1], rtol=1e-4, atol=1e-6)
    for command in ("evaluate", "explain"):
        refused = _invoke(command, folder / "model.safetensors", "--data", parquet)
        assert refused.exit_code != 0 and "is a Parquet file" in refused.output
        assert "metrics.json" in refused.output and "UTF-8" not in refused.output


def test_the_held_out_rows_follow_the_seed(parquet, tmp_path):
    runs = []
    for seed in (3, 3, 4):
        result = _invoke(
            "train",
            "--data",
            parquet,
            "--target",
            "value",
            "--epochs",
            1,
            "--seed",
            seed,
            "--quiet",
            "--out",
            tmp_path / str(len(runs)),
        )
        assert result.exit_code == 0, result.output
        folder = next((tmp_path / str(len(runs))).iterdir())
        runs.append(json.loads((folder / "metrics.json").read_text()))
    assert runs[0]["task"] == "regression"
    assert runs[0]["rows"] == runs[1]["rows"] and runs[0]["test_metrics"] == runs[1]["test_metrics"]
    assert runs[0]["rows"] != runs[2]["rows"]


def test_parquet_options_that_need_every_row_are_refused(parquet, tmp_path):
    result = _invoke("train", "--data", parquet, "--out", tmp_path)
    assert result.exit_code != 0 and "--target is needed" in result.output
    result = _invoke("train", "--data", parquet, "--target", "nope", "--out", tmp_path)
    assert result.exit_code != 0 and "'nope' is not a column" in result.output
    result = _invoke("train", "--data", parquet, "--target", "value", "--lr", "auto", "--out", tmp_path)
    assert result.exit_code != 0 and "--lr auto is not available" in result.output
    result = _invoke("train", "--data", parquet, "--target", "label", "--class-weight", "balanced",
                     "--out", tmp_path)
    assert result.exit_code != 0 and "--class-weight is not available" in result.output
    result = _invoke("train", "--data", parquet, "--target", "label", "--features", "a,nope",
                     "--out", tmp_path)
    assert result.exit_code != 0 and "--features names ['nope']" in result.output


def test_parquet_feature_options_are_checked_as_for_a_csv_file(tmp_path):
    rng = np.random.default_rng(0)
    wide = pd.DataFrame({f"x{i}": rng.normal(size=50) for i in range(30)}).assign(y=rng.normal(size=50))
    refused = [(("--polynomial", 5), "--polynomial 5 of 30 numeric columns makes"),
               (("--units", "nope=cm"), "--units names ['nope'], which are not feature columns"),
               (("--hidden", "100000,100000"), "the network would have 10,003,300,001 parameters")]
    for suffix in ("parquet", "csv"):
        path = tmp_path / f"wide.{suffix}"
        if suffix == "parquet":
            pq.write_table(pa.Table.from_pandas(wide, preserve_index=False), path)
        else:
            wide.to_csv(path, index=False)
        for option, says in refused:
            result = _invoke("train", "--data", path, "--target", "y", *option, "--out", tmp_path / "runs")
            assert result.exit_code != 0 and says in result.output, (suffix, result.output)


def test_the_feature_options_are_learned_from_the_chunks_and_kept_for_predict(parquet, tmp_path):
    result = _invoke("train", "--data", parquet, "--target", "label", "--epochs", 1, "--scale", "minmax",
                     "--polynomial", 2, "--features", "a,b", "--quiet", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    folder = next(tmp_path.iterdir())
    model = gn.load(folder / "model.safetensors")
    prep = model.preprocessing
    assert prep.scale == "minmax" and prep.polynomial == 2 and prep.ignored_ == ["kind", "value"]
    assert prep.feature_names_out == ["a", "b", "a^2", "a b", "b^2"]
    crossed = prep.transform(_frame()[["a", "b", "kind", "value"]], warn=False)
    middle = np.median(crossed, axis=0)  # min-max scaled on the training rows: the bulk within [0, 1]
    assert crossed.shape == (3000, 5) and (middle > 0).all() and (middle < 1).all()
    out = tmp_path / "predictions.csv"
    assert _invoke("predict", folder / "model.safetensors", "--data", parquet, "--out", out).exit_code == 0
    with pytest.warns(gn.io.ExtrapolationWarning):
        expected = model.predict(_frame()[["a", "b", "kind", "value"]])
    np.testing.assert_allclose(pd.read_csv(out)["probability_yes"], expected[:, 1], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(("target", "figures"), [
    ("label", {"history.png", "confusion_matrix.png", "roc_curve.png"}),
    ("value", {"history.png", "regression_fit.png"})])
def test_a_parquet_run_draws_the_figures_of_a_csv_run(parquet, tmp_path, target, figures):
    result = _invoke("train", "--data", parquet, "--target", target, "--epochs", 2, "--out", tmp_path,
                     "--quiet")
    assert result.exit_code == 0, result.output
    folder = next(tmp_path.iterdir())
    assert {path.name for path in folder.glob("*.png")} == figures
    assert all(name in " ".join(result.output.split()) for name in figures)
