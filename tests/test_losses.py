"""Every loss against PyTorch and finite differences (table in tests/specs.py), against
scikit-learn's metrics and the lectures' numbers, and its checks of bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error
from specs import LOSSES, helper_test_spec, node_types, spec_cases

import glassnet as gn
from glassnet import losses
from glassnet.errors import NonFiniteError

F = gn.functional


@pytest.mark.parametrize("spec, shapes", spec_cases(LOSSES))
def test_loss_matches_torch_and_finite_differences(spec, shapes):
    helper_test_spec(spec, shapes)


def test_every_registered_loss_is_in_the_table():
    registered = {name: losses.LOSSES.get(name) for name in losses.names()}
    covered = node_types(LOSSES)
    missing = sorted(name for name, cls in registered.items() if cls.function not in covered)
    assert not missing, f"losses without an entry in tests/specs.py LOSSES: {missing}"


def _t(values, requires_grad=False):
    return gn.tensor(values, requires_grad=requires_grad, dtype=np.float64)


def test_mse_sum_with_scale_half_is_the_textbook_error_with_gradient_out_minus_target():
    out, target = np.array([[0.75, 0.77], [0.2, 0.4]]), np.array([[0.01, 0.99], [0.0, 1.0]])
    y_hat = _t(out, requires_grad=True)
    E = losses.MSE(reduction="sum", scale=0.5)(y_hat, target)
    E.backward()
    assert E.item() == pytest.approx(0.5 * np.sum((out - target) ** 2), rel=1e-14)
    np.testing.assert_allclose(y_hat.grad, out - target, rtol=1e-14)


def test_reductions_relate_as_mean_sum_and_per_sample():
    rng = np.random.default_rng(1)
    pred, target = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    per_sample = losses.MSE(reduction="none")(_t(pred), target)
    assert per_sample.shape == (5,)
    np.testing.assert_allclose(per_sample.data, ((pred - target) ** 2).mean(axis=1), rtol=1e-14)
    total = losses.MSE(reduction="sum")(_t(pred), target).item()
    assert total == pytest.approx(losses.MSE()(_t(pred), target).item() * 15, rel=1e-14)


# ------------------------------------------------------------- scikit-learn
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_losses_equal_sklearn_metrics(weighted):
    rng = np.random.default_rng(2)
    pred, target = rng.normal(size=(8, 2)), rng.normal(size=(8, 2))
    w = rng.uniform(0.1, 2.0, 8) if weighted else None
    mse = losses.MSE()(_t(pred), target, sample_weight=w).item()
    mae = losses.MAE()(_t(pred), target, sample_weight=w).item()
    assert mse == pytest.approx(mean_squared_error(target, pred, sample_weight=w), rel=1e-12)
    assert mae == pytest.approx(mean_absolute_error(target, pred, sample_weight=w), rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_equals_sklearn_log_loss(weighted):
    rng = np.random.default_rng(3)
    logits, y = rng.normal(scale=2.0, size=10), rng.integers(0, 2, 10)
    y[:2] = [0, 1]
    w = rng.uniform(0.1, 2.0, 10) if weighted else None
    p = 1 / (1 + np.exp(-logits))
    expected = log_loss(y, p, sample_weight=w)
    from_p = losses.BinaryCrossEntropy()(_t(p), y, sample_weight=w).item()
    from_logits = losses.BinaryCrossEntropy(from_logits=True)(_t(logits), y, sample_weight=w).item()
    assert from_p == pytest.approx(expected, rel=1e-12)
    assert from_logits == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_equals_sklearn_log_loss(weighted):
    rng = np.random.default_rng(4)
    logits, y = rng.normal(scale=2.0, size=(9, 3)), np.array([0, 1, 2, 2, 1, 0, 1, 2, 0])
    w = rng.uniform(0.1, 2.0, 9) if weighted else None
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = log_loss(y, p, sample_weight=w, labels=[0, 1, 2])
    assert losses.CrossEntropy()(_t(logits), y, sample_weight=w).item() == pytest.approx(expected, rel=1e-12)
    from_p = losses.CrossEntropy(from_logits=False)(_t(p), y, sample_weight=w).item()
    assert from_p == pytest.approx(expected, rel=1e-12)
    one_hot = np.eye(3)[y]
    from_one_hot = losses.CrossEntropy()(_t(logits), one_hot, sample_weight=w).item()
    assert from_one_hot == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------ the lectures' numbers
def test_lecture_mse_and_mae():
    y, h = np.array([0.875, 0.426, 0.213, 0.348]), np.array([0.9, 0.526, 0.721, 0.348])
    assert losses.MSE()(_t(h), y).item() == pytest.approx(0.06717225, rel=1e-12)
    assert losses.MAE()(_t(h), y).item() == pytest.approx(0.15825, rel=1e-12)
    np.testing.assert_allclose(losses.MSE(reduction="none")(_t(h), y).data,
                               [0.0006250000000000011, 0.010000000000000007, 0.258064, 0.0], rtol=1e-12)


def test_lecture_binary_log_loss():
    y, p = np.array([0.0, 1.0, 1.0, 1.0, 0.0]), np.array([0.1, 0.7, 0.5, 0.8, 0.2])
    assert losses.BinaryCrossEntropy()(_t(p), y).item() == pytest.approx(0.3202939485569847, rel=1e-12)
    per_sample = losses.BinaryCrossEntropy(reduction="none")(_t(p), y).data
    np.testing.assert_allclose(per_sample, [0.10536051565782628, 0.35667494393873245, 0.6931471805599453,
                                            0.2231435513142097, 0.2231435513142097], rtol=1e-12)


def test_lecture_multiclass_log_loss_with_zero_probabilities_is_finite():
    target = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    prediction = _t([[0.0, 0.05, 0.95], [0.98, 0.02, 0.0], [0.98, 0.02, 0.0], [0.95, 0.05, 0.0],
                     [0.03, 0.6, 0.37]], requires_grad=True)
    loss = losses.CrossEntropy(from_logits=False)(prediction, target)
    loss.backward()
    assert loss.item() == pytest.approx(0.13076352543522615, rel=1e-12)
    assert np.isfinite(prediction.grad).all()


# -------------------------------------------------------------- stability
def test_cross_entropy_from_huge_logits_is_finite_and_matches_torch():
    logits, y = np.array([[1000.0, 0.0, -1000.0], [-1e4, 1e4, 0.0]]), np.array([2, 1])
    z = _t(logits, requires_grad=True)
    loss = losses.CrossEntropy()(z, y)
    loss.backward()
    zt = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(zt, torch.tensor(y))
    expected.backward()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(z.grad, zt.grad.numpy(), rtol=1e-12, atol=1e-300)


def test_binary_cross_entropy_from_huge_logits_is_finite_and_matches_torch():
    logits, y = np.array([1000.0, -1000.0, 800.0, -800.0]), np.array([0.0, 1.0, 1.0, 0.0])
    z = _t(logits, requires_grad=True)
    loss = losses.BinaryCrossEntropy(from_logits=True)(z, y)
    loss.backward()
    zt = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(zt, torch.tensor(y))
    expected.backward()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(z.grad, zt.grad.numpy(), rtol=1e-12)


def test_binary_cross_entropy_clips_probabilities_of_zero_and_one():
    p = _t([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    loss = losses.BinaryCrossEntropy(reduction="none", eps=1e-7)(p, [1.0, 0.0, 0.0, 1.0])
    loss.sum().backward()
    clipped_error = -np.log(1e-7)
    np.testing.assert_allclose(loss.data, [clipped_error, clipped_error, -np.log1p(-1e-7), -np.log1p(-1e-7)],
                               rtol=1e-9)
    assert np.isfinite(p.grad).all()


# -------------------------------------------------------------- bad input
LOSS_INPUTS = [
    (losses.MSE(), (3, 2), np.zeros((3, 2))),
    (losses.MAE(), (3, 2), np.zeros((3, 2))),
    (losses.Huber(), (3, 2), np.zeros((3, 2))),
    (losses.BinaryCrossEntropy(), (3, 2), np.zeros((3, 2))),
    (losses.BinaryCrossEntropy(from_logits=True), (3, 2), np.zeros((3, 2))),
    (losses.CrossEntropy(), (3, 2), np.array([0, 1, 1])),
    (losses.NLL(), (3, 2), np.array([0, 1, 1])),
    (losses.GaussianNLL(), (3, 2), np.zeros((3, 1))),
    (losses.Pinball(), (3, 3), np.zeros((3, 1))),
]


def test_bad_input_cases_cover_every_registered_loss():
    assert {type(loss) for loss, _, _ in LOSS_INPUTS} == {losses.LOSSES.get(name) for name in losses.names()}


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("loss, shape, target", LOSS_INPUTS,
                         ids=lambda v: repr(v) if isinstance(v, losses.Loss) else "")
def test_non_finite_prediction_raises_non_finite_error(loss, shape, target, bad):
    pred = np.full(shape, 0.5)
    pred[1, 0] = bad
    with pytest.raises(NonFiniteError, match="NaN or inf"):
        loss(_t(pred), target)


def test_non_finite_error_is_a_value_error_and_a_non_finite_target_raises_it():
    assert issubclass(NonFiniteError, ValueError)
    with pytest.raises(NonFiniteError, match="target"):
        losses.MSE()(_t([1.0, 2.0]), [np.nan, 1.0])


@pytest.mark.parametrize("loss", [losses.CrossEntropy(), losses.CrossEntropy(from_logits=False),
                                  losses.NLL()])
@pytest.mark.parametrize("labels, found", [([0, 3, 1], "3"), ([-1, 0, 2], "-1"), ([0, 1, 7], "7")])
def test_class_labels_outside_the_range_are_rejected(loss, labels, found):
    value = np.log(0.3) if isinstance(loss, losses.NLL) else 0.3  # NLL takes log-probabilities
    with pytest.raises(ValueError, match=rf"\[0, 3\).*{found}"):
        loss(_t(np.full((3, 3), value)), np.array(labels))


def test_non_integer_class_labels_are_rejected():
    with pytest.raises(ValueError, match="whole numbers"):
        losses.CrossEntropy()(_t(np.zeros((2, 3))), np.array([0.5, 1.0]))


def test_labels_as_a_column_or_whole_floats_equal_integer_labels():
    logits = _t(np.arange(6.0).reshape(2, 3))
    expected = losses.CrossEntropy()(logits, np.array([2, 0])).item()
    assert losses.CrossEntropy()(logits, np.array([[2], [0]])).item() == expected
    assert losses.CrossEntropy()(logits, np.array([2.0, 0.0])).item() == expected


def test_mismatched_prediction_and_target_shapes_name_both():
    with pytest.raises(ValueError, match=r"\(4, 2\).*\(3, 2\)"):
        losses.MSE()(_t(np.zeros((4, 2))), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(3, 4\)"):
        losses.CrossEntropy()(_t(np.zeros((3, 4))), np.zeros((3, 2)))


def test_binary_targets_outside_zero_one_are_rejected():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        losses.BinaryCrossEntropy()(_t([0.5, 0.5]), [0.0, 2.0])


@pytest.mark.parametrize("weights, message", [([1.0, 2.0], r"one weight per sample \(3\), got shape \(2,\)"),
                                              ([1.0, -1.0, 1.0], "negative weights"),
                                              ([1.0, np.nan, 1.0], r"1 NaN or inf value\(s\) at rows \[1\]")])
def test_bad_sample_weights_are_rejected(weights, message):
    with pytest.raises(ValueError, match=message):
        losses.MSE()(_t([1.0, 2.0, 3.0]), [0.0, 0.0, 0.0], sample_weight=weights)


def test_invalid_reduction_and_huber_delta_are_rejected():
    with pytest.raises(ValueError, match="'average'"):
        losses.MSE(reduction="average")
    with pytest.raises(ValueError, match="delta.*-1"):
        losses.Huber(delta=-1.0)


def test_unknown_loss_name_lists_the_valid_names():
    with pytest.raises(ValueError) as info:
        losses.get("mean_sqaured_error")
    for name in losses.names():
        assert name in str(info.value)


def test_get_builds_a_loss_from_its_name():
    assert isinstance(losses.get("MSE"), losses.MSE)
    assert isinstance(losses.get("sparse_categorical_crossentropy"), losses.CrossEntropy)
    huber = losses.Huber(delta=2.0)
    assert losses.get(huber) is huber
