"""Keras's model methods: one-batch training and evaluation, weights as lists of arrays,
model files and the JSON architecture."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import BatchNormalization, Dense, Dropout

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 4)).astype(np.float32)
Y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)


def _model(seed=0):
    model = gn.Sequential([gn.Input(shape=(4,)), Dense(8, activation="relu", name="hidden"),
                           Dense(2, activation="softmax", name="out")], seed=seed)
    model.compile(optimizer=gn.optim.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_train_on_batch_is_one_step_of_fit():
    model, reference = _model(), _model()
    before = model.test_on_batch(X, Y)
    loss, acc = model.train_on_batch(X, Y)
    history = reference.fit(X, Y, batch_size=len(X), epochs=1, shuffle=False, verbose=0)
    assert [loss, acc] == pytest.approx(before, rel=1e-6)
    assert loss == history.history["loss"][0] and acc == history.history["accuracy"][0]
    for wa, wb in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert model.test_on_batch(X, Y)[0] < loss


def test_train_on_batch_return_dict_and_weights():
    model = _model()
    logs = model.train_on_batch(X, Y, sample_weight=np.ones(len(X)), return_dict=True)
    assert list(logs) == model.metrics_names == ["loss", "accuracy"]
    plain = gn.Sequential([Dense(1, input_dim=4)], seed=0)
    plain.compile(optimizer="sgd", loss="mse")
    assert isinstance(plain.train_on_batch(X, X[:, :1]), float)


def test_test_on_batch_is_evaluate():
    model = _model()
    assert model.test_on_batch(X, Y) == model.evaluate(X, Y, verbose=0)
    assert model.test_on_batch(X, Y, return_dict=True) == model.evaluate(X, Y, verbose=0, return_dict=True)


def test_predict_on_batch_is_predict():
    model = _model()
    model.train_on_batch(X, Y)
    np.testing.assert_array_equal(model.predict_on_batch(X), model.predict(X))


def test_get_weights_and_set_weights_copy_a_model():
    source, target = _model(seed=1), _model(seed=2)
    source.fit(X, Y, epochs=2, verbose=0, seed=0)
    target.set_weights(source.get_weights())
    np.testing.assert_array_equal(target.predict(X), source.predict(X))
    assert [w.shape for w in source.get_weights()] == [(4, 8), (8,), (8, 2), (2,)]


def test_get_weights_returns_copies():
    model = _model()
    weights = model.get_weights()
    weights[0][:] = 0
    assert model.layers[0].W.data.any()


def test_set_weights_wrong_shape_names_the_layer_and_writes_nothing():
    model = _model()
    before = model.get_weights()
    weights = [w + 1 for w in before]
    weights[3] = np.zeros(3, dtype=np.float32)
    with pytest.raises(ValueError, match=r"weight 3 \('b' of layer 'out' \(Dense\)\) has shape \(2,\); "
                                         r"got an array of shape \(3,\)"):
        model.set_weights(weights)
    for old, now in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, now)


def test_set_weights_wrong_count_lists_what_each_layer_holds():
    model = _model()
    with pytest.raises(ValueError, match=r"holds 4 weight arrays; got 3.*'hidden': W \(4, 8\), b \(8,\); "
                                         r"'out': W \(8, 2\), b \(2,\)"):
        model.set_weights(model.get_weights()[:3])
    with pytest.raises(TypeError, match="set_weights takes a list of arrays"):
        model.set_weights(model.get_weights()[0])


def test_layer_get_weights_and_set_weights():
    model = gn.Sequential([Dense(3, input_dim=2), BatchNormalization(), Dropout(0.1)], seed=0)
    dense, norm, dropout = model.layers
    assert [w.shape for w in norm.get_weights()] == [(3,), (3,), (3,), (3,)]  # gamma, beta, running stats
    assert dropout.get_weights() == []
    kernel, bias = dense.get_weights()
    dense.set_weights([kernel * 2, bias + 1])
    np.testing.assert_array_equal(dense.W.data, kernel * 2)
    with pytest.raises(ValueError, match=r"layer 'dense' \(Dense\) holds 2 weight\(s\); got 1 array\(s\)"):
        dense.set_weights([kernel])


def test_set_weights_counts_as_given_weights():
    model = gn.Sequential([Dense(1, input_dim=4)])
    model.set_weights([np.ones((4, 1), dtype=np.float32), np.zeros(1, dtype=np.float32)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(model.predict(X), X.sum(axis=1, keepdims=True), rtol=1e-6)


def test_save_and_load_model(tmp_path):
    model = _model()
    model.fit(X, Y, epochs=2, verbose=0, seed=0)
    model.save(tmp_path / "m.safetensors")
    again = gn.models.load_model(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    assert again.compiled and again.metrics_names == ["loss", "accuracy"]
    bare = gn.models.load_model(str(tmp_path / "m.safetensors"), compile=False)
    assert not bare.compiled
    with pytest.raises(RuntimeError, match="before compile"):
        bare.fit(X, Y, verbose=0)


@pytest.mark.parametrize("name", ["m.keras", "m.h5", "m.weights.h5"])
def test_keras_file_formats_are_refused_with_the_glassnet_spelling(tmp_path, name):
    model = _model()
    path = tmp_path / name
    with pytest.raises(ValueError, match=r"save: '.*' names Keras's \.(keras|h5) format, which glassnet "
                                         r"does not write.*model\.save\('.*\.safetensors'\)"):
        model.save(path)
    with pytest.raises(ValueError, match=r"does not write.*model\.save_weights\('.*\.safetensors'\)"):
        model.save_weights(path)
    assert not path.exists()
    with pytest.raises(ValueError, match=r"does not read.*gn\.models\.load_model\('.*safetensors'\)"):
        gn.models.load_model(path)
    with pytest.raises(ValueError, match=r"does not read.*model\.load_weights\('.*safetensors'\)"):
        model.load_weights(path)


def test_save_with_overwrite_false_keeps_an_existing_file(tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(b"mine")
    with pytest.raises(FileExistsError, match="exists and overwrite=False"):
        _model().save(path, overwrite=False)
    assert path.read_bytes() == b"mine"


def test_save_checks_its_path_as_gn_save_does():
    with pytest.raises(ValueError, match="path is empty"):
        _model().save("")
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        _model().save(3)


def test_load_model_refuses_custom_objects(tmp_path):
    _model().save(tmp_path / "m.safetensors")
    with pytest.raises(TypeError, match="custom_objects is not supported"):
        gn.models.load_model(tmp_path / "m.safetensors", custom_objects={"f": len})


def test_to_json_and_model_from_json_give_the_architecture_with_new_weights():
    model = _model()
    model.fit(X, Y, epochs=1, verbose=0, seed=0)
    text = model.to_json()
    rebuilt = gn.models.model_from_json(text)
    assert rebuilt.built and rebuilt.to_json() == text
    assert [w.shape for w in rebuilt.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.array_equal(rebuilt.get_weights()[0], model.get_weights()[0])
    assert json.loads(model.to_json(indent=2)) == json.loads(text)


def test_model_from_json_of_a_functional_model():
    x = gn.Input(shape=(3,))
    model = gn.Model(x, Dense(2, name="head")(Dense(4)(x)))
    rebuilt = gn.models.model_from_json(model.to_json())
    assert rebuilt.built
    with pytest.warns(UserWarning, match="random weights it was built with"):
        assert rebuilt.predict(X[:, :3]).shape == (40, 2)


def test_model_from_json_refuses_what_is_not_json():
    with pytest.raises(ValueError, match="the text is not JSON"):
        gn.models.model_from_json("{not json")


def test_concatenate_along_the_batch_axis_in_a_model_is_refused_with_keras_s_axis():
    i = gn.Input((4,))
    a, b = gn.layers.Dense(3)(i), gn.layers.Dense(3)(i)
    with pytest.raises(ValueError, match=r"batch axis.*axis=-1"):
        gn.concatenate([a, b])
    model = gn.Model(i, gn.layers.Dense(2)(gn.concatenate([a, b], axis=-1)), seed=0)
    assert model.predict(np.ones((5, 4), dtype=np.float32)).shape == (5, 2)


@pytest.mark.parametrize("path", ["best.keras", "best.weights.h5", "m.h5"])
def test_model_checkpoint_refuses_keras_file_names_as_save_does(path):
    with pytest.raises(ValueError, match=r"Keras's .* format.*safetensors"):
        gn.callbacks.ModelCheckpoint(path)


def test_a_negative_axis_that_names_the_batch_is_refused_too():
    a, b = gn.Input((3,)), gn.Input((3,))
    with pytest.raises(ValueError, match=r"axis=-2\) in a model would join along the batch axis"):
        gn.concatenate([a, b], axis=-2)
    with pytest.raises(ValueError, match="batch axis"):
        gn.stack([a, b], axis=-3)
    assert gn.stack([a, b], axis=-1).shape == (3, 2)
