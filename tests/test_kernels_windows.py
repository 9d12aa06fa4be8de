"""The sliding-window kernels of glassnet.accel (im2col, col2im, max pooling and its
gradient): the compiled ones give the NumPy code's bits on strided inputs, both float
types, every geometry and any range of samples or channels; they refuse what they cannot
take, and a non-finite delta reaches only the window's maximum on both paths."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

import glassnet as gn
from glassnet import accel
from glassnet.accel import windows as kernels
from glassnet.ops._window import conv_geometry

needs_kernel = pytest.mark.skipif(not accel.compiled_available(), reason="built without the compiled kernels")

# (spatial size, kernel, stride, dilation)
GEOMETRIES = [((7, 9), (3, 3), (1, 1), (1, 1)), ((8, 7), (2, 2), (2, 2), (1, 1)),
              ((9, 10), (3, 2), (2, 3), (1, 1)), ((10, 9), (3, 3), (1, 2), (2, 1)),
              ((1, 11), (1, 4), (1, 1), (1, 2))]


@pytest.fixture
def compiled_only(monkeypatch):
    """A kernel that refuses its arrays raises instead of handing them to the NumPy code, so
    that the comparisons below are between the two paths."""
    monkeypatch.setattr(accel, "REFUSED", ())


def _both(fn):
    """fn() on the compiled path and on the NumPy path."""
    fast = fn()
    with gn.reference():
        return fast, fn()


def _input(dtype, spatial, layout, seed=0):
    """A (C, N, H, W) array: contiguous, the transposed view of an (N, C, H, W) array, or a
    view with negative strides."""
    rng = np.random.default_rng(seed)
    if layout == "cnhw":
        return rng.normal(size=(3, 5, *spatial)).astype(dtype)
    if layout == "reversed":
        return rng.normal(size=(3, 5, *spatial)).astype(dtype)[::-1, :, ::-1, ::-1]
    return rng.normal(size=(5, 3, *spatial)).astype(dtype).transpose(1, 0, 2, 3)


@needs_kernel
@pytest.mark.parametrize("layout", ["cnhw", "nchw view", "reversed"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("spatial,kernel,stride,dilation", GEOMETRIES)
@pytest.mark.usefixtures("compiled_only")
def test_im2col_and_col2im_give_numpy_s_bits(spatial, kernel, stride, dilation, dtype, layout):
    xp = _input(dtype, spatial, layout)
    geo = conv_geometry(spatial, kernel, stride, (0, 0), dilation, "test")
    chunk = slice(1, 4)
    shape = (3 * kernel[0] * kernel[1], 3 * geo.out[0] * geo.out[1])
    fast, slow = _both(lambda: kernels.im2col(xp, geo, chunk, np.full(shape, np.nan, dtype)))
    assert fast.tobytes() == slow.tobytes()
    assert not np.isnan(fast).any()
    dcols = np.random.default_rng(1).normal(size=shape).astype(dtype)

    def added():
        dxp = np.full_like(xp, np.nan)
        kernels.col2im(dcols, dxp, geo, chunk)
        return dxp

    fast, slow = _both(added)
    assert fast.tobytes() == slow.tobytes()
    assert np.isnan(fast[:, :1]).all() and np.isnan(fast[:, 4:]).all()  # other samples untouched
    assert not np.isnan(fast[:, 1:4]).any()


@needs_kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("spatial,kernel,stride,dilation", GEOMETRIES)
@pytest.mark.usefixtures("compiled_only")
@pytest.mark.parametrize("layout", ["nchw view", "reversed"])
def test_max_pooling_and_its_gradient_give_numpy_s_bits(spatial, kernel, stride, dilation, dtype, layout):
    xp = _input(dtype, spatial, layout)
    xp[..., 1] = xp[..., 0]  # ties: the first maximum wins
    xp[0, 0, 0, 0] = np.nan
    xp[1, 1, :2, :2] = -0.0
    geo = conv_geometry(spatial, kernel, stride, (0, 0), dilation, "test")
    channels = slice(1, 3)
    out_shape = (3, 5, *geo.out)

    def pooled():
        out, index = np.zeros(out_shape, dtype), np.full(out_shape, 255, np.uint8)
        kernels.max_pool(xp, geo, out, index, channels)
        return out, index

    (out, index), (out_ref, index_ref) = _both(pooled)
    assert out.tobytes() == out_ref.tobytes() and index.tobytes() == index_ref.tobytes()
    assert (index[0] == 255).all()  # channel 0 is outside the range
    delta = np.random.default_rng(2).normal(size=(5, 3, *geo.out)).astype(dtype).transpose(1, 0, 2, 3)

    def routed():
        dxp = np.full_like(xp, np.nan)
        kernels.max_pool_grad(delta, index, dxp, geo, channels)
        return dxp

    fast, slow = _both(routed)
    assert fast.tobytes() == slow.tobytes()
    assert np.isnan(fast[0]).all()  # channel 0 is outside the range
    np.testing.assert_allclose(fast[1:].sum(axis=(2, 3)), delta[1:].sum(axis=(2, 3)), rtol=1e-5, atol=1e-5)


def test_a_non_finite_delta_reaches_only_the_maximum_on_both_paths():
    """PyTorch's rule: the other elements of the window get exactly nothing (not NaN)."""
    x = gn.tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    up = gn.tensor(np.array([np.inf, 1.0, np.nan, 2.0]).reshape(1, 1, 2, 2))
    expected = np.zeros((4, 4))
    expected[1, 1], expected[1, 3], expected[3, 1], expected[3, 3] = np.inf, 1.0, np.nan, 2.0
    for reference in (False, True):
        x.grad = None
        with gn.reference() if reference else contextlib.nullcontext():
            (gn.functional.max_pool2d(x, 2) * up).sum().backward()
        np.testing.assert_array_equal(x.grad[0, 0], expected)


@needs_kernel
def test_the_kernels_refuse_arrays_they_cannot_take():
    x = np.zeros((2, 3, 5, 5), np.float32)
    with pytest.raises(TypeError, match="cols"):
        accel._compiled.im2col(x, np.zeros(2 * 9 * 3 * 9), (3, 3, 1, 1, 1, 1), 0, 3)
    with pytest.raises(ValueError, match="sample range"):
        accel._compiled.im2col(x, np.zeros(2 * 9 * 4 * 9, np.float32), (3, 3, 1, 1, 1, 1), 0, 4)
    with pytest.raises(ValueError, match="larger than the padded input"):
        accel._compiled.col2im(np.zeros(1, np.float32), x, (6, 3, 1, 1, 1, 1), 0, 1)
    with pytest.raises(ValueError, match="4-D"):
        accel._compiled.max_pool(x[0], np.zeros(9, np.float32), None, (2, 2, 2, 2, 1, 1), 0, 1)
    with pytest.raises(TypeError, match="uint8"):
        accel._compiled.max_pool(x, np.zeros(2 * 3 * 4, np.float32), np.zeros(2 * 3 * 4, np.uint16),
                                 (2, 2, 2, 2, 1, 1), 0, 2)
    with pytest.raises(ValueError, match="larger than the padded input"):  # 4 (2**62 + 1) overflows to 4
        accel._compiled.max_pool(np.zeros((1, 1, 5, 5), np.float32), np.zeros(5, np.float32), None,
                                 (5, 1, 1, 1, 2**62 + 1, 1), 0, 1)
    with pytest.raises(ValueError, match="256 taps"):
        accel._compiled.max_pool(np.zeros((1, 1, 17, 17), np.float32), np.zeros(1, np.float32), None,
                                 (17, 17, 1, 1, 1, 1), 0, 1)


def test_a_pool_wider_than_an_index_byte_takes_the_numpy_path():
    rng = np.random.default_rng(5)
    x = gn.tensor(rng.normal(size=(2, 1, 17, 18)), requires_grad=True)
    z = gn.functional.max_pool2d(x, 17)
    z.sum().backward()
    flat = x.data[:, 0, :17, :17].reshape(2, -1)
    np.testing.assert_array_equal(z.data.reshape(2, -1)[:, 0], flat.max(axis=1))
    assert x.grad.sum() == 2 and x.grad.max() == 1


@needs_kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.usefixtures("compiled_only")
def test_a_maximum_of_signed_zeros_has_numpy_s_sign(dtype):
    """np.maximum keeps the later of two equal values: a window of -0.0 then 0.0 pools to 0.0."""
    xp = np.zeros((2, 3, 4, 6), dtype)
    xp[:, :, ::2] = -0.0
    xp[1, 2, 1] = -0.0
    geo = conv_geometry((4, 6), (2, 3), (2, 3), (0, 0), (1, 1), "test")

    def pooled():
        out, index = np.empty((2, 3, *geo.out), dtype), np.empty((2, 3, *geo.out), np.uint8)
        kernels.max_pool(xp, geo, out, index, slice(0, 2))
        return out, index

    (out, index), (out_ref, index_ref) = _both(pooled)
    assert out.tobytes() == out_ref.tobytes() and index.tobytes() == index_ref.tobytes()
    assert np.signbit(out).sum() == 2  # the windows of plane (1, 2) hold -0.0 only


@needs_kernel
def test_the_pooling_gradient_refuses_a_recorded_tap_outside_the_window():
    dxp, delta = np.zeros((2, 1, 4, 4), np.float32), np.ones((2, 1, 2, 2), np.float32)
    index = np.zeros((2, 1, 2, 2), np.uint8)
    index[1, 0, 1, 1] = 4  # a 2x2 window has taps 0 to 3
    with pytest.raises(ValueError, match="recorded tap 4"):
        accel._compiled.max_pool_grad(delta, index, dxp, (2, 2, 2, 2, 1, 1), 0, 2)
    accel._compiled.max_pool_grad(delta, index, dxp, (2, 2, 2, 2, 1, 1), 0, 1)  # channel 1 not read
    assert dxp[0].sum() == 4 and not dxp[1].any()
