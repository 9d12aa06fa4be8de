"""Dense(bias="per_unit" | "shared" | None): the shared bias is one scalar per layer."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import Dense

RNG = np.random.default_rng(0)


def _shared_model():
    model = gn.Sequential([Dense(3, activation="tanh", bias="shared"), Dense(2, bias="shared")], seed=0)
    model.build(input_shape=(4,), dtype=np.float64)
    model.layers[0].b.data[:], model.layers[1].b.data[:] = 0.3, -0.2
    return model


def _loss_and_grads(model, X, y):
    for p in model.parameters():
        p.grad = None
    loss = ((model(gn.tensor(X, dtype=np.float64)) - y) ** 2).sum() * 0.5
    loss.backward()
    return loss.item(), {name: p.grad.copy() for name, p in model.named_parameters()}


def test_shared_bias_has_one_value_and_its_gradient_sums_the_deltas():
    layer = Dense(3, bias="shared", input_dim=2)
    assert layer.b.shape == (1,) and layer.weight_shapes((2,)) == {"W": (2, 3), "b": (1,)}
    x = gn.tensor(RNG.normal(size=(5, 2)), dtype=np.float64)
    layer = Dense(3, bias="shared", input_dim=2, name="d")
    layer.W.data, layer.b.data = layer.W.data.astype(np.float64), np.array([0.5])
    out = layer(x)
    delta = RNG.normal(size=out.shape)
    (out * gn.tensor(delta)).sum().backward()
    np.testing.assert_allclose(out.numpy(), x.numpy() @ layer.W.data + 0.5)
    np.testing.assert_allclose(layer.b.grad, [delta.sum()])


def test_shared_bias_gradients_match_central_differences():
    model = _shared_model()
    X, y = RNG.normal(size=(6, 4)), RNG.normal(size=(6, 2))
    _, grads = _loss_and_grads(model, X, y)
    h = 1e-6
    for name in ("layers.0.b", "layers.1.b", "layers.0.W"):
        param = dict(model.named_parameters())[name]
        numeric = np.zeros_like(param.data)
        for i in np.ndindex(param.data.shape):
            old = param.data[i]
            param.data[i] = old + h
            up = _loss_and_grads(model, X, y)[0]
            param.data[i] = old - h
            down = _loss_and_grads(model, X, y)[0]
            param.data[i] = old
            numeric[i] = (up - down) / (2 * h)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-6, atol=1e-8)


def test_shared_bias_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    model = _shared_model()
    X, y = RNG.normal(size=(6, 4)), RNG.normal(size=(6, 2))
    loss, grads = _loss_and_grads(model, X, y)
    W1, b1, W2, b2 = (torch.tensor(p.data, requires_grad=True) for _, p in model.named_parameters())
    # one scalar bias per layer, broadcast over the units
    out = torch.tanh(torch.tensor(X) @ W1 + b1) @ W2 + b2
    torch_loss = 0.5 * ((out - torch.tensor(y)) ** 2).sum()
    torch_loss.backward()
    assert torch_loss.item() == pytest.approx(loss, rel=1e-12)
    for name, t in zip(["layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"], (W1, b1, W2, b2)):
        np.testing.assert_allclose(grads[name], t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_lectures_2_2_2_network_with_one_b1_and_one_b2():
    """The slide's shared biases: dE/db1 and dE/db2 are the sums of each layer's deltas."""
    model = gn.Sequential([Dense(2, activation="sigmoid", bias="shared"),
                           Dense(2, activation="sigmoid", bias="shared")], seed=0)
    model.build(input_shape=(2,), dtype=np.float64)
    model.load_state_dict({"layers.0.W": np.array([[0.15, 0.25], [0.2, 0.3]]), "layers.0.b": np.array([0.35]),
                           "layers.1.W": np.array([[0.4, 0.5], [0.45, 0.55]]), "layers.1.b": np.array([0.6])})
    loss, grads = _loss_and_grads(model, np.array([[0.05, 0.1]]), np.array([[0.01, 0.99]]))
    assert loss == pytest.approx(0.2983711087600027, rel=1e-12)
    assert grads["layers.0.b"][0] == pytest.approx(0.018725609394704138, rel=1e-12)
    assert grads["layers.1.b"][0] == pytest.approx(0.10040032511200075, rel=1e-12)


def test_use_bias_keeps_its_keras_meaning():
    assert Dense(2, use_bias=False, input_dim=3).b is None
    assert Dense(2, bias=None, input_dim=3).b is None
    assert Dense(2, input_dim=3).b.shape == (2,)
    assert Dense(2, bias="per_unit", input_dim=3).b.shape == (2,)


def test_a_bool_bias_keeps_pytorch_s_meaning():
    """nn.Linear(3, 2, bias=False) has no bias; bias=True one per unit."""
    assert Dense(2, bias=False, input_dim=3).b is None
    assert Dense(2, bias=np.False_, input_dim=3).bias_kind is None
    layer = Dense(2, bias=True, input_dim=3)
    assert layer.b.shape == (2,) and layer.bias_kind == "per_unit"
    assert Dense(2, bias=True, input_dim=3).get_config() == Dense(2, input_dim=3).get_config()


@pytest.mark.parametrize("bias, use_bias, match", [
    ("one", True, "bias must be one of 'per_unit', 'shared', None, True or False .*, got 'one'"),
    (1, True, "bias must be one of"),
    ("shared", False, "use_bias=False and bias='shared' contradict"),
    (True, False, "use_bias=False and bias=True contradict"),
    (np.True_, False, "use_bias=False and bias=True contradict"),
])
def test_bad_bias_arguments_are_refused(bias, use_bias, match):
    with pytest.raises(ValueError, match=match):
        Dense(2, bias=bias, use_bias=use_bias)


def test_shared_bias_survives_save_and_load(tmp_path):
    model = _shared_model()
    X = RNG.normal(size=(5, 4))
    model.save(tmp_path / "m.safetensors")
    loaded = gn.load(tmp_path / "m.safetensors")
    assert loaded.layers[0].bias_kind == "shared" and loaded.layers[0].b.shape == (1,)
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-12)
    assert model.layers[0].get_config()["bias"] == "shared"
    assert "bias" not in Dense(2).get_config()


def test_shared_bias_exports_to_onnx_as_a_broadcast_add(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    layers = [gn.Input(shape=(4,)), Dense(3, activation="relu", bias="shared"), Dense(1)]
    model = gn.Sequential(layers, seed=0)
    model.layers[0].b.data[:] = 0.7
    X = RNG.normal(size=(5, 4)).astype(np.float32)
    gn.io.export_onnx(model, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: X})
    np.testing.assert_allclose(got, model.predict(X), rtol=1e-5, atol=1e-6)
