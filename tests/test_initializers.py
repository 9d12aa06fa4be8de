"""Initializers: statistics of large draws against their formulas, fans, seeding, dtypes."""

import json
import math
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import activations, initializers

FAN_IN, FAN_OUT = 400, 600  # a dense W of shape (inputs, units) = (400, 600): 240,000 draws
SHAPE = (FAN_IN, FAN_OUT)

# name -> (distribution, expected std, uniform limit or None)
VARIANCE_SCALING = {
    "glorot_uniform": ("uniform", math.sqrt(2 / (FAN_IN + FAN_OUT)), math.sqrt(6 / (FAN_IN + FAN_OUT))),
    "glorot_normal": ("truncated", math.sqrt(2 / (FAN_IN + FAN_OUT)), None),
    "he_uniform": ("uniform", math.sqrt(2 / FAN_IN), math.sqrt(6 / FAN_IN)),
    "he_normal": ("truncated", math.sqrt(2 / FAN_IN), None),
    "lecun_uniform": ("uniform", math.sqrt(1 / FAN_IN), math.sqrt(3 / FAN_IN)),
    "lecun_normal": ("truncated", math.sqrt(1 / FAN_IN), None),
}


@pytest.mark.parametrize("name", sorted(VARIANCE_SCALING))
def test_variance_scaling_draws_match_their_formulas(name):
    kind, std, limit = VARIANCE_SCALING[name]
    W = initializers.get(name)(SHAPE, np.random.default_rng(0), np.float64)
    assert W.shape == SHAPE and W.dtype == np.float64
    # The standard error of a sample std over n draws is about std / sqrt(2 n) (0.15% here).
    assert abs(W.mean()) < 5 * std / math.sqrt(W.size)
    assert W.std() == pytest.approx(std, rel=0.01)
    if kind == "uniform":
        assert np.abs(W).max() <= limit
        assert np.abs(W).max() > 0.999 * limit
        fraction_in_half = np.mean(np.abs(W) < limit / 2)
        assert fraction_in_half == pytest.approx(0.5, abs=0.005)
    else:
        cut = 2 * std / initializers.TRUNCATED_STD  # two standard deviations of the untruncated normal
        assert np.abs(W).max() <= cut
        assert np.abs(W).max() > 0.99 * cut


def test_truncated_std_constant_is_the_std_of_a_normal_cut_at_two():
    # Var of N(0, 1) restricted to [-a, a]: 1 - 2 a phi(a) / (Phi(a) - Phi(-a)), with a = 2.
    phi = math.exp(-2.0) / math.sqrt(2 * math.pi)
    variance = 1 - 4 * phi / math.erf(2 / math.sqrt(2))
    assert initializers.TRUNCATED_STD == pytest.approx(math.sqrt(variance), rel=1e-12)


def test_untruncated_normal_and_plain_random_initializers():
    rng = np.random.default_rng(1)
    W = initializers.VarianceScaling(2.0, "fan_in", "normal")(SHAPE, rng, np.float64)
    assert W.std() == pytest.approx(math.sqrt(2 / FAN_IN), rel=0.01)
    assert np.abs(W).max() > 3 * math.sqrt(2 / FAN_IN)  # the tails are kept
    U = initializers.RandomUniform(-0.2, 0.6)(SHAPE, rng)
    assert U.min() >= -0.2 and U.max() < 0.6 and U.mean() == pytest.approx(0.2, abs=0.002)
    assert U.std() == pytest.approx(0.8 / math.sqrt(12), rel=0.01)
    N = initializers.get("normal")(SHAPE, rng)
    assert N.mean() == pytest.approx(0.0, abs=0.001) and N.std() == pytest.approx(0.05, rel=0.01)
    N = initializers.RandomNormal(mean=3.0, std=0.5)(SHAPE, rng)
    assert N.mean() == pytest.approx(3.0, abs=0.005) and N.std() == pytest.approx(0.5, rel=0.01)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
def test_conv_kernels_use_pytorch_layout_fans(mode):
    shape = (16, 8, 3, 5)  # (filters, in_channels, kh, kw)
    assert initializers.compute_fans(shape) == (8 * 15, 16 * 15)
    n = {"fan_in": 120, "fan_out": 240, "fan_avg": 180}[mode]
    init = initializers.VarianceScaling(2.0, mode, "uniform")
    assert init.std(shape) == pytest.approx(math.sqrt(2.0 / n))
    W = init((64, 8, 3, 5), np.random.default_rng(2), np.float64)  # fans 120 and 64 * 15 = 960
    n = {"fan_in": 120, "fan_out": 960, "fan_avg": 540}[mode]
    assert W.std() == pytest.approx(math.sqrt(2.0 / n), rel=0.02)


def test_fans_of_other_shapes():
    assert initializers.compute_fans(()) == (1, 1)
    assert initializers.compute_fans((7,)) == (7, 7)
    assert initializers.compute_fans((3, 5)) == (3, 5)
    assert initializers.compute_fans((4, 2, 9)) == (18, 36)  # Conv1D: (filters, in_channels, k)


@pytest.mark.parametrize("name", sorted(VARIANCE_SCALING) + ["uniform", "normal"])
def test_seeding_is_reproducible_and_dtype_is_respected(name):
    init = initializers.get(name)
    a = init((20, 30), np.random.default_rng(7))
    b = init((20, 30), np.random.default_rng(7))
    c = init((20, 30), np.random.default_rng(8))
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    d = init((20, 30), np.random.default_rng(7), dtype=np.float64)
    assert d.dtype == np.float64
    np.testing.assert_array_equal(d.astype(np.float32), a)  # same numbers, rounded


def test_constants():
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(initializers.get("zeros")((2, 3)), np.zeros((2, 3)))
    ones = initializers.get("ones")((4,), rng, np.float64)
    assert ones.dtype == np.float64 and np.all(ones == 1)
    c = initializers.Constant(0.25)((3, 2), dtype=np.float32)
    assert c.dtype == np.float32 and np.all(c == 0.25)


@pytest.mark.parametrize("name", ["zeros", "ones", "constant"])
def test_constant_weights_warn_about_symmetry_but_biases_do_not(name):
    init = initializers.get(name)
    with pytest.warns(UserWarning, match="same gradient and learn the same thing"):
        init((3, 4), np.random.default_rng(0), for_weights=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        init((4,), np.random.default_rng(0))
        initializers.get("he_normal")((3, 4), np.random.default_rng(0), for_weights=True)


def test_default_for_activation():
    for name in ["relu", "leaky_relu", "elu", "gelu", "ReLU"]:
        assert type(initializers.default_for(name)) is initializers.HeNormal
    assert type(initializers.default_for("selu")) is initializers.LecunNormal
    for name in [None, "sigmoid", "tanh", "softmax", "linear", "swish-of-my-own"]:
        assert type(initializers.default_for(name)) is initializers.GlorotUniform
    assert type(initializers.default_for(activations.get("relu"))) is initializers.HeNormal
    assert type(initializers.default_for(lambda z: z)) is initializers.GlorotUniform


def test_registry_and_config_round_trip():
    assert {"zeros", "ones", "constant", "uniform", "normal", "glorot_uniform", "glorot_normal",
            "he_uniform", "he_normal", "lecun_normal", "lecun_uniform"} <= set(initializers.names())
    for name in initializers.names():
        init = initializers.get(name)
        config = init.get_config()
        assert json.loads(json.dumps(config)) == config
        again = initializers.get(config)
        assert type(again) is type(init) and again.get_config() == config
    custom = initializers.VarianceScaling(0.5, "fan_out", "normal")
    assert initializers.get(custom) is custom
    assert initializers.get(custom.get_config()).get_config() == custom.get_config()
    assert type(initializers.get(initializers.HeUniform)) is initializers.HeUniform
    assert initializers.get({"name": "constant", "value": 0.1}).value == 0.1


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown initializer 'kaiming'.*'he_normal'"):
        initializers.get("kaiming")
    with pytest.raises(TypeError, match="initializer must be a name"):
        initializers.get(np.zeros)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        initializers.get("he_normal")((3, 3), 0)
    with pytest.raises(TypeError, match="dtype must be float32 or float64, got int64"):
        initializers.get("zeros")((3,), dtype=np.int64)
    with pytest.raises(ValueError, match="sizes >= 0"):
        initializers.get("zeros")((3, -1))
    with pytest.raises(TypeError, match="shape must be a tuple of ints"):
        initializers.get("zeros")("3x3")
    with pytest.raises(ValueError, match="low < high"):
        initializers.RandomUniform(0.5, 0.1)
    with pytest.raises(ValueError, match="std must be >= 0"):
        initializers.RandomNormal(std=-1.0)
    with pytest.raises(ValueError, match="mode must be one of"):
        initializers.VarianceScaling(mode="fan_mean")
    with pytest.raises(ValueError, match="distribution must be one of"):
        initializers.VarianceScaling(distribution="laplace")
    with pytest.raises(ValueError, match="scale must be > 0"):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(TypeError, match="value must be a real number"):
        initializers.Constant("0.1")


SYMMETRIC = ["zeros", "ones", "constant", {"name": "normal", "std": 0.0}]


@pytest.mark.parametrize("init", SYMMETRIC, ids=["zeros", "ones", "constant", "normal-std-0"])
@pytest.mark.parametrize("layer", [
    lambda init: gn.layers.Dense(1, kernel_initializer=init, input_dim=3),
    lambda init: gn.layers.Conv2D(1, 3, kernel_initializer=init),
    lambda init: gn.layers.Conv1D(1, 2, kernel_initializer=init),
], ids=["dense-1-unit", "conv2d-1-filter", "conv1d-1-filter"])
def test_a_layer_of_one_unit_has_no_symmetry_to_break_and_does_not_warn(layer, init):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        built = layer(init)
        shape = (3,) if isinstance(built, gn.layers.Dense) else (2, 5, 5)[:built.rank + 1]
        built.ensure_built(shape)


@pytest.mark.parametrize("init", SYMMETRIC, ids=["zeros", "ones", "constant", "normal-std-0"])
@pytest.mark.parametrize("layer, shape", [
    (lambda init: gn.layers.Dense(2, kernel_initializer=init), (3,)),
    (lambda init: gn.layers.Conv2D(2, 3, kernel_initializer=init), (1, 5, 5)),
], ids=["dense-2-units", "conv2d-2-filters"])
def test_a_layer_of_several_units_with_identical_weights_warns(layer, shape, init):
    with pytest.warns(UserWarning, match="same gradient and learn the same thing"):
        layer(init).ensure_built(shape)


def test_every_initializer_class_of_the_families_has_a_row_in_the_table():
    from glassnet.initializers import base, scaling

    classes = {name: getattr(family, name) for family in (base, scaling) for name in family.__all__}
    written = {name: cls for name, cls in classes.items()
               if isinstance(cls, type) and cls is not initializers.Initializer}
    in_table = {cls for cls, _ in initializers._TABLE}
    missing = sorted(name for name, cls in written.items() if cls not in in_table)
    assert not missing, f"initializers without a row in glassnet.initializers._TABLE: {missing}"
    assert all(type(initializers.get(name)) is cls for cls, names in initializers._TABLE for name in names)


@pytest.mark.parametrize("shape", [(3, 12), (6, 4), (5, 5), (2, 3, 4)])
def test_orthogonal_gives_orthonormal_rows_or_columns_times_the_gain(shape):
    q = initializers.get({"name": "orthogonal", "gain": 2.0})(shape, np.random.default_rng(0), np.float64)
    flat = q.reshape(-1, shape[-1])
    small = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(small, 4.0 * np.eye(len(small)), atol=1e-12)
    with pytest.raises(ValueError, match="at least 2 axes"):
        initializers.get("orthogonal")((4,), np.random.default_rng(0))
