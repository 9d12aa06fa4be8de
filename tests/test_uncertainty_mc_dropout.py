"""MCDropout: dropout on at prediction time, everything else in evaluation mode, seeded."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.uncertainty import MCDropout

INSIDE = np.linspace(-0.99, 0.99, 101, dtype=np.float32)[:, None]
FAR = np.array([[-2.0], [2.0]], dtype=np.float32)  # twice as far from the centre as the data reach


@pytest.fixture(scope="module")
def regressor() -> gn.Model:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (512, 1)).astype(np.float32)
    y = (np.sin(3 * X) + 0.05 * rng.normal(size=X.shape)).astype(np.float32)
    model = gn.Sequential([gn.Input((1,)), gn.layers.Dense(128, activation="relu"), gn.layers.Dropout(0.2),
                           gn.layers.Dense(1)], seed=0)
    model.compile(optimizer=gn.optim.Adam(learning_rate=0.005), loss="mse")
    model.fit(X, y, epochs=100, batch_size=64, verbose=0, seed=0)
    return model


def test_std_far_outside_the_data_exceeds_three_times_the_median_inside(regressor):
    mc = MCDropout(regressor, n_samples=50)
    _, inside = mc.predict(INSIDE, return_std=True)
    _, far = mc.predict(FAR, return_std=True)
    assert far.min() > 3 * np.median(inside)


def test_mean_and_std_are_those_of_the_passes(regressor):
    mc = MCDropout(regressor, n_samples=20, seed=4)
    passes = mc.sample(INSIDE).astype(np.float64)
    assert passes.shape == (20, 101, 1)
    mean, std = mc.predict(INSIDE, return_std=True)
    np.testing.assert_allclose(mean, passes.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(std, passes.std(axis=0), rtol=1e-12)
    assert len({p.tobytes() for p in passes}) == 20  # fresh masks in every pass


def test_a_pass_is_one_thinned_network_for_every_row(regressor):
    mc = MCDropout(regressor, n_samples=10)
    whole = mc.predict(INSIDE, return_std=True)
    order = np.random.default_rng(0).permutation(len(INSIDE))
    shuffled = mc.predict(INSIDE[order], return_std=True)
    part = mc.predict(INSIDE[:7], return_std=True)
    for full, other in zip(whole, shuffled):
        np.testing.assert_allclose(other, full[order], rtol=1e-6)
    for full, other in zip(whole, part):
        np.testing.assert_allclose(other, full[:7], rtol=1e-6)


def test_seeded_reproducible_and_the_model_left_as_it_was(regressor):
    dropout = regressor.layers[1]
    rng, state = dropout.rng, dropout.rng.bit_generator.state
    modes = [m.training for m in regressor.modules()]
    first = MCDropout(regressor, n_samples=10, seed=1).predict(INSIDE)
    np.testing.assert_array_equal(first, MCDropout(regressor, n_samples=10, seed=1).predict(INSIDE))
    assert not np.array_equal(first, MCDropout(regressor, n_samples=10, seed=2).predict(INSIDE))
    assert dropout.rng is rng and dropout.rng.bit_generator.state == state
    assert [m.training for m in regressor.modules()] == modes
    deterministic = regressor.predict(INSIDE)
    np.testing.assert_array_equal(deterministic, regressor.predict(INSIDE))


def test_batch_normalization_stays_in_evaluation_mode():
    # x -> BatchNormalization (running statistics) -> Dropout(0.5): each output of a pass is
    # 0 or 2 * (x - mean) / sqrt(var + eps) * gamma + beta with the running statistics.
    model = gn.Sequential([gn.Input((3,)), gn.layers.BatchNormalization(), gn.layers.Dropout(0.5)], seed=0)
    norm = model.layers[0]
    model.build()
    norm.running_mean[...] = [1.0, -2.0, 0.5]
    norm.running_var[...] = [4.0, 0.25, 1.0]
    X = np.array([[3.0, -1.0, 0.5], [1.0, 0.0, 2.5]], dtype=np.float32)
    expected = (X - norm.running_mean) / np.sqrt(norm.running_var + norm.epsilon)
    passes = MCDropout(model, n_samples=40).sample(X)
    kept = passes != 0
    np.testing.assert_allclose(passes[kept], np.broadcast_to(2 * expected, passes.shape)[kept], rtol=1e-6)
    assert 0.3 < kept.mean() < 0.7
    np.testing.assert_array_equal(norm.running_mean, [1.0, -2.0, 0.5])  # not updated by the passes


def test_classifier_probabilities_and_uncertainty():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 2)).astype(np.float32)
    y = (X.sum(axis=1) > 0).astype(int)
    model = gn.Sequential([gn.Input((2,)), gn.layers.Dense(32, activation="relu"), gn.layers.Dropout(0.3),
                           gn.layers.Dense(2, activation="softmax")], seed=1)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=5, verbose=0, seed=0)
    mc = MCDropout(model, n_samples=30)
    passes = mc.sample(X[:5]).astype(np.float64)
    proba = mc.predict_proba(X[:5])
    np.testing.assert_allclose(proba, passes.mean(axis=0), rtol=1e-12)
    entropy, aleatoric, information = mc.predict_uncertainty(X[:5])
    np.testing.assert_allclose(entropy, -(proba * np.log(proba)).sum(axis=1), rtol=1e-9)
    np.testing.assert_allclose(aleatoric, -(passes * np.log(passes)).sum(axis=2).mean(axis=0), rtol=1e-9)
    assert (information > 0).all()


def test_a_model_without_dropout_is_refused_with_the_way_out():
    plain = gn.Sequential([gn.Input((1,)), gn.layers.Dense(4), gn.layers.Dense(1)])
    with pytest.raises(ValueError, match="no Dropout layer with rate > 0.*gn.layers.Dropout"):
        MCDropout(plain)
    off = gn.Sequential([gn.Input((1,)), gn.layers.Dense(4), gn.layers.Dropout(0.0), gn.layers.Dense(1)])
    with pytest.raises(ValueError, match="no Dropout layer with rate > 0"):
        MCDropout(off)
    with pytest.raises(TypeError, match="glassnet Model"):
        MCDropout(object())


def test_arguments_are_checked(regressor):
    with pytest.raises(ValueError, match="n_samples must be an integer >= 2"):
        MCDropout(regressor, n_samples=1)
    with pytest.raises(ValueError, match="seed must be an integer"):
        MCDropout(regressor, seed=None)
    with pytest.raises(TypeError, match="seed must be a non-negative integer"):
        MCDropout(regressor, seed=1.5)
    with pytest.raises(ValueError, match="softmax or sigmoid"):
        MCDropout(regressor).predict_proba(INSIDE)
