"""Keras's ways of building optimizers: keywords, a learning rate first, ``optimizer.learning_rate``."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import Parameter

GRADS = [np.array([0.5, -3.0, 1e-3]), np.array([-0.2, 1.0, 2e-3]), np.array([0.1, 0.4, -1e-3])]


def _run(opt_factory, steps=GRADS):
    w = Parameter(np.array([1.0, -2.0, 0.5]))
    opt = opt_factory([w])
    for g in steps:
        w.grad[...] = g
        opt.step()
    return w.data.copy()


def _keras_adam(lr, beta_1, beta_2, epsilon):
    """Keras's Adam step written out: epsilon added to sqrt(v) before the bias correction."""
    w, m, v = np.array([1.0, -2.0, 0.5]), np.zeros(3), np.zeros(3)
    for t, g in enumerate(GRADS, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w = w - alpha * m / (np.sqrt(v) + epsilon)
    return w


def _keras_rmsprop(lr, rho, epsilon):
    """Keras's RMSprop step: epsilon inside the square root."""
    w, v = np.array([1.0, -2.0, 0.5]), np.zeros(3)
    for g in GRADS:
        v = rho * v + (1 - rho) * g * g
        w = w - lr * g / np.sqrt(v + epsilon)
    return w


def _keras_adagrad(lr, initial_accumulator_value, epsilon):
    """Keras's Adagrad step: epsilon inside the square root."""
    w, acc = np.array([1.0, -2.0, 0.5]), np.full(3, initial_accumulator_value)
    for g in GRADS:
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc + epsilon)
    return w


def test_adam_takes_keras_keywords_with_their_meaning():
    opt = gn.optim.Adam(learning_rate=0.1, beta_1=0.8, beta_2=0.99, epsilon=0.5)
    assert (opt.lr, opt.beta1, opt.beta2, opt.epsilon) == (0.1, 0.8, 0.99, 0.5)
    ours = _run(lambda p: opt.bind(p))
    np.testing.assert_allclose(ours, _keras_adam(0.1, 0.8, 0.99, 0.5), rtol=1e-12)


def test_adam_with_keras_epsilon_runs_the_same_with_compiled_and_reference_code():
    def factory(p):
        return gn.optim.Adam(p, learning_rate=0.1, epsilon=1e-3)

    with gn.reference():
        expected = _run(factory)
    np.testing.assert_allclose(_run(factory), expected, rtol=1e-12)
    np.testing.assert_allclose(expected, _keras_adam(0.1, 0.9, 0.999, 1e-3), rtol=1e-12)


def test_keras_epsilon_is_not_pytorchs_eps():
    keras_style = _run(lambda p: gn.optim.Adam(p, learning_rate=0.1, epsilon=0.5))
    torch_style = _run(lambda p: gn.optim.Adam(p, lr=0.1, eps=0.5))
    assert not np.allclose(keras_style, torch_style)


def test_adamw_takes_keras_epsilon():
    opt = gn.optim.AdamW(learning_rate=0.1, weight_decay=0.0, epsilon=0.5)
    np.testing.assert_allclose(_run(opt.bind), _keras_adam(0.1, 0.9, 0.999, 0.5), rtol=1e-12)


def test_rmsprop_takes_keras_keywords_with_their_meaning():
    opt = gn.optim.RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-2)
    np.testing.assert_allclose(_run(opt.bind), _keras_rmsprop(0.01, 0.9, 1e-2), rtol=1e-12)


def test_adagrad_takes_keras_keywords_with_their_meaning():
    opt = gn.optim.Adagrad(learning_rate=0.01, initial_accumulator_value=0.1, epsilon=1e-2)
    np.testing.assert_allclose(_run(opt.bind), _keras_adagrad(0.01, 0.1, 1e-2), rtol=1e-12)


@pytest.mark.parametrize("cls", [gn.optim.RMSprop, gn.optim.Adam, gn.optim.SGD, gn.optim.Adagrad,
                                 gn.optim.AdamW])
def test_a_learning_rate_first_without_a_name(cls):
    opt = cls(0.001)
    assert opt.lr == 0.001 and opt.learning_rate == 0.001
    assert opt.params == []


def test_a_positional_learning_rate_trains_a_compiled_model():
    X = np.random.default_rng(0).normal(size=(32, 3))
    model = gn.Sequential([gn.layers.Dense(1, input_dim=3)], seed=0)
    model.compile(optimizer=gn.optim.RMSprop(0.001), loss="mse")
    model.fit(X, X[:, :1], epochs=1, verbose=0)
    assert model.optimizer.learning_rate == 0.001 and model.optimizer.iterations == 1


@pytest.mark.parametrize(("call", "match"), [
    (lambda: gn.optim.Adam(0.001, 0.9), r"give the other settings by name"),
    (lambda: gn.optim.SGD(0.1, 0.9), r"give the other settings by name"),
    (lambda: gn.optim.Adam(0.001, learning_rate=0.01), "the learning rate was given twice"),
    (lambda: gn.optim.Adam(0.001, lr=0.01), "the learning rate was given twice"),
    (lambda: gn.optim.Adam(learning_rate=0.01, lr=0.02), "give lr or learning_rate"),
    (lambda: gn.optim.Adam(eps=1e-6, epsilon=1e-7), "give eps or epsilon"),
    (lambda: gn.optim.Adam(global_clipnorm=1.0), "pass clipnorm=1.0: glassnet's clipnorm"),
])
def test_what_keras_and_glassnet_would_read_differently_fails_at_once(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def test_learning_rate_is_readable_and_settable_as_lr():
    opt = gn.optim.Adam(learning_rate=0.01)
    assert opt.learning_rate == opt.lr == 0.01
    opt.learning_rate = 0.5
    assert opt.lr == 0.5
    opt.lr = 0.25
    assert opt.learning_rate == 0.25


def test_keras_epsilon_survives_the_optimizer_state_round_trip():
    w = Parameter(np.array([1.0, 2.0]))
    opt = gn.optim.Adam([w], learning_rate=0.1, epsilon=1e-3)
    w.grad[...] = [0.1, 0.2]
    opt.step()
    other = gn.optim.Adam([Parameter(np.array([1.0, 2.0]))])
    other.load_state_dict(opt.state_dict())
    assert other.epsilon == 1e-3 and other.lr == 0.1
    assert gn.optim.get(opt.get_config()).epsilon == 1e-3


def test_a_schedule_as_the_learning_rate_fails_at_once_naming_the_callback():
    with pytest.raises(TypeError, match=r"callbacks=\[gn.callbacks.LearningRateScheduler\(schedule\)\]"):
        gn.optim.Adam(learning_rate=gn.schedules.ExponentialDecay(0.1, 0.9))
