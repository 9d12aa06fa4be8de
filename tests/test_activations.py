"""Every activation against PyTorch and finite differences (table in tests/specs.py), the
lectures' table of values and derivatives, numerical stability, and the name registry."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from specs import ACTIVATIONS, helper_test_spec, node_types, spec_cases

import glassnet as gn
from glassnet import activations

F = gn.functional


@pytest.mark.parametrize("spec, shapes", spec_cases(ACTIVATIONS))
def test_activation_matches_torch_and_finite_differences(spec, shapes):
    helper_test_spec(spec, shapes)


def test_every_registered_activation_is_in_the_table():
    registered = {}
    for name in activations.ACTIVATIONS.names():
        out = activations.get(name)(gn.tensor([[0.5, -0.5]], requires_grad=True))
        registered[name] = type(out._ctx)
    covered = node_types(ACTIVATIONS)
    missing = sorted(name for name, node in registered.items() if node not in covered)
    assert not missing, f"activations without an entry in tests/specs.py ACTIVATIONS: {missing}"


def test_every_activation_function_of_the_families_has_a_row_in_the_table():
    import importlib
    import pkgutil

    families = [importlib.import_module(f"glassnet.activations.{info.name}")
                for info in pkgutil.iter_modules(activations.__path__) if not info.name.startswith("_")]
    assert len(families) >= 4
    written = {name: getattr(family, name) for family in families
               for name in family.__all__ if name.islower()}
    in_table = {function for function, _ in activations._TABLE}
    missing = sorted(name for name, function in written.items() if function not in in_table)
    assert not missing, f"activations without a row in glassnet.activations._TABLE: {missing}"
    assert all(activations.get(name) is function for function, names in activations._TABLE for name in names)


# The lectures' table at x = -2, -0.5, 0, 0.5, 2: g(x) and g'(x) (NaN: undefined at the kink).
X = [-2.0, -0.5, 0.0, 0.5, 2.0]
NAN = float("nan")
LECTURE_TABLE = {
    "identity": ([-2.0, -0.5, 0.0, 0.5, 2.0], [1.0, 1.0, 1.0, 1.0, 1.0]),
    "sigmoid": ([0.11920292202211755, 0.3775406687981454, 0.5, 0.6224593312018546, 0.8807970779778823],
                [0.1049935854035065, 0.2350037122015945, 0.25, 0.2350037122015945, 0.10499358540350662]),
    "tanh": ([-0.9640275800758169, -0.46211715726000974, 0.0, 0.46211715726000974, 0.9640275800758169],
             [0.07065082485316443, 0.7864477329659274, 1.0, 0.7864477329659274, 0.07065082485316443]),
    "relu": ([0.0, 0.0, 0.0, 0.5, 2.0], [0.0, 0.0, NAN, 1.0, 1.0]),
    "leaky_relu": ([-0.02, -0.005, 0.0, 0.5, 2.0], [0.01, 0.01, NAN, 1.0, 1.0]),
    "elu": ([-0.8646647167633873, -0.3934693402873666, 0.0, 0.5, 2.0],
            [0.1353352832366127, 0.6065306597126334, 1.0, 1.0, 1.0]),
    "gelu": ([-0.04550026389635842, -0.15426876936299344, 0.0, 0.34573123063700656, 1.9544997361036416],
             [-0.08523180107819692, 0.13250487534383715, 0.5, 0.8674951246561629, 1.085231801078197]),
    "softplus": ([0.1269280110429725, 0.4740769841801067, 0.6931471805599453, 0.9740769841801067,
                  2.1269280110429727],
                 [0.11920292202211755, 0.3775406687981454, 0.5, 0.6224593312018546, 0.8807970779778823]),
    "binary_step": ([0.0, 0.0, NAN, 1.0, 1.0], [0.0, 0.0, NAN, 0.0, 0.0]),
    # sqrt(1 + x^2) and x / sqrt(1 + x^2); 1 / sqrt(1 + x^2) and -x / (1 + x^2)^(3/2)
    "multiquadric": ([5 ** 0.5, 1.25 ** 0.5, 1.0, 1.25 ** 0.5, 5 ** 0.5],
                     [-2 / 5 ** 0.5, -0.5 / 1.25 ** 0.5, 0.0, 0.5 / 1.25 ** 0.5, 2 / 5 ** 0.5]),
    "inverse_multiquadric": ([5 ** -0.5, 1.25 ** -0.5, 1.0, 1.25 ** -0.5, 5 ** -0.5],
                             [2 / 5 ** 1.5, 0.5 / 1.25 ** 1.5, 0.0, -0.5 / 1.25 ** 1.5, -2 / 5 ** 1.5]),
}


@pytest.mark.parametrize("name", sorted(LECTURE_TABLE))
def test_lecture_table_of_values_and_derivatives(name):
    expected_f, expected_df = LECTURE_TABLE[name]
    z = gn.tensor(X, requires_grad=True, dtype=np.float64)
    a = activations.get(name)(z)
    a.sum().backward()
    defined_f, defined_df = ~np.isnan(expected_f), ~np.isnan(expected_df)
    np.testing.assert_allclose(a.data[defined_f], np.array(expected_f)[defined_f], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(z.grad[defined_df], np.array(expected_df)[defined_df], rtol=1e-12, atol=1e-15)


def test_selu_uses_the_exact_constants():
    z = gn.tensor([-2.0, 2.0], dtype=np.float64)
    lam, alpha = 1.0507009873554805, 1.6732632423543772
    np.testing.assert_allclose(F.selu(z).data, [lam * alpha * (np.exp(-2.0) - 1), lam * 2.0], rtol=1e-14)


def test_softmax_of_one_two_three():
    out = F.softmax(gn.tensor([1.0, 2.0, 3.0], dtype=np.float64))
    np.testing.assert_allclose(out.data, [0.09003057317038046, 0.24472847105479764, 0.6652409557748218],
                               rtol=1e-12)


def test_sigmoid_derivative_peaks_at_a_quarter_at_zero():
    z = gn.tensor(np.linspace(-5, 5, 1001), requires_grad=True, dtype=np.float64)
    F.sigmoid(z).sum().backward()
    assert z.grad.max() == pytest.approx(0.25, abs=1e-15)
    assert z.data[np.argmax(z.grad)] == pytest.approx(0.0, abs=1e-12)


def test_binary_step_is_zero_at_zero_and_passes_no_gradient():
    # Output 1 iff z > 0, as the perceptron of the festival example (6 x1 + 2 x2 + 2 x3 > 5).
    z = gn.tensor([-1.0, 0.0, 1e-9, 3.0], requires_grad=True)
    a = F.binary_step(z)
    np.testing.assert_array_equal(a.data, [0.0, 0.0, 1.0, 1.0])
    (a * gn.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(z.grad, np.zeros(4))


def _quietly(fn, *args):
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        return fn(*args)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_for_huge_inputs(dtype):
    values = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    z = gn.tensor(values, requires_grad=True, dtype=dtype)
    a = _quietly(F.sigmoid, z)
    _quietly(a.sum().backward)
    expected = torch.sigmoid(torch.tensor(values, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(a.data, expected, rtol=1e-6, atol=0)
    assert np.isfinite(z.grad).all() and z.grad.dtype == dtype
    if dtype is np.float64:
        assert a.data[1] == pytest.approx(1.928749847963918e-22, rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softplus_is_stable_for_huge_inputs(dtype):
    values = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    z = gn.tensor(values, requires_grad=True, dtype=dtype)
    a = _quietly(F.softplus, z)
    _quietly(a.sum().backward)
    expected = np.logaddexp(0.0, values)
    np.testing.assert_allclose(a.data, expected, rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(z.grad, [0.0, np.exp(-30.0), 0.5, 1.0, 1.0], rtol=1e-5, atol=1e-30)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_is_stable_for_huge_logits(name, dtype):
    logits = np.array([[1000.0, 0.0, -1000.0], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]])
    z = gn.tensor(logits, requires_grad=True, dtype=dtype)
    a = _quietly(activations.get(name), z)
    upstream = np.array([[1.0, -2.0, 0.5], [0.3, 0.1, -1.0], [2.0, 0.0, 1.0]], dtype=dtype)
    _quietly(a.backward, upstream)
    zt = torch.tensor(logits, requires_grad=True)
    expected = getattr(torch, name)(zt, dim=-1)
    expected.backward(torch.tensor(upstream, dtype=torch.float64))
    np.testing.assert_allclose(a.data, expected.detach().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(z.grad, zt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_unknown_activation_name_lists_the_valid_names():
    with pytest.raises(ValueError) as info:
        activations.get("rleu")
    message = str(info.value)
    assert "'rleu'" in message
    for name in activations.names():
        assert name in message


def test_get_resolves_names_case_insensitively_callables_and_none():
    assert activations.get("ReLU") is F.relu
    assert activations.get("logistic") is F.sigmoid
    assert activations.get(None) is F.identity
    own = lambda z: z * 2  # noqa: E731
    assert activations.get(own) is own
    with pytest.raises(TypeError):
        activations.get(3)


def test_gelu_rejects_an_unknown_approximation():
    with pytest.raises(ValueError, match="'none' or 'tanh'.*'fast'"):
        F.gelu(gn.tensor([1.0]), approximate="fast")


def test_leaky_relu_takes_keras_and_torch_negative_slope():
    z = np.array([-2.0, -0.5, 1.0])
    a = F.leaky_relu(gn.tensor(z), negative_slope=0.2)
    expected = torch.nn.functional.leaky_relu(torch.tensor(z), negative_slope=0.2)
    np.testing.assert_allclose(a.numpy(), expected.numpy())
    with pytest.raises(TypeError, match="slope=0.1, negative_slope=0.2"):
        F.leaky_relu(gn.tensor(z), 0.1, negative_slope=0.2)
