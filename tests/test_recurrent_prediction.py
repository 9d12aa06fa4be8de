"""The recurrent ops without gradients (a prediction keeps one step's gates and states in
reused buffers) give the bits of the forward that keeps every step for backward."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops.recurrent import GRUSequence, LSTMSequence, SimpleRNNSequence
from glassnet.tensor import Tensor


@pytest.mark.parametrize("cls, states, gates", [(SimpleRNNSequence, 1, 1), (LSTMSequence, 2, 4),
                                                (GRUSequence, 1, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("masked, reverse", [(False, False), (True, True)])
def test_the_forward_without_gradients_gives_the_same_bits(cls, states, gates, dtype, masked, reverse):
    rng = np.random.default_rng(gates)
    N, T, F, H = 4, 6, 3, 5
    shapes = [(N, T, F), *[(N, H)] * states, (F, gates * H), (H, gates * H), (gates * H,), (gates * H,)]
    inputs = [Tensor(rng.normal(size=shape).astype(dtype), requires_grad=True) for shape in shapes]
    mask = [Tensor(rng.random((N, T)) > 0.3)] if masked else []
    recurrent_mask = (rng.random((N, H)) > 0.2).astype(dtype)
    options = dict(masked=masked, reverse=reverse, recurrent_mask=recurrent_mask)
    kept = cls.apply(*inputs, *mask, **options)
    with gn.no_grad():
        reused = cls.apply(*inputs, *mask, **options)
    assert kept.requires_grad and not reused.requires_grad
    assert reused.data.tobytes() == kept.data.tobytes()
