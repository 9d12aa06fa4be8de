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
