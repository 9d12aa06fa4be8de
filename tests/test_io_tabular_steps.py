"""TabularPreprocessor's scale, polynomial and features: fitted, saved in the model file without
pickle, restored, and read by a model given a plain array."""

import warnings

import numpy as np
import pandas as pd
import pytest

import glassnet as gn
from glassnet.io import ExtrapolationWarning, TabularPreprocessor

STEPS = [(scale, degree) for scale in ("standard", "minmax", "none") for degree in (None, 2, 3)]


def _frame(n=30, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(size=n) * 5 - 1, "y": rng.uniform(-2, 3, size=n),
                         "kind": rng.choice(["p", "q"], n), "unused": rng.normal(size=n)})


@pytest.mark.parametrize("scale, degree", STEPS)
def test_the_steps_survive_the_model_file(tmp_path, scale, degree):
    frame = _frame()
    prep = TabularPreprocessor(scale=scale, polynomial=degree, features=["x", "y", "kind"]).fit(frame)
    model = gn.Sequential([gn.layers.Dense(1, input_dim=prep.transform(frame).shape[1])], seed=0)
    gn.save(model, tmp_path / "m.safetensors", preprocessing=prep)
    loaded = gn.load(tmp_path / "m.safetensors").preprocessing
    assert (loaded.scale, loaded.polynomial, loaded.ignored_) == (scale, degree, ["unused"])
    np.testing.assert_array_equal(loaded.transform(frame), prep.transform(frame))
    assert loaded.feature_names_out == prep.feature_names_out


@pytest.mark.parametrize("scale, degree", STEPS)
def test_feature_ranges_hold_every_training_feature(scale, degree):
    frame = _frame()
    prep = TabularPreprocessor(scale=scale, polynomial=degree).fit(frame)
    X = prep.transform(frame, dtype=np.float64)
    low, high = prep.feature_ranges()
    assert low.shape == high.shape == (X.shape[1],)
    assert np.all(low <= X.min(axis=0) + 1e-9) and np.all(X.max(axis=0) <= high + 1e-9)
    if degree is None:  # without crosses the bounds are the training range itself
        np.testing.assert_allclose(low, X.min(axis=0), atol=1e-9)
        np.testing.assert_allclose(high, X.max(axis=0), atol=1e-9)


@pytest.mark.parametrize("scale, degree", [("minmax", None), ("none", None), ("standard", 2)])
@pytest.mark.filterwarnings("ignore:model 'sequential' predicts with the random weights")
def test_a_model_with_these_steps_warns_about_a_raw_array(scale, degree):
    frame = _frame()[["x", "y"]]
    prep = TabularPreprocessor(scale=scale, polynomial=degree).fit(frame)
    model = gn.Sequential([gn.layers.Dense(1, input_dim=prep.transform(frame).shape[1])], seed=0)
    model.preprocessing = prep
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExtrapolationWarning)
        model.predict(prep.transform(frame))  # the features themselves: no warning
    raw = np.full((2, prep.transform(frame).shape[1]), 1e4, dtype=np.float32)
    with pytest.warns(ExtrapolationWarning, match="already-preprocessed"):
        model.predict(raw)


def test_a_file_without_the_steps_is_standardized():
    config, arrays = TabularPreprocessor().fit(_frame()).to_config()
    older = {k: v for k, v in config.items() if k not in ("scale", "polynomial", "ignored")}
    rebuilt = TabularPreprocessor.from_config(older, arrays)
    assert (rebuilt.scale, rebuilt.polynomial, rebuilt.ignored_) == ("standard", None, [])
    expected = TabularPreprocessor().fit(_frame()).transform(_frame())
    np.testing.assert_array_equal(rebuilt.transform(_frame()), expected)


@pytest.mark.parametrize("change, match", [
    ({"scale": "robust"}, "scale 'robust' is not one of"),
    ({"polynomial": 0}, "polynomial 0 is not a degree"),
    ({"ignored": ["x"]}, "ignored must list the names of columns that are not inputs"),
])
def test_malformed_steps_are_refused(change, match):
    config, arrays = TabularPreprocessor().fit(_frame()).to_config()
    with pytest.raises(ValueError, match=match):
        TabularPreprocessor.from_config({**config, **change}, arrays)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"scale must be one of \['standard', 'minmax', 'none'\], got 'rob"):
        TabularPreprocessor(scale="robust")
    with pytest.raises(ValueError, match="polynomial must be None or a degree >= 1"):
        TabularPreprocessor(polynomial=1.5)
    with pytest.raises(TypeError, match="features must be a non-empty list of distinct column names"):
        TabularPreprocessor(features="x")
    with pytest.raises(ValueError, match=r"features \['z'\] are not columns of the table; its columns are"):
        TabularPreprocessor(features=["x", "z"]).fit(_frame())
