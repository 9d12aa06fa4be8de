"""Conv2D, Conv1D and the pooling layers: lazy weights, agreement with PyTorch, initialization,
penalties, config round trips, errors, and a small CNN that learns the digits."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as tnf

import glassnet as gn
from glassnet.regularizers import L2

L = gn.layers
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _float64(layer, shape, seed=0):
    """The layer built in float64 on a random input of ``shape``; returns (layer, x)."""
    x = np.random.default_rng(seed).normal(size=shape)
    layer.rng = np.random.default_rng(seed)
    layer.ensure_built(shape[1:], np.float64)
    return layer, x


@pytest.mark.parametrize("options, out_shape", [
    ({"kernel_size": 3}, (4, 5, 6)),
    ({"kernel_size": (3, 2), "padding": "same"}, (4, 7, 8)),
    ({"kernel_size": 3, "stride": 2, "padding": 1}, (4, 4, 4)),
    ({"kernel_size": (2, 3), "dilation": 2, "padding": (1, 0)}, (4, 7, 4)),
])
@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
def test_conv2d_layer_builds_lazily_and_matches_torch(options, out_shape):
    layer, x = _float64(L.Conv2D(4, activation="relu", **options), (2, 3, 7, 8))
    assert layer.W.shape == (4, 3, *layer.kernel_size) and layer.b.shape == (4,)
    assert layer.compute_output_shape((3, 7, 8)) == out_shape
    out = layer(gn.tensor(x, dtype=np.float64))
    assert out.shape == (2, *out_shape)
    upstream = np.random.default_rng(1).normal(size=out.shape)
    out.backward(upstream)
    W = torch.tensor(layer.W.numpy(), requires_grad=True)
    b = torch.tensor(layer.b.numpy(), requires_grad=True)
    padding = options.get("padding", 0)
    expected = torch.relu(tnf.conv2d(torch.tensor(x), W, b, stride=options.get("stride", 1),
                                     padding=padding, dilation=options.get("dilation", 1)))
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(layer.W.grad, W.grad.numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(layer.b.grad, b.grad.numpy(), rtol=1e-6, atol=1e-9)


def test_conv1d_and_max_pool1d_layers_match_torch():
    conv, x = _float64(L.Conv1D(3, 3, stride=2, padding=1, activation="tanh"), (2, 2, 11))
    pool = L.MaxPool1D(2)
    out = pool(conv(gn.tensor(x, dtype=np.float64)))
    assert conv.W.shape == (3, 2, 3)
    W, b = (torch.tensor(p.numpy()) for p in (conv.W, conv.b))
    expected = tnf.max_pool1d(torch.tanh(tnf.conv1d(torch.tensor(x), W, b, stride=2, padding=1)), 2)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6, atol=1e-9)
    assert pool.compute_output_shape((3, 6)) == out.shape[1:]


@pytest.mark.parametrize("layer, torch_fn", [
    (L.MaxPool2D(2), lambda t: tnf.max_pool2d(t, 2)),
    (L.MaxPool2D((3, 2), stride=1, padding=(1, 0)), lambda t: tnf.max_pool2d(t, (3, 2), 1, (1, 0))),
    (L.AvgPool2D(3, stride=2, padding=1), lambda t: tnf.avg_pool2d(t, 3, 2, 1)),
    (L.GlobalAvgPool2D(), lambda t: t.mean(dim=(2, 3))),
])
def test_pooling_layers_match_torch_and_report_their_shape(layer, torch_fn):
    x = np.random.default_rng(2).normal(size=(2, 3, 7, 6))
    out = layer(gn.tensor(x, dtype=np.float64))
    np.testing.assert_allclose(out.numpy(), torch_fn(torch.tensor(x)).numpy(), rtol=1e-6, atol=1e-9)
    assert layer.compute_output_shape((3, 7, 6)) == out.shape[1:]
    assert layer.parameters() == []


def test_default_initialization_is_he_normal_with_fan_in_of_the_receptive_field():
    layer = L.Conv2D(256, (3, 4), activation="relu")
    layer.rng = np.random.default_rng(0)
    layer.ensure_built((5, 10, 10))
    fan_in = 5 * 3 * 4
    # truncated normal at 2 std (Keras's He normal): std sqrt(2 / fan_in) after rescaling
    assert layer.W.numpy().std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.05)
    np.testing.assert_array_equal(layer.b.numpy(), np.zeros(256))
    assert layer.W.dtype == np.float32


def test_kernel_initializer_by_name_uses_both_fans():
    layer = L.Conv2D(8, 3, kernel_initializer="glorot_uniform")
    layer.rng = np.random.default_rng(0)
    layer.ensure_built((2, 6, 6))
    limit = np.sqrt(6 / (2 * 9 + 8 * 9))
    assert np.abs(layer.W.numpy()).max() <= limit
    assert np.abs(layer.W.numpy()).max() > 0.9 * limit


def test_regularization_loss_is_the_penalty_on_the_kernel_and_reaches_the_model():
    layer = L.Conv2D(2, 3, kernel_regularizer=L2(0.1))
    assert layer.regularization_loss() is None  # not built yet
    model = gn.Sequential([layer, L.Flatten(), L.Dense(1)], seed=0)
    model(np.zeros((1, 1, 5, 5)))
    expected = 0.1 * np.sum(layer.W.numpy().astype(np.float64) ** 2)
    assert layer.regularization_loss().item() == pytest.approx(expected, rel=1e-5)
    assert model.regularization_loss().item() == pytest.approx(expected, rel=1e-5)
    assert L.Conv2D(2, 3).regularization_loss() is None


@pytest.mark.parametrize("layer", [
    L.Conv2D(4, (3, 2), stride=(2, 1), padding="same", dilation=(1, 2), use_bias=False,
             activation="relu", kernel_initializer="he_uniform", kernel_regularizer="l2", name="c"),
    L.Conv2D(4, 3, padding=(1, 2)),
    L.Conv1D(5, 4, stride=2, padding=1, dilation=2),
    L.MaxPool2D((2, 3), stride=1, padding=(1, 1)),
    L.AvgPool2D(3),
    L.MaxPool1D(3, stride=2),
    L.GlobalAvgPool2D(),
])
def test_config_round_trips_through_json(layer):
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert clone.get_config() == layer.get_config()


def test_conv_layer_accepts_any_image_size_after_the_build():
    layer = L.Conv2D(2, 3, padding="same")
    assert layer(np.zeros((1, 1, 6, 6))).shape == (1, 2, 6, 6)
    assert layer(np.zeros((3, 1, 9, 5))).shape == (3, 2, 9, 5)


def test_a_batch_gives_the_same_outputs_as_its_samples_one_by_one():
    model = gn.Sequential([L.Conv2D(3, 3, activation="relu"), L.MaxPool2D(2), L.Flatten(), L.Dense(2)],
                          seed=0)
    x = np.random.default_rng(3).normal(size=(4, 2, 8, 8)).astype(np.float32)
    batched = model(x).numpy()
    single = np.concatenate([model(x[i:i + 1]).numpy() for i in range(4)])
    np.testing.assert_allclose(batched, single, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: L.Conv2D(2, 3)(np.zeros((1, 8, 8))), r"\(N, C, H, W\).*3-D"),
    (lambda: L.Conv1D(2, 3)(np.zeros((1, 1, 8, 8))), r"\(N, C, L\)"),
    (lambda: L.MaxPool2D(2)(np.zeros((8, 8))), r"\(N, C, H, W\)"),
    (lambda: L.GlobalAvgPool2D()(np.zeros((2, 8))), r"\(N, C, H, W\)"),
    (lambda: L.Conv2D(2, 5)(np.zeros((1, 1, 3, 3))), r"padded input"),
    (lambda: L.Conv2D(0, 3), r"filters must be a positive integer"),
    (lambda: L.Conv2D(2, 3, padding="full"), r"'valid', 'same'"),
    (lambda: L.Conv2D(2, 0), r"kernel_size must be >= 1"),
    (lambda: L.MaxPool2D(2, padding=2), None),
])
def test_bad_input_raises_a_clear_error(call, message):
    if message is None:  # the padding rule is checked when the window meets an input
        with pytest.raises(ValueError, match="more than half the pool size"):
            call()(np.zeros((1, 1, 8, 8)))
        return
    with pytest.raises(ValueError, match=message):
        call()


def test_channel_mismatch_after_the_build_names_both_counts():
    layer = L.Conv2D(2, 3)
    layer(np.zeros((1, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"built for 3 input channels.*received 1"):
        layer(np.zeros((1, 1, 8, 8)))


def test_a_small_cnn_learns_the_digits():
    """examples/cnn_digits.py: two conv + pool blocks and a dense head, >= 98% test accuracy
    (about 4 s of training on two cores; 98.7% to 99.6% over ten seeds and splits)."""
    spec = importlib.util.spec_from_file_location("cnn_digits", EXAMPLES / "cnn_digits.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    _, accuracy, _ = example.train(epochs=20, seed=0)
    assert accuracy >= 0.98


def test_inference_gives_the_training_forward_values():
    """Without a graph the relu is applied in place; the values are the same."""
    layer, x = _float64(L.Conv2D(3, 3, padding=1, activation="relu"), (2, 2, 6, 6))
    with gn.no_grad():
        inferred = layer(gn.tensor(x, dtype=np.float64)).numpy()
    trained = layer(gn.tensor(x, dtype=np.float64))
    assert trained.requires_grad and (inferred == 0).any()
    np.testing.assert_array_equal(inferred, trained.numpy())
