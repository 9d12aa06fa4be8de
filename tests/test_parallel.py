"""Convolutions and pooling split over threads (glassnet._parallel): the bits of one thread and
of the reference path, for batches that do not split evenly, batch 1, and two Python
threads predicting at once; the pool's errors, the thread setting and the BLAS limit."""

from __future__ import annotations

import contextlib
import os
import threading

import numpy as np
import pytest

import glassnet as gn
from glassnet import _parallel
from glassnet._parallel import one_blas_thread
from glassnet.ops import conv, pool
from glassnet.ops.conv_transpose import conv_transpose2d

TIMEOUT = 30

# (name, input shape without the batch, function of (x, W, b))
CASES = {
    "conv2d same": ((2, 9, 9), (3, 2, 3, 3), lambda x, W, b: conv.conv2d(x, W, b, padding=1)),
    "conv2d stride 2": ((2, 9, 8), (3, 2, 3, 3), lambda x, W, b: conv.conv2d(x, W, b, stride=2)),
    "conv2d dilated": ((1, 10, 10), (2, 1, 3, 3), lambda x, W, b: conv.conv2d(x, W, b, dilation=2)),
    "conv1d": ((2, 11), (3, 2, 4), lambda x, W, b: conv.conv1d(x, W, b, padding=1)),
    "conv transpose": ((2, 5, 5), (2, 3, 3, 3), lambda x, W, b: conv_transpose2d(x, W, b, padding=1)),
    "conv transpose stride 2": ((2, 5, 4), (2, 3, 3, 3), lambda x, W, b: conv_transpose2d(x, W, b, 2)),
    "max pool even": ((3, 8, 8), None, lambda x, W, b: pool.max_pool2d(x, 2)),
    "max pool odd": ((3, 9, 7), None, lambda x, W, b: pool.max_pool2d(x, 2)),
    "max pool overlapping": ((2, 7, 7), None, lambda x, W, b: pool.max_pool2d(x, 3, 2, padding=1)),
    "avg pool": ((2, 7, 7), None, lambda x, W, b: pool.avg_pool2d(x, 3, 2, padding=1)),
    "max pool 1d": ((2, 9), None, lambda x, W, b: pool.max_pool1d(x, 3, 2)),
}


@pytest.fixture
def every_chunk_threaded(monkeypatch):
    """Make every op split its work, however small, into many chunks over three threads,
    and record the thread counts the ops asked for."""
    asked = []
    run = _parallel.run

    def spy(fn, count, threads):
        asked.append(threads)
        return run(fn, count, threads)

    monkeypatch.setattr(_parallel, "MIN_CHUNK_WORK", 1)
    monkeypatch.setattr(conv, "PRODUCT_WORK", 1)
    monkeypatch.setattr(_parallel, "run", spy)
    monkeypatch.setattr(conv, "CHUNK_BYTES", 256)
    before = gn.get_num_threads()
    gn.set_num_threads(3)
    yield asked
    gn.set_num_threads(before)


def _value_and_grads(case, n, seed=0):
    shape, w_shape, fn = CASES[case]
    rng = np.random.default_rng(seed)
    x = gn.tensor(rng.normal(size=(n, *shape)), requires_grad=True)
    x.data[..., :2] = x.data[..., 1:3]  # ties for the max pools
    W = b = None
    if w_shape is not None:
        W = gn.tensor(rng.normal(size=w_shape), requires_grad=True)
        filters = w_shape[1] if case.startswith("conv transpose") else w_shape[0]
        b = gn.tensor(rng.normal(size=filters), requires_grad=True)
    z = fn(x, W, b)
    (z * gn.tensor(rng.normal(size=z.shape))).sum().backward()
    return [t.tobytes() for t in (z.data, x.grad, *(p.grad for p in (W, b) if p is not None))]


@pytest.mark.parametrize("n", [1, 5, 7, 64])
@pytest.mark.parametrize("case", sorted(CASES))
def test_threads_give_the_bits_of_one_thread_and_of_the_reference(case, n, every_chunk_threaded):
    threaded = _value_and_grads(case, n)
    assert max(every_chunk_threaded) == 3
    gn.set_num_threads(1)
    assert _value_and_grads(case, n) == threaded
    gn.set_num_threads(3)
    with gn.reference():
        assert _value_and_grads(case, n) == threaded


def test_a_convolution_s_chunks_and_bits_do_not_depend_on_the_threads():
    """Without shrunken chunks: a batch of 30 whose work asks for several threads."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(30, 8, 12, 12)).astype(np.float32)
    W = rng.normal(size=(16, 8, 3, 3)).astype(np.float32)
    before, results = gn.get_num_threads(), []
    try:
        for threads, reference in ((1, False), (2, False), (2, True)):
            gn.set_num_threads(threads)
            xt, Wt = gn.tensor(x, requires_grad=True), gn.tensor(W, requires_grad=True)
            with gn.reference() if reference else contextlib.nullcontext():
                z = conv.conv2d(xt, Wt, padding=1)
                (z * z).sum().backward()
            results.append([a.tobytes() for a in (z.data, xt.grad, Wt.grad)])
    finally:
        gn.set_num_threads(before)
    assert results[0] == results[1] == results[2]


def _lenet(seed=0):
    L = gn.layers
    model = gn.Sequential([
        gn.Input(shape=(1, 12, 12)), L.Conv2D(4, 3, padding=1, activation="relu"), L.MaxPool2D(2),
        L.Conv2D(6, 3, activation="relu"), L.MaxPool2D(2), L.Flatten(),
        L.Dense(10, activation="softmax"),
    ], seed=seed)
    model.compile(optimizer="adam", loss="cross_entropy")
    return model


@pytest.mark.filterwarnings("ignore:model .* predicts with the random weights")
def test_two_python_threads_predicting_at_once_get_the_answer_of_one(every_chunk_threaded):
    model = _lenet()
    X = np.random.default_rng(1).normal(size=(37, 1, 12, 12)).astype(np.float32)
    alone = model.predict(X, batch_size=9)
    start, results, errors = threading.Barrier(2), [], []

    def predict():
        try:
            start.wait(TIMEOUT)
            results.extend(model.predict(X, batch_size=9) for _ in range(3))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=predict) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a thread did not finish"
    assert not errors and len(results) == 6
    assert all(r.tobytes() == alone.tobytes() for r in results)


def test_training_with_threads_gives_the_weights_of_one_thread(every_chunk_threaded):
    X = np.random.default_rng(2).normal(size=(23, 1, 12, 12)).astype(np.float32)
    y = np.arange(23) % 10
    weights = []
    for threads in (3, 1):
        gn.set_num_threads(threads)
        model = _lenet()
        model.fit(X, y, epochs=2, batch_size=8, verbose=0, seed=0)
        weights.append([p.data.tobytes() for p in model.parameters()])
    assert weights[0] == weights[1]


def test_an_error_in_any_chunk_is_raised_in_the_calling_thread_and_the_pool_goes_on():
    def fail_at_3(i):
        if i == 3:
            raise ArithmeticError(f"chunk {i}")
        return i * i

    with pytest.raises(ArithmeticError, match="chunk 3"):
        _parallel.run(fail_at_3, 8, threads=2)
    assert _parallel.run(lambda i: i * i, 8, threads=2) == [i * i for i in range(8)]
    assert _parallel.run(lambda i: i, 0, threads=2) == []


def test_threads_are_chosen_by_work_size(monkeypatch):
    monkeypatch.setattr(_parallel, "MIN_CHUNK_WORK", 100)
    before = gn.get_num_threads()
    try:
        gn.set_num_threads(4)
        assert [_parallel.threads_for(w) for w in (0, 99, 100, 250, 10**6)] == [1, 1, 1, 2, 4]
        assert [_parallel.threads_for(w, 1000) for w in (999, 2000, 10**6)] == [1, 2, 4]
        with gn.reference():
            assert _parallel.threads_for(10**6) == 1
        gn.set_num_threads(1)
        assert _parallel.threads_for(10**6) == 1
    finally:
        gn.set_num_threads(before)


@pytest.mark.parametrize("value, error", [(0, ValueError), (-2, ValueError), (1.5, TypeError),
                                          (True, TypeError), ("2", TypeError)])
def test_set_num_threads_refuses_what_is_not_a_positive_int(value, error):
    before = gn.get_num_threads()
    with pytest.raises(error, match=f"threads must be an int >= 1, got {value!r}"):
        gn.set_num_threads(value)
    assert gn.get_num_threads() == before


def test_overlapping_ops_in_two_threads_give_back_the_blas_threads_they_limit():
    """Two ops that limit BLAS to one thread and end in the order they started: the
    original count comes back (each restoring what it found would leave one thread)."""
    controller = _parallel.blas_controller()

    def blas_threads():
        return {i["num_threads"] for i in controller.info() if i["user_api"] == "blas"}

    with controller.limit(limits=2, user_api="blas"):
        if blas_threads() != {2}:
            pytest.skip("NumPy's BLAS here does not take a thread count of 2")
        first, second = one_blas_thread(), one_blas_thread()
        first.__enter__()
        second.__enter__()
        assert blas_threads() == {1}
        first.__exit__(None, None, None)
        assert blas_threads() == {1}  # the second op still runs
        second.__exit__(None, None, None)
        assert blas_threads() == {2}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_child_forked_while_the_blas_limit_is_held_can_take_it():
    """A thread of the parent inside the limit at the fork does not exist in the child: the
    child must not wait for it (before, it hung on the inherited lock)."""
    lock = _parallel._OneBlasThread.lock
    with lock:  # as a thread of the parent entering the limit at the moment of the fork
        pid = os.fork()
        if pid == 0:  # the child
            code = 0 if _parallel._OneBlasThread.lock.acquire(timeout=5) else 1
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
