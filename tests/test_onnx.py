"""ONNX export: onnxruntime's outputs equal glassnet's to 1e-5 on random inputs."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.io.onnx import ACTIVATIONS
from glassnet.layers import (
    Activation,
    AvgPool2D,
    BatchNormalization,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool2D,
    MaxPool1D,
    MaxPool2D,
    Reshape,
)

ort = pytest.importorskip("onnxruntime")

# These tests compare predict with the graph on the weights a model was built with, on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:model .* predicts with the random weights:UserWarning")

RNG = np.random.default_rng(0)


def _run(model, path, *inputs):
    gn.io.export_onnx(model, path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return session.run(None, dict(zip(names, inputs)))


def _check(model, tmp_path, X, atol=1e-5):
    (got,) = _run(model, tmp_path / "m.onnx", X)
    want = model.predict(X)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=atol)


def _trained(model, X, y, loss="mse"):
    """A few steps of training so that biases and batch statistics are not at their initial values."""
    model.compile(optimizer="adam", loss=loss)
    model.fit(X, y, epochs=2, batch_size=8, verbose=0, seed=0)
    return model


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS) + ["linear", "logistic", "rbf"])
def test_every_activation(tmp_path, activation):
    model = gn.Sequential([Dense(7, activation=activation, input_dim=5), Dense(4, activation=activation)],
                          seed=1)
    X = (RNG.normal(size=(11, 5)) * 2).astype(np.float32)
    _check(model, tmp_path, X)


def test_mlp_with_dropout_and_batch_norm(tmp_path):
    X = RNG.normal(size=(64, 6)).astype(np.float32)
    y = RNG.integers(0, 3, 64)
    model = gn.Sequential([
        Dense(16, activation="relu", input_dim=6), BatchNormalization(), Dropout(0.3),
        Dense(8, activation="tanh"), Activation("gelu"), Dense(3, activation="softmax"),
    ], seed=0)
    _trained(model, X, y, "cross_entropy")
    assert not np.allclose(model.layers[1].running_mean, 0)
    _check(model, tmp_path, RNG.normal(size=(9, 6)).astype(np.float32))


@pytest.mark.parametrize("n", [1, 13])
def test_any_batch_size(tmp_path, n):
    model = gn.Sequential([Dense(3, activation="sigmoid", input_dim=2)], seed=0)
    _check(model, tmp_path, RNG.normal(size=(n, 2)).astype(np.float32))


def test_float64_model_exports_as_double(tmp_path):
    model = gn.Sequential([Dense(6, activation="tanh", input_dim=3), Dense(5, activation="relu"),
                           Dense(2, activation="softmax")], seed=2, dtype=np.float64)
    _check(model, tmp_path, RNG.normal(size=(8, 3)), atol=1e-12)


def test_cnn(tmp_path):
    X = RNG.normal(size=(16, 64)).astype(np.float32)
    y = RNG.integers(0, 4, 16)
    model = gn.Sequential([
        Reshape((1, 8, 8)), Conv2D(4, 3, padding="same", activation="relu"), MaxPool2D(2),
        Conv2D(6, 2, stride=1, padding=1, dilation=1, activation="elu"), BatchNormalization(),
        AvgPool2D(2, padding=1), Conv2D(5, 3, padding="same"), GlobalAvgPool2D(),
        Dense(4, activation="softmax"),
    ], seed=0)
    model.build((64,))
    _trained(model, X, y, "cross_entropy")
    _check(model, tmp_path, RNG.normal(size=(5, 64)).astype(np.float32))


def test_conv1d(tmp_path):
    model = gn.Sequential([Conv1D(3, 3, padding="same", activation="tanh"), MaxPool1D(2), Flatten(),
                           Dense(2)], seed=0)
    model.build((2, 10))
    _check(model, tmp_path, RNG.normal(size=(4, 2, 10)).astype(np.float32))


def test_functional_graph(tmp_path):
    a, b = gn.Input((4,)), gn.Input((3,))
    shared = Dense(5, activation="selu")
    ha, hb = shared(a), shared(Dense(4)(b))
    joined = gn.concatenate([ha * 0.5 + hb, -ha, 1.0 - hb / 2.0], axis=1)
    stacked = Flatten()(gn.stack([ha, hb], axis=1))
    model = gn.Model([a, b], [Dense(2, activation="softmax")(joined), Dense(1)(stacked)], seed=0).build()
    xa, xb = RNG.normal(size=(6, 4)).astype(np.float32), RNG.normal(size=(6, 3)).astype(np.float32)
    got = _run(model, tmp_path / "f.onnx", xa, xb)
    for g, w in zip(got, model.predict([xa, xb])):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_what_cannot_be_exported_is_named(tmp_path):
    model = gn.Sequential([Dense(2, activation=lambda z: z * 2, input_dim=2)])
    with pytest.raises(ValueError, match="has no ONNX form"):
        gn.io.export_onnx(model, tmp_path / "x.onnx")
    x = gn.Input((4,))
    model = gn.Model(x, Dense(2)(x)[:, :1]).build()
    with pytest.raises(ValueError, match="'getitem' cannot be exported"):
        gn.io.export_onnx(model, tmp_path / "x.onnx")
    with pytest.raises(ValueError, match="built"):
        gn.io.export_onnx(gn.Sequential([Dense(2)]), tmp_path / "x.onnx")
    assert not list(tmp_path.iterdir())


def test_the_file_is_a_checked_onnx_model(tmp_path):
    import onnx

    model = gn.Sequential([Dense(3, activation="relu", input_dim=2), Dense(1)], seed=0, name="net")
    gn.io.export_onnx(model, tmp_path / "m.onnx")
    proto = onnx.load(str(tmp_path / "m.onnx"))
    onnx.checker.check_model(proto)
    assert proto.producer_name == "glassnet" and proto.graph.name == "net"
    assert [i.name for i in proto.graph.input] == ["input"]
    assert [o.name for o in proto.graph.output] == ["output"]
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "N" and dims[1].dim_value == 2
