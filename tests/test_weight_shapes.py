"""Each layer declares the shapes of the weights it builds, before building them: what
model files are checked against must be what ``build`` creates."""

import numpy as np
import pytest

from glassnet.layers import BatchNormalization, Conv1D, Conv2D, Dense, Dropout, Flatten

CASES = [
    (lambda: Dense(4), (3,)),
    (lambda: Dense(2, use_bias=False), (7,)),
    (lambda: Conv2D(3, 2), (2, 5, 5)),
    (lambda: Conv2D(1, (2, 3), use_bias=False), (1, 6, 6)),
    (lambda: Conv1D(5, 3), (2, 9)),
    (lambda: BatchNormalization(), (6,)),
    (lambda: BatchNormalization(), (3, 4, 4)),
    (lambda: Dropout(0.5), (3,)),
    (lambda: Flatten(), (2, 3)),
]


@pytest.mark.parametrize("make, shape", CASES)
def test_declared_shapes_are_the_built_ones(make, shape):
    layer = make()
    declared = layer.weight_shapes(shape)
    layer.ensure_built(shape, np.float32)
    built = {name: tuple(p.shape) for name, p in layer.named_parameters()}
    built.update({name: getattr(layer, name).shape for name in layer._buffers})
    assert declared == built


@pytest.mark.parametrize("make, shape", [(lambda: Dense(4), (3, 2)), (lambda: Conv2D(2, 2), ())])
def test_an_input_the_layer_refuses_declares_nothing(make, shape):
    assert make().weight_shapes(shape) == {}
