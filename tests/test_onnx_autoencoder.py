"""ONNX export of Conv2DTranspose, UpSampling2D and Sampling: onnxruntime gives predict's values."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.io.onnx import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET

L = gn.layers
ort = pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.filterwarnings("ignore:model .* predicts with the random weights:UserWarning")


def _onnx(model, path, inputs, opset):
    gn.io.export_onnx(model, path, opset=opset)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {i.name: x for i, x in zip(session.get_inputs(), inputs)})


TRANSPOSES = [
    {"strides": 2, "padding": "same"},
    {"strides": 2, "padding": "valid"},
    {"strides": 3, "padding": "valid", "kernel_size": 2},
    {"strides": (2, 1), "padding": 1, "output_padding": (1, 0)},
    {"strides": 1, "padding": "same", "dilation_rate": 2},
    {"strides": 2, "padding": "same", "output_padding": 1},
]


@pytest.mark.parametrize("options", TRANSPOSES)
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_decoder_layers_match_onnxruntime(tmp_path, options, interpolation):
    options = dict(options)
    kernel = options.pop("kernel_size", 3)
    model = gn.Sequential([
        L.Conv2D(3, 3, padding="same", activation="relu"),
        L.UpSampling2D((2, 3), interpolation=interpolation),
        L.Conv2DTranspose(2, kernel, activation="sigmoid", **options),
    ], seed=0).build((2, 5, 4))
    X = np.random.default_rng(0).normal(size=(3, 2, 5, 4)).astype(np.float32)
    (got,) = _onnx(model, tmp_path / "m.onnx", [X], DEFAULT_OPSET)
    np.testing.assert_allclose(got, model.predict(X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("opset", [MIN_OPSET, MAX_OPSET])
def test_channels_last_vae_graph_at_the_opset_bounds(tmp_path, opset):
    x = gn.Input((6, 6, 1))
    h = L.Flatten()(L.Conv2D(2, 3, strides=2, padding="same", data_format="channels_last")(x))
    mu, log_var = L.Dense(3)(h), L.Dense(3)(h)
    z = L.Sampling(seed=0)([mu, log_var])
    image = L.Reshape((3, 3, 4))(L.Dense(36, activation="relu")(z))
    up = L.UpSampling2D(2, interpolation="bilinear", data_format="channels_last")(image)
    out = L.Conv2DTranspose(1, 3, padding="same", data_format="channels_last")(up)
    model = gn.Model(x, out, seed=0).build()
    X = np.random.default_rng(1).normal(size=(4, 6, 6, 1)).astype(np.float32)
    (got,) = _onnx(model, tmp_path / "m.onnx", [X], opset)
    np.testing.assert_allclose(got, model.predict(X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layer", [L.Conv2DTranspose(1, 2), L.UpSampling2D(2, interpolation="bilinear")])
def test_float64_decoder_layers_are_refused(tmp_path, layer):
    model = gn.Sequential([layer], seed=0, dtype=np.float64).build((1, 4, 4))
    with pytest.raises(ValueError, match="runs in float32 only"):
        gn.io.export_onnx(model, tmp_path / "m.onnx")


def test_sampling_in_evaluation_has_no_onnx_form(tmp_path):
    x = gn.Input((4,))
    z = L.Sampling(sample_in_evaluation=True)([L.Dense(2)(x), L.Dense(2)(x)])
    model = gn.Model(x, z, seed=0).build()
    with pytest.raises(ValueError, match="sample_in_evaluation"):
        gn.io.export_onnx(model, tmp_path / "m.onnx")
