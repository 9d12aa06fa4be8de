"""The output transform of GaussianHead and QuantileHead (target_mean, target_scale): set after
training it maps the standardized prediction back exactly; trained with it, the loss sees the
targets' units; it is kept by the model file and by the ONNX graph."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import Dense, GaussianHead, QuantileHead
from glassnet.losses import GaussianNLL, Pinball

RNG = np.random.default_rng(3)
X = RNG.normal(size=(64, 3))
T = np.column_stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]]) + 0.1 * RNG.normal(size=(64, 2))
MEAN, SCALE = np.array([40.0, -7.0]), np.array([12.0, 0.25])
Y = MEAN + SCALE * T  # the targets in their own units; T = (Y - MEAN) / SCALE

pytestmark = pytest.mark.filterwarnings("ignore:model .* predicts with the random weights:UserWarning")


def _model(head, dtype=np.float64):
    return gn.Sequential([gn.Input((3,)), Dense(8, activation="tanh"), head], seed=0, dtype=dtype)


def _fit(model, loss, y, optimizer="sgd"):
    model.compile(optimizer=gn.optim.get(optimizer, lr=0.05), loss=loss)
    return model.fit(X, y, epochs=3, batch_size=16, verbose=0, seed=0, shuffle=False)


def test_gaussian_transform_set_after_training_maps_the_standardized_prediction_back():
    model = _model(GaussianHead(2))
    _fit(model, GaussianNLL(), T)
    standardized = model.predict(X)
    model.layers[-1].set_target_transform(MEAN, SCALE)
    out = model.predict(X)
    np.testing.assert_allclose(out[:, :2], MEAN + SCALE * standardized[:, :2], rtol=1e-15)
    np.testing.assert_allclose(out[:, 2:], SCALE ** 2 * standardized[:, 2:], rtol=1e-15)
    mean, std = model.predict(X, return_std=True)
    np.testing.assert_allclose(std, SCALE * np.sqrt(standardized[:, 2:]), rtol=1e-15)
    lower, upper = model.predict_interval(X, 0.95)
    np.testing.assert_allclose((lower + upper) / 2, mean, rtol=1e-12)


def test_quantile_transform_set_after_training_maps_every_quantile_back():
    quantiles = (0.1, 0.5, 0.9)
    model = _model(QuantileHead(quantiles, units=2))
    _fit(model, Pinball(quantiles), T)
    standardized = model.predict(X).reshape(-1, 3, 2)
    model.layers[-1].set_target_transform(MEAN, SCALE)
    out = model.predict(X).reshape(-1, 3, 2)
    np.testing.assert_allclose(out, MEAN + SCALE * standardized, rtol=1e-15)
    assert (np.diff(out, axis=1) > 0).all()


def test_a_gaussian_head_trained_with_the_transform_learns_as_on_standardized_targets():
    # NLL(y; m + s mu, s^2 var) = NLL(t; mu, var) + log s: the same gradients, the loss shifted
    plain = _model(GaussianHead(2))
    transformed = _model(GaussianHead(2, target_mean=MEAN, target_scale=SCALE))
    losses_t = np.array(_fit(plain, GaussianNLL(), T).history["loss"])
    losses_y = np.array(_fit(transformed, GaussianNLL(), Y).history["loss"])
    for a, b in zip(plain.parameters(), transformed.parameters()):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(losses_y, losses_t + np.mean(np.log(SCALE)), rtol=1e-9)


def test_pinball_of_a_transformed_quantile_head_is_in_the_targets_units():
    quantiles = (0.1, 0.5, 0.9)
    model = _model(QuantileHead(quantiles, units=2, target_mean=MEAN, target_scale=SCALE)).build()
    out = model.predict(X)
    loss = Pinball(quantiles)(gn.tensor(out, dtype=np.float64), Y).item()
    standardized = (out - np.tile(MEAN, 3)) / np.tile(SCALE, 3)
    u = np.tile(T, 3) - standardized
    q = np.repeat(quantiles, 2)
    expected = np.mean(np.maximum(q * u, (q - 1) * u) * np.tile(SCALE, 3))
    assert loss == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("head", [lambda: GaussianHead(2, target_mean=MEAN, target_scale=3.0),
                                  lambda: QuantileHead((0.025, 0.5, 0.975), units=2, target_mean=-1.0,
                                                       target_scale=SCALE)])
def test_the_transform_round_trips_through_the_model_file(tmp_path, head):
    model = _model(head(), dtype=np.float32).build()
    gn.save(model, tmp_path / "m.safetensors")
    again = gn.load(tmp_path / "m.safetensors")
    assert again.layers[-1].get_config() == model.layers[-1].get_config()
    np.testing.assert_array_equal(again.layers[-1].output_affine()[0], model.layers[-1].output_affine()[0])
    np.testing.assert_array_equal(again.predict(X), model.predict(X))


def test_transformed_heads_export_to_onnx_as_predict_computes_them(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    x = gn.Input((3,))
    h = Dense(5, activation="tanh")(x)
    model = gn.Model(x, [GaussianHead(2, target_mean=MEAN, target_scale=SCALE)(h),
                         QuantileHead((0.1, 0.5, 0.9), units=2, target_mean=3.0, target_scale=SCALE)(h),
                         QuantileHead((0.5,), name="median", target_mean=-2.0, target_scale=4.0)(h)],
                     seed=0).build()
    gn.io.export_onnx(model, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    inputs = X.astype(np.float32)
    for got, want in zip(session.run(None, {"input": inputs}), model.predict(inputs)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
