"""The compiled kernels against the reference path, per the contract of glassnet.accel: ReLU's
forward and backward bit for bit (NumPy's ``maximum(z, 0)`` and ``grad * (a > 0)``), the
softmax to rounding (the softmax cross-entropy: tests/test_losses_fused.py); the penalty's
sum of squares."""

import importlib
import shutil
import sysconfig
import types

import numpy as np
import pytest

import glassnet as gn
from glassnet import accel, activations, regularizers

needs_kernel = pytest.mark.skipif(not accel.compiled_available(), reason="the compiled kernel is not built")


def _backward(grad, a):
    return activations.ReLU.backward(types.SimpleNamespace(a=a), grad)[0]


@needs_kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(0, 3), (1,), (7, 5), (200, 100), (2, 3, 4, 5)])
def test_kernel_gives_numpy_s_bits(dtype, shape):
    rng = np.random.default_rng(sum(shape))
    a = np.maximum(rng.normal(size=shape), 0).astype(dtype)
    grad = rng.normal(size=shape).astype(dtype)
    if grad.size > 3:  # NaN, signed zeros and inf travel as in NumPy
        grad.flat[:3] = [np.nan, -0.0, -np.inf]
        a.flat[:4] = [0.0, 0.0, 0.0, np.nan]
    out = _backward(grad, a)
    with np.errstate(invalid="ignore"):  # -inf * 0
        expected = grad * (a > 0)
        with gn.reference():
            reference = _backward(grad, a)
    assert out.tobytes() == reference.tobytes()
    assert out.dtype == expected.dtype and out.shape == expected.shape
    assert out.tobytes() == expected.tobytes()


@needs_kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(0, 3), (1,), (7, 5), (200, 100)])
def test_relu_forward_gives_numpy_s_bits_in_place_or_not(dtype, shape):
    rng = np.random.default_rng(sum(shape) + 1)
    z = rng.normal(size=shape).astype(dtype)
    if z.size > 10:
        z.flat[:10] = [-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, 5e-45, -5e-45, 1.0, -1.0]
    expected = np.maximum(z, 0)
    assert accel.relu(z).tobytes() == expected.tobytes()
    with gn.reference():
        assert accel.relu(z).tobytes() == expected.tobytes()
    same = z.copy()
    assert accel.relu(same, out=same) is same and same.tobytes() == expected.tobytes()


def test_relu_forward_of_other_arrays_takes_the_numpy_path():
    z = np.asfortranarray(np.random.default_rng(0).normal(size=(4, 6)))
    np.testing.assert_array_equal(accel.relu(z), np.maximum(z, 0))
    half = np.arange(-3, 3, dtype=np.float16)
    np.testing.assert_array_equal(accel.relu(half), np.maximum(half, 0))


@needs_kernel
@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-6), (np.float64, 1e-14)])
@pytest.mark.parametrize("shape", [(1, 1), (1, 784), (7, 3), (1000, 10), (2, 3, 5)])
def test_softmax_agrees_with_the_numpy_path_in_place_or_not(dtype, rtol, shape):
    rng = np.random.default_rng(sum(shape))
    z = (rng.normal(size=shape) * 5).astype(dtype)
    fused = accel.softmax(z)
    in_place = z.copy()
    assert accel.softmax(in_place, out=in_place) is in_place
    assert in_place.tobytes() == fused.tobytes()
    with gn.reference():
        plain = accel.softmax(z)
    assert fused.dtype == plain.dtype == dtype
    np.testing.assert_allclose(fused, plain, rtol=rtol, atol=rtol * 1e-3)
    np.testing.assert_allclose(fused.sum(axis=-1), 1, rtol=4 * rtol)


@needs_kernel
def test_softmax_of_non_finite_rows_is_nan_and_other_rows_are_untouched():
    z = np.array([[np.nan, 0, 1], [np.inf, 0, 1], [-np.inf, 0, 0], [1e4, 0, -1e4]], np.float32)
    p = accel.softmax(z)
    assert np.isnan(p[:2]).all()
    np.testing.assert_array_equal(p[2], [0, 0.5, 0.5])
    np.testing.assert_array_equal(p[3], [1, 0, 0])


def test_softmax_along_another_axis_or_of_other_arrays_takes_the_numpy_path():
    z = np.random.default_rng(1).normal(size=(4, 3))
    columns = np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0)
    np.testing.assert_allclose(accel.softmax(z, axis=0), columns)
    np.testing.assert_allclose(accel.softmax(np.asfortranarray(z)).sum(axis=-1), 1)
    half = z.astype(np.float16)
    assert accel.softmax(half).dtype == np.float16


@pytest.mark.parametrize("grad_of", [np.asfortranarray, lambda g: g.astype(np.float16), lambda g: g[:, ::2]])
def test_other_arrays_take_the_numpy_path(grad_of):
    rng = np.random.default_rng(0)
    a = np.maximum(rng.normal(size=(6, 8)), 0).astype(np.float32)
    grad = grad_of(rng.normal(size=(6, 8)).astype(np.float32))
    a = a[:, : grad.shape[1]]
    np.testing.assert_array_equal(_backward(grad, a), grad * (a > 0))


@needs_kernel
def test_the_kernel_rejects_arrays_it_cannot_take():
    a = np.ones(4, np.float32)
    with pytest.raises(TypeError, match="out"):
        accel._compiled.relu_grad(a, a, np.empty(4))
    with pytest.raises(ValueError, match="a: expected 4 values"):
        accel._compiled.relu_grad(a, np.ones(3, np.float32), np.empty(4, np.float32))


@pytest.mark.parametrize("W", [np.arange(12.0).reshape(3, 4).T, np.arange(6, dtype=np.float16),
                               np.arange(-5, 7, dtype=np.float32)])
def test_the_sum_of_squares(W):
    assert regularizers._sum_of_squares(W) == float(np.sum(W.astype(np.float64) ** 2))


def test_the_extension_is_built_where_a_c_compiler_exists():
    module = "glassnet._compiled"
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}) on this machine: the NumPy paths are used")
    try:
        importlib.import_module(module)
    except ImportError as error:
        pytest.fail(f"{compiler} exists but {module} was not built ({error}): reinstall with "
                    "`pip install -e .` and read the build output")


@needs_kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_of_a_transposed_view_runs_the_kernel_with_numpy_s_bits(dtype, monkeypatch):
    """A convolution's output is the (N, C, H, W) view of a (C, N, H, W) array: the kernels
    take it (and a gradient laid out alike) in memory order; other layouts take NumPy."""
    rng = np.random.default_rng(3)
    z = rng.normal(size=(3, 4, 5, 6)).astype(dtype).transpose(1, 0, 2, 3)
    z[0, :, 0, :3] = [-0.0, np.nan, -np.inf]
    grad = rng.normal(size=(3, 4, 5, 6)).astype(dtype).transpose(1, 0, 2, 3)
    calls = []
    compiled = accel._compiled
    spy = types.SimpleNamespace(  # records the calls the kernels took
        relu=lambda *args: (compiled.relu(*args), calls.append("relu"))[0],
        relu_grad=lambda *args: (compiled.relu_grad(*args), calls.append("relu_grad"))[0],
    )
    monkeypatch.setattr(accel, "_compiled", spy)
    a = accel.relu(z)
    assert a.tobytes() == np.maximum(z, 0).tobytes()
    assert accel.relu_grad(grad, a).tobytes() == (grad * (a > 0)).tobytes()
    assert calls == ["relu", "relu_grad"]
    other_layout = np.ascontiguousarray(grad)
    assert accel.relu_grad(other_layout, a).tobytes() == (grad * (a > 0)).tobytes()
    assert accel.relu(z[:, :, ::2]).tobytes() == np.maximum(z[:, :, ::2], 0).tobytes()
    assert calls == ["relu", "relu_grad"]
