"""DeepEnsemble: epistemic spread outside the data, seeds, classification, the ensemble file."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.io import ExtrapolationWarning, ModelFileError
from glassnet.uncertainty import DeepEnsemble

INSIDE = np.linspace(-0.99, 0.99, 101, dtype=np.float32)[:, None]
FAR = np.array([[-2.0], [2.0]], dtype=np.float32)  # twice as far from the centre as the data reach


def build_regressor(seed: int) -> gn.Model:
    model = gn.Sequential([gn.Input((1,)), gn.layers.Dense(32, activation="relu"),
                           gn.layers.Dense(32, activation="relu"), gn.layers.Dense(1)], seed=seed)
    model.compile(optimizer=gn.optim.Adam(learning_rate=0.01), loss="mse")
    return model


def build_classifier(seed: int) -> gn.Model:
    model = gn.Sequential([gn.Input((2,)), gn.layers.Dense(16, activation="relu"),
                           gn.layers.Dense(3, activation="softmax")], seed=seed)
    model.compile(optimizer=gn.optim.Adam(learning_rate=0.02), loss="sparse_categorical_crossentropy")
    return model


def sine_data(n: int = 256, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 1)).astype(np.float32)
    return X, (np.sin(3 * X) + 0.05 * rng.normal(size=X.shape)).astype(np.float32)


@pytest.fixture(scope="module")
def ensemble() -> DeepEnsemble:
    X, y = sine_data()
    return DeepEnsemble(build_regressor, n_members=5, seed=0).fit(X, y, epochs=100, batch_size=32)


@pytest.fixture(scope="module")
def classifier() -> DeepEnsemble:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)
    return DeepEnsemble(build_classifier, n_members=4, seed=3).fit(X, y, epochs=30, batch_size=32)


def test_std_far_outside_the_data_exceeds_three_times_the_median_inside(ensemble):
    _, inside = ensemble.predict(INSIDE, return_std=True)
    with pytest.warns(ExtrapolationWarning, match="extrapolating"):
        _, far = ensemble.predict(FAR, return_std=True)
    assert far.min() > 3 * np.median(inside)


def test_mean_and_std_are_those_of_the_members(ensemble):
    outputs = np.stack([m.predict(INSIDE) for m in ensemble.members_]).astype(np.float64)
    mean, std = ensemble.predict(INSIDE, return_std=True)
    np.testing.assert_allclose(mean, outputs.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(std, outputs.std(axis=0), rtol=1e-12)
    parts = ensemble.predict_components(INSIDE)
    np.testing.assert_array_equal(parts.aleatoric_std, 0.0)  # plain outputs: no noise predicted
    np.testing.assert_allclose(parts.epistemic_std, std, rtol=1e-12)
    lower, upper = ensemble.predict_interval(INSIDE, level=0.9)
    np.testing.assert_allclose((upper - lower) / 2, 1.6448536269514722 * std, rtol=1e-9)


def test_inputs_inside_the_training_range_do_not_warn(ensemble):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExtrapolationWarning)
        ensemble.predict(INSIDE * 0.99)


def test_members_have_their_own_seeds_and_the_ensemble_its_reproducible_ones(ensemble):
    assert len(set(ensemble.member_seeds_)) == 5
    weights = [m.layers[0].W.data for m in ensemble.members_]
    assert not np.array_equal(weights[0], weights[1])
    X, y = sine_data(64)
    kwargs = {"epochs": 3, "batch_size": 16}
    first = DeepEnsemble(build_regressor, n_members=2, seed=7).fit(X, y, **kwargs).predict(INSIDE)
    again = DeepEnsemble(build_regressor, n_members=2, seed=7).fit(X, y, **kwargs).predict(INSIDE)
    other = DeepEnsemble(build_regressor, n_members=2, seed=8).fit(X, y, **kwargs).predict(INSIDE)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_save_and_load_give_bitwise_equal_predictions(ensemble, tmp_path):
    path = ensemble.save(tmp_path / "ensemble.safetensors")
    assert [p.name for p in tmp_path.iterdir()] == ["ensemble.safetensors"]
    loaded = DeepEnsemble.load(path)
    mean, std = ensemble.predict(INSIDE, return_std=True)
    loaded_mean, loaded_std = loaded.predict(INSIDE, return_std=True)
    assert mean.tobytes() == loaded_mean.tobytes() and std.tobytes() == loaded_std.tobytes()
    assert loaded.member_seeds_ == ensemble.member_seeds_
    np.testing.assert_array_equal(loaded.training_ranges_, ensemble.training_ranges_)
    with pytest.warns(ExtrapolationWarning):
        loaded.predict(FAR)
    with pytest.raises(ValueError, match="no build function"):
        loaded.fit(*sine_data(8))


def test_a_damaged_or_foreign_file_is_refused(ensemble, tmp_path):
    path = ensemble.save(tmp_path / "ensemble.safetensors")
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        DeepEnsemble.load(damaged)
    single = gn.save(ensemble.members_[0], tmp_path / "one.safetensors")
    with pytest.raises(ModelFileError, match="gn.load"):
        DeepEnsemble.load(single)
    with pytest.raises(ModelFileError, match="not a glassnet model"):
        gn.load(path)


def test_classifier_probabilities_entropy_and_mutual_information(classifier):
    X = np.array([[0.0, 0.0], [0.1, 0.5], [2.0, 2.0]], dtype=np.float32)
    members = np.stack([m.predict(X) for m in classifier.members_]).astype(np.float64)
    proba = classifier.predict_proba(X)
    np.testing.assert_allclose(proba, members.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    entropy, aleatoric, information = classifier.predict_uncertainty(X)

    def h(p: np.ndarray) -> np.ndarray:
        return -(p * np.log(np.where(p > 0, p, 1.0))).sum(axis=-1)  # 0 log 0 = 0

    np.testing.assert_allclose(entropy, h(proba), rtol=1e-9)
    np.testing.assert_allclose(aleatoric, h(members).mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(information, entropy - aleatoric, atol=1e-12)
    assert (information >= 0).all() and (entropy <= np.log(3) + 1e-9).all()
    with pytest.raises(ValueError, match="predict_proba"):
        classifier.predict_interval(X)


def test_regression_refuses_class_methods(ensemble):
    with pytest.raises(ValueError, match="softmax or sigmoid"):
        ensemble.predict_proba(INSIDE)
    with pytest.raises(ValueError, match="softmax or sigmoid"):
        ensemble.predict_uncertainty(INSIDE)


def test_arguments_are_checked_with_the_glassnet_spelling():
    with pytest.raises(TypeError, match="one argument, the member's seed"):
        DeepEnsemble(lambda: build_regressor(0))
    with pytest.raises(TypeError, match="build must be a function"):
        DeepEnsemble(build_regressor(0))
    with pytest.raises(ValueError, match="n_members must be an integer >= 2"):
        DeepEnsemble(build_regressor, n_members=1)
    with pytest.raises(ValueError, match="backend must be one of"):
        DeepEnsemble(build_regressor, backend="threads")
    ensemble = DeepEnsemble(build_regressor, n_members=2)
    with pytest.raises(ValueError, match="not fitted yet"):
        ensemble.predict(INSIDE)
    with pytest.raises(ValueError, match="DeepEnsemble.build, seed=...|DeepEnsemble\\(build, seed=...\\)"):
        ensemble.fit(*sine_data(8), seed=1)
    with pytest.raises(ValueError, match="predict_interval: level must be in \\(0, 1\\), got 95"):
        ensemble.predict_interval(INSIDE, level=95)


def test_a_member_that_fails_is_reported():
    def uncompiled(seed: int) -> gn.Model:
        return gn.Sequential([gn.Input((1,)), gn.layers.Dense(1)], seed=seed)

    with pytest.raises(RuntimeError, match="2 of 2 ensemble members failed.*uncompiled"):
        DeepEnsemble(uncompiled, n_members=2).fit(*sine_data(8))


def test_an_ensemble_of_models_trained_elsewhere(ensemble, tmp_path):
    made = DeepEnsemble.from_models(ensemble.members_, ensemble.member_seeds_)
    np.testing.assert_array_equal(made.predict(INSIDE), ensemble.predict(INSIDE))
    loaded = DeepEnsemble.load(made.save(tmp_path / "made.safetensors"))
    assert loaded.member_seeds_ == ensemble.member_seeds_
    with pytest.raises(TypeError, match="at least two glassnet Models"):
        DeepEnsemble.from_models(ensemble.members_[:1])
    with pytest.raises(ValueError, match="one each"):
        DeepEnsemble.from_models(ensemble.members_, [1, 2])


@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_every_backend_trains_the_same_members(backend):
    from glassnet._backends import Pool

    try:
        Pool(backend, n_workers=2).close()
    except NotImplementedError:
        pytest.skip(f"backend {backend!r} is not available in this build")
    except ImportError as err:
        pytest.skip(str(err))
    X, y = sine_data(64)
    kwargs = {"epochs": 3, "batch_size": 16}
    local = DeepEnsemble(build_regressor, n_members=2, seed=5).fit(X, y, **kwargs)
    other = DeepEnsemble(build_regressor, n_members=2, seed=5, backend=backend, n_workers=2)
    other.fit(X, y, **kwargs)
    assert other.predict(INSIDE).tobytes() == local.predict(INSIDE).tobytes()
