"""Public arguments of tensors, ops, layers and initializers are checked up front, in
glassnet's words: the message names the argument, the value received and what is accepted.
Keras's and PyTorch's spellings either work the same or fail with glassnet's spelling."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import initializers
from glassnet.layers import (
    AvgPool2D,
    BatchNormalization,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    MaxPool1D,
    MaxPool2D,
    Reshape,
)

F = gn.functional
RNG = np.random.default_rng(0)

BAD = {
    # tensors
    "tensor dtype name": (lambda: gn.tensor([1.0], dtype="floaty"), TypeError, "dtype must be a floating"),
    "tensor dtype int": (lambda: gn.tensor([1.0], dtype="int32"), TypeError, "got 'int32'"),
    "tensor of None": (lambda: gn.tensor(None), TypeError, "needs numbers: got None"),
    "tensor of text": (lambda: gn.tensor("abc"), TypeError, "array of real numbers"),
    "ragged tensor": (lambda: gn.tensor([[1.0, 2.0], [3.0]]), TypeError, "nested lists of equal lengths"),
    "requires_grad text": (lambda: gn.tensor([1.0], requires_grad="yes"), TypeError,
                           "requires_grad must be True or False, got 'yes'"),
    "tensor name": (lambda: gn.Tensor([1.0], name=5), TypeError, "name must be a str or None, got 5"),
    "astype int": (lambda: gn.tensor([1.0]).astype("int32"), TypeError, "dtype must be a floating"),
    "clip bound": (lambda: gn.tensor([1.0]).clip("a"), TypeError, "clip: low must be a real number"),
    # axes
    "sum axis float": (lambda: gn.tensor([[1.0]]).sum(axis=1.5), TypeError, "sum: axis must be an int"),
    "mean axis range": (lambda: gn.tensor([[1.0]]).mean(axis=(0, 5)), ValueError,
                        "mean: axis 5 is out of range.*use -2 to 1"),
    "softmax axis": (lambda: gn.activations.softmax(gn.tensor([[1.0]]), axis=5), ValueError,
                     "softmax: axis 5 is out of range"),
    "log_softmax axis": (lambda: gn.activations.log_softmax(gn.tensor([[1.0]]), axis=-3), ValueError,
                         "log_softmax: axis -3 is out of range"),
    "concatenate axis": (lambda: F.concatenate([gn.tensor([[1.0]])], axis=5), ValueError,
                         "concatenate: axis 5 is out of range"),
    "stack axis": (lambda: F.stack([gn.tensor([1.0])], axis=5), ValueError, "stack: axis 5 is out of range"),
    "transpose axis": (lambda: gn.tensor([[1.0]]).transpose(0, 5), ValueError,
                       "transpose: axis 5 is out of range"),
    "transpose repeated": (lambda: gn.tensor([[1.0]]).transpose(0, 0), ValueError,
                           "each of the 2 axes once"),
    "leaky_relu slope": (lambda: gn.activations.leaky_relu(gn.tensor([1.0]), slope="a"), TypeError,
                         "leaky_relu: slope must be a real number, got 'a'"),
    "leaky_relu slope nan": (lambda: gn.activations.leaky_relu(gn.tensor([1.0]), slope=math.nan), ValueError,
                             "leaky_relu: slope must be a finite number, got nan"),
    "elu alpha": (lambda: gn.activations.elu(gn.tensor([1.0]), alpha=None), TypeError,
                  "elu: alpha must be a real number"),
    "initializer inf": (lambda: gn.initializers.Constant(float("inf")), ValueError,
                        "value must be a finite number, got inf"),
    # layers
    "use_bias": (lambda: Dense(3, use_bias="no"), TypeError, "use_bias must be True or False, got 'no'"),
    "kernel_initializer": (lambda: Dense(3, kernel_initializer="foo"), ValueError,
                           "unknown initializer 'foo'; valid names are"),
    "bias_initializer": (lambda: Conv2D(3, 3, bias_initializer="foo"), ValueError,
                         "unknown initializer 'foo'"),
    "input_dim bool": (lambda: Dense(3, input_dim=True), ValueError, "input_dim must be a positive integer"),
    "layer name": (lambda: Dense(3, name=5), TypeError, "Dense: name must be a str or None, got 5"),
    "dropout seed": (lambda: Dropout(0.5, seed=-1), ValueError, "seed must be an integer >= 0 or None"),
    "dropout seed float": (lambda: Dropout(0.5, seed=1.5), ValueError, "seed must be an integer >= 0"),
    "reshape zero": (lambda: Reshape((0, 3)), ValueError, "target_shape must be a tuple of positive ints"),
    "reshape text": (lambda: Reshape("ab"), ValueError, "target_shape must be a tuple"),
    "reshape two -1": (lambda: Reshape((-1, -1)), ValueError, "one of which may be -1"),
    "reshape float": (lambda: Reshape((2.5,)), ValueError, "target_shape"),
    "conv stride twice": (lambda: Conv2D(3, 3, stride=2, strides=3), ValueError,
                          "give stride or its Keras spelling strides, not both"),
    "pool padding same": (lambda: MaxPool2D(2, padding="same"), ValueError,
                          "padding must be 'valid' \\(0\\), an int or a pair"),
    "batch norm axis": (lambda: BatchNormalization(axis=2), ValueError, "axis must be 1, the channel axis"),
    "batch norm axis -1 on images": (lambda: BatchNormalization(axis=-1)(np.zeros((2, 3, 4, 4))), ValueError,
                                     "use axis=1"),
    # initializers
    "initializer shape float": (lambda: initializers.GlorotUniform()((2.5, 2), RNG), TypeError,
                                "shape must be a tuple of ints"),
    "initializer dtype name": (lambda: initializers.GlorotUniform()((2, 2), RNG, "floaty"), TypeError,
                               "dtype must be float32 or float64, got 'floaty'"),
}


@pytest.mark.parametrize("call, error, match", BAD.values(), ids=BAD.keys())
def test_bad_arguments_are_refused_in_glassnet_s_words(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_keras_spellings_of_layer_arguments_work_the_same():
    assert Conv2D(4, 3, strides=2).stride == Conv2D(4, 3, stride=2).stride == (2, 2)
    assert Conv2D(4, 3, dilation_rate=2).dilation == (2, 2)
    assert Conv1D(4, (3,)).kernel_size == (3,)
    assert MaxPool2D(2, strides=1).stride == (1, 1)
    assert MaxPool1D(2, strides=1).stride == (1,)
    assert AvgPool2D(2, padding="valid").padding == (0, 0)
    layer = BatchNormalization(axis=-1)
    assert layer(np.ones((4, 3))).shape == (4, 3)
    assert BatchNormalization.from_config(layer.get_config()).axis == -1


def test_numpy_scalars_are_accepted_where_numbers_are():
    assert Dropout(np.float32(0.5)).rate == 0.5
    assert BatchNormalization(momentum=np.float64(0.2)).momentum == 0.2
    assert Dense(np.int64(3), input_dim=np.int64(2)).units == 3


def test_keras_batch_norm_momentum_warns_that_the_convention_is_pytorch_s():
    with pytest.warns(UserWarning, match="Keras's momentum=0.99 is momentum=0.01 here"):
        BatchNormalization(momentum=0.99)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BatchNormalization(momentum=0.1)
