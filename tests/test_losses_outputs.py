"""The cross-entropies and what they are given: a softmax or sigmoid node (computed from its
logits), logits, or probabilities, each against PyTorch in float64; and the inputs they refuse
because the activation would be applied twice or the values cannot mean what the loss reads."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as tnf

import glassnet as gn
from glassnet import losses

F = gn.functional
LABELS = np.array([0, 2, 1, 2, 0])
BINARY = np.array([[1.0], [0.0], [1.0], [1.0], [0.0]])


def _leaf(values):
    return gn.tensor(values, requires_grad=True, dtype=np.float64)


def _logits(shape, seed=0):
    return np.random.default_rng(seed).normal(scale=2.0, size=shape)


def _torch(values):
    return torch.tensor(values, dtype=torch.float64, requires_grad=True)


def _assert_equal_to_torch(value, grad, t_value, t_grad):
    assert value.item() == pytest.approx(t_value.item(), rel=1e-12)
    np.testing.assert_allclose(grad, t_grad.numpy(), rtol=1e-10, atol=1e-15)


def _assert_loss_equals_torch(values, loss_fn, t_loss_fn):
    """``loss_fn`` on a glassnet leaf and ``t_loss_fn`` on a PyTorch leaf of the same values:
    equal losses and equal gradients with respect to the leaf."""
    z = _leaf(values)
    loss = loss_fn(z)
    loss.backward()
    tz = _torch(values)
    t_loss = t_loss_fn(tz)
    t_loss.backward()
    _assert_equal_to_torch(loss, z.grad, t_loss, tz.grad)


# --------------------------------------------------------- against PyTorch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_of_a_softmax_node_equals_torch_on_the_probabilities(reduction):
    values = _logits((5, 3))
    z = _leaf(values)
    loss = losses.CrossEntropy(reduction=reduction)(F.softmax(z), LABELS)
    loss.sum().backward()
    tz = _torch(values)
    t_loss = tnf.nll_loss(torch.log(torch.softmax(tz, dim=1)), torch.tensor(LABELS), reduction=reduction)
    t_loss.sum().backward()
    _assert_equal_to_torch(loss.sum(), z.grad, t_loss.sum(), tz.grad)


def test_cross_entropy_of_raw_logits_equals_torch_cross_entropy_loss():
    _assert_loss_equals_torch(_logits((5, 3), seed=1), lambda z: losses.CrossEntropy()(z, LABELS),
                              lambda tz: torch.nn.CrossEntropyLoss()(tz, torch.tensor(LABELS)))


def test_cross_entropy_of_explicit_probabilities_equals_torch():
    _assert_loss_equals_torch(np.random.default_rng(2).dirichlet(np.ones(3), size=5),
                              lambda p: losses.CrossEntropy(from_logits=False)(p, LABELS),
                              lambda tp: tnf.nll_loss(torch.log(tp), torch.tensor(LABELS)))


def test_binary_cross_entropy_of_a_sigmoid_node_equals_torch_bce_on_the_probabilities():
    _assert_loss_equals_torch(_logits((5, 1), seed=3),
                              lambda z: losses.BinaryCrossEntropy()(F.sigmoid(z), BINARY),
                              lambda tz: torch.nn.BCELoss()(torch.sigmoid(tz), torch.tensor(BINARY)))


def test_binary_cross_entropy_from_logits_equals_torch_bce_with_logits():
    _assert_loss_equals_torch(_logits((5, 1), seed=4),
                              lambda z: losses.BinaryCrossEntropy(from_logits=True)(z, BINARY),
                              lambda tz: torch.nn.BCEWithLogitsLoss()(tz, torch.tensor(BINARY)))


@pytest.mark.parametrize("from_logits", [None, False])
def test_binary_cross_entropy_of_explicit_probabilities_equals_torch_bce(from_logits):
    _assert_loss_equals_torch(np.random.default_rng(5).uniform(0.05, 0.95, (5, 1)),
                              lambda p: losses.BinaryCrossEntropy(from_logits=from_logits)(p, BINARY),
                              lambda tp: torch.nn.BCELoss()(tp, torch.tensor(BINARY)))


def test_a_softmax_layer_output_is_trained_from_its_logits_in_a_manual_loop():
    model = gn.Sequential([gn.layers.Dense(3, activation="softmax", input_dim=4)], seed=0, dtype=np.float64)
    x = np.random.default_rng(6).normal(size=(5, 4))
    loss = losses.CrossEntropy()(model(gn.tensor(x, dtype=np.float64)), LABELS)
    loss.backward()
    W, b = model.layers[0].W, model.layers[0].b
    tx, tW, tb = torch.tensor(x), _torch(W.data), _torch(b.data)
    t_loss = tnf.cross_entropy(tx @ tW + tb, torch.tensor(LABELS))
    t_loss.backward()
    _assert_equal_to_torch(loss, W.grad, t_loss, tW.grad)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_explicit_probabilities_of_a_softmax_node_keep_the_gradient_of_the_probabilities():
    z = _leaf(_logits((5, 3), seed=7))
    p = F.softmax(z)
    p.retain_grad()
    losses.CrossEntropy(from_logits=False)(p, LABELS).backward()
    assert p.grad is not None and z.grad is not None


@pytest.mark.parametrize("y_pred", [[[1.0, 0.0], [0.5, 0.5]], np.full((5, 3), 1 / 3)])
def test_rows_that_could_be_probabilities_or_logits_ask_for_from_logits(y_pred):
    target = np.zeros(len(y_pred), dtype=int)
    with pytest.raises(ValueError, match=r"sums to 1.*from_logits=False\) for probabilities, from_logits=T"):
        losses.CrossEntropy()(_leaf(y_pred), target)


def test_probabilities_computed_without_a_graph_need_from_logits_false():
    values = _logits((5, 3), seed=8)
    with gn.no_grad():
        p = F.softmax(gn.tensor(values, dtype=np.float64))
    expected = losses.CrossEntropy()(gn.tensor(values, dtype=np.float64), LABELS).item()
    with pytest.raises(ValueError, match=r"from_logits=False\) for probabilities"):
        losses.CrossEntropy()(p, LABELS)
    assert losses.CrossEntropy(from_logits=False)(p.data, LABELS).item() == pytest.approx(expected, rel=1e-12)


def test_functional_forms_share_the_default():
    z = _leaf(_logits((5, 3), seed=9))
    p = F.softmax(z)
    assert F.cross_entropy(p, LABELS).item() == pytest.approx(F.cross_entropy(z, LABELS).item(), rel=1e-12)
    s = F.sigmoid(_leaf(_logits((5, 1), seed=10)))
    assert F.binary_cross_entropy(s, BINARY).item() == pytest.approx(
        losses.BinaryCrossEntropy(from_logits=False)(s.data, BINARY).item(), rel=1e-9)


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize("loss, activation, target", [
    (losses.CrossEntropy(from_logits=True), F.softmax, LABELS),
    (losses.BinaryCrossEntropy(from_logits=True), F.sigmoid, BINARY),
    (losses.BinaryCrossEntropy(from_logits=True), F.softmax, np.eye(3)[LABELS]),
])
def test_from_logits_true_on_an_activation_output_names_both_fixes(loss, activation, target):
    y_pred = activation(_leaf(_logits(np.shape(target) if target.ndim == 2 else (5, 3), seed=11)))
    twice = r"from_logits=True.*applied a second time.*from_logits unset.*remove"
    with pytest.raises(ValueError, match=twice):
        loss(y_pred, target)


@pytest.mark.parametrize("loss", [losses.CrossEntropy(), losses.CrossEntropy(from_logits=False),
                                  losses.CrossEntropy(from_logits=True)])
def test_cross_entropy_refuses_a_sigmoid_output(loss):
    with pytest.raises(ValueError, match="sigmoid.*not a distribution.*softmax.*BinaryCrossEntropy"):
        loss(F.sigmoid(_leaf(_logits((5, 3), seed=12))), LABELS)


@pytest.mark.parametrize("from_logits", [None, False])
def test_binary_cross_entropy_refuses_values_outside_zero_one_unless_told_they_are_logits(from_logits):
    with pytest.raises(ValueError, match=r"outside \[0, 1\].*from_logits=True"):
        losses.BinaryCrossEntropy(from_logits=from_logits)(_leaf([[0.3], [-1.2]]), [[1.0], [0.0]])


def test_cross_entropy_told_probabilities_refuses_values_outside_zero_one():
    with pytest.raises(ValueError, match=r"outside \[0, 1\].*from_logits=True"):
        losses.CrossEntropy(from_logits=False)(_leaf(_logits((5, 3), seed=13)), LABELS)


@pytest.mark.parametrize("activation", [F.softmax, F.sigmoid])
def test_nll_refuses_an_activation_output(activation):
    with pytest.raises(ValueError, match="log-probabilities.*log_softmax"):
        losses.NLL()(activation(_leaf(_logits((5, 3), seed=14))), LABELS)


def test_nll_refuses_values_that_cannot_be_log_probabilities_and_takes_log_softmax():
    z = _leaf(_logits((5, 3), seed=15))
    with pytest.raises(ValueError, match="log-probabilities.*largest value"):
        losses.NLL()(z, LABELS)
    expected = losses.CrossEntropy()(z, LABELS).item()
    assert losses.NLL()(F.log_softmax(z), LABELS).item() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("cls", [losses.CrossEntropy, losses.BinaryCrossEntropy])
@pytest.mark.parametrize("argument, value, error", [
    ("from_logits", "yes", TypeError), ("from_logits", 1, TypeError), ("eps", 0.0, ValueError),
    ("eps", -1e-7, ValueError), ("eps", float("nan"), ValueError), ("eps", "1e-7", TypeError),
])
def test_cross_entropy_arguments_are_checked(cls, argument, value, error):
    with pytest.raises(error, match=argument):
        cls(**{argument: value})


def test_one_default_for_the_cross_entropies_and_their_names():
    for name in ["cross_entropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
                 "binary_cross_entropy", "binary_crossentropy", "bce"]:
        assert losses.get(name).from_logits is None


# ----------------------------------------------------------- compiled models
def _model(activation, units=3):
    return gn.Sequential([gn.layers.Dense(8, activation="relu", input_dim=4),
                          gn.layers.Dense(units, activation=activation)], seed=0)


def _data(units=3):
    rng = np.random.default_rng(16)
    X = rng.normal(size=(40, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0) if units > 1 else (X[:, :1] > 0).astype(np.float32)
    return X, y


@pytest.mark.parametrize("loss", ["cross_entropy", losses.CrossEntropy(from_logits=False)])
def test_a_compiled_softmax_output_trains_from_its_logits_whatever_the_loss_says_of_probabilities(loss):
    model = _model("softmax")
    model.compile(optimizer="sgd", loss=loss)
    (trained, takes_logits), = model.training_losses()
    assert takes_logits and trained.from_logits is True
    X, y = _data()
    history = model.fit(X, y, epochs=2, verbose=0, seed=0).history["loss"]
    reference = _model("softmax")
    reference.compile(optimizer="sgd", loss=losses.CrossEntropy())
    assert history == reference.fit(X, y, epochs=2, verbose=0, seed=0).history["loss"]


@pytest.mark.parametrize("activation, loss, match", [
    ("softmax", losses.CrossEntropy(from_logits=True), "applied a second time"),
    ("sigmoid", losses.BinaryCrossEntropy(from_logits=True), "applied a second time"),
    ("sigmoid", "cross_entropy", "not a distribution"),
    (None, "binary_crossentropy", "activation='sigmoid'.*from_logits=True"),
    ("relu", "binary_crossentropy", "activation='sigmoid'.*from_logits=True"),
    ("softmax", "nll", "log-probabilities"),
    (None, "nll", "log-probabilities"),
    (None, losses.CrossEntropy(from_logits=False), "from_logits=False.*activation='softmax'"),
    ("relu", losses.CrossEntropy(from_logits=False), "from_logits=False.*activation='softmax'"),
    ("linear", losses.BinaryCrossEntropy(from_logits=False), "activation='sigmoid'"),
    ("logistic", "cross_entropy", "not a distribution"),
])
def test_a_compiled_output_and_its_loss_must_agree_before_training(activation, loss, match):
    units = 1 if "binary" in str(loss) or isinstance(loss, losses.BinaryCrossEntropy) else 3
    model = _model(activation, units)
    model.compile(optimizer="sgd", loss=loss)
    before = [p.data.copy() for p in model.parameters()]
    X, y = _data(units)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y, epochs=1, verbose=0)
    assert all((p.data == b).all() for p, b in zip(model.parameters(), before))


def _probabilities(z):
    return F.sigmoid(z)


@pytest.mark.parametrize("activation, loss, units", [
    (None, "cross_entropy", 3), (None, losses.BinaryCrossEntropy(from_logits=True), 1),
    ("log_softmax", "nll", 3), ("sigmoid", "bce", 1), ("logistic", "bce", 1),
    (_probabilities, losses.BinaryCrossEntropy(from_logits=False), 1),
])
def test_compiled_outputs_that_agree_with_their_loss_train(activation, loss, units):
    model = _model(activation, units)
    model.compile(optimizer="adam", loss=loss)
    (_, takes_logits), = model.training_losses()
    assert takes_logits == (activation in ("sigmoid", "logistic"))
    X, y = _data(units)
    history = model.fit(X, y, epochs=5, verbose=0, seed=0).history["loss"]
    assert np.isfinite(history).all() and history[-1] < history[0]


# ----------------------------------------------------------------- reduction
def test_keras_none_reduction_gives_one_loss_per_sample():
    z = _logits((5, 3), seed=17)
    per_sample = losses.CrossEntropy(reduction=None)(_leaf(z), LABELS).data
    assert per_sample.shape == (5,)
    np.testing.assert_allclose(per_sample.mean(), losses.CrossEntropy()(_leaf(z), LABELS).data, rtol=1e-6)
    assert losses.CrossEntropy(reduction=None).reduction == "none"


def test_keras_sum_over_batch_size_is_refused_naming_how_mean_differs():
    """Keras divides a weighted loss by the batch size, glassnet's mean by the weights' sum."""
    with pytest.raises(ValueError, match=r"sum_over_batch_size.*batch size.*sum of the sample weights"):
        losses.CrossEntropy(reduction="sum_over_batch_size")


@pytest.mark.parametrize("reduction", ["average", "batchmean", 1, ["mean"]])
def test_an_unknown_reduction_lists_the_accepted_ones(reduction):
    with pytest.raises(ValueError, match=r"MSE: reduction must be one of 'mean', 'sum', 'none'"):
        losses.MSE(reduction=reduction)


# ------------------------------------------------------------ class weights
CLASS_WEIGHT = np.array([0.5, 2.0, 1.0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("soft", [False, True])
def test_class_weights_of_cross_entropy_equal_torch(reduction, soft):
    values = _logits((5, 3), seed=18)
    target = np.random.default_rng(19).dirichlet(np.ones(3), size=5) if soft else LABELS
    z = _leaf(values)
    loss = losses.CrossEntropy(reduction=reduction, weight=CLASS_WEIGHT)(z, target)
    loss.sum().backward()
    tz = _torch(values)
    t_target = torch.tensor(target) if soft else torch.tensor(LABELS)
    t_loss = tnf.cross_entropy(tz, t_target, weight=torch.tensor(CLASS_WEIGHT), reduction=reduction)
    t_loss.sum().backward()
    _assert_equal_to_torch(loss.sum(), z.grad, t_loss.sum(), tz.grad)


def test_class_weights_of_nll_and_of_a_softmax_node_equal_torch():
    values = _logits((5, 3), seed=20)
    z = _leaf(values)
    nll = losses.NLL(weight=CLASS_WEIGHT)(F.log_softmax(z), LABELS)
    ce = losses.CrossEntropy(weight=CLASS_WEIGHT)(F.softmax(z), LABELS)
    (nll + ce).backward()
    tz = _torch(values)
    t_weight = torch.tensor(CLASS_WEIGHT)
    t_loss = 2 * tnf.nll_loss(torch.log_softmax(tz, dim=1), torch.tensor(LABELS), weight=t_weight)
    t_loss.backward()
    _assert_equal_to_torch(nll + ce, z.grad, t_loss, tz.grad)


def test_class_weights_train_a_compiled_model_and_survive_saving(tmp_path):
    model = _model("softmax")
    model.compile(optimizer="adam", loss=losses.CrossEntropy(weight=[1.0, 3.0, 1.0]))
    (trained, _), = model.training_losses()
    np.testing.assert_array_equal(trained.weight, [1.0, 3.0, 1.0])
    X, y = _data()
    model.fit(X, y, epochs=2, verbose=0, seed=0)
    gn.save(model, tmp_path / "m.safetensors")
    assert gn.load(tmp_path / "m.safetensors").loss_fns[0].get_config()["weight"] == [1.0, 3.0, 1.0]


@pytest.mark.parametrize("cls", [losses.CrossEntropy, losses.NLL])
@pytest.mark.parametrize("weight, error, match", [
    ([1.0, -0.5, 1.0], ValueError, r"weight must hold finite numbers >= 0"),
    ([1.0, float("nan"), 1.0], ValueError, r"weight must hold finite numbers >= 0"),
    ([0.0, 0.0, 0.0], ValueError, "not all zero"),
    ([[1.0, 2.0]], ValueError, "1-D"),
    (["a", "b", "c"], TypeError, "one number per class"),
])
def test_bad_class_weights_are_refused(cls, weight, error, match):
    with pytest.raises(error, match=match):
        cls(weight=weight)


def test_class_weights_must_have_one_value_per_class():
    with pytest.raises(ValueError, match="weight has 2 values for a prediction of 3 classes"):
        losses.CrossEntropy(weight=[1.0, 2.0])(_leaf(_logits((5, 3))), LABELS)


def test_the_glass_box_reads_a_weighted_cross_entropy_on_the_probabilities_with_its_weights():
    from glassnet.explain._util import output_loss

    on_probabilities = output_loss(losses.CrossEntropy(weight=CLASS_WEIGHT), "softmax")
    assert on_probabilities.from_logits is False
    np.testing.assert_array_equal(on_probabilities.weight, CLASS_WEIGHT)
