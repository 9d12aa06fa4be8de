"""A model that carries its column preprocessing (``glassnet train`` on a CSV, ``gn.load``)
applies it to a DataFrame of raw columns in predict/evaluate; a plain array is taken as
preprocessed features, with a warning when it looks raw."""

import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import glassnet as gn
from glassnet.cli import app
from glassnet.io import ExtrapolationWarning


def _table(n=150, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"length": rng.normal(170, 10, n), "mass": rng.uniform(50, 90, n),
                          "color": rng.choice(["red", "blue"], n)})
    frame["price"] = 3 * frame.length + 2 * frame.mass + frame.color.map({"red": 20, "blue": -20})
    return frame


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("prep")
    table = _table()
    table.to_csv(root / "table.csv", index=False)
    result = CliRunner().invoke(app, ["train", "--data", str(root / "table.csv"), "--target", "price",
                                      "--epochs", "3", "--quiet", "--out", str(root / "out")])
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in (root / "out").iterdir() if p.is_dir()]
    model = gn.load(folder / "model.safetensors")
    return model, table.drop(columns="price"), table["price"].to_numpy()


def test_predict_and_evaluate_apply_the_saved_preprocessing_to_a_dataframe(trained):
    model, features, y = trained
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X = model.preprocessing.transform(features)
        from_frame = model.predict(features)
        loss = model.evaluate(features, y, verbose=0)
    np.testing.assert_array_equal(from_frame, model.predict(X))
    assert loss == model.evaluate(X, y, verbose=0)
    # The columns may come in another order: they are matched by name.
    np.testing.assert_array_equal(model.predict(features[features.columns[::-1]]), from_frame)


def test_a_dataframe_is_checked_against_the_training_columns(trained):
    model, features, _ = trained
    with pytest.raises(ValueError, match=r"missing \['mass'\]"):
        model.predict(features.drop(columns="mass"))
    far = features.assign(length=features.length * 10)
    with pytest.warns(ExtrapolationWarning, match="'length'"):
        model.predict(far)


def test_a_raw_array_given_to_a_model_with_preprocessing_is_warned_about(trained):
    model, features, _ = trained
    raw = features[["length", "mass"]].to_numpy()
    raw = np.column_stack([raw, np.ones(len(raw)), np.zeros(len(raw))])
    with pytest.warns(ExtrapolationWarning, match="already-preprocessed.*'length'.*DataFrame"):
        model.predict(raw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(model.preprocessing.transform(features))


def test_text_in_an_array_points_to_the_model_s_own_preprocessing(trained):
    model, features, _ = trained
    with pytest.raises(TypeError, match=r"model.preprocessing.*DataFrame"):
        model.predict(features.to_numpy())
