"""Layers and models: Dense against PyTorch, the lectures' networks, the functional API."""

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.layers import Activation, Dense, Dropout, Flatten, Reshape

F64 = np.float64


def _dense_stack(activations, sizes, seed=0):
    layers = [Dense(sizes[1], activation=activations[0], input_dim=sizes[0])]
    layers += [Dense(n, activation=a) for n, a in zip(sizes[2:], activations[1:])]
    return gn.Sequential(layers, seed=seed, dtype=F64)


TORCH_ACT = {
    "relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "elu": torch.nn.functional.elu,
    "gelu": torch.nn.functional.gelu, "softplus": torch.nn.functional.softplus, None: lambda z: z,
    "selu": torch.nn.functional.selu, "leaky_relu": torch.nn.functional.leaky_relu,
}


@pytest.mark.parametrize("acts", [
    ("relu", "tanh", "sigmoid", None),
    ("elu", "gelu", "softplus", "selu"),
    ("leaky_relu", "sigmoid", "relu", "tanh"),
])
def test_dense_stack_matches_torch(acts):
    sizes = [5, 7, 6, 4, 3]
    model = _dense_stack(acts, sizes)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(8, 5))
    y = rng.normal(size=(8, 3))
    loss = gn.losses.MSE()(model(gn.tensor(X, dtype=F64)), y)
    loss.backward()

    tparams = [(torch.tensor(l.W.data, requires_grad=True), torch.tensor(l.b.data, requires_grad=True))
               for l in model.layers]
    h = torch.tensor(X)
    for (W, b), act in zip(tparams, acts):
        h = TORCH_ACT[act](h @ W + b)
    tloss = torch.mean((h - torch.tensor(y)) ** 2)
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    for layer, (W, b) in zip(model.layers, tparams):
        np.testing.assert_allclose(layer.W.grad, W.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(layer.b.grad, b.grad.numpy(), rtol=1e-9, atol=1e-12)


def _lecture_network():
    """The 2-2-2 sigmoid network: W[i, j] is the weight from input i to neuron j."""
    model = gn.Sequential([Dense(2, activation="sigmoid", input_dim=2), Dense(2, activation="sigmoid")],
                          dtype=F64)
    hidden, output = model.layers
    hidden.W.data[:] = [[0.15, 0.25], [0.20, 0.30]]
    hidden.b.data[:] = 0.35
    output.W.data[:] = [[0.40, 0.50], [0.45, 0.55]]
    output.b.data[:] = 0.60
    return model


def test_lecture_two_layer_sigmoid_network_forward_and_gradients():
    model = _lecture_network()
    X = np.array([[0.05, 0.10]])
    target = np.array([[0.01, 0.99]])
    hidden, output = model.layers
    x = gn.tensor(X, dtype=F64)
    z_h = hidden.pre_activation(x).retain_grad()
    a_h = hidden.g(z_h)
    z_o = output.pre_activation(a_h).retain_grad()
    a_o = output.g(z_o)
    E = gn.losses.MSE(reduction="sum", scale=0.5)(a_o, target)
    E.backward()
    np.testing.assert_allclose(a_h.data, [[0.593269992, 0.596884378]], atol=5e-10)
    np.testing.assert_allclose(a_o.data, [[0.75136507, 0.772928465]], atol=5e-9)
    assert E.item() == pytest.approx(0.298371109, abs=5e-10)
    np.testing.assert_allclose(z_o.grad, [[0.13849856162855698, -0.03809823651655623]], rtol=1e-12)
    np.testing.assert_allclose(z_h.grad, [[0.008771354689486937, 0.009954254705217202]], rtol=1e-12)
    grads = [0.00043856773447434685, 0.0008771354689486937, 0.0004977127352608601, 0.0009954254705217202,
             0.08216704056423078, 0.08266762784753326, -0.022602540477475067, -0.02274024221597822]
    # w1 = W[0,0], w2 = W[1,0], w3 = W[0,1], w4 = W[1,1] (and w5..w8 likewise for the output)
    got = [hidden.W.grad[0, 0], hidden.W.grad[1, 0], hidden.W.grad[0, 1], hidden.W.grad[1, 1],
           output.W.grad[0, 0], output.W.grad[1, 0], output.W.grad[0, 1], output.W.grad[1, 1]]
    np.testing.assert_allclose(got, grads, rtol=1e-12)


def test_lecture_two_layer_network_one_gradient_descent_step_through_fit():
    model = _lecture_network()
    model.compile(optimizer=gn.optim.SGD(lr=0.5), loss=gn.losses.MSE(reduction="sum", scale=0.5))
    model.fit(np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]]), epochs=1, batch_size=None,
              shuffle=False, verbose=0)
    hidden, output = model.layers
    w = [hidden.W.data[0, 0], hidden.W.data[1, 0], hidden.W.data[0, 1], hidden.W.data[1, 1],
         output.W.data[0, 0], output.W.data[1, 0], output.W.data[0, 1], output.W.data[1, 1]]
    np.testing.assert_allclose(w, [0.1497807161327628, 0.19956143226552567, 0.24975114363236958,
                                   0.29950228726473915, 0.35891647971788465, 0.4086661860762334,
                                   0.5113012702387375, 0.5613701211079891], rtol=1e-12)
    np.testing.assert_allclose(hidden.b.data, [0.3456143226552565, 0.3450228726473914], rtol=1e-12)
    np.testing.assert_allclose(output.b.data, [0.5307507191857215, 0.6190491182582781], rtol=1e-12)
    E = 0.5 * np.sum((model.predict(np.array([[0.05, 0.10]])) - [[0.01, 0.99]]) ** 2)
    assert E == pytest.approx(0.28047144679143016, rel=1e-12)


def test_lecture_one_neuron_table_row_by_row():
    """x = 1.5, w = 0.8, b = 1, y = 0.5, E = (x^L - y)^2, step 0.1: the slide's table."""
    layer = Dense(1, input_dim=1)
    model = gn.Sequential([layer], dtype=F64)
    layer.W.data[:] = 0.8
    layer.b.data[:] = 1.0
    opt = gn.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = gn.losses.MSE(reduction="sum")
    rows = [(0.29, 0.66, 2.2), (0.1115, 0.541, 1.095), (0.049025, 0.49935, 0.70825),
            (0.02715875, 0.4847725, 0.5728875), (0.0195055625, 0.479670375, 0.525510625),
            (0.016826946875, 0.47788463125, 0.50892871875), (0.01588943140625, 0.4772596209375,
                                                              0.5031250515625)]
    x = gn.tensor([[1.5]], dtype=F64)
    for w_k, b_k, x_used in rows:
        out = model(x)
        assert out.item() == pytest.approx(x_used, rel=1e-12)
        opt.zero_grad()
        loss_fn(out, [[0.5]]).backward()
        opt.step()
        assert layer.W.data.item() == pytest.approx(w_k, rel=1e-12)
        assert layer.b.data.item() == pytest.approx(b_k, rel=1e-12)


def test_simplest_nn_table_eta_02():
    """h = w x + b fitted to y = 3 at x = 1 from w = 0.1, b = 1 with L = 1/2 (y - h)^2."""
    layer = Dense(1, input_dim=1)
    model = gn.Sequential([layer], dtype=F64)
    layer.W.data[:] = 0.1
    layer.b.data[:] = 1.0
    model.compile(optimizer=gn.optim.SGD(lr=0.2), loss=gn.losses.MSE(reduction="sum", scale=0.5))
    expected = [(0.48, 1.38, 1.805), (0.708, 1.608, 0.6498), (0.8448, 1.7448, 0.233928)]
    for w, b, loss in expected:
        hist = model.fit([[1.0]], [[3.0]], epochs=1, batch_size=1, verbose=0)
        assert hist.history["loss"][0] == pytest.approx(loss, rel=1e-12)
        assert layer.W.data.item() == pytest.approx(w, rel=1e-12)
        assert layer.b.data.item() == pytest.approx(b, rel=1e-12)


def test_functional_model_shared_layers_several_inputs_and_outputs():
    a = gn.Input((3,))
    b = gn.Input((3,))
    shared = Dense(4, activation="tanh")
    ha, hb = shared(a), shared(b)
    merged = gn.concatenate([ha, hb + ha], axis=-1)
    out1 = Dense(2, activation="softmax", name="cls")(merged)
    out2 = Dense(1, name="reg")(hb)
    model = gn.Model([a, b], [out1, out2], seed=0)
    xa, xb = np.ones((5, 3)), np.zeros((5, 3))
    p, r = model.predict([xa, xb])
    assert p.shape == (5, 2) and r.shape == (5, 1)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    assert len([l for l in model.layers if l is shared]) == 1
    assert model.count_params() == 16 + 18 + 5
    model.compile(optimizer="adam", loss=["cross_entropy", "mse"])
    hist = model.fit([xa, xb], [np.zeros(5, dtype=int), np.ones((5, 1))], epochs=2, verbose=0, seed=0)
    assert len(hist.history["loss"]) == 2


def test_summary_lists_layers_shapes_and_totals():
    model = gn.Sequential([Dense(8, activation="relu", input_dim=4), Dropout(0.1), Dense(3)])
    model.build()
    text = model.summary(print_fn=None)
    assert "(None, 8)" in text and "(None, 3)" in text
    assert "Total params: 67" in text
    assert "dropout (Dropout)" in text


def test_flatten_reshape_activation_layers():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    assert Flatten()(x).shape == (2, 12)
    assert Reshape((4, 3))(x).shape == (2, 4, 3)
    np.testing.assert_array_equal(Activation("relu")(np.array([[-1.0, 2.0]])).numpy(), [[0, 2]])
    with pytest.raises(ValueError, match="cannot reshape"):
        Reshape((5, 5))(x)


def test_dropout_is_inverted_seeded_and_identity_in_eval():
    layer = Dropout(0.5, seed=3)
    x = np.ones((1000, 20), dtype=np.float32)
    out = layer(x).numpy()
    assert set(np.unique(out)) <= {0.0, 2.0}
    assert abs(out.mean() - 1.0) < 0.05
    np.testing.assert_array_equal(Dropout(0.5, seed=3)(x).numpy(), out)
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        Dropout(1.0)


def test_state_dict_round_trip_and_checks():
    model = _dense_stack(["relu", None], [3, 4, 2])
    state = model.state_dict()
    other = _dense_stack(["relu", None], [3, 4, 2], seed=5)
    other.load_state_dict(state)
    X = np.ones((2, 3))
    np.testing.assert_array_equal(other.predict(X), model.predict(X))
    with pytest.raises(ValueError, match="shape"):
        _dense_stack(["relu", None], [3, 5, 2]).load_state_dict(state)
    with pytest.raises(KeyError, match="missing"):
        other.load_state_dict({})


def test_layer_input_mismatch_names_both_layers_and_shapes():
    model = gn.Sequential([Dense(4, input_dim=3, name="first"), Dense(2, name="second")])
    assert model.layers[1].W.shape == (4, 2)
    model.layers[0] = Dense(5, input_dim=3, name="wider")
    with pytest.raises(ValueError, match=r"'second'.*\(N, 4\).*'wider'.*\(N, 5\)"):
        model(np.ones((1, 3)))


def test_dense_validates_arguments():
    with pytest.raises(ValueError, match="units"):
        Dense(0)
    with pytest.raises(ValueError, match="unknown activation 'relux'.*'relu'"):
        Dense(3, activation="relux")
    with pytest.raises(ValueError, match="Flatten"):
        Dense(3)(np.ones((2, 3, 3)))


def test_repeated_layer_names_get_the_first_free_suffix():
    model = gn.Sequential([Dense(3) for _ in range(4)] + [Dense(3, name="dense_1")])
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dense_2", "dense_3", "dense_1_1"]


def test_build_in_another_dtype_after_eager_build_is_refused():
    model = gn.Sequential([Dense(3, input_dim=2)])
    assert model.layers[0].W.dtype == np.float32
    with pytest.raises(ValueError, match="dtype= to its constructor"):
        model.build(dtype=np.float64)
