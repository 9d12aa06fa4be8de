"""Conv2DTranspose and UpSampling2D: equal to PyTorch's ConvTranspose2d and interpolate in
float64 (outputs and every gradient), Keras's output sizes, both layouts, model files, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as tnf

import glassnet as gn

L = gn.layers


def _run(layer, x, upstream_seed=1):
    """Forward and backward of ``layer`` in float64 with a random upstream gradient."""
    xt = gn.tensor(x, requires_grad=True, dtype=np.float64)
    y = layer(xt)
    g = np.random.default_rng(upstream_seed).standard_normal(y.shape)
    y.backward(g)
    return y.data, xt.grad, g


@pytest.mark.parametrize("options", [
    {"stride": 1, "padding": 0},
    {"stride": 2, "padding": 1, "output_padding": 1},
    {"stride": (2, 3), "padding": (0, 1), "output_padding": (1, 2)},
    {"stride": 2, "padding": 0, "dilation": 2},
    {"stride": 1, "padding": 2, "dilation": (2, 1)},
])
def test_conv2d_transpose_equals_torch(options):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 5, 4))
    layer = L.Conv2DTranspose(4, (3, 2), **options)
    layer.ensure_built((3, 5, 4), np.float64)
    layer.W.data[...] = rng.normal(size=layer.W.shape)
    layer.b.data[...] = rng.normal(size=4)
    y, gx, g = _run(layer, x)
    ref = torch.nn.ConvTranspose2d(3, 4, (3, 2), **options).double()
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(layer.W.data))
        ref.bias.copy_(torch.from_numpy(layer.b.data))
    xt = torch.tensor(x, requires_grad=True)
    yt = ref(xt)
    (yt * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.W.grad, ref.weight.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.b.grad, ref.bias.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kernel, stride, padding, output_padding, expected", [
    (3, 2, "same", None, (10, 8)),        # H s
    (3, 2, "valid", None, (11, 9)),       # H s + max(k - s, 0)
    (2, 3, "valid", None, (15, 12)),      # kernel below the stride: H s
    (4, 2, "same", None, (10, 8)),
    (3, 2, "same", 1, (10, 8)),           # Keras: (H - 1) s + k - 2 (k // 2) + output_padding
    (3, 2, "valid", 0, (11, 9)),
])
def test_keras_output_sizes(kernel, stride, padding, output_padding, expected):
    layer = L.Conv2DTranspose(2, kernel, strides=stride, padding=padding, output_padding=output_padding)
    assert layer(np.zeros((1, 1, 5, 4))).shape == (1, 2, *expected)
    assert layer.compute_output_shape((1, 5, 4)) == (2, *expected)


def test_same_crops_keras_side_of_the_full_output():
    """"same" with an odd overhang crops the extra row at the end, as TensorFlow's conv2d_transpose."""
    rng = np.random.default_rng(3)
    layer = L.Conv2DTranspose(2, 3, strides=2, padding="same", use_bias=False)
    x = rng.normal(size=(1, 1, 3, 3))
    y = layer(gn.tensor(x, dtype=np.float64)).data
    full = tnf.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(layer.W.data.astype(np.float64)),
                                stride=2).numpy()
    np.testing.assert_allclose(y, full[:, :, :6, :6], rtol=1e-12)


def test_channels_last_equals_channels_first():
    rng = np.random.default_rng(1)
    first = L.Conv2DTranspose(3, 3, strides=2, padding="same")
    last = L.Conv2DTranspose(3, 3, strides=2, padding="same", data_format="channels_last")
    x = rng.normal(size=(2, 2, 4, 5)).astype(np.float32)
    first.ensure_built((2, 4, 5), np.float32)
    last.ensure_built((4, 5, 2), np.float32)
    last.W.data[...], last.b.data[...] = first.W.data, first.b.data
    np.testing.assert_allclose(last(x.transpose(0, 2, 3, 1)).data, first(x).data.transpose(0, 2, 3, 1),
                               rtol=1e-6)


@pytest.mark.parametrize("interpolation, mode", [("nearest", "nearest"), ("bilinear", "bilinear")])
@pytest.mark.parametrize("size", [2, (3, 2), (1, 4)])
def test_upsampling_equals_torch(interpolation, mode, size):
    x = np.random.default_rng(2).normal(size=(2, 3, 4, 3))
    y, gx, g = _run(L.UpSampling2D(size, interpolation=interpolation), x)
    scale = (size, size) if isinstance(size, int) else size
    xt = torch.tensor(x, requires_grad=True)
    extra = {} if mode == "nearest" else {"align_corners": False}
    yt = tnf.interpolate(xt, scale_factor=scale, mode=mode, **extra)
    (yt * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_upsampling_channels_last():
    x = np.arange(12.0).reshape(1, 2, 3, 2)
    y = L.UpSampling2D(2, data_format="channels_last")(x)
    np.testing.assert_array_equal(y.data, x.repeat(2, axis=1).repeat(2, axis=2))


def _conv_autoencoder(seed=0):
    x = gn.Input((1, 8, 8))
    h = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    h = L.MaxPool2D(2)(h)
    h = L.UpSampling2D(2, interpolation="bilinear")(h)
    h = L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1, activation="relu")(h)
    out = L.Conv2D(1, 2, strides=2)(h)
    return gn.Model(x, out, seed=seed)


def test_conv_autoencoder_trains_saves_and_replays_the_graph_bits(tmp_path):
    X = np.random.default_rng(0).uniform(size=(16, 1, 8, 8)).astype(np.float32)
    models = []
    for reference in (False, True):
        model = _conv_autoencoder()
        model.compile("adam", "mse")
        if reference:
            with gn.reference():
                history = model.fit(X, X, epochs=3, batch_size=8, verbose=0, seed=0).history
        else:
            history = model.fit(X, X, epochs=3, batch_size=8, verbose=0, seed=0).history
        models.append((model, history))
    (fast, h_fast), (ref, h_ref) = models
    assert h_fast == h_ref
    assert h_fast["loss"][-1] < h_fast["loss"][0]
    for p, q in zip(fast.parameters(), ref.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    path = tmp_path / "ae.gn"
    fast.save(path)
    loaded = gn.load(path)
    kinds = [type(layer).__name__ for layer in fast.layers]
    assert [type(layer).__name__ for layer in loaded.layers] == kinds
    np.testing.assert_array_equal(loaded.predict(X), fast.predict(X))


@pytest.mark.parametrize("make, message", [
    (lambda: L.Conv2DTranspose(2, 3, strides=2, output_padding=2), "output_padding"),
    (lambda: L.Conv2DTranspose(2, 3, padding="full"), "padding"),
    (lambda: L.Conv2DTranspose(0, 3), "filters"),
    (lambda: L.UpSampling2D(2, interpolation="bicubic"), "interpolation"),
    (lambda: L.UpSampling2D(0), "size"),
])
def test_argument_errors(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_input_errors_name_the_layout():
    layer = L.Conv2DTranspose(2, 3)
    layer(np.zeros((1, 3, 4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="built for 3 input channels"):
        layer(np.zeros((1, 2, 4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="4-D"):
        layer(np.zeros((1, 4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="UpSampling2D"):
        L.UpSampling2D()(np.zeros((2, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="crops the whole output"):
        L.Conv2DTranspose(1, 1, padding=1)(np.zeros((1, 1, 1, 1), dtype=np.float32))
