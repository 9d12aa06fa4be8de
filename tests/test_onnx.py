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
    GaussianHead,
    GlobalAvgPool2D,
    MaxPool1D,
    MaxPool2D,
    QuantileHead,
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


_FLOAT32_ONLY = {"elu", "gelu", "leaky_relu", "selu", "softplus"}


def _every_op_models():
    """Models that together emit every operator of the exporter, float32 and float64."""
    acts = sorted(ACTIVATIONS)
    cnn = gn.Sequential([
        Reshape((1, 8, 8)), Conv2D(4, 3, padding="same", activation="relu"), MaxPool2D(2),
        Conv2D(6, 2, padding=1, activation="elu"), BatchNormalization(), AvgPool2D(2, padding=1),
        GlobalAvgPool2D(), *[Dense(4, activation=a) for a in acts], Dropout(0.1), Activation("softmax"),
    ], seed=0)
    cnn.build((64,))
    signal = gn.Sequential([Conv1D(3, 3, padding="same"), MaxPool1D(2), Flatten(), Dense(2)], seed=0)
    signal.build((2, 10))
    a, b = gn.Input((4,)), gn.Input((3,))
    ha, hb = Dense(5, activation="selu")(a), Dense(5)(b)
    joined = gn.concatenate([ha * 0.5 + hb, -ha, 1.0 - hb / 2.0], axis=1)
    graph = gn.Model([a, b], [Dense(2, activation="softmax")(joined), Flatten()(gn.stack([ha, hb], axis=1))],
                     seed=0).build()
    double = gn.Sequential([Reshape((1, 3)), MaxPool1D(1), Flatten(), BatchNormalization()]
                           + [Dense(4, activation=act) for act in acts if act not in _FLOAT32_ONLY]
                           + [Dense(2)],
                           seed=0, dtype=np.float64)
    double.build((3,))
    x = gn.Input((3,))
    h = Dense(4, activation="tanh")(x)
    heads = gn.Model(x, [GaussianHead(2)(h), QuantileHead((0.1, 0.5, 0.9), units=2)(h)], seed=0).build()
    sequences = gn.Sequential([gn.Input((5, 3)), gn.layers.Masking(0.0),
                               gn.layers.Bidirectional(gn.layers.LSTM(3, return_sequences=True)),
                               gn.layers.GRU(2, go_backwards=True, return_sequences=True),
                               gn.layers.SimpleRNN(2)], seed=0).build()
    return [(cnn, [RNG.normal(size=(5, 64)).astype(np.float32)]),
            (sequences, [RNG.normal(size=(4, 5, 3)).astype(np.float32)]),
            (heads, [RNG.normal(size=(5, 3)).astype(np.float32)]),
            (signal, [RNG.normal(size=(4, 2, 10)).astype(np.float32)]),
            (graph, [RNG.normal(size=(6, 4)).astype(np.float32), RNG.normal(size=(6, 3)).astype(np.float32)]),
            (double, [RNG.normal(size=(5, 3))])]


@pytest.mark.parametrize("opset", [gn.io.onnx.MIN_OPSET, gn.io.onnx.DEFAULT_OPSET, gn.io.onnx.MAX_OPSET])
def test_every_accepted_opset_bound_runs_in_onnxruntime(tmp_path, opset):
    for model, inputs in _every_op_models():
        gn.io.export_onnx(model, tmp_path / "m.onnx", opset=opset)
        session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
        got = session.run(None, {i.name: x for i, x in zip(session.get_inputs(), inputs)})
        want = model.predict(inputs if len(inputs) > 1 else inputs[0])
        for g, w in zip(got, want if isinstance(want, list) else [want]):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("opset", "error"), [(0, ValueError), (1, ValueError), (12, ValueError),
                                              (29, ValueError), (99, ValueError), (-5, ValueError),
                                              ("17", TypeError), (17.0, TypeError), (True, TypeError)])
def test_opsets_outside_the_range_are_refused(tmp_path, opset, error):
    model = gn.Sequential([Dense(2, input_dim=2)])
    with pytest.raises(error, match=r"opset must be .*from 13 to 28"):
        gn.io.export_onnx(model, tmp_path / "m.onnx", opset=opset)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("opset", ["0", "1", "12", "29", "99"])
def test_cli_export_refuses_an_opset_outside_the_range(tmp_path, opset):
    from typer.testing import CliRunner

    from glassnet.cli.commands import app

    gn.save(gn.Sequential([Dense(2, input_dim=2)]), tmp_path / "m.safetensors")
    result = CliRunner().invoke(app, ["export", str(tmp_path / "m.safetensors"), "--onnx",
                                      str(tmp_path / "m.onnx"), "--opset", opset])
    assert result.exit_code == 2 and "--opset must be from 13 to 28" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "m.onnx").exists()


def test_export_path_is_checked(tmp_path):
    model = gn.Sequential([Dense(2, input_dim=2)])
    with pytest.raises(IsADirectoryError, match="is a folder"):
        gn.io.export_onnx(model, tmp_path)
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        gn.io.export_onnx(model, 5)


@pytest.mark.parametrize("layers", [[Dense(2, activation=act) for act in sorted(_FLOAT32_ONLY)],
                                    [Reshape((1, 2, 2)), Conv2D(1, 1), Flatten()],
                                    [Reshape((1, 2, 2)), AvgPool2D(1), GlobalAvgPool2D()]])
def test_float64_model_with_float32_only_operators_is_refused(tmp_path, layers):
    model = gn.Sequential(layers, seed=0, dtype=np.float64)
    model.build((4,))
    with pytest.raises(ValueError, match="runs in float32 only.*load_state_dict"):
        gn.io.export_onnx(model, tmp_path / "m.onnx", opset=13)
    assert not list(tmp_path.iterdir())
    used = {node.op_type for node in _graph_of(model, np.float32, tmp_path).graph.node}
    assert used & set(gn.io.onnx.NO_FLOAT64_IN_ONNXRUNTIME)


def _graph_of(model, dtype, tmp_path):
    import onnx

    copy = gn.Sequential([type(layer).from_config(layer.get_config()) for layer in model.layers], dtype=dtype)
    copy.build((4,))
    copy.load_state_dict(model.state_dict())
    gn.io.export_onnx(copy, tmp_path / "f32.onnx")
    ort.InferenceSession(str(tmp_path / "f32.onnx"), providers=["CPUExecutionProvider"])
    return onnx.load(str(tmp_path / "f32.onnx"))


@pytest.mark.parametrize("op", sorted(gn.io.onnx.NO_FLOAT64_IN_ONNXRUNTIME))
def test_onnxruntime_has_no_float64_kernel_for_the_listed_operators(tmp_path, op):
    since = gn.io.onnx.NO_FLOAT64_IN_ONNXRUNTIME[op]
    if since is not None:
        ort.InferenceSession(_single_op(op, since).SerializeToString(), providers=["CPUExecutionProvider"])
    with pytest.raises(Exception, match="NOT_IMPLEMENTED|Could not find an implementation"):
        model = _single_op(op, gn.io.onnx.MIN_OPSET if since is not None else gn.io.onnx.MAX_OPSET)
        ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def _single_op(op, opset):
    from onnx import TensorProto, helper

    kernel = {"kernel_shape": [1, 1]}
    attributes = {"Conv": kernel, "ConvTranspose": kernel, "AveragePool": kernel}.get(op, {})
    weights = op in ("Conv", "ConvTranspose")
    inputs = ["x", "w"] if weights else ["x", "", "s"] if op == "Resize" else ["x"]
    initializer = [helper.make_tensor("w", TensorProto.DOUBLE, [1, 1, 1, 1], [1.0])] if weights else \
        [helper.make_tensor("s", TensorProto.FLOAT, [4], [1.0, 1.0, 2.0, 2.0])] if op == "Resize" else []
    graph = helper.make_graph(
        [helper.make_node(op, inputs, ["y"], **attributes)], "g",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [1, 1, 2, 2])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, None)], initializer=initializer)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    proto.ir_version = helper.find_min_ir_version_for(list(proto.opset_import))
    return proto
