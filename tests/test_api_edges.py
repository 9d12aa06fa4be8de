"""Arguments at the edges of the Python API: models, weights, optimizer states, targets,
activations, schedules and the glass-box tools refuse what they cannot use, in glassnet's words."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import Dense

X = np.random.default_rng(0).normal(size=(12, 3)).astype(np.float32)
LABELS = np.arange(12) % 3


def _classifier(units=3, activation="softmax", loss="categorical_crossentropy"):
    model = gn.Sequential([Dense(units, activation=activation, input_dim=3)], seed=0)
    model.compile("sgd", loss)
    return model


# ------------------------------------------------------------ cross-entropy targets
@pytest.mark.parametrize("target", [
    np.eye(3)[LABELS] * 2 - 0.5,                      # negative entries
    np.eye(3)[LABELS] * 2,                            # rows summing to 2
    np.full((12, 3), 0.2),                            # rows summing to 0.6
], ids=["negative", "sum 2", "sum 0.6"])
def test_probability_targets_must_be_distributions(target):
    with pytest.raises(ValueError, match="one-hot / probability targets"):
        _classifier().fit(X, target, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="cross_entropy: .*one-hot / probability targets"):
        gn.losses.CrossEntropy()(gn.tensor(X), gn.tensor(target))


def test_smoothed_targets_that_sum_to_one_are_accepted():
    smoothed = np.eye(3)[LABELS] * 0.9 + 0.1 / 3
    _classifier().fit(X, smoothed, epochs=1, verbose=0)
    assert gn.losses.CrossEntropy()(gn.tensor(X), gn.tensor(smoothed)).item() > 0


def test_binary_cross_entropy_targets_outside_0_1_are_refused():
    model = gn.Sequential([Dense(2, activation="sigmoid", input_dim=3)])
    model.compile("sgd", "binary_crossentropy")
    with pytest.raises(ValueError, match=r"binary cross-entropy must lie in \[0, 1\]"):
        model.fit(X, np.full((12, 2), 2.0), epochs=1, verbose=0)


# ------------------------------------------------------------ one-unit softmax
def test_a_one_unit_softmax_output_is_refused_at_compile_and_fit():
    with pytest.raises(ValueError, match="softmax over 1 unit.*sigmoid"):
        _classifier(units=1, loss="binary_crossentropy")
    with pytest.raises(ValueError, match="log_softmax over 1 unit"):
        _classifier(units=1, activation="log_softmax", loss="nll")
    late = gn.Sequential([Dense(1), gn.layers.Activation("softmax")])
    late.compile("sgd", "binary_crossentropy")
    with pytest.raises(ValueError, match="softmax over 1 unit"):
        late.fit(X, LABELS % 2, epochs=1, verbose=0)


# ------------------------------------------------------------ weights given by hand
@pytest.mark.parametrize("bad, error, words", [
    (np.nan, ValueError, "holds NaN or infinite values"),
    (np.inf, ValueError, "holds NaN or infinite values"),
    ("int", TypeError, "has dtype int64; weights must be floating-point"),
    ("complex", TypeError, "has dtype complex64; weights must be floating-point"),
])
def test_load_state_dict_refuses_non_finite_or_non_float_weights(bad, error, words):
    model = _classifier()
    state = model.state_dict()
    W = state["layers.0.W"]
    if bad == "int":
        state["layers.0.W"] = W.astype(np.int64)
    elif bad == "complex":
        state["layers.0.W"] = W + 1j
    else:
        state["layers.0.W"] = W * bad
    before = model.layers[0].W.data.copy()
    with pytest.raises(error, match=f"state entry 'layers.0.W' {words}"):
        model.load_state_dict(state)
    np.testing.assert_array_equal(model.layers[0].W.data, before)


# ------------------------------------------------------------ model construction
@pytest.mark.parametrize("dtype", ["float16", "int32", np.complex64, "text"])
def test_model_dtype_must_be_float32_or_float64(dtype):
    with pytest.raises(TypeError, match="dtype must be one of float32, float64"):
        gn.Sequential([Dense(2)], dtype=dtype)
    with pytest.raises(TypeError, match="dtype must be one of float32, float64"):
        gn.Sequential([Dense(2)]).build((3,), dtype=dtype)


@pytest.mark.parametrize("seed, error", [("0", TypeError), (1.5, TypeError), (-1, ValueError),
                                         (True, TypeError)])
def test_seeds_are_checked_wherever_they_are_taken(seed, error):
    words = "seed must be a non-negative integer or None"
    with pytest.raises(error, match=words):
        gn.Sequential([Dense(2)], seed=seed)
    x = gn.Input((3,))
    with pytest.raises(error, match=words):
        gn.Model(x, Dense(2)(x), seed=seed)
    with pytest.raises(error, match=words):
        gn.Sequential([Dense(2)]).build((3,), seed=seed)
    model = _classifier()
    for tool in (gn.explain.gradcheck, gn.explain.lr_finder, gn.explain.loss_landscape):
        with pytest.raises(error, match=words):
            tool(model, X[:4], LABELS[:4], seed=seed)


def test_sequential_takes_layers_as_arguments_as_pytorch_does():
    first, second = Dense(4, activation="relu", input_dim=3), Dense(2)
    model = gn.Sequential(first, second, seed=0)
    assert model.layers == [first, second] and model.built
    assert gn.Sequential(Dense(3)).layers[0].units == 3
    with pytest.raises(TypeError, match="seed, dtype and name are keyword arguments"):
        gn.Sequential([Dense(3)], 0)
    with pytest.raises(TypeError, match="Sequential takes a list of glassnet layers"):
        gn.Sequential("dense")


# ------------------------------------------------------------ activations
@pytest.mark.parametrize("activation, words", [
    (np.tanh, "NumPy functions such as np.tanh.*activation='tanh'"),
    (np.sin, "must take a glassnet Tensor z and return a Tensor of the same shape"),
    (lambda z: z.data, "returned ndarray"),
    (lambda z: z.sum(), r"returned a Tensor of shape \(\)"),
])
def test_a_callable_activation_is_checked_when_the_layer_is_made(activation, words):
    with pytest.raises(TypeError, match=words):
        Dense(3, activation=activation)


def test_a_callable_activation_made_of_glassnet_operations_works():
    layer = Dense(3, activation=lambda z: z * gn.functional.sigmoid(z), input_dim=2)
    assert layer(gn.tensor(np.ones((1, 2)))).shape == (1, 3)


# ------------------------------------------------------------ optimizer state
_EMPTY_STATE = {"config": {"name": "sgd"}, "iterations": 0, "param_groups": [], "shapes": [], "steps": [],
                "state": {}}


@pytest.mark.parametrize("state, words", [
    ({"bogus": 1}, r"the keys must be exactly \['config', 'iterations', 'param_groups', 'shapes', 'steps', "
                   r"'state'\]"),
    ([1, 2], "a dict is expected, got list"),
    ({**_EMPTY_STATE, "config": {}}, "'config' must be a dict"),
    ({**_EMPTY_STATE, "iterations": -1}, "'iterations'"),
    ({**_EMPTY_STATE, "param_groups": [{"lr": 0.1}]}, "'param_groups' must be a list of dicts with 'params'"),
    ({**_EMPTY_STATE, "steps": [1]}, "'steps' must be a list of one integer >= 0 per entry of 'shapes'"),
    ({**_EMPTY_STATE, "state": {"x": 1}}, "'<group>.<name>'"),
])
def test_optimizer_load_state_dict_checks_the_layout(state, words):
    opt = gn.optim.SGD(_classifier().parameters(), lr=0.1)
    with pytest.raises(ValueError, match=words):
        opt.load_state_dict(state)


def test_optimizer_state_round_trips():
    model = _classifier()
    opt = gn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    state = opt.state_dict()
    opt.load_state_dict(state)
    again = opt.state_dict()
    assert again["config"] == state["config"] and again["iterations"] == state["iterations"]
    assert again["shapes"] == state["shapes"] and again["state"].keys() == state["state"].keys()
    for key, array in state["state"].items():
        np.testing.assert_array_equal(again["state"][key], array)


# ------------------------------------------------------------ rates from schedules
@pytest.mark.parametrize("rate, error", [("0.1", TypeError), (None, TypeError), (-1.0, ValueError),
                                         (float("nan"), ValueError)])
def test_a_scheduled_rate_is_checked_as_sgd_lr_is(rate, error):
    with pytest.raises(error):
        gn.optim.SGD(lr=rate)
    callback = gn.callbacks.LearningRateScheduler(lambda epoch, lr: rate)
    with pytest.raises(error, match="LearningRateScheduler: the schedule returned"):
        _classifier().fit(X, np.eye(3)[LABELS], epochs=1, verbose=0, callbacks=[callback])


# ------------------------------------------------------------ glass-box tools' default loss
def test_uncompiled_models_are_traced_with_the_loss_their_output_calls_for():
    softmax = gn.Sequential([Dense(3, activation="softmax", input_dim=3)], seed=0)
    traced = gn.explain.trace(softmax, X[:4], LABELS[:4])
    assert isinstance(traced.loss_fn, gn.losses.CrossEntropy)
    p = softmax(gn.tensor(X[:4])).data
    assert traced.loss == pytest.approx(-np.log(p[np.arange(4), LABELS[:4]]).mean(), rel=1e-5)
    sigmoid = gn.Sequential([Dense(1, activation="sigmoid", input_dim=3)], seed=0)
    assert gn.explain.gradcheck(sigmoid, X[:4].astype(np.float64), LABELS[:4] % 2).passed
    assert np.isfinite(gn.explain.lr_finder(softmax, X, LABELS, steps=5).losses).all()


# ------------------------------------------------------------ multi-output targets
def _two_outputs():
    x = gn.Input((3,))
    h = Dense(4, activation="relu")(x)
    model = gn.Model(x, [Dense(2, name="value")(h), Dense(3, activation="softmax", name="kind")(h)])
    model.compile("adam", ["mse", "sparse_categorical_crossentropy"])
    return model


@pytest.mark.parametrize("targets, words", [
    ([np.zeros((12, 2)), np.full(12, 5)], r"y\[1\] \(output 1 \('kind'\)\) holds \[5\]"),
    ([np.zeros((12, 3)), LABELS], r"y\[0\] \(output 0 \('value'\)\) has 3 value\(s\) per sample"),
    ([np.zeros((12, 2)), np.array(["a"] * 12)], r"y\[1\] \(output 1 \('kind'\)\) has dtype"),
    ([np.full((12, 2), np.nan), LABELS], r"y\[0\] \(output 0 \('value'\)\)"),
])
def test_a_bad_target_of_one_output_is_named(targets, words):
    with pytest.raises((ValueError, TypeError), match=words):
        _two_outputs().fit(X, targets, epochs=1, verbose=0)


@pytest.mark.parametrize("seed, error", [("0", TypeError), (-1, ValueError)])
def test_the_data_splits_check_their_seed(seed, error):
    labels = np.arange(20) % 2
    with pytest.raises(error, match="seed must be a non-negative integer or None"):
        gn.data.train_test_split(np.zeros((20, 2)), labels, seed=seed)
    with pytest.raises(error, match="seed must be a non-negative integer or None"):
        gn.data.folds(np.zeros((20, 2)), labels, seed=seed)


def test_evaluate_names_the_output_whose_target_is_wrong():
    model = _two_outputs()
    with pytest.raises(ValueError, match=r"output 0 \('value'\) \(y\[0\]\): mse"):
        model.evaluate(X, [np.zeros((12, 3)), LABELS], verbose=0)
    with pytest.raises(ValueError, match=r"output 1 \('kind'\) \(y\[1\]\): cross_entropy: class labels"):
        model.evaluate(X, [np.zeros((12, 2)), LABELS + 0.5], verbose=0)
