"""gn.explain.gradcheck on every layer type, the computation graph, and the training diagnostics."""

import importlib.util
import io
import shutil

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import activation_report, gradcheck, gradient_flow, graph, trace
from glassnet.function import Function
from glassnet.layers import (
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
)

ACTIVATIONS = ["identity", "binary_step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu",
               "softplus", "gaussian", "softmax", "log_softmax"]


def _data(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_with_each_activation_passes(activation):
    result = gradcheck(Dense(3, activation=activation), _data((4, 5)))
    assert result.passed, str(result)
    assert set(result.errors) == {"W", "b", "input"}
    assert result.checked == {"W": 15, "b": 3, "input": 20}


def test_model_with_loss_and_dropout_in_eval_mode():
    model = gn.Sequential([Dense(6, activation="tanh"), Dropout(0.5), Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="sgd", loss="cross_entropy")
    X, y = _data((7, 4)), np.random.default_rng(1).integers(0, 3, size=7)
    result = gradcheck(model, X, y)
    assert result.passed, str(result)
    assert list(result.errors) == ["layers.0.W", "layers.0.b", "layers.2.W", "layers.2.b", "input"]
    assert not model.built  # the check ran on a copy


@pytest.mark.parametrize("training", [True, False])
def test_batch_normalization_in_both_modes(training):
    layer = BatchNormalization()
    model = gn.Sequential([Dense(4), layer, Dense(2, activation="tanh")], seed=0)
    model.build(input_shape=(3,))
    layer.running_mean[...] = [0.1, -0.2, 0.3, 0.0]
    layer.running_var[...] = [1.5, 0.5, 2.0, 1.0]
    result = gradcheck(model, _data((6, 3)), training=training)
    assert result.passed, str(result)
    assert {"layers.1.gamma", "layers.1.beta"} <= set(result.errors)


def test_batch_normalization_on_images_and_flatten():
    model = gn.Sequential([BatchNormalization(), Flatten(), Dense(2)], seed=0)
    result = gradcheck(model, _data((3, 2, 3, 3)), training=True)
    assert result.passed, str(result)


def test_conv2d_and_2d_pooling():
    model = gn.Sequential([Conv2D(2, 3, padding="same", activation="tanh"), MaxPool2D(2),
                           Conv2D(3, 2, stride=1, activation="relu"), AvgPool2D(1), GlobalAvgPool2D(),
                           Dense(2)], seed=0)
    result = gradcheck(model, _data((2, 1, 6, 6)), max_checks=12)
    assert result.passed, str(result)
    assert result.checked["layers.0.W"] == 12 and "layers.2.b" in result.errors


def test_conv1d_and_1d_pooling():
    model = gn.Sequential([Conv1D(2, 3, activation="elu"), MaxPool1D(2), Flatten(), Dense(1)], seed=0)
    result = gradcheck(model, _data((3, 2, 8)))
    assert result.passed, str(result)


def test_trace_of_a_convolutional_network():
    model = gn.Sequential([Conv2D(2, 3, activation="relu"), MaxPool2D(2), Flatten(), Dense(2)], seed=0)
    t = trace(model, _data((3, 1, 6, 6)), _data((3, 2), seed=1), dtype=np.float64)
    conv = t.layers[0]
    assert conv.z.shape == conv.delta.shape == (3, 2, 4, 4)
    np.testing.assert_allclose(conv.db, conv.delta.sum(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(conv.delta, conv.dE_da * conv.g_prime, rtol=1e-12)
    assert t.layers[1].z is None and t.layers[1].dE_da.shape == (3, 2, 2, 2)


class _WrongSquare(Function):
    """f(x) = x^2 with the derivative wrongly written as x (instead of 2x)."""

    name = "wrong_square"

    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return x * x

    @staticmethod
    def backward(ctx, grad):
        return (grad * ctx.x,)


def test_a_wrong_backward_is_caught_and_a_function_with_params_is_checked():
    result = gradcheck(lambda x: _WrongSquare.apply(x), _data((2, 3)))
    assert not result.passed and result.failed == ["input"]
    assert result.errors["input"] == pytest.approx(0.5, rel=1e-6)
    assert "FAILED: input" in str(result) and not bool(result)
    w = gn.tensor(_data((3, 2), seed=4), requires_grad=True, dtype=np.float64)
    good = gradcheck(lambda x: (x @ w).tanh() if hasattr(x, "tanh") else gn.functional.tanh(x @ w),
                     _data((2, 3)), params={"w": w})
    assert good.passed and set(good.errors) == {"w", "input"}


def test_gradcheck_rejects_float32_params_and_non_callables():
    w = gn.tensor(np.ones((3, 2)), requires_grad=True)
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda x: x @ w, _data((2, 3)), params={"w": w})
    with pytest.raises(TypeError, match="callable"):
        gradcheck(42, _data((2, 3)))


def test_max_checks_samples_a_subset():
    result = gradcheck(Dense(10), _data((3, 8)), max_checks=5)
    assert result.checked == {"W": 5, "b": 5, "input": 5} and result.passed


# ------------------------------------------------------------------- graph
def _fxyz():
    x, y, z = (gn.tensor(v, requires_grad=True, dtype=np.float64) for v in (-2.0, 5.0, -4.0))
    q = (x + y).retain_grad()
    f = (q * z).retain_grad()
    f.backward()
    return f, {"x": x, "y": y, "z": z, "q": q, "f": f}


def test_graph_dot_text_of_the_chain_rule_example():
    f, names = _fxyz()
    drawing = graph(f, names)
    dot = drawing.dot
    assert dot.startswith("digraph computation {") and dot.rstrip().endswith("}")
    for label in ('label="x\\nvalue -2\\ngrad -4"', 'label="y\\nvalue 5\\ngrad -4"',
                  'label="z\\nvalue -4\\ngrad 3"', 'label="q\\nvalue 3\\ngrad -4"',
                  'label="f\\nvalue -12\\ngrad 1"', 'label="add"', 'label="mul"'):
        assert label in dot
    assert dot.count(" -> ") == 6 and len(drawing.nodes) == 5
    assert [t.op for t in drawing.nodes] == ["leaf", "leaf", "add", "leaf", "mul"]


def test_graph_of_a_layer_shows_shapes_and_summaries():
    layer = Dense(8, activation="relu")
    x = gn.tensor(_data((4, 3)), dtype=np.float64)
    out = layer(x).sum()
    out.backward()
    dot = graph(out, {"W": layer.W}).dot
    assert "shape (3, 8)" in dot and "mean " in dot and 'label="linear"' in dot and 'label="relu"' in dot
    assert "const" in dot  # the input, which needs no gradient
    with pytest.raises(TypeError, match="Tensor"):
        graph(np.ones(3))


@pytest.mark.skipif(importlib.util.find_spec("graphviz") is None or shutil.which("dot") is None,
                    reason="the graphviz package or the dot program is not installed")
def test_graph_renders_svg(tmp_path):
    f, names = _fxyz()
    path = graph(f, names).render(tmp_path / "fxyz.svg")
    assert path.read_text().lstrip().startswith(("<?xml", "<svg"))


def test_graph_render_without_graphviz_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_graphviz(name, *args, **kwargs):
        if name == "graphviz":
            raise ImportError("no graphviz")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_graphviz)
    with pytest.raises(ImportError, match="pip install graphviz"):
        graph(_fxyz()[0]).pipe()


# ------------------------------------------------------------- diagnostics
def test_dead_relu_and_saturation_report():
    model = gn.Sequential([Dense(4, activation="relu"), Dense(3, activation="sigmoid")], seed=0)
    model.build(input_shape=(2,))
    first, second = model.layers
    first.W.data[...] = [[1.0, -1.0, 0.5, 0.0], [1.0, -1.0, -0.5, 0.0]]
    first.b.data[...] = [0.0, -5.0, 0.0, -1.0]  # unit 1 and unit 3 are never active on X >= 0
    second.W.data[...] = 0.0
    second.b.data[...] = [0.0, 8.0, -8.0]  # units 1 and 2 saturated: g' = 3.4e-4 < 0.01 x 1/4
    X = np.abs(_data((10, 2))) + 0.1
    report = activation_report(model, X)
    rows = {row["layer"]: row for row in report.rows}
    assert rows["1: dense"]["dead"] == pytest.approx(0.5)
    assert rows["2: dense_1"]["saturated"] == pytest.approx(2 / 3)
    assert rows["2: dense_1"]["dead"] == 0.0
    assert list(report.to_frame().columns) == list(report.columns)
    assert "| 1: dense | relu | 4 |" in report.to_markdown()
    from rich.console import Console

    report.table(console=Console(file=io.StringIO()))


def test_gradient_flow_vanishes_in_a_deep_sigmoid_stack():
    from glassnet.explain.examples import vanishing_gradients

    norms = vanishing_gradients(depth=6, width=16, epochs=2, seed=0)
    sigmoid, relu = norms["sigmoid"], norms["relu"]
    first, last = list(sigmoid)[0], list(sigmoid)[-1]
    assert sigmoid[first][0] < 0.05 * sigmoid[last][0]
    assert relu[list(relu)[0]][0] > 10 * sigmoid[first][0]
    fig = gradient_flow(sigmoid)
    assert len(fig.axes[0].lines) == 6
    with pytest.raises(ValueError, match="track_gradients=True"):
        gradient_flow({})
