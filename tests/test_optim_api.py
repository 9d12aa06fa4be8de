"""Optimizer API: registry, validation, binding, state round trip, allocation-free steps."""

import json
import math
import tracemalloc

import numpy as np
import pytest

from glassnet import optim
from glassnet.layers import Module, Parameter

FULL_OPTIONS = {
    "sgd": {"momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01, "clipnorm": 1.0, "clipvalue": 0.5},
    "nesterov": {"weight_decay": 0.01, "clipnorm": 1.0},
    "adagrad": {"lr_decay": 0.01, "weight_decay": 0.01, "initial_accumulator_value": 0.1, "clipnorm": 1.0},
    "rmsprop": {"centered": True, "momentum": 0.9, "weight_decay": 0.01, "clipvalue": 0.5},
    "adam": {"amsgrad": True, "weight_decay": 0.01, "clipnorm": 1.0, "clipvalue": 0.5},
    "adamw": {"amsgrad": True, "clipnorm": 1.0},
}


def make_params(shapes=((3, 4), (4,), (2, 2, 3)), seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [Parameter(rng.standard_normal(s).astype(dtype)) for s in shapes]


def run(opt, params, steps, seed=1):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        opt.zero_grad()
        for p in params:
            p.grad += rng.standard_normal(p.shape)
        opt.step()


# ------------------------------------------------------------------ registry
def test_registry_names_and_aliases():
    assert {"sgd", "gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"} <= set(
        optim.names()
    )
    assert type(optim.get("GD")) is optim.SGD
    momentum = optim.get("momentum")
    assert (momentum.momentum, momentum.nesterov) == (0.9, False)
    nesterov = optim.get("nesterov", lr=0.2)
    assert (nesterov.momentum, nesterov.nesterov, nesterov.lr) == (0.9, True, 0.2)
    assert type(optim.get("adamw")) is optim.AdamW and optim.get("adamw").weight_decay == 0.01
    assert optim.get("adam", lr=0.05).lr == 0.05
    assert type(optim.get(optim.RMSprop, rho=0.9)) is optim.RMSprop


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="unknown optimizer 'adamax'.*'adam'.*'sgd'"):
        optim.get("adamax")
    with pytest.raises(TypeError, match="optimizer must be a name"):
        optim.get(3)


def test_get_returns_instances_and_rebuilds_configs():
    opt = optim.Adam(lr=0.01, amsgrad=True)
    assert optim.get(opt) is opt
    with pytest.raises(TypeError, match="opt.lr = 0.5"):
        optim.get(opt, lr=0.5)
    config = opt.get_config()
    assert json.loads(json.dumps(config)) == config
    rebuilt = optim.get(config)
    assert type(rebuilt) is optim.Adam and rebuilt.get_config() == config
    assert optim.Adam.from_config(config).get_config() == config
    assert optim.get({**optim.get("nesterov").get_config()}).nesterov is True


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("cls", "kwargs", "match"),
    [
        (optim.SGD, {"lr": -0.1}, r"lr must be in \[0, inf\), got -0.1"),
        (optim.SGD, {"lr": math.inf}, "lr must be"),
        (optim.SGD, {"momentum": 1.5}, r"momentum must be in \[0, 1\), got 1.5"),
        (optim.SGD, {"momentum": 1.0}, r"momentum must be in \[0, 1\), got 1.0"),
        (optim.SGD, {"lr": float("nan")}, "lr must be"),
        (optim.SGD, {"learning_rate": -0.1}, "lr must be"),
        (optim.SGD, {"dampening": -0.1}, "dampening"),
        (optim.SGD, {"nesterov": True}, "nesterov=True needs momentum > 0"),
        (optim.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "dampening = 0"),
        (optim.SGD, {"weight_decay": -1}, "weight_decay"),
        (optim.Adagrad, {"lr_decay": -1}, "lr_decay"),
        (optim.Adagrad, {"initial_accumulator_value": -0.5}, "initial_accumulator_value"),
        (optim.Adagrad, {"eps": -1e-10}, "eps"),
        (optim.Adagrad, {"eps": 0.0}, r"eps must be in \(0, inf\), got 0.0"),
        (optim.RMSprop, {"rho": 1.5}, "rho"),
        (optim.RMSprop, {"rho": 1.0}, r"rho must be in \[0, 1\)"),
        (optim.RMSprop, {"alpha": 1.0}, r"rho must be in \[0, 1\)"),
        (optim.RMSprop, {"eps": 0}, "eps"),
        (optim.RMSprop, {"momentum": -0.1}, "momentum"),
        (optim.RMSprop, {"momentum": 1.0}, r"momentum must be in \[0, 1\)"),
        (optim.Adam, {"eps": 0.0}, r"eps must be in \(0, inf\)"),
        (optim.Adam, {"betas": (0.9, 1.0)}, r"beta2 must be in \[0, 1\), got 1.0"),
        (optim.Adam, {"beta_1": -0.5}, "beta1"),
        (optim.Adam, {"beta1": 1.0}, r"beta1 must be in \[0, 1\), got 1.0"),
        (optim.Adam, {"beta2": -0.1}, "beta2"),
        (optim.Adam, {"eps": float("nan")}, "eps"),
        (optim.AdamW, {"weight_decay": -0.01}, "weight_decay"),
        (optim.Adam, {"clipnorm": 0}, r"clipnorm must be in \(0, inf\)"),
        (optim.SGD, {"clipvalue": -1.0}, "clipvalue"),
    ],
)
def test_bad_hyperparameters_raise_value_error_naming_them(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


@pytest.mark.parametrize(
    ("cls", "kwargs", "match"),
    [
        (optim.SGD, {"lr": "0.1"}, "lr must be a real number, got '0.1'"),
        (optim.Adam, {"amsgrad": "yes"}, "amsgrad must be True or False"),
        (optim.RMSprop, {"centered": 1}, "centered must be True or False"),
        (optim.SGD, {"momentum": True}, "momentum must be a real number"),
        (optim.Adam, {"betas": 0.9}, r"betas must be a pair \(beta1, beta2\)"),
        (optim.Adam, {"fused": True}, "Adam got an unexpected argument 'fused'; it takes params and lr"),
        (optim.SGD, {"betas": (0.9, 0.99)}, "SGD got an unexpected argument 'betas'"),
        (optim.Adam, {"params": 0.001}, r"got the number 0.001.*lr=0.001"),
    ],
)
def test_hyperparameters_of_the_wrong_type_raise_type_error(cls, kwargs, match):
    with pytest.raises(TypeError, match=match):
        cls(**kwargs)


@pytest.mark.parametrize(
    ("cls", "theirs", "ours"),
    [
        (optim.SGD, {"learning_rate": 0.3}, {"lr": 0.3}),
        (optim.Adam, {"learning_rate": 0.3, "betas": (0.8, 0.99)}, {"lr": 0.3, "beta1": 0.8, "beta2": 0.99}),
        (optim.AdamW, {"beta_1": 0.8, "beta_2": 0.99}, {"beta1": 0.8, "beta2": 0.99}),
        (optim.RMSprop, {"alpha": 0.9, "learning_rate": 0.3}, {"rho": 0.9, "lr": 0.3}),
        (optim.Adagrad, {"learning_rate": 0.3}, {"lr": 0.3}),
    ],
)
def test_pytorch_and_keras_spellings_of_hyperparameters_mean_the_same(cls, theirs, ours):
    assert cls(**theirs).get_config() == cls(**ours).get_config()
    assert optim.get(cls.name, **theirs).get_config() == cls(**ours).get_config()


def test_lr_is_validated_when_set():
    opt = optim.SGD(lr=0.1)
    opt.lr = np.float32(0.25)
    assert opt.lr == 0.25 and type(opt.lr) is float
    with pytest.raises(ValueError, match="lr must be"):
        opt.lr = -1.0


def test_binding_errors():
    with pytest.raises(ValueError, match="the model has no parameters yet: build it"):
        optim.Adam([])
    with pytest.raises(TypeError, match="pass model.parameters()"):
        optim.Adam(Module())
    with pytest.raises(TypeError, match="got a Parameter"):
        optim.Adam(Parameter(np.zeros(2)))
    with pytest.raises(TypeError, match=r"params\[1\] must be a Parameter"):
        optim.Adam([Parameter(np.zeros(2)), np.zeros(2)])
    with pytest.raises(RuntimeError, match="call bind"):
        optim.SGD().step()


# ------------------------------------------------------------------- binding
def test_bind_packs_values_into_one_buffer_per_dtype_and_keeps_existing_grads():
    params = make_params()
    values = [p.data.copy() for p in params]
    params[0].grad = np.full((3, 4), 2.0)
    opt = optim.SGD(lr=0.5)
    assert opt.bind(params) is opt and opt.params == params
    for p, v in zip(params, values, strict=True):
        np.testing.assert_array_equal(p.data, v)
        assert p.data.base is params[0].data.base and p.grad.base is params[0].grad.base
    np.testing.assert_array_equal(params[1].grad, 0.0)
    opt.step()
    np.testing.assert_allclose(params[0].data, values[0] - 1.0)
    opt.zero_grad()
    assert all(np.all(p.grad == 0) and p.grad.base is params[0].grad.base for p in params)


def test_duplicate_parameters_are_updated_once_and_rebinding_same_params_keeps_state():
    params = make_params()
    opt = optim.Adam(params + [params[0]], lr=0.1)
    assert len(opt.params) == 3
    run(opt, params, 3)
    opt.bind(params)
    assert opt.iterations == 3
    opt.bind(params[:2])
    assert opt.iterations == 0 and opt.state_dict()["state"] == {}


def test_replacing_data_with_another_shape_is_a_clear_error():
    params = make_params()
    opt = optim.SGD(params)
    params[0].data = np.zeros(5)
    with pytest.raises(ValueError, match=r"shape \(3, 4\).*replaced by an array of shape \(5,\)"):
        opt.step()


# --------------------------------------------------------------------- state
@pytest.mark.parametrize("name", sorted(FULL_OPTIONS))
def test_state_dict_round_trip_continues_bitwise(name):
    params = make_params()
    opt = optim.get(name, lr=0.05, **FULL_OPTIONS[name]).bind(params)
    run(opt, params, 5)
    state = opt.state_dict()
    saved = json.loads(json.dumps({k: v for k, v in state.items() if k != "state"}))
    restored_state = {**saved, "state": {k: v.copy() for k, v in state["state"].items()}}
    state["state"][next(iter(state["state"]))][...] = np.nan  # a copy: the optimizer is unaffected
    twins = [Parameter(p.data.copy()) for p in params]
    twin = type(opt)(twins)
    twin.load_state_dict(restored_state)
    assert twin.get_config() == opt.get_config() and twin.iterations == 5
    run(opt, params, 5, seed=2)
    run(twin, twins, 5, seed=2)
    for p, q in zip(params, twins, strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_state_loaded_before_bind_is_applied_at_bind():
    params = make_params()
    opt = optim.Adam(params, lr=0.05)
    run(opt, params, 4)
    later = optim.Adam()
    later.load_state_dict(opt.state_dict())
    twins = [Parameter(p.data.copy()) for p in params]
    later.bind(twins)
    assert later.iterations == 4 and later.lr == 0.05
    run(opt, params, 3, seed=2)
    run(later, twins, 3, seed=2)
    for p, q in zip(params, twins, strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_loading_state_of_another_optimizer_or_shape_fails():
    params = make_params()
    adam = optim.Adam(params)
    run(adam, params, 1)
    with pytest.raises(ValueError, match="state of a 'adam' optimizer into SGD"):
        optim.SGD(make_params()).load_state_dict(adam.state_dict())
    with pytest.raises(ValueError, match="saved for parameters"):
        optim.Adam(make_params(shapes=((3, 4), (5,)))).load_state_dict(adam.state_dict())


# ---------------------------------------------------------------- allocation
@pytest.mark.parametrize("name", sorted(FULL_OPTIONS))
def test_warmed_up_step_allocates_nothing_proportional_to_the_parameters(name):
    params = make_params(shapes=((200, 100), (100,), (100, 50)), dtype=np.float32)
    opt = optim.get(name, lr=1e-3, **FULL_OPTIONS[name]).bind(params)
    buffer_bytes = sum(p.data.nbytes for p in params)
    run(opt, params, 2)
    for p in params:
        p.grad[...] = 0.25
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        opt.step()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < buffer_bytes / 50, (peak, buffer_bytes)


def test_a_pickled_model_and_optimizer_keep_training_as_the_original():
    import pickle

    import glassnet as gn

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 3)), rng.normal(size=(32, 1))
    model = gn.Sequential([gn.layers.Dense(4, activation="tanh", input_dim=3), gn.layers.Dense(1)],
                          seed=0, dtype=np.float64)
    model.compile(optimizer=gn.optim.Adam(lr=0.01), loss="mse")
    model.fit(X, y, epochs=2, verbose=0, seed=0)
    copy = pickle.loads(pickle.dumps(model))
    model.fit(X, y, epochs=3, verbose=0, seed=1)
    copy.fit(X, y, epochs=3, verbose=0, seed=1)
    for a, b in zip(model.parameters(), copy.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    assert copy.optimizer.iterations == model.optimizer.iterations


@pytest.mark.parametrize("cls, kwargs", [
    (optim.SGD, {"lr": 0.1, "learning_rate": 0.2}),
    (optim.Adam, {"beta1": 0.8, "betas": (0.9, 0.99)}),
    (optim.Adam, {"beta2": 0.9, "beta_2": 0.99}),
    (optim.RMSprop, {"rho": 0.5, "alpha": 0.9}),
])
def test_a_setting_given_in_two_spellings_is_refused(cls, kwargs):
    with pytest.raises(TypeError, match="not both"):
        cls(**kwargs)
