"""evaluate returns what Keras returns; predict and evaluate check their arguments and refuse
a model without weights."""

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import Dense

RNG = np.random.default_rng(0)
X = RNG.normal(size=(30, 4))
Y = (X[:, 0] > 0).astype(int)


def _classifier(metrics=("accuracy", "f1")):
    model = gn.Sequential([Dense(8, activation="relu", input_dim=4), Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=list(metrics))
    return model


def test_evaluate_unpacks_like_keras_in_metrics_names_order():
    model = _classifier()
    model.fit(X, Y, epochs=3, verbose=0, seed=0)
    assert model.metrics_names == ["loss", "accuracy", "f1"]
    scores = model.evaluate(X, Y, verbose=0, return_dict=True)
    loss, acc, f1 = model.evaluate(X, Y, verbose=0)
    assert [loss, acc, f1] == [scores[name] for name in model.metrics_names]
    assert all(isinstance(v, float) for v in (loss, acc, f1))
    assert acc == pytest.approx(np.mean(model.predict(X).argmax(1) == Y))


def test_evaluate_without_metrics_returns_the_loss_as_a_float():
    model = _classifier(())
    assert model.metrics_names == ["loss"]
    loss = model.evaluate(X, Y, verbose=0)
    assert isinstance(loss, float)
    assert loss == model.evaluate(X, Y, verbose=0, return_dict=True)["loss"]


@pytest.mark.parametrize("verbose", [1, 2, "auto", True])
def test_evaluate_verbose_prints_one_line(verbose, capsys):
    model = _classifier(("accuracy",))
    loss, acc = model.evaluate(X, Y, verbose=verbose)
    out = capsys.readouterr().out
    assert out == f"loss: {loss:.4g} - accuracy: {acc:.4g}\n"


def test_evaluate_verbose_zero_prints_nothing(capsys):
    _classifier().evaluate(X, Y, verbose=0)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("verbose", [3, -1, "yes", 1.5, None])
def test_evaluate_and_predict_refuse_a_bad_verbose(verbose):
    model = _classifier()
    with pytest.raises(ValueError, match=r"verbose must be 0 \(silent\), 1 or 2"):
        model.evaluate(X, Y, verbose=verbose)
    with pytest.raises(ValueError, match="verbose must be"):
        model.predict(X, verbose=verbose)


def test_evaluate_refuses_a_return_dict_that_is_not_a_flag():
    with pytest.raises(TypeError, match="return_dict must be True or False"):
        _classifier().evaluate(X, Y, verbose=0, return_dict="yes")


@pytest.mark.parametrize("batch_size", [0, -5, 2.5, "32", True])
def test_predict_and_evaluate_check_batch_size_up_front(batch_size):
    model = _classifier()
    with pytest.raises(ValueError, match=rf"batch_size must be a positive integer or None.*{batch_size!r}"):
        model.predict(X, batch_size=batch_size)
    with pytest.raises(ValueError, match="batch_size must be a positive integer or None"):
        model.evaluate(X, Y, batch_size=batch_size, verbose=0)


def test_evaluate_checks_sample_weight_like_fit():
    model = _classifier()
    for bad, message in [(np.ones(29), "one weight per sample"), (-np.ones(30), "negative"),
                         (np.full(30, np.nan), "NaN or inf"), (np.zeros(30), "every sample has weight 0")]:
        with pytest.raises(ValueError, match=message):
            model.evaluate(X, Y, sample_weight=bad, verbose=0)


def test_predict_before_fit_or_build_raises_naming_the_ways_out():
    model = gn.Sequential([Dense(8, activation="relu"), Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    for call in (lambda: model.predict(X), lambda: model.evaluate(X, Y, verbose=0)):
        with pytest.raises(ValueError, match=r"not been built.*model\.fit.*model\.build.*gn\.load"):
            call()
    assert not model.built


def test_predict_with_initial_weights_warns_once_per_model():
    model = _classifier()
    with pytest.warns(UserWarning, match="random weights it was built with.*never trained"):
        first = model.predict(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(model.predict(X), first)
    other = gn.Sequential([Dense(2, input_dim=4)], seed=1)
    with pytest.warns(UserWarning, match="random weights"):
        other.predict(X)


@pytest.mark.parametrize("how", ["fit", "load", "load_weights", "by hand"])
def test_trained_loaded_or_hand_set_weights_predict_silently(how, tmp_path):
    model = _classifier()
    if how == "fit":
        model.fit(X, Y, epochs=1, verbose=0, seed=0)
    elif how in ("load", "load_weights"):
        trained = gn.Sequential([Dense(8, activation="relu", input_dim=4), Dense(2, activation="softmax")],
                                seed=5)
        gn.save(trained, tmp_path / "m.safetensors")
        trained.save_weights(tmp_path / "w.safetensors")
        if how == "load":
            model = gn.load(tmp_path / "m.safetensors")
        else:
            model.load_weights(tmp_path / "w.safetensors")
    else:
        model.layers[0].W.data[:] = 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(X)


def test_a_functional_model_is_built_by_predict_and_warned_about():
    inputs = gn.Input((4,))
    model = gn.Model(inputs, Dense(2)(inputs))
    with pytest.warns(UserWarning, match="random weights"):
        assert model.predict(X).shape == (30, 2)


def test_keras_spelling_x_is_accepted_everywhere():
    model = _classifier(("accuracy",))
    history = model.fit(x=X, y=Y, epochs=1, verbose=0, seed=0)
    assert history.history["loss"]
    assert model.evaluate(x=X, y=Y, verbose=0) == model.evaluate(X, Y, verbose=0)
    np.testing.assert_array_equal(model.predict(x=X), model.predict(X))
    with pytest.raises(TypeError, match="got the data twice, as X and as x"):
        model.predict(X, x=X)
    with pytest.raises(TypeError, match="needs the input data X"):
        model.fit(y=Y)


@pytest.mark.parametrize("name", ["workers", "use_multiprocessing", "lr"])
def test_fit_names_an_unknown_argument_and_lists_the_accepted_ones(name):
    with pytest.raises(TypeError, match=rf"fit\(\) got unknown argument\(s\) '{name}'; it accepts X, y and "
                                        r"epochs, batch_size, .*initial_epoch"):
        _classifier().fit(X, Y, **{name: 1})


@pytest.mark.parametrize("call", ["predict", "evaluate"])
def test_nan_inputs_to_a_trained_model_are_not_told_to_be_fixed_before_training(call):
    model = _classifier()
    bad = X.copy()
    bad[2, 1] = np.nan
    arguments = (bad,) if call == "predict" else (bad, Y)
    with pytest.raises(ValueError, match=r"X holds 1 NaN or inf value\(s\) at rows \[2\]") as error:
        getattr(model, call)(*arguments, verbose=0)
    assert "training" not in str(error.value)
    assert "impute" in str(error.value)
