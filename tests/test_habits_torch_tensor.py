"""Tensor methods as PyTorch users call them: each differentiable one against PyTorch and
central finite differences (float64 and float32, through the helper of tests/specs.py); the
others against PyTorch's values; and the spellings where PyTorch and NumPy disagree."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from specs import CUBE, UNARY, Spec, helper_test_spec, spec_cases

import glassnet as gn

F = gn.functional
MATRIX = (((3, 4),),)

METHODS: tuple[Spec, ...] = (
    Spec("relu", lambda a: a.relu(), lambda a: a.relu(), UNARY, "nonzero"),
    Spec("sigmoid", lambda a: a.sigmoid(), lambda a: a.sigmoid(), UNARY),
    Spec("tanh", lambda a: a.tanh(), lambda a: a.tanh(), UNARY),
    Spec("exp", lambda a: a.exp(), lambda a: a.exp(), UNARY),
    Spec("log", lambda a: a.log(), lambda a: a.log(), UNARY, "positive"),
    Spec("pow", lambda a: a.pow(3), lambda a: a.pow(3), UNARY),
    Spec("pow_tensor", lambda a, b: a.pow(b), lambda a, b: a.pow(b), (((3, 4), (4,)),), ("positive", "real")),
    Spec("sqrt", lambda a: a.sqrt(), lambda a: a.sqrt(), UNARY, "positive"),
    Spec("abs", lambda a: a.abs(), lambda a: a.abs(), UNARY, "nonzero"),
    Spec("sin", lambda a: a.sin(), lambda a: a.sin(), UNARY),
    Spec("cos", lambda a: a.cos(), lambda a: a.cos(), UNARY),
    Spec("F.sin", F.sin, torch.sin, UNARY),
    Spec("F.cos", F.cos, torch.cos, UNARY),
    Spec("clamp", lambda a: a.clamp(-0.5, 0.5), lambda a: a.clamp(-0.5, 0.5), UNARY),
    Spec("clamp_min", lambda a: a.clamp(min=0.1), lambda a: a.clamp(min=0.1), UNARY),
    Spec("clamp_max", lambda a: a.clamp(max=0.1), lambda a: a.clamp(max=0.1), UNARY),
    Spec("clip_min_max", lambda a: a.clip(min=-1, max=1), lambda a: a.clip(min=-1, max=1), UNARY),
    Spec("sum_dim", lambda a: a.sum(dim=1), lambda a: a.sum(dim=1), CUBE),
    Spec("sum_dims_keepdim", lambda a: a.sum(dim=(0, 2), keepdim=True),
         lambda a: a.sum(dim=(0, 2), keepdim=True), CUBE),
    Spec("mean_dim", lambda a: a.mean(dim=-1), lambda a: a.mean(dim=-1), CUBE),
    Spec("mean_dim_keepdim", lambda a: a.mean(1, keepdim=True), lambda a: a.mean(1, keepdim=True), CUBE),
    Spec("max", lambda a: a.max(), lambda a: a.max(), CUBE, "distinct"),
    Spec("max_dim_values", lambda a: a.max(dim=1).values, lambda a: a.max(dim=1).values, CUBE, "distinct"),
    Spec("max_dim_keepdim_first", lambda a: a.max(dim=-1, keepdim=True)[0],
         lambda a: a.max(dim=-1, keepdim=True)[0], CUBE, "distinct"),
    Spec("min", lambda a: a.min(), lambda a: a.min(), CUBE, "distinct"),
    Spec("min_dim_values", lambda a: a.min(dim=0).values, lambda a: a.min(dim=0).values, CUBE, "distinct"),
    Spec("min_axis", lambda a: a.min(axis=2), lambda a: torch.amin(a, dim=2), CUBE, "distinct"),
    Spec("max_positional", lambda a: a.max(1)[0], lambda a: a.max(1)[0], CUBE, "distinct"),
    Spec("max_dims", lambda a: a.max(dim=(0, 2)), lambda a: torch.amax(a, dim=(0, 2)), CUBE, "distinct"),
    Spec("functional_sum_dim_keepdim", lambda a: F.sum(a, dim=1, keepdim=True),
         lambda a: a.sum(dim=1, keepdim=True), CUBE),
    Spec("functional_mean_dim", lambda a: F.mean(a, dim=(0, 2)), lambda a: a.mean(dim=(0, 2)), CUBE),
    Spec("functional_max_dim_values", lambda a: F.max(a, dim=1).values, lambda a: torch.max(a, dim=1).values,
         CUBE, "distinct"),
    Spec("unsqueeze", lambda a: a.unsqueeze(1), lambda a: a.unsqueeze(1), MATRIX),
    Spec("unsqueeze_end", lambda a: a.unsqueeze(-1), lambda a: a.unsqueeze(-1), MATRIX),
    Spec("squeeze", lambda a: a.unsqueeze(0).squeeze(), lambda a: a.unsqueeze(0).squeeze(), MATRIX),
    Spec("squeeze_dim", lambda a: a.squeeze(1), lambda a: a.squeeze(1), (((3, 1, 4),),)),
    Spec("squeeze_dim_not_one", lambda a: a.squeeze(0), lambda a: a.squeeze(0), MATRIX),
    Spec("view", lambda a: a.view(4, 6), lambda a: a.view(4, 6), CUBE),
    Spec("view_infer", lambda a: a.view(-1), lambda a: a.view(-1), CUBE),
    Spec("reshape_tuple", lambda a: a.reshape((6, 4)), lambda a: a.reshape((6, 4)), CUBE),
    Spec("permute", lambda a: a.permute(2, 0, 1), lambda a: a.permute(2, 0, 1), CUBE),
    Spec("transpose_swap", lambda a: a.transpose(0, 1), lambda a: a.transpose(0, 1), MATRIX),
    Spec("transpose_swap_3d", lambda a: a.transpose(1, 2), lambda a: a.transpose(1, 2), CUBE),
    Spec("transpose_swap_negative", lambda a: a.transpose(-1, 0), lambda a: a.transpose(-1, 0), CUBE),
    Spec("T", lambda a: a.T, lambda a: a.T, MATRIX),
    Spec("flatten", lambda a: a.flatten(), lambda a: a.flatten(), CUBE),
    Spec("flatten_from_1", lambda a: a.flatten(1), lambda a: a.flatten(1), CUBE),
    Spec("flatten_middle", lambda a: a.flatten(0, 1), lambda a: a.flatten(0, 1), CUBE),
    Spec("softmax_dim", lambda a: F.softmax(a, dim=1), lambda a: torch.softmax(a, dim=1), CUBE),
    Spec("log_softmax_dim", lambda a: F.log_softmax(a, dim=0), lambda a: torch.log_softmax(a, dim=0), CUBE),
    Spec("softmax_method", lambda a: a.softmax(dim=-1), lambda a: a.softmax(dim=-1), MATRIX),
    Spec("log_softmax_method", lambda a: a.log_softmax(1), lambda a: a.log_softmax(1), MATRIX),
    Spec("add", lambda a, b: a.add(b), lambda a, b: a.add(b), (((3, 4), (4,)),)),
    Spec("sub", lambda a, b: a.sub(b), lambda a, b: a.sub(b), (((3, 4), (3, 4)),)),
    Spec("mul", lambda a, b: a.mul(b), lambda a, b: a.mul(b), (((3, 4), (3, 1)),)),
    Spec("div", lambda a, b: a.div(b), lambda a, b: a.div(b), (((3, 4), (4,)),), ("real", "nonzero")),
    Spec("neg", lambda a: a.neg(), lambda a: a.neg(), UNARY),
    Spec("matmul", lambda a, b: a.matmul(b), lambda a, b: a.matmul(b), (((3, 4), (4, 2)),)),
    Spec("mm", lambda a, b: a.mm(b), lambda a, b: a.mm(b), (((3, 4), (4, 2)),)),
    Spec("clone", lambda a: a.clone(), lambda a: a.clone(), UNARY),
)


@pytest.mark.parametrize("spec, shapes", spec_cases(METHODS))
def test_method_matches_torch_and_finite_differences(spec, shapes):
    helper_test_spec(spec, shapes)


def _pair(values):
    return gn.tensor(values), torch.tensor(values, dtype=torch.float32)


@pytest.mark.parametrize("call", [
    lambda t: t.argmax(), lambda t: t.argmax(dim=1), lambda t: t.argmax(1, keepdim=True),
    lambda t: t.argmin(dim=0), lambda t: t.max(dim=1).indices, lambda t: t.max(dim=1, keepdim=True)[1],
    lambda t: t.min(dim=-1).indices,
])
def test_indices_equal_torch(call):
    ours, theirs = _pair([[0.5, 3.0, -1.0], [2.0, -4.0, 7.0]])
    np.testing.assert_array_equal(call(ours), call(theirs).numpy())


def test_values_and_python_numbers_equal_torch():
    ours, theirs = _pair([[0.5, 3.0, -1.0], [2.0, -4.0, 7.0]])
    assert ours.tolist() == theirs.tolist()
    assert ours.sum().item() == theirs.sum().item()
    assert ours[1, 2].item() == theirs[1, 2].item()
    assert ours.size() == tuple(theirs.size()) and ours.size(1) == theirs.size(1) == ours.size(-1)
    assert ours.shape == tuple(theirs.shape) and ours.ndim == theirs.ndim == 2
    assert ours.size == ours.numpy().size == 6  # NumPy's meaning of the attribute stays
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.sum(dim=1).detach().requires_grad is False


def test_max_with_dim_unpacks_as_in_torch():
    x = gn.tensor([[0.5, 3.0, -1.0], [2.0, -4.0, 7.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(values.numpy(), [3.0, 7.0])
    np.testing.assert_array_equal(indices, [1, 2])
    _, predicted = x.min(dim=1)
    np.testing.assert_array_equal(predicted, [2, 1])
    np.testing.assert_array_equal(x.max(1)[1], [1, 2])
    np.testing.assert_array_equal(x.min(0, True).values.numpy(), [[0.5, -4.0, -1.0]])
    values.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [0, 0, 1]])


def test_axis_spelling_keeps_numpy_meaning():
    x = gn.tensor([[0.5, 3.0, -1.0], [2.0, -4.0, 7.0]])
    np.testing.assert_array_equal(x.max(axis=1).numpy(), [3.0, 7.0])
    np.testing.assert_array_equal(x.max(axis=(0, 1)).numpy(), 7.0)
    np.testing.assert_array_equal(x.min(axis=0, keepdims=True).numpy(), [[0.5, -4.0, -1.0]])
    np.testing.assert_array_equal(x.transpose(1, 0).numpy(), x.numpy().T)
    values = np.arange(24.0).reshape(2, 3, 4)
    cube = gn.tensor(values)
    np.testing.assert_array_equal(cube.transpose(2, 0, 1).numpy(), values.transpose(2, 0, 1))
    np.testing.assert_array_equal(cube.transpose((1, 0, 2)).numpy(), values.transpose((1, 0, 2)))


def test_float_double_clone_and_requires_grad_as_in_torch():
    x = gn.tensor([1.5, -2.0]).requires_grad_()
    assert x.requires_grad and x.double().dtype == np.float64 and x.double().float().dtype == np.float32
    y = x.clone()
    assert not np.shares_memory(y.numpy(), x.numpy())
    (x.double() * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])
    assert x.grad.dtype == np.float32
    assert x.detach().cpu().numpy() is x.numpy()
    assert x.numel() == 2 and x.dim() == 1
    with pytest.raises(RuntimeError, match="requires_grad_.False. applies to a leaf"):
        (x * 2).requires_grad_(False)


def test_zero_on_a_plain_tensor_is_in_place():
    x = gn.tensor([1.0, 2.0])
    same = x.zero_()
    assert same is x
    np.testing.assert_array_equal(x.numpy(), [0.0, 0.0])


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda x: x.sum(axis=0, dim=1), TypeError, r"sum: give axis= or PyTorch's dim= \(the same thing\)"),
    (lambda x: x.mean(keepdims=True, keepdim=False), TypeError, "give keepdims= or PyTorch's keepdim="),
    (lambda x: x.max(gn.tensor([1.0, 2.0])), TypeError, r"use gn.functional.maximum\(x, y\)"),
    (lambda x: x.min(dim=gn.tensor([1.0])), TypeError, r"use gn.functional.minimum\(x, y\)"),
    (lambda x: x.max(dim=1, axis=0), TypeError, r"max: give axis= or PyTorch's dim="),
    (lambda x: x.max(dim=2), ValueError, "max: axis 2 is out of range"),
    (lambda x: x.argmax(dim=3), ValueError, "argmax: axis 3 is out of range"),
    (lambda x: x.unsqueeze(4), ValueError, "unsqueeze: axis 4 is out of range"),
    (lambda x: x.flatten(1, 0), ValueError, r"flatten: start_dim \(1\) must not come after end_dim \(0\)"),
    (lambda x: x.clamp(0.0, min=0.5), TypeError, "clip: give low= or min= "),
    (lambda x: x.clamp(min="0"), TypeError, "clip: low must be a real number or None"),
    (lambda x: x.size(2), ValueError, "size: axis 2 is out of range"),
    (lambda x: x.view(5), ValueError, r"cannot reshape a tensor of shape \(2, 3\)"),
    (lambda x: F.softmax(x, axis=0, dim=1), TypeError, "softmax: give axis= or PyTorch's dim="),
])
def test_wrong_calls_are_refused_in_glassnet_s_words(call, error, message):
    with pytest.raises(error, match=message):
        call(gn.tensor([[0.5, 3.0, -1.0], [2.0, -4.0, 7.0]]))


def test_cat_and_stack_take_torch_s_dim():
    a, b = gn.tensor(np.ones((2, 3))), gn.tensor(np.zeros((2, 3)))
    assert gn.cat([a, b], dim=1).shape == (2, 6)
    assert gn.stack([a, b], dim=0).shape == (2, 2, 3)
    assert gn.concatenate([a, b], dim=-1).shape == (2, 6)
    with pytest.raises(TypeError, match="not both"):
        gn.stack([a, b], axis=1, dim=0)
