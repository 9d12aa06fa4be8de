"""The compiled ReLU backward against NumPy's ``grad * (a > 0)``, bit for bit."""

import shutil
import sysconfig
import types

import numpy as np
import pytest

from glassnet import activations

needs_kernel = pytest.mark.skipif(activations._fused is None, reason="the compiled kernel is not built")


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
    assert out.dtype == expected.dtype and out.shape == expected.shape
    assert out.tobytes() == expected.tobytes()


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
        activations._fused.relu_grad(a, a, np.empty(4))
    with pytest.raises(TypeError, match="a: expected"):
        activations._fused.relu_grad(a, np.ones(3, np.float32), np.empty(4, np.float32))


def test_kernel_is_built_where_a_c_compiler_exists():
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}) on this machine: NumPy computes the ReLU's backward")
    assert activations._fused is not None, (
        f"{compiler} exists but glassnet._activations_fused was not built: reinstall with `pip install -e .`"
    )
