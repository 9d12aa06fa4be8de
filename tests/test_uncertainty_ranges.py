"""Predictions with uncertainty warn, once per call, when the inputs leave the training range."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glassnet as gn
from glassnet.io import ExtrapolationWarning, TabularPreprocessor
from glassnet.uncertainty import DeepEnsemble, MCDropout

rng = np.random.default_rng(0)
TABLE = pd.DataFrame({"energy": rng.uniform(1.0, 5.0, 200), "current": rng.uniform(10.0, 20.0, 200)})
TARGET = (np.log(TABLE["energy"]) * TABLE["current"] / 10).to_numpy(dtype=np.float32)[:, None]
PREP = TabularPreprocessor(units={"energy": "GeV"}).fit(TABLE)
INSIDE = pd.DataFrame({"energy": [2.0, 3.0], "current": [12.0, 15.0]})
OUTSIDE = pd.DataFrame({"energy": [2.0, 9.0], "current": [12.0, 15.0]})


def build(seed: int) -> gn.Model:
    model = gn.Sequential([gn.Input((2,)), gn.layers.Dense(16, activation="relu"), gn.layers.Dropout(0.1),
                           gn.layers.Dense(1)], seed=seed)
    model.compile(optimizer="adam", loss="mse")
    model.preprocessing = PREP  # as glassnet train saves it: the model takes the raw table
    return model


@pytest.fixture(scope="module")
def ensemble() -> DeepEnsemble:
    return DeepEnsemble(build, n_members=3).fit(PREP.transform(TABLE), TARGET, epochs=3)


def caught(method, X) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as found:
        warnings.simplefilter("always")
        method(X)
    return [w for w in found if issubclass(w.category, ExtrapolationWarning)]


def test_ensemble_members_keep_their_preprocessing_and_warn_once(ensemble):
    assert all(m.preprocessing is not None for m in ensemble.members_)
    assert caught(ensemble.predict, INSIDE) == []
    found = caught(lambda X: ensemble.predict(X, return_std=True), OUTSIDE)
    assert len(found) == 1 and "'energy'" in str(found[0].message) and "GeV" in str(found[0].message)


def test_ensemble_file_keeps_the_preprocessing(ensemble, tmp_path):
    loaded = DeepEnsemble.load(ensemble.save(tmp_path / "ensemble.safetensors"))
    np.testing.assert_array_equal(loaded.predict(INSIDE), ensemble.predict(INSIDE))
    assert len(caught(loaded.predict_interval, OUTSIDE)) == 1


def test_mc_dropout_applies_the_models_preprocessing_and_warns_once():
    model = build(0)
    model.fit(PREP.transform(TABLE), TARGET, epochs=3, verbose=0, seed=0)
    mc = MCDropout(model, n_samples=5)
    assert caught(mc.predict, INSIDE) == []
    assert len(caught(lambda X: mc.predict(X, return_std=True), OUTSIDE)) == 1
    np.testing.assert_array_equal(mc.predict(INSIDE), mc.predict(PREP.transform(INSIDE)))
