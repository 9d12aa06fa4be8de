"""Modules as PyTorch users write them: a ``gn.Module`` subclass holding layers given their
input size, its parameters handed to an optimizer at once, ``Sequential(l1, l2)``, indexing
and walking a model, ``apply``, modes and state."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import Dense, Dropout


class TwoLayerNet(gn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = Dense(16, input_dim=4)
        self.fc2 = Dense(1, input_dim=16)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())


def _regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    return X, X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.1


def test_layer_given_its_input_size_has_its_weights_at_construction():
    layer = Dense(64, input_dim=10)
    assert layer.built and layer.W.shape == (10, 64) and layer.b.shape == (64,)
    assert [p.shape for p in layer.parameters()] == [(10, 64), (64,)]


def test_custom_module_trains_with_an_optimizer_made_from_its_parameters():
    model = TwoLayerNet()
    optimizer = gn.optim.Adam(model.parameters(), lr=0.01)
    X, y = _regression()
    x, target = gn.tensor(X), gn.tensor(y.reshape(-1, 1))
    losses = []
    for _ in range(200):
        optimizer.zero_grad()
        loss = ((model(x) - target) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.05 * losses[0]
    assert [name for name, _ in model.named_parameters()] == ["fc1.W", "fc1.b", "fc2.W", "fc2.b"]


def test_module_walk_as_in_torch():
    model = TwoLayerNet()
    assert gn.Module is gn.layers.Module
    assert [name for name, _ in model.named_modules()] == ["", "fc1", "fc2"]
    assert model.children() == [model.fc1, model.fc2]
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited == ["Dense", "Dense", "TwoLayerNet"]


def test_apply_initializes_weights():
    def init(module):
        if isinstance(module, Dense):
            module.W.data[...] = 0.5
            module.b.data[...] = 0.0

    model = gn.Sequential(Dense(3, input_dim=2), Dense(1))
    model.apply(init)
    np.testing.assert_array_equal(model(np.ones((1, 2))).numpy(), [[1.5]])


def test_apply_refuses_something_not_callable():
    with pytest.raises(TypeError, match="apply takes a function of one module, got 3"):
        TwoLayerNet().apply(3)


def test_sequential_of_layers_as_arguments_indexes_and_iterates():
    first, second, third = Dense(8, input_dim=3), Dropout(0.5), Dense(2)
    model = gn.Sequential(first, second, third)
    assert model[0] is first and model[-1] is third and len(model) == 3
    assert list(model) == [first, second, third]
    assert [layer for layer in model] == model.layers
    tail = model[1:]
    assert isinstance(tail, gn.Sequential) and tail.layers == [second, third]
    with pytest.raises(IndexError, match="layer index 3 is out of range: the model has 3 layers"):
        model[3]
    with pytest.raises(TypeError, match="indexed by position"):
        model["dense"]


def test_train_eval_zero_grad_and_state_dict():
    model = gn.Sequential(Dense(4, input_dim=3), Dropout(0.5), Dense(1))
    assert model.eval() is model and not model[1].training
    assert model.train() is model and model[1].training
    model(np.ones((2, 3))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    copy = gn.Sequential(Dense(4, input_dim=3), Dropout(0.5), Dense(1))
    copy.load_state_dict(model.state_dict())
    model.eval(), copy.eval()
    np.testing.assert_array_equal(copy(np.ones((2, 3))).numpy(), model(np.ones((2, 3))).numpy())


def test_model_seed_and_dtype_apply_to_layers_built_at_construction():
    def make(seed):
        return gn.Sequential([Dense(5, input_dim=3), Dense(2)], seed=seed, dtype=np.float64)

    first, again = make(0), make(0)
    assert all(p.dtype == np.float64 for p in first.parameters())
    for p, q in zip(first.parameters(), again.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert not np.array_equal(first[0].W.numpy(), make(1)[0].W.numpy())


def test_model_keeps_the_parameter_objects_an_optimizer_already_holds():
    layer = Dense(5, input_dim=3)
    optimizer = gn.optim.SGD(layer.parameters(), lr=0.1)
    W = layer.W
    model = gn.Sequential([layer], seed=0)
    assert model[0].W is W
    model(np.ones((1, 3))).sum().backward()
    before = W.numpy().copy()
    optimizer.step()
    np.testing.assert_allclose(W.numpy(), before - 0.1 * W.grad, rtol=1e-6)


def test_model_redraws_construction_weights_in_the_same_parameter_objects():
    layer = Dense(5, input_dim=3)
    W, drawn = layer.W, layer.W.numpy().copy()
    model = gn.Sequential([layer], seed=0, dtype=np.float64)
    assert model[0].W is W and W.dtype == np.float64
    assert not np.array_equal(W.numpy(), drawn)


def test_trained_layer_keeps_its_weights_in_a_model():
    layer = Dense(2, input_dim=3)
    optimizer = gn.optim.SGD(layer.parameters(), lr=0.1)
    layer(np.ones((1, 3))).sum().backward()
    optimizer.step()
    trained = layer.W.numpy().copy()
    gn.Sequential([layer], seed=0, dtype=np.float32)
    np.testing.assert_array_equal(layer.W.numpy(), trained)


def test_untrained_model_still_warns_at_predict():
    model = gn.Sequential([Dense(1, input_dim=3)], seed=0)
    with pytest.warns(UserWarning):
        model.predict(np.ones((2, 3)))


def _module_kinds() -> list:
    model = gn.Sequential([gn.layers.Dense(2, input_dim=3)], seed=0)
    return [model, model.layers[0], gn.layers.Dense(4)]


@pytest.mark.parametrize("module", _module_kinds(), ids=["model", "built layer", "layer"])
def test_device_moves_to_the_cpu_return_the_module(module):
    assert module.cpu() is module
    assert module.to("cpu") is module
    assert module.to(device="cpu", non_blocking=True) is module


@pytest.mark.parametrize("call", [lambda m: m.double(), lambda m: m.float(), lambda m: m.half(),
                                  lambda m: m.bfloat16(), lambda m: m.to(np.float64),
                                  lambda m: m.to(dtype="float64"), lambda m: m.to("cpu", np.float64)],
                         ids=["double", "float", "half", "bfloat16", "to dtype", "to dtype=", "to cpu dtype"])
def test_dtype_conversions_are_refused_naming_the_dtype_argument(call):
    model = gn.Sequential([gn.layers.Dense(2, input_dim=3)], seed=0)
    before = model.layers[0].W.numpy().copy()
    with pytest.raises(TypeError, match=r"dtype=np.float64"):
        call(model)
    assert model.layers[0].W.dtype == np.float32
    np.testing.assert_array_equal(model.layers[0].W.numpy(), before)


@pytest.mark.parametrize("call", [lambda m: m.cuda(), lambda m: m.to("cuda"), lambda m: m.to("cuda:0"),
                                  lambda m: m.to(device="mps")],
                         ids=["cuda()", "to cuda", "to cuda:0", "to mps"])
def test_other_devices_are_refused_naming_the_cpu(call):
    with pytest.raises(RuntimeError, match="CPU only"):
        call(gn.Sequential([gn.layers.Dense(2, input_dim=3)]))


def test_to_without_a_device_names_what_it_takes():
    with pytest.raises(TypeError, match=r"takes a device \('cpu'\)"):
        gn.layers.Dense(2).to()
    with pytest.raises(TypeError, match="takes a device"):
        gn.layers.Dense(2).to("cpu", bogus=1)


@pytest.mark.parametrize("name, glassnet_name", [("weight", "W"), ("bias", "b")])
def test_pytorch_s_weight_and_bias_attributes_name_glassnet_s(name, glassnet_name):
    """layer.weight / layer.bias fail at once naming layer.W / layer.b (for Dense, bias was
    also a constructor argument whose kind is layer.bias_kind)."""
    for layer in (gn.layers.Dense(2, input_dim=3), gn.layers.Conv2D(2, 3, input_shape=(1, 5, 5))):
        pattern = rf"has no attribute '{name}': .*\(layer.{glassnet_name}, a Parameter"
        with pytest.raises(AttributeError, match=pattern):
            getattr(layer, name)
        assert not hasattr(layer, name)
    with pytest.raises(AttributeError, match="object has no attribute 'colour'"):
        gn.layers.Dense(2).colour  # noqa: B018 - other names keep Python's message


def test_a_module_of_your_own_may_call_its_parameters_weight_and_bias():
    class Affine(gn.layers.Layer):
        def __init__(self):
            super().__init__()
            self.weight = gn.Parameter(np.ones((3, 2)))
            self.bias = gn.Parameter(np.zeros(2))

        def call(self, x):
            return x @ self.weight + self.bias

    layer = Affine()
    assert layer.weight.shape == (3, 2) and layer.bias.shape == (2,)
    assert len(list(layer.parameters())) == 2
    np.testing.assert_array_equal(layer(np.ones((1, 3))).numpy(), [[3.0, 3.0]])
