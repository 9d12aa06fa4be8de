"""In-place changes between a forward pass and its backward never change gradients silently:
NumPy writes into saved arrays are refused, glassnet's own in-place changes count in a
version that backward checks (PyTorch's "modified by an inplace operation")."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import Dense

WRITES = {
    "setitem": lambda a: a.__setitem__(0, 5.0),
    "in-place multiply": lambda a: a.__imul__(2.0),
    "ufunc out=": lambda a: np.add(a, 1.0, out=a),
    "copyto": lambda a: np.copyto(a, 0.0),
    "fill": lambda a: a.fill(3.0),
}


def _leaf():
    return gn.tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=np.float64)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize("graph", [
    lambda x: (x * x).sum(),
    lambda x: x.exp().sum(),
    lambda x: (x ** 3).sum(),
    lambda x: (gn.tensor(np.ones((2, 3)), dtype=np.float64) @ x).sum(),
    lambda x: gn.activations.tanh(x).sum(),
], ids=["mul", "exp", "pow", "matmul", "tanh"])
def test_a_numpy_write_into_a_saved_input_is_refused_and_the_gradient_stays_right(graph, write):
    x = _leaf()
    y = graph(x)
    with pytest.raises(ValueError, match="read-only"):
        write(x.data)
    y.backward()
    reference = _leaf()
    graph(reference).backward()
    np.testing.assert_array_equal(x.grad, reference.grad)


def test_a_write_into_a_saved_output_is_refused():
    x = _leaf()
    y = x.exp()  # exp's backward reuses its output
    with pytest.raises(ValueError, match="read-only"):
        y.data[0] = 0.0
    y.backward(np.ones(3))
    np.testing.assert_allclose(x.grad, np.exp([1.0, 2.0, 3.0]))


def test_the_arrays_are_writable_again_after_backward_or_when_the_graph_is_freed():
    x = _leaf()
    (x * x).sum().backward()
    x.data[0] = 5.0
    y = (x * x).sum()
    assert not x.data.flags.writeable
    del y
    gc.collect()
    x.data[1] = 7.0
    np.testing.assert_array_equal(x.data, [5.0, 7.0, 3.0])


def test_an_op_that_does_not_keep_its_inputs_lets_them_change_as_pytorch_does():
    x = _leaf()
    y = (x + 1.0).sum()
    x.data[0] = 10.0
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0, 1.0])


def test_a_read_only_array_stays_read_only_after_backward():
    values = np.array([1.0, 2.0])
    values.setflags(write=False)
    x = gn.Tensor(values, requires_grad=True)
    (x * x).sum().backward()
    assert not values.flags.writeable


def _layer_and_input():
    layer = Dense(2, input_dim=3)
    layer.ensure_built((3,))
    return layer, gn.tensor(np.ones((4, 3)))


def test_an_optimizer_step_between_forward_and_backward_makes_backward_raise():
    layer, x = _layer_and_input()
    opt = gn.optim.SGD(layer.parameters(), lr=0.1)
    loss = (layer(x) ** 2).mean()
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an in-place operation.*optimizer step"):
        loss.backward()


def test_a_numpy_write_into_a_parameter_in_use_is_refused():
    layer, x = _layer_and_input()
    loss = (layer(x) ** 2).mean()
    with pytest.raises(ValueError, match="read-only"):
        layer.W.data *= 0.5
    loss.backward()
    layer.W.data *= 0.5  # after backward: allowed again


def test_in_place_operators_change_the_tensor_itself_and_count_a_version():
    x = gn.tensor([1.0, 2.0])
    same = x
    x += 1.0
    x *= gn.tensor([2.0, 3.0])
    x -= 1.0
    x /= 2.0
    x[0] = 0.0
    assert x is same and x._version == 5
    np.testing.assert_array_equal(x.data, [0.0, 4.0])


def test_a_manual_gradient_step_with_in_place_operators_updates_the_model():
    layer, x = _layer_and_input()
    start = layer.W.data.copy()
    (layer(x) ** 2).mean().backward()
    with gn.no_grad():
        for p in layer.parameters():
            p -= 0.1 * p.grad
    np.testing.assert_allclose(layer.W.data, start - 0.1 * layer.W.grad)


def test_in_place_operators_refuse_what_would_corrupt_a_gradient():
    x = _leaf()
    with pytest.raises(RuntimeError, match="requires grad while the graph is recorded.*no_grad"):
        x += 1.0
    y = (x * x).sum()
    with gn.no_grad(), pytest.raises(RuntimeError, match="a graph saved for backward"):
        x[0] = 2.0
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])


def test_loading_a_state_while_a_graph_is_pending_makes_that_graph_refuse_backward():
    layer, x = _layer_and_input()
    state = {name: value + 1 for name, value in layer.state_dict().items()}
    loss = (layer(x) ** 2).mean()
    layer.load_state_dict(state)
    np.testing.assert_array_equal(layer.W.data, state["W"])
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()
    (layer(x) ** 2).mean().backward()  # a new forward pass uses the loaded values
    assert np.isfinite(layer.W.grad).all()


def test_glassnet_tools_set_weights_while_a_graph_is_kept_for_drawing():
    X = np.random.default_rng(0).normal(size=(12, 4))
    y = np.arange(12) % 3
    model = gn.Sequential([gn.layers.Dense(3, activation="softmax", input_dim=4)], seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss="cross_entropy")
    kept = gn.losses.CrossEntropy()(model(gn.tensor(X, dtype="float64")), y)
    before = [p.data.copy() for p in model.parameters()]
    gn.explain.loss_landscape(model, X, y, kind="1d", steps=3)
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.data, b)
    assert gn.explain.graph(kept).dot.startswith("digraph")
    with pytest.raises(ValueError, match="read-only"):
        model.layers[0].W.data[0, 0] = 1.0  # a raw NumPy write is refused at once


def test_summing_losses_with_plus_equals_records_the_sum_as_pytorch_computes_it():
    x = _leaf()
    total = 0.0
    for k in (1.0, 2.0, 3.0):
        total += (x * k).sum()
    total.backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0, 6.0])
