"""Property tests: broadcasting and reductions on random shapes, against PyTorch (float64)."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import glassnet as gn

F = gn.functional
PROPERTY = settings(max_examples=40)

BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "pow": (lambda a, b: a**b, lambda a, b: a**b),
    "maximum": (F.maximum, torch.maximum),
    "minimum": (F.minimum, torch.minimum),
    "where": (lambda a, b: gn.where(a > b, a, b), lambda a, b: torch.where(a > b, a, b)),
}


def _compare(gn_fn, torch_fn, arrays, upstream_seed):
    leaves = [gn.tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    out = gn_fn(*leaves)
    upstream = np.random.default_rng(upstream_seed).standard_normal(out.shape)
    out.backward(upstream)
    t_leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
    t_out = torch_fn(*t_leaves)
    t_out.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-6, atol=1e-12)
    for gn_leaf, t_leaf, a in zip(leaves, t_leaves, arrays, strict=True):
        assert gn_leaf.grad.shape == a.shape
        np.testing.assert_allclose(gn_leaf.grad, t_leaf.grad.numpy(), rtol=1e-6, atol=1e-12)


@PROPERTY
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
       op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**32 - 1))
def test_binary_ops_undo_broadcasting_in_backward(shapes, op, seed):
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a = rng.uniform(0.5, 2.0, a_shape)  # positive: a valid base for pow
    b = rng.choice([-1.0, 1.0], b_shape) * rng.uniform(0.5, 2.0, b_shape)  # away from 0: a valid divisor
    _compare(*BINARY[op], [a, b], seed)


@PROPERTY
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), target=st.integers(0, 4),
       seed=st.integers(0, 2**32 - 1))
def test_broadcast_to_and_matmul_gradients_have_the_parents_shapes(shape, target, seed):
    rng = np.random.default_rng(seed)
    x_shape = tuple(1 if i % 2 else n for i, n in enumerate(shape))  # every other axis broadcast
    out_shape = (target + 1,) + shape
    x = rng.normal(size=x_shape)
    _compare(lambda t: F.broadcast_to(t, out_shape), lambda t: torch.broadcast_to(t, out_shape), [x], seed)
    x, w = rng.normal(size=shape), rng.normal(size=(shape[-1], target + 1))
    _compare(lambda t, W: t @ W, lambda t, W: t @ W, [x, w], seed)


@st.composite
def reduction_cases(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=4, max_side=3))
    ndim = len(shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-ndim, ndim - 1))
    else:
        axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
        axis = tuple(ax - ndim if draw(st.booleans()) else ax for ax in axes)
    return shape, axis, draw(st.booleans())


REDUCTIONS = {
    "sum": (lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
            lambda t, dims, keepdim: torch.sum(t, dim=dims, keepdim=keepdim)),
    "mean": (lambda x, axis, keepdims: x.mean(axis=axis, keepdims=keepdims),
             lambda t, dims, keepdim: torch.mean(t, dim=dims, keepdim=keepdim)),
    "max": (lambda x, axis, keepdims: x.max(axis=axis, keepdims=keepdims),
            lambda t, dims, keepdim: torch.amax(t, dim=dims, keepdim=keepdim)),
    "logsumexp": (lambda x, axis, keepdims: F.logsumexp(x, axis=axis, keepdims=keepdims),
                  lambda t, dims, keepdim: torch.logsumexp(t, dim=dims, keepdim=keepdim)),
}


@PROPERTY
@given(case=reduction_cases(), op=st.sampled_from(sorted(REDUCTIONS)), ties=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_reductions_over_any_axes_match_torch(case, op, ties, seed):
    shape, axis, keepdims = case
    rng = np.random.default_rng(seed)
    # With ties (values drawn from three levels), max must share the gradient as torch.amax does.
    x = rng.integers(0, 3, shape).astype(np.float64) if ties else rng.normal(size=shape)
    dims = tuple(range(len(shape))) if axis is None else axis
    gn_fn, torch_fn = REDUCTIONS[op]
    _compare(lambda t: gn_fn(t, axis, keepdims), lambda t: torch_fn(t, dims, keepdims), [x], seed)
