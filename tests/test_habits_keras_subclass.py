"""Keras's model subclassing: layers as attributes, the computation in call(), trained with
fit, used with predict and evaluate, weights saved and loaded."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import Dense, Dropout

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 4)).astype(np.float32)
Y = (X[:, 0] - X[:, 2] > 0).astype(np.int64)


class Classifier(gn.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Dense(16, activation="relu")
        self.out = Dense(2, activation="softmax")

    def call(self, inputs):
        return self.out(self.hidden(inputs))


class WithDropout(gn.Model):
    def __init__(self):
        super().__init__()
        self.dense1 = Dense(8, activation="relu")
        self.dropout = Dropout(0.5)
        self.dense2 = Dense(1, activation="sigmoid")
        self.seen = []

    def call(self, inputs, training=None):
        self.seen.append(training)
        x = self.dense1(inputs)
        x = self.dropout(x, training=training)
        return self.dense2(x)


def _compiled(model):
    model.compile(optimizer=gn.optim.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_a_subclass_trains_with_fit_and_predicts_probabilities():
    model = _compiled(Classifier())
    history = model.fit(X, Y, epochs=30, batch_size=16, verbose=0, seed=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    probabilities = model.predict(X)
    assert probabilities.shape == (60, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    loss, accuracy = model.evaluate(X, Y, verbose=0)
    assert accuracy > 0.8


def test_a_subclass_computes_as_the_same_sequential_model():
    """The softmax that ends call() is seen: the loss takes its logits, as for a Sequential model."""
    model = _compiled(Classifier(seed=3))
    stack = _compiled(gn.Sequential([Dense(16, activation="relu"), Dense(2, activation="softmax")], seed=3))
    a = model.fit(X, Y, epochs=3, batch_size=16, verbose=0, seed=0)
    b = stack.fit(X, Y, epochs=3, batch_size=16, verbose=0, seed=0)
    assert a.history == b.history
    np.testing.assert_array_equal(model.predict(X), stack.predict(X))
    assert model.evaluate(X, Y, verbose=0) == stack.evaluate(X, Y, verbose=0)


def test_the_layers_of_a_subclass_are_its_attributes():
    model = Classifier()
    assert model.layers == [model.hidden, model.out]
    model.build((4,))
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]
    assert model.get_layer("dense_1") is model.out
    assert list(model.state_dict()) == ["hidden.W", "hidden.b", "out.W", "out.b"]
    assert [w.shape for w in model.get_weights()] == [(4, 16), (16,), (16, 2), (2,)]


def test_call_is_told_whether_it_trains():
    model = WithDropout()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(X, Y, epochs=1, batch_size=60, verbose=0, seed=0)
    assert model.seen[-1] is True
    model.seen.clear()
    model.predict(X)
    model.evaluate(X, Y, verbose=0)
    assert model.seen == [False, False]


def test_a_layer_called_with_training_runs_in_that_mode():
    dropout = Dropout(0.5, seed=0)
    ones = np.ones((4, 100), dtype=np.float32)
    np.testing.assert_array_equal(dropout(ones, training=False).data, ones)
    assert (dropout(ones, training=True).data == 0).any()
    with gn.layers.module.evaluating():
        assert (dropout(ones, training=True).data == 0).any()
        np.testing.assert_array_equal(dropout(ones).data, ones)
    assert dropout.training
    with pytest.raises(TypeError, match=r"training must be True, False or None, got 'yes'"):
        dropout(ones, training="yes")


def test_save_weights_and_load_weights_of_a_subclass(tmp_path):
    model = _compiled(Classifier())
    model.fit(X, Y, epochs=2, verbose=0, seed=0)
    model.save_weights(tmp_path / "classifier.safetensors")
    again = Classifier()
    again.build((None, 4))
    again.load_weights(tmp_path / "classifier.safetensors")
    np.testing.assert_array_equal(again.predict(X), model.predict(X))


def test_a_subclass_is_refused_by_save_with_the_glassnet_spelling(tmp_path):
    model = _compiled(Classifier())
    model.fit(X, Y, epochs=1, verbose=0, seed=0)
    with pytest.raises(TypeError, match=r"Classifier cannot be saved with its architecture.*save_weights"):
        model.save(tmp_path / "m.safetensors")


def test_a_subclass_not_yet_built_says_how_to_build_it():
    with pytest.raises(ValueError, match=r"predict\(\) called on model 'model', which has not been built"):
        Classifier().predict(X)
    with pytest.raises(ValueError, match=r"build\(\) needs input_shape \(per sample\) for Classifier"):
        Classifier().build()


def test_a_model_without_call_says_what_to_define():
    with pytest.raises(ValueError, match="give both the Input"):
        gn.Model(inputs=gn.Input((2,)))
    with pytest.raises(NotImplementedError, match=r"does not define call\(self, inputs\)"):
        gn.Model.call(gn.Model(), gn.tensor(np.ones((1, 2))))
