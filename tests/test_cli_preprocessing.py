"""``glassnet train --features/--scale/--polynomial/--class-weight``: each step is kept in the
model's preprocessing, so that ``glassnet predict`` applies it; and the test report's
training loss and generalization gap."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, PolynomialFeatures, StandardScaler
from typer.testing import CliRunner

import glassnet as gn
from glassnet.cli import app
from glassnet.cli.data import load_table
from glassnet.cli.train import split_indices

RUNNER = CliRunner()


def _invoke(*args):
    return RUNNER.invoke(app, [str(a) for a in args], env={"COLUMNS": "1000"})


def _flat(text):
    return " ".join(text.split())


@pytest.fixture(scope="module")
def csv(tmp_path_factory):
    """Columns a, b (numbers), kind (text), noise (a number the target does not depend on), t (the class)."""
    rng = np.random.default_rng(0)
    n = 80
    frame = pd.DataFrame({"a": 10 * rng.normal(size=n), "b": rng.uniform(size=n),
                          "kind": rng.choice(["u", "v"], n), "noise": rng.normal(size=n)})
    frame["t"] = np.where(frame["a"] * frame["b"] > 0, "yes", "no")
    path = tmp_path_factory.mktemp("data") / "table.csv"
    frame.to_csv(path, index=False)
    return path


def _train(csv, out, *options):
    result = _invoke("train", "--data", csv, "--target", "t", "--epochs", 2, "--hidden", 4, "--quiet",
                     "--out", out, *options)
    assert result.exit_code == 0, result.output
    (run,) = out.iterdir()
    return run, result


def _by_hand(csv, features, scale, degree):
    """The network's inputs, each step applied with scikit-learn to the training rows' statistics."""
    table = load_table(str(csv), "t")
    train_rows, _ = split_indices(table, 0.2, 0)
    frame = pd.read_csv(csv)
    numeric = [c for c in features if c != "kind"]
    X = frame[numeric].to_numpy(dtype=np.float64)
    steps = [PolynomialFeatures(degree, include_bias=False)] if degree else []
    steps += {"standard": [StandardScaler()], "minmax": [MinMaxScaler()], "none": []}[scale]
    for step in steps:
        X = step.fit(X[train_rows]).transform(X)
    if "kind" in features:
        X = np.hstack([X, OneHotEncoder().fit(frame[["kind"]]).transform(frame[["kind"]]).toarray()])
    return X


@pytest.mark.parametrize("options, features, scale, degree", [
    ((), ["a", "b", "kind", "noise"], "standard", None),
    (("--scale", "minmax"), ["a", "b", "kind", "noise"], "minmax", None),
    (("--scale", "none", "--features", "a,b"), ["a", "b"], "none", None),
    (("--polynomial", "2", "--features", "a,b"), ["a", "b"], "standard", 2),
    (("--polynomial", "3", "--scale", "minmax", "--features", "b,kind,a"), ["b", "kind", "a"], "minmax", 3),
])
def test_predict_applies_the_steps_of_training(csv, tmp_path, options, features, scale, degree):
    run, result = _train(csv, tmp_path / "runs", *options)
    model = gn.load(run / "model.safetensors")
    ignored = [c for c in ["a", "b", "kind", "noise"] if c not in features]  # in the table's order
    assert model.preprocessing.ignored_ == ignored
    assert json.loads((run / "metrics.json").read_text())["ignored_columns"] == ignored
    settings = yaml.safe_load((run / "config.yaml").read_text())
    assert (settings["scale"], settings["polynomial"]) == (scale, degree)
    expected = model.predict(_by_hand(csv, features, scale, degree).astype(np.float32))
    predicted = _invoke("predict", run / "model.safetensors", "--data", csv, "--out", tmp_path / "p.csv")
    assert predicted.exit_code == 0, predicted.output
    written = pd.read_csv(tmp_path / "p.csv")
    np.testing.assert_allclose(written[["probability_no", "probability_yes"]].to_numpy(), expected, rtol=1e-5,
                               atol=1e-6)
    evaluated = _invoke("evaluate", run / "model.safetensors", "--data", csv)
    assert evaluated.exit_code == 0, evaluated.output
    if ignored:  # the ignored columns may be left out of the data to predict
        pd.read_csv(csv).drop(columns=ignored).to_csv(tmp_path / "fewer.csv", index=False)
        fewer = _invoke("predict", run / "model.safetensors", "--data", tmp_path / "fewer.csv")
        assert fewer.exit_code == 0, fewer.output


def test_the_ignored_columns_are_listed_in_the_report_and_the_summary(csv, tmp_path):
    result = _invoke("train", "--data", csv, "--target", "t", "--epochs", 1, "--hidden", 4, "--features",
                     "a,b", "--polynomial", 2, "--scale", "minmax", "--out", tmp_path / "runs")
    assert result.exit_code == 0, result.output
    assert "ignored columns (not in --features): kind, noise" in _flat(result.stdout)
    (run,) = (tmp_path / "runs").iterdir()
    summary = _invoke("summary", run / "model.safetensors")
    assert "numeric inputs scaled to [0, 1], with their products up to degree 2; ignored columns: kind, " \
        "noise" in _flat(summary.stdout)


def test_class_weight_balanced_weighs_the_loss(csv, tmp_path):
    weighted, _ = _train(csv, tmp_path / "weighted", "--class-weight", "balanced")
    plain, _ = _train(csv, tmp_path / "plain")
    assert yaml.safe_load((weighted / "config.yaml").read_text())["class_weight"] == "balanced"
    w1 = gn.load(weighted / "model.safetensors").layers[0].W.data
    w0 = gn.load(plain / "model.safetensors").layers[0].W.data
    assert not np.array_equal(w1, w0)  # the classes (33 no, 47 yes) count differently in the loss


@pytest.mark.parametrize("options, words", [
    (("--features", "a,zz"), ["--features names ['zz'], which are not feature columns", "a, b, kind, noise"]),
    (("--features", "a,t"), ["'t' is the target"]),
    (("--features", "a,a"), ["--features names ['a'] twice"]),
    (("--features", "a", "--units", "b=cm"), ["--units names ['b'], which are not among --features"]),
    (("--scale", "robust"), ["--scale 'robust' is not available; choose one of: standard, minmax, none"]),
    (("--polynomial", "0"), ["--polynomial must be an integer from 1 to 10, got '0'"]),
    (("--class-weight", "auto"), ["--class-weight 'auto' is not available; choose one of: balanced"]),
])
def test_bad_options_are_refused_naming_them(csv, tmp_path, options, words):
    result = _invoke("train", "--data", csv, "--target", "t", "--epochs", 1, "--quiet", "--out", tmp_path,
                     *options)
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in _flat(result.stderr)


def test_too_many_polynomial_features_are_refused(tmp_path):
    result = _invoke("train", "--data", "digits", "--polynomial", 3, "--out", tmp_path)
    assert result.exit_code == 2  # C(64 + 3, 3) - 1 products of the 64 pixels
    said = _flat(result.stderr)
    assert "--polynomial 3 of 64 numeric columns makes 47,904 features, more than 10,000" in said


def test_class_weight_is_for_classification(tmp_path):
    result = _invoke("train", "--data", "diabetes", "--class-weight", "balanced", "--epochs", 1, "--out",
                     tmp_path)
    assert result.exit_code == 2
    assert "--class-weight balanced weighs the classes of a classification; 'diabetes' is a regression" in \
        _flat(result.stderr)


def test_the_generalization_gap_is_the_test_loss_minus_the_loss_on_the_rows_fit_trained_on(csv, tmp_path):
    run = _invoke("train", "--data", csv, "--target", "t", "--epochs", 6, "--hidden", 4, "--patience", 2,
                  "--validation-split", 0.25, "--lr", 0.05, "--out", tmp_path / "runs")
    assert run.exit_code == 0, run.output
    assert "generalization gap (test − training loss)" in run.stdout
    (folder,) = (tmp_path / "runs").iterdir()
    scores = json.loads((folder / "metrics.json").read_text())["test_metrics"]
    assert scores["generalization_gap"] == pytest.approx(scores["loss"] - scores["train_loss"])
    model = gn.load(folder / "model.safetensors")
    table = load_table(str(csv), "t")
    train_rows, _ = split_indices(table, 0.2, 0)
    X, y = model.preprocessing.transform(table.X.iloc[train_rows]), table.y[train_rows]
    from glassnet.cli.settings import resolve
    from glassnet.cli.train import fit_rows

    rows = fit_rows(resolve(folder / "config.yaml", {}), y, "classification")
    validation = np.setdiff1d(np.arange(len(y)), rows)
    assert len(validation) == int(np.ceil(0.25 * len(y)))
    def loss(rows):
        return model.evaluate(X[rows], y[rows], verbose=0, return_dict=True)["loss"]

    assert loss(rows) == pytest.approx(scores["train_loss"], rel=1e-6)
    # the rows left out are fit's validation rows: the kept (best) weights score there the best val_loss
    history = pd.read_csv(folder / "history.csv")
    assert loss(validation) == pytest.approx(history["val_loss"].min(), rel=1e-5)
