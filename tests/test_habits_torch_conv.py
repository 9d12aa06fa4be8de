"""PyTorch's spellings on the convolutional path: they work with PyTorch's meaning, or fail at once
with glassnet's spelling."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import Conv1D, Conv2D, Conv2DTranspose

CONVS = [(Conv2D, "Conv2d"), (Conv1D, "Conv1d"), (Conv2DTranspose, "ConvTranspose2d")]


@pytest.mark.parametrize(("layer", "torch_name"), CONVS)
def test_in_channels_is_refused_with_the_glassnet_spelling(layer, torch_name):
    with pytest.raises(TypeError, match=rf"in_channels.*nn\.{torch_name}.*{layer.__name__}\(8, kernel_size"):
        layer(in_channels=1, out_channels=8, kernel_size=3)


@pytest.mark.parametrize(("layer", "_"), CONVS)
def test_out_channels_is_filters(layer, _):
    assert layer(out_channels=8, kernel_size=3).filters == 8
    with pytest.raises(ValueError, match="filters or its PyTorch spelling out_channels, not both"):
        layer(4, 3, out_channels=8)


@pytest.mark.parametrize(("layer", "_"), CONVS)
def test_filters_and_kernel_size_are_required(layer, _):
    with pytest.raises(TypeError, match=r"filters \(the number of kernels"):
        layer(kernel_size=3)
    with pytest.raises(TypeError, match="kernel_size"):
        layer(8)


@pytest.mark.parametrize(("layer", "_"), CONVS)
def test_bias_false_is_use_bias_false(layer, _):
    shape = (1, 2, 6, 6) if layer is not Conv1D else (1, 2, 6)
    without = layer(4, 3, bias=False)
    without(np.zeros(shape, dtype=np.float32))
    assert without.b is None and not without.use_bias
    with_bias = layer(4, 3, bias=True)
    with_bias(np.zeros(shape, dtype=np.float32))
    assert with_bias.b is not None
    assert layer.from_config(without.get_config()).use_bias is False


@pytest.mark.parametrize("bias", ["yes", 1.5, None])
def test_bias_must_be_a_bool(bias):
    if bias is None:
        assert Conv2D(4, 3, bias=None).use_bias
        return
    with pytest.raises(TypeError, match=rf"bias must be True or False.*got {bias!r}"):
        Conv2D(4, 3, bias=bias)


def test_bias_true_and_use_bias_false_contradict():
    with pytest.raises(ValueError, match="use_bias=False and bias=True contradict"):
        Conv2D(4, 3, bias=True, use_bias=False)


@pytest.mark.parametrize("name", ["MaxPool2D", "AvgPool2D", "MaxPool1D"])
def test_pool_kernel_size_is_pool_size(name):
    layer = getattr(gn.layers, name)(kernel_size=3)
    assert layer.pool_size == getattr(gn.layers, name)(3).pool_size and layer.stride == layer.pool_size
    with pytest.raises(ValueError, match="pool_size or its PyTorch spelling kernel_size, not both"):
        getattr(gn.layers, name)(3, kernel_size=2)


@pytest.mark.parametrize(("torch_name", "ours"), [
    ("Conv2d", "Conv2D"), ("Conv1d", "Conv1D"), ("ConvTranspose2d", "Conv2DTranspose"),
    ("MaxPool2d", "MaxPool2D"), ("AvgPool2d", "AvgPool2D"), ("MaxPool1d", "MaxPool1D"),
    ("Linear", "Dense"), ("BatchNorm2d", "BatchNormalization"), ("BatchNorm1d", "BatchNormalization"),
    ("AdaptiveAvgPool2d", "GlobalAvgPool2D")])
def test_torch_layer_names_give_the_glassnet_name(torch_name, ours):
    with pytest.raises(AttributeError, match=rf"no {torch_name} \(PyTorch's name\).*{ours}"):
        getattr(gn.layers, torch_name)


def test_gn_nn_points_to_layers():
    with pytest.raises(AttributeError, match=r"torch\.nn.*gn\.layers.*gn\.Module"):
        gn.nn  # noqa: B018


IMAGES = gn.tensor(np.arange(2 * 2 * 6 * 6, dtype=np.float32).reshape(2, 2, 6, 6))
KERNELS = gn.tensor(np.ones((3, 2, 3, 3), dtype=np.float32))


def test_functional_conv_takes_pytorchs_bias_keyword():
    F = gn.functional
    b = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    expected = F.conv2d(IMAGES, KERNELS, b, 1, 1).numpy()
    np.testing.assert_array_equal(F.conv2d(IMAGES, KERNELS, bias=b, stride=1, padding=1, groups=1).numpy(),
                                  expected)
    signals, kernels = IMAGES[:, :, 0, :], KERNELS[:, :, 0, :]
    np.testing.assert_array_equal(F.conv1d(signals, kernels, bias=b).numpy(),
                                  F.conv1d(signals, kernels, b).numpy())
    with pytest.raises(ValueError, match="give b or its PyTorch spelling bias, not both"):
        F.conv2d(IMAGES, KERNELS, b, bias=b)


@pytest.mark.parametrize(("call", "option"), [
    (lambda F: F.conv2d(IMAGES, KERNELS, None, 1, 0, 1, 2), "groups=2"),
    (lambda F: F.conv1d(IMAGES[:, :, 0, :], KERNELS[:, :, 0, :], groups=2), "groups=2"),
    (lambda F: F.max_pool2d(IMAGES, 4, ceil_mode=True), "ceil_mode=True"),
    (lambda F: F.max_pool2d(IMAGES, 2, return_indices=True), "return_indices=True"),
    (lambda F: F.max_pool1d(IMAGES[:, :, 0, :], 4, ceil_mode=True), "ceil_mode=True"),
    (lambda F: F.avg_pool2d(IMAGES, 3, 1, 1, count_include_pad=False), "count_include_pad=False"),
    (lambda F: F.avg_pool2d(IMAGES, 2, divisor_override=3), "divisor_override=3"),
])
def test_functional_torch_options_glassnet_lacks_are_refused(call, option):
    with pytest.raises(ValueError, match=rf"{option} \(PyTorch's option\) is not supported"):
        call(gn.functional)


def test_functional_torch_options_at_glassnets_meaning_are_accepted():
    F = gn.functional
    np.testing.assert_array_equal(F.max_pool2d(IMAGES, 2, None, 0, 1, False, False).numpy(),
                                  F.max_pool2d(IMAGES, 2).numpy())
    np.testing.assert_array_equal(
        F.avg_pool2d(IMAGES, 2, ceil_mode=False, count_include_pad=True, divisor_override=None).numpy(),
        F.avg_pool2d(IMAGES, 2).numpy())


@pytest.mark.parametrize(("layer", "torch_name"), CONVS)
def test_pytorchs_positional_order_is_refused(layer, torch_name):
    """nn.Conv2d(1, 8, 3) would otherwise be read as 1 filter of 8 x 8 with stride 3."""
    with pytest.raises(TypeError, match=rf"nn\.{torch_name}\(in_channels, out_channels, kernel_size\) is "
                                        rf"{layer.__name__}\(out_channels, kernel_size\).*stride="):
        layer(1, 8, 3)


@pytest.mark.parametrize(("layer", "_"), CONVS)
def test_the_other_arguments_by_name_still_work(layer, _):
    built = layer(8, 3, stride=2, padding="same", use_bias=False, activation="relu", name="c")
    assert (built.stride[-1], built.padding, built.use_bias, built.name) == (2, "same", False, "c")
    assert layer(8, 3, strides=2).stride == built.stride


class _TorchStyleNet(gn.Module):
    def __init__(self):
        super().__init__()
        self.conv = Conv2D(4, 3, padding="same", input_shape=(1, 6, 6))
        self.fc = gn.layers.Dense(3, input_dim=4 * 3 * 3)

    def forward(self, x):
        return self.fc(gn.functional.max_pool2d(self.conv(x).relu(), 2).flatten(1))


def test_a_convolution_told_its_input_shape_has_its_weights_before_any_data():
    """As nn.Conv2d: an optimizer made before the first batch trains the convolution too."""
    net = _TorchStyleNet()
    assert net.conv.W is not None and net.conv.W.shape == (4, 1, 3, 3)
    optimizer = gn.optim.SGD(net.parameters(), lr=0.1)
    assert len(optimizer.param_groups[0]["params"]) == 4
    before = net.conv.W.numpy().copy()
    loss = gn.functional.cross_entropy(net(IMAGES[:, :1]), np.array([0, 2]))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    assert not np.array_equal(net.conv.W.numpy(), before)
    assert Conv1D(4, 3, input_shape=(2, 10)).W.shape == (4, 2, 3)
    assert Conv2DTranspose(4, 3, output_padding=1, strides=2, input_shape=(2, 6, 6)).W.shape == (2, 4, 3, 3)


@pytest.mark.parametrize(("shape", "data_format", "images"), [
    ((6, 6, 2), "channels_last", np.zeros((2, 6, 6, 2))),
    ((6, 6, 1), "channels_last", np.zeros((2, 6, 6, 1))),
    ((2, 6, 6), None, np.zeros((2, 2, 6, 6)))])
def test_a_model_still_gives_its_layout_to_a_convolution_told_its_input_shape(shape, data_format, images):
    model = gn.Sequential([Conv2D(4, 3, input_shape=shape), gn.layers.Flatten(), gn.layers.Dense(2)],
                          data_format=data_format, seed=0)
    channels = shape[-1] if data_format == "channels_last" else shape[0]
    assert model.layers[0].W.shape == (4, channels, 3, 3)
    with pytest.warns(UserWarning, match="never trained"):
        assert model.predict(images, verbose=0).shape == (2, 2)
