"""Keras's ways of choosing a loss and metrics in ``compile``."""

import numpy as np
import pytest

import glassnet as gn

EPS = 1e-7


def _data(seed=0, n=48, classes=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = rng.integers(0, classes, size=n)
    return X, y


def _model(units, activation, dtype=np.float64):
    return gn.Sequential([gn.layers.Dense(8, activation="tanh", input_dim=4),
                          gn.layers.Dense(units, activation=activation)], seed=0, dtype=dtype)


def _keras_categorical_crossentropy(one_hot, probabilities):
    """Keras's computation from probabilities: normalise the rows, clip, take the log."""
    p = probabilities / probabilities.sum(axis=-1, keepdims=True)
    return float(np.mean(-np.sum(one_hot * np.log(np.clip(p, EPS, 1 - EPS)), axis=-1)))


def _keras_binary_crossentropy(y, p):
    p = np.clip(p, EPS, 1 - EPS)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy",
                                  gn.losses.SparseCategoricalCrossentropy(),
                                  gn.losses.SparseCategoricalCrossentropy(from_logits=False)])
def test_sparse_categorical_crossentropy_on_a_softmax_output_is_keras_value(loss):
    X, y = _data()
    model = _model(3, "softmax")
    model.compile(optimizer="adam", loss=loss, metrics=["sparse_categorical_accuracy"])
    model.fit(X, y, epochs=2, batch_size=16, verbose=0, seed=0)
    p = model.predict(X)
    scores = model.evaluate(X, y, verbose=0, return_dict=True)
    assert scores["loss"] == pytest.approx(_keras_categorical_crossentropy(np.eye(3)[y], p), rel=1e-9)
    assert scores["sparse_categorical_accuracy"] == np.mean(p.argmax(axis=1) == y)


@pytest.mark.parametrize("loss", ["categorical_crossentropy", gn.losses.CategoricalCrossentropy()])
def test_categorical_crossentropy_takes_one_hot_targets(loss):
    X, y = _data()
    one_hot = np.eye(3)[y]
    model = _model(3, "softmax")
    model.compile(optimizer="adam", loss=loss, metrics=["categorical_accuracy"])
    history = model.fit(X, one_hot, epochs=2, verbose=0, seed=0)
    p = model.predict(X)
    loss_value, accuracy = model.evaluate(X, one_hot, verbose=0)
    assert loss_value == pytest.approx(_keras_categorical_crossentropy(one_hot, p), rel=1e-9)
    assert accuracy == np.mean(p.argmax(axis=1) == y)
    assert list(history.history) == ["loss", "categorical_accuracy"]


@pytest.mark.parametrize("loss", ["binary_crossentropy", gn.losses.BinaryCrossentropy(from_logits=False)])
def test_binary_crossentropy_on_a_sigmoid_output_is_keras_value(loss):
    X, y = _data(classes=2)
    model = _model(1, "sigmoid")
    model.compile(optimizer="adam", loss=loss, metrics=["binary_accuracy"])
    model.fit(X, y, epochs=2, verbose=0, seed=0)
    p = model.predict(X)[:, 0]
    scores = model.evaluate(X, y, verbose=0, return_dict=True)
    assert scores["loss"] == pytest.approx(_keras_binary_crossentropy(y, p), rel=1e-9)
    assert scores["binary_accuracy"] == np.mean((p > 0.5) == y)


def _one_epoch(loss, y, units, activation):
    X, _ = _data()
    model = _model(units, activation)
    model.compile(optimizer=gn.optim.SGD(learning_rate=0.5), loss=loss)
    model.fit(X, y, epochs=3, batch_size=None, shuffle=False, verbose=0)
    return [p.data.copy() for p in model.parameters()]


def test_training_from_logits_moves_the_weights_as_the_plain_probability_loss_would():
    _, y = _data()
    one_hot = np.eye(3)[y]

    def plain_crossentropy(y_true, y_pred):
        return -(y_true * y_pred.log()).sum(axis=-1)

    fused = _one_epoch("categorical_crossentropy", one_hot, 3, "softmax")
    plain = _one_epoch(plain_crossentropy, one_hot, 3, "softmax")
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_a_loss_object_from_logits_on_a_linear_output():
    X, y = _data()
    model = _model(3, None)
    model.compile(optimizer="adam", loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(X, y, epochs=2, verbose=0, seed=0)
    z = model.predict(X)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expected = -np.mean(log_p[np.arange(len(y)), y])
    assert model.evaluate(X, y, verbose=0, return_dict=True)["loss"] == pytest.approx(expected, rel=1e-9)


def test_a_custom_loss_function_of_y_true_and_y_pred():
    X, _ = _data()
    target = X[:, :1] * 2.0 - X[:, 1:2]

    def mean_squared(y_true, y_pred):
        return ((y_true - y_pred) ** 2).mean(axis=-1)

    custom = _model(1, None)
    custom.compile(optimizer=gn.optim.SGD(learning_rate=0.1), loss=mean_squared, metrics=["mae"])
    built_in = _model(1, None)
    built_in.compile(optimizer=gn.optim.SGD(learning_rate=0.1), loss="mse")
    weights = np.linspace(0.5, 2.0, len(X))
    h_custom = custom.fit(X, target[:, 0], epochs=3, verbose=0, seed=0, sample_weight=weights)
    h_built_in = built_in.fit(X, target[:, 0], epochs=3, verbose=0, seed=0, sample_weight=weights)
    np.testing.assert_allclose(h_custom.history["loss"], h_built_in.history["loss"], rtol=1e-9)
    assert custom.evaluate(X, target, verbose=0)[0] == pytest.approx(built_in.evaluate(X, target, verbose=0))


def test_a_custom_loss_sees_labels_as_keras_gives_them():
    X, y = _data()
    seen = []

    def sparse_crossentropy(y_true, y_pred):
        seen.append(y_true.shape)
        picked = (y_pred * gn.tensor(np.eye(3)[y_true.numpy().astype(int)], dtype=np.float64)).sum(axis=-1)
        return -picked.log()

    model = _model(3, "softmax")
    model.compile(optimizer="adam", loss=sparse_crossentropy, metrics=["sparse_categorical_accuracy"])
    model.fit(X, y, epochs=1, batch_size=16, verbose=0, seed=0)
    assert seen[0] == (16,)


@pytest.mark.parametrize(("fn", "error", "match"), [
    (lambda y_true, y_pred: np.mean((y_true.numpy() - y_pred.numpy()) ** 2), TypeError,
     "must return a Tensor"),
    (lambda y_true, y_pred: gn.tensor(np.mean((y_true.numpy() - y_pred.numpy()) ** 2)), TypeError,
     "does not depend on y_pred"),
])
def test_a_custom_loss_computed_outside_the_graph_fails_at_once(fn, error, match):
    X, _ = _data()
    model = _model(1, None)
    model.compile(optimizer="adam", loss=fn)
    with pytest.raises(error, match=match):
        model.fit(X, X[:, 0], epochs=1, verbose=0)


def test_a_loss_function_taking_the_prediction_first_is_refused():
    def my_loss(y_pred, y_true):
        return ((y_pred - y_true) ** 2).mean(axis=-1)

    model = _model(1, None)
    with pytest.raises(TypeError, match=r"fn\(y_true, y_pred\), in Keras's order.*'y_pred' first"):
        model.compile(optimizer="adam", loss=my_loss)
    with pytest.raises(TypeError, match="Keras's order"):
        model.compile(optimizer="adam", loss=gn.functional.mse_loss)


def test_a_scalar_custom_loss_cannot_be_weighted():
    X, y = _data(classes=2)

    def total(y_true, y_pred):
        return ((y_true - y_pred) ** 2).mean()

    model = _model(1, None)
    model.compile(optimizer="adam", loss=total)
    model.fit(X, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="return one loss per sample"):
        model.fit(X, y, epochs=1, verbose=0, class_weight={0: 1.0, 1: 2.0})


def test_regression_metrics_by_keras_names_and_callables():
    X, _ = _data()
    target = X[:, :1]

    def max_error(y_true, y_pred):
        return float(np.max(np.abs(y_true - y_pred)))

    model = _model(1, None)
    model.compile(optimizer="adam", loss="mse", metrics=["mae", "mse", max_error])
    model.fit(X, target, epochs=1, verbose=0, seed=0)
    scores = model.evaluate(X, target, verbose=0, return_dict=True)
    p = model.predict(X)
    assert scores["mae"] == pytest.approx(np.mean(np.abs(p - target)))
    assert scores["mse"] == pytest.approx(np.mean((p - target) ** 2))
    assert scores["max_error"] == pytest.approx(np.max(np.abs(p - target)))
    assert model.metrics_names == ["loss", "mae", "mse", "max_error"]


def test_binary_accuracy_counts_each_label_of_a_multi_label_output_as_keras():
    y_true = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=np.float32)
    y_pred = np.array([[0.9, 0.2, 0.7], [0.1, 0.8, 0.3], [0.6, 0.4, 0.2], [0.3, 0.1, 0.9]])
    assert gn.metrics.get("binary_accuracy")(y_true, y_pred) == pytest.approx(11 / 12)
    with pytest.raises(ValueError, match="use 'accuracy'"):
        gn.metrics.get("binary_accuracy")(np.array([0, 2]), np.full((2, 3), 1 / 3))
