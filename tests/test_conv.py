"""Convolution and pooling ops against PyTorch (float64, forward and every gradient), central
finite differences, the lectures' worked examples, PyTorch's tie and padding rules, and the
errors for bad input."""

from __future__ import annotations

import contextlib
import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as tnf

import glassnet as gn
import glassnet.ops.conv as conv_ops

F = gn.functional
TOL = {"rtol": 1e-6, "atol": 1e-9}

# (H, W), (kh, kw), stride, padding, dilation: non-square images and kernels, strides and
# dilations per axis, both im2col layouts (stride 1 and the general strided one).
CONV2D_GEOMETRIES = [
    ((7, 6), (3, 2), 1, 0, 1),
    ((7, 6), (3, 2), 2, 1, 1),
    ((5, 9), (2, 3), (2, 1), (2, 0), 1),
    ((5, 9), (1, 1), 1, 0, 1),
    ((6, 6), (3, 3), 1, "same", 1),
    ((6, 7), (2, 2), 1, "same", 1),
    ((6, 7), (3, 3), 1, "same", 2),
    ((8, 7), (3, 2), 1, 1, (2, 1)),
    ((8, 9), (3, 3), 3, 2, 2),
    ((4, 9), (2, 6), 1, 0, 1),
    ((5, 5), (5, 5), 1, "valid", 1),
]
CHANNELS = [(1, 2), (3, 4)]


def _leaves(*arrays: np.ndarray) -> list[gn.Tensor]:
    return [gn.tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]


def _torch_leaves(*arrays: np.ndarray) -> list[torch.Tensor]:
    return [torch.tensor(a, requires_grad=True) for a in arrays]


def _compare(fn, torch_fn, arrays, seed=0):
    """Value and every input gradient of ``fn`` against ``torch_fn``, for a random upstream."""
    leaves, tleaves = _leaves(*arrays), _torch_leaves(*arrays)
    out, tout = fn(*leaves), torch_fn(*tleaves)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **TOL)
    upstream = np.random.default_rng(seed).normal(size=out.shape)
    out.backward(upstream)
    tout.backward(torch.tensor(upstream))
    for leaf, tleaf in zip(leaves, tleaves, strict=True):
        np.testing.assert_allclose(leaf.grad, tleaf.grad.numpy(), **TOL)


def _conv_case(rng, channels, spatial, kernel):
    (c_in, filters), (kh, kw) = channels, kernel
    x = rng.normal(size=(2, c_in, *spatial))
    W = rng.normal(size=(filters, c_in, kh, kw))
    b = rng.normal(size=filters)
    return x, W, b


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("channels", CHANNELS)
@pytest.mark.parametrize("spatial, kernel, stride, padding, dilation", CONV2D_GEOMETRIES)
def test_conv2d_matches_torch(spatial, kernel, stride, padding, dilation, channels):
    x, W, b = _conv_case(np.random.default_rng(1), channels, spatial, kernel)
    options = {"stride": stride, "padding": padding, "dilation": dilation}
    _compare(lambda *t: F.conv2d(*t, **options), lambda *t: tnf.conv2d(*t, **options), [x, W, b])


def test_same_padding_with_a_stride_puts_the_odd_row_after():
    """PyTorch has no "same" for strides > 1: compare with its conv2d on the explicitly padded
    input. H = 7, k = 3, s = 2: 4 rows need 2 padding rows, (1, 1); W = 8: 1 column, (0, 1)."""
    x, W, b = _conv_case(np.random.default_rng(12), (2, 3), (7, 8), (3, 3))
    _compare(lambda *t: F.conv2d(*t, stride=2, padding="same"),
             lambda x, W, b: tnf.conv2d(tnf.pad(x, (0, 1, 1, 1)), W, b, stride=2), [x, W, b])


def test_conv2d_without_bias_matches_torch():
    x, W, _ = _conv_case(np.random.default_rng(2), (3, 4), (6, 5), (2, 3))
    _compare(lambda *t: F.conv2d(*t, padding=1), lambda *t: tnf.conv2d(*t, padding=1), [x, W])


def test_conv2d_in_several_cache_chunks_matches_torch(monkeypatch):
    """The batch is processed in cache-sized chunks; force one sample per chunk."""
    monkeypatch.setattr(conv_ops, "CHUNK_BYTES", 1)
    rng = np.random.default_rng(3)
    x, W, b = rng.normal(size=(5, 2, 6, 7)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    _compare(lambda *t: F.conv2d(*t, padding=1), lambda *t: tnf.conv2d(*t, padding=1), [x, W, b])
    _compare(lambda *t: F.conv2d(*t, stride=2), lambda *t: tnf.conv2d(*t, stride=2), [x, W, b])


@pytest.mark.parametrize("length, k, stride, padding, dilation", [
    (9, 3, 1, 0, 1), (9, 2, 2, 1, 1), (10, 3, 1, "same", 2), (8, 4, 3, 2, 1), (7, 1, 1, 0, 1),
])
@pytest.mark.parametrize("channels", CHANNELS)
def test_conv1d_matches_torch(length, k, stride, padding, dilation, channels):
    rng = np.random.default_rng(4)
    (c_in, filters) = channels
    x, W = rng.normal(size=(3, c_in, length)), rng.normal(size=(filters, c_in, k))
    b = rng.normal(size=filters)
    options = {"stride": stride, "padding": padding, "dilation": dilation}
    _compare(lambda *t: F.conv1d(*t, **options), lambda *t: tnf.conv1d(*t, **options), [x, W, b])


POOL_GEOMETRIES = [
    ((6, 8), 2, None, 0),
    ((7, 6), 2, None, 0),
    ((7, 6), 3, 1, 1),
    ((5, 9), (2, 3), (2, 1), (1, 0)),
    ((6, 6), (3, 1), 2, (1, 0)),
    ((8, 9), 3, 3, 0),
]


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("spatial, k, stride, padding", POOL_GEOMETRIES)
def test_max_pool2d_matches_torch_including_ties(spatial, k, stride, padding, ties):
    x = np.random.default_rng(5).normal(size=(2, 3, *spatial))
    if ties:
        x = np.round(x)  # many equal values per window: only the first maximum gets delta
    options = {"kernel_size": k, "stride": stride, "padding": padding}
    _compare(lambda t: F.max_pool2d(t, **options), lambda t: tnf.max_pool2d(t, **options), [x])


@pytest.mark.parametrize("reference", [False, True])
@pytest.mark.parametrize("options", [
    {"kernel_size": 2, "stride": 2, "padding": 1},
    {"kernel_size": (3, 2), "stride": (1, 2), "padding": 1, "dilation": (2, 3)},
    {"kernel_size": (5, 3), "stride": (2, 1), "padding": (2, 1), "dilation": 1},
])
def test_a_window_of_minus_infinities_gives_its_delta_to_its_first_input_element(options, reference):
    """Padding is -inf too: the delta of a window holding only -inf goes where PyTorch sends
    it, to the window's first element inside the input, not to the padding (where it would
    be lost)."""
    rng = np.random.default_rng(8)
    x = np.where(rng.random((2, 2, 9, 8)) < 0.8, -np.inf, np.round(rng.normal(size=(2, 2, 9, 8))))
    with gn.reference() if reference else contextlib.nullcontext():
        _compare(lambda t: F.max_pool2d(t, **options), lambda t: tnf.max_pool2d(t, **options), [x])
        _compare(lambda t: F.max_pool1d(t, 3, 2, padding=1), lambda t: tnf.max_pool1d(t, 3, 2, padding=1),
                 [x[:, :, 0]])


@pytest.mark.parametrize("reference", [False, True])
def test_a_window_holding_nan_gives_its_delta_to_its_last_nan(reference):
    """PyTorch's rule: NaN takes the maximum's place (the value is NaN on both sides)."""
    rng = np.random.default_rng(9)
    x = np.where(rng.random((2, 2, 9, 8)) < 0.2, np.nan, np.round(rng.normal(size=(2, 2, 9, 8))))
    options = {"kernel_size": 3, "stride": 2, "padding": 1}
    with gn.reference() if reference else contextlib.nullcontext():
        _compare(lambda t: F.max_pool2d(t, **options), lambda t: tnf.max_pool2d(t, **options), [x])


def test_max_pool2d_with_dilation_matches_torch():
    x = np.round(np.random.default_rng(6).normal(size=(2, 2, 9, 8)))
    options = {"kernel_size": (3, 2), "stride": (1, 2), "padding": 1, "dilation": (2, 3)}
    _compare(lambda t: F.max_pool2d(t, **options), lambda t: tnf.max_pool2d(t, **options), [x])


@pytest.mark.parametrize("spatial, k, stride, padding", POOL_GEOMETRIES)
def test_avg_pool2d_matches_torch(spatial, k, stride, padding):
    x = np.random.default_rng(7).normal(size=(2, 3, *spatial))
    options = {"kernel_size": k, "stride": stride, "padding": padding}
    _compare(lambda t: F.avg_pool2d(t, **options), lambda t: tnf.avg_pool2d(t, **options), [x])


@pytest.mark.parametrize("length, k, stride, padding, dilation", [
    (10, 2, None, 0, 1), (9, 3, 1, 1, 1), (9, 3, 2, 1, 2), (7, 2, 3, 0, 1),
])
def test_max_pool1d_matches_torch(length, k, stride, padding, dilation):
    x = np.round(np.random.default_rng(8).normal(size=(2, 3, length)))
    _compare(lambda t: F.max_pool1d(t, k, stride, padding, dilation),
             lambda t: tnf.max_pool1d(t, k, stride, padding, dilation), [x])


def test_global_avg_pool2d_matches_torch():
    x = np.random.default_rng(9).normal(size=(3, 4, 5, 6))
    _compare(F.global_avg_pool2d, lambda t: t.mean(dim=(2, 3)), [x])


def test_a_small_network_matches_torch_end_to_end():
    """conv -> relu -> max pool -> conv -> avg pool: the ops read each other's (C, N, H, W) views."""
    rng = np.random.default_rng(10)
    arrays = [rng.normal(size=(3, 2, 10, 9)), rng.normal(size=(4, 2, 3, 3)), rng.normal(size=4),
              rng.normal(size=(5, 4, 2, 2)), rng.normal(size=5)]

    def net(x, W1, b1, W2, b2, f):
        a = f.max_pool2d(f.relu(f.conv2d(x, W1, b1, padding=1)), 2)
        return f.avg_pool2d(f.conv2d(a, W2, b2), 2, stride=1)

    _compare(lambda *t: net(*t, F), lambda *t: net(*t, tnf), arrays)


def _finite_differences(fn, arrays, upstream, eps=1e-6):
    """Central differences of sum(upstream * fn(arrays)) with respect to every input."""
    grads = []
    for array in arrays:
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + eps
            up = np.sum(upstream * fn(*arrays))
            array[index] = saved - eps
            down = np.sum(upstream * fn(*arrays))
            array[index] = saved
            grad[index] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


FD_CASES = [
    ("conv2d", lambda x, W, b: F.conv2d(x, W, b, stride=(2, 1), padding=1, dilation=(1, 2)),
     [(2, 2, 5, 6), (3, 2, 2, 2), (3,)]),
    ("conv2d_same", lambda x, W, b: F.conv2d(x, W, b, padding="same"), [(1, 2, 4, 5), (2, 2, 2, 3), (2,)]),
    ("conv1d", lambda x, W, b: F.conv1d(x, W, b, stride=2, padding=1), [(2, 2, 7), (3, 2, 3), (3,)]),
    ("max_pool2d", lambda x: F.max_pool2d(x, 3, stride=2, padding=1), [(2, 2, 5, 6)]),
    ("max_pool2d_tiles", lambda x: F.max_pool2d(x, 2), [(2, 2, 4, 6)]),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, (2, 3), stride=1, padding=1), [(2, 2, 4, 5)]),
    ("max_pool1d", lambda x: F.max_pool1d(x, 3, stride=2), [(2, 2, 7)]),
]


@pytest.mark.parametrize("name, fn, shapes", FD_CASES, ids=[c[0] for c in FD_CASES])
def test_gradients_match_central_finite_differences(name, fn, shapes):
    rng = np.random.default_rng(11)
    # distinct values far apart (no ties, no kinks within eps for max pooling)
    arrays = [rng.permutation(int(np.prod(s))).reshape(s) * 0.1 + rng.uniform(0, 0.01, s) for s in shapes]
    leaves = _leaves(*arrays)
    out = fn(*leaves)
    upstream = rng.normal(size=out.shape)
    out.backward(upstream)
    expected = _finite_differences(lambda *a: fn(*[gn.tensor(v, dtype=np.float64) for v in a]).numpy(),
                                   arrays, upstream)
    for leaf, grad in zip(leaves, expected, strict=True):
        np.testing.assert_allclose(leaf.grad, grad, rtol=1e-6, atol=1e-7)


# --------------------------------------------------------- the lectures' worked examples
LAPLACIAN = np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]])


def test_laplacian_edge_kernel_on_the_lecture_image():
    image = np.array([[1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 5.0, 5.0, 5.0, 1.0], [1.0, 5.0, 9.0, 5.0, 1.0],
                      [1.0, 5.0, 5.0, 5.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0]])
    edges = F.conv2d(image[None, None], LAPLACIAN[None, None]).numpy()[0, 0]
    np.testing.assert_array_equal(edges, [[8.0, 0.0, 8.0], [0.0, 16.0, 0.0], [8.0, 0.0, 8.0]])
    assert LAPLACIAN.sum() == 0.0
    flat = F.conv2d(np.full((1, 1, 4, 4), 3.0), LAPLACIAN[None, None]).numpy()[0, 0]
    np.testing.assert_array_equal(flat, np.zeros((2, 2)))  # a constant image has no edges


def test_a_fixed_kernel_responds_to_an_impulse_with_itself():
    """A single bright pixel, zero padded: the response of a symmetric kernel is the kernel."""
    impulse = np.zeros((1, 1, 3, 3))
    impulse[0, 0, 1, 1] = 1.0
    np.testing.assert_array_equal(F.conv2d(impulse, LAPLACIAN[None, None], padding=1).numpy()[0, 0],
                                  LAPLACIAN)


def test_max_pooling_on_the_lecture_block():
    block = np.array([[12.0, 20.0], [8.0, 12.0], [34.0, 70.0], [112.0, 100.0]])
    np.testing.assert_array_equal(F.max_pool2d(block[None, None], 2).numpy().ravel(), [20.0, 112.0])


# ------------------------------------------------------------------- documented rules
def test_max_pool_gives_a_tie_wholly_to_the_first_maximum_in_row_major_order():
    x = gn.tensor([[[[1.0, 3.0], [3.0, 3.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).backward(np.array([[[[5.0]]]]))
    np.testing.assert_array_equal(x.grad[0, 0], [[0.0, 5.0], [0.0, 0.0]])


def test_avg_pool_counts_padding_in_the_mean():
    x = np.ones((1, 1, 2, 2))
    out = F.avg_pool2d(x, 2, stride=1, padding=1).numpy()[0, 0]
    # each corner window holds one real 1 and three padded zeros
    np.testing.assert_allclose(out, [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])


def test_float32_stays_float32():
    x = gn.tensor(np.ones((2, 1, 5, 5)), requires_grad=True)
    W = gn.tensor(np.ones((2, 1, 3, 3)), requires_grad=True)
    out = F.max_pool2d(F.conv2d(x, W, padding=1), 2)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == W.grad.dtype == np.float32
    assert F.conv2d([[[[1.0, 2.0]]]], [[[[3.0]]]]).dtype == np.float32  # lists: the default dtype
    assert F.conv2d(np.ones((1, 1, 2, 2)), [[[[3.0]]]]).dtype == np.float64  # the image's dtype


# ------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d(np.ones((1, 5, 5)), np.ones((1, 1, 3, 3))), r"\(N, C, H, W\).*3-D"),
    (lambda: F.conv1d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3))), r"\(N, C, L\).*4-D"),
    (lambda: F.max_pool2d(np.ones((5, 5)), 2), r"\(N, C, H, W\)"),
    (lambda: F.global_avg_pool2d(np.ones((2, 5))), r"\(N, C, H, W\)"),
    (lambda: F.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 5, 5))), r"kernel|window.*padded input"),
    (lambda: F.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), dilation=2), r"padded input"),
    (lambda: F.max_pool2d(np.ones((1, 1, 2, 2)), 3), r"padded input"),
    (lambda: F.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 1, 3, 3))), r"3 channels.*expects 1"),
    (lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 3, 3))), r"W must have shape"),
    (lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), np.ones(3)), r"b must have shape \(2,\)"),
    (lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), padding="full"), r"'valid', 'same'"),
    (lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), stride=0), r"stride must be >= 1"),
    (lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), padding=-1), r"padding must be >= 0"),
    (lambda: F.max_pool2d(np.ones((1, 1, 6, 6)), 2, padding=2), r"more than half the pool size"),
    (lambda: F.max_pool1d(np.ones((1, 1, 6)), 0), r"kernel_size must be >= 1"),
])
def test_bad_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call", [
    lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), stride=1.5),
    lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), dilation=(1, 2, 3)),
    lambda: F.max_pool2d(np.ones((1, 1, 5, 5)), "2"),
])
def test_wrong_argument_types_raise_type_error(call):
    with pytest.raises(TypeError, match="int or a pair of ints"):
        call()


def test_same_padding_keeps_the_size_for_every_kernel_and_stride():
    for (h, w), k, s in itertools.product([(7, 8), (6, 5)], [1, 2, 3, 4], [1, 2, 3]):
        out = F.conv2d(np.ones((1, 1, h, w)), np.ones((1, 1, k, k)), stride=s, padding="same")
        assert out.shape[2:] == (-(-h // s), -(-w // s))


@pytest.mark.parametrize("reference", [False, True])
@pytest.mark.parametrize("name, op, shape, expected", [
    ("conv2d", lambda x, W: F.conv2d(x, W[:, :2], padding=1), (0, 2, 5, 5), (0, 3, 6, 6)),
    ("conv1d", lambda x, W: F.conv1d(x, W[:, :2, 0]), (0, 2, 5), (0, 3, 4)),
    ("conv_transpose2d", lambda x, W: F.conv_transpose2d(x, W[:2].reshape(2, 3, 2, 2)), (0, 2, 5, 5),
     (0, 3, 6, 6)),
    ("max_pool2d, no sample", lambda x, W: F.max_pool2d(x, 2, padding=1), (0, 2, 5, 5), (0, 2, 3, 3)),
    ("max_pool2d, no channel", lambda x, W: F.max_pool2d(x, 2, padding=1), (2, 0, 5, 5), (2, 0, 3, 3)),
    ("avg_pool2d, no channel", lambda x, W: F.avg_pool2d(x, 2), (2, 0, 5, 5), (2, 0, 2, 2)),
    ("max_pool1d, no channel", lambda x, W: F.max_pool1d(x, 2), (2, 0, 5), (2, 0, 2)),
])
def test_an_empty_batch_or_channel_axis_gives_empty_outputs_and_zero_gradients(name, op, shape, expected,
                                                                               reference):
    x = gn.tensor(np.zeros(shape), requires_grad=True)
    W = gn.tensor(np.ones((3, 3, 2, 2)), requires_grad=True)
    with gn.reference() if reference else contextlib.nullcontext():
        z = op(x, W)
        (z.sum() + (W * 0.0).sum()).backward()
    assert z.shape == expected and x.grad.shape == shape
    np.testing.assert_array_equal(W.grad, np.zeros(W.shape))
