"""Numbers at the edges: complex and missing inputs, overflow, IEEE results of the ops,
and the copy that gn.tensor makes of its input."""

import warnings

import numpy as np
import pandas as pd
import pytest

import glassnet as gn
from glassnet.layers import Dense

X = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
y = np.arange(10) % 2


def _model():
    model = gn.Sequential([Dense(1, activation="sigmoid", input_dim=3)], seed=0)
    model.compile("sgd", "binary_crossentropy")
    model.load_state_dict(model.state_dict())  # weights given: predict does not warn about them
    return model


# ------------------------------------------------------------ complex numbers
@pytest.mark.parametrize("call", [
    lambda m, Z: m.fit(Z, y, epochs=1, verbose=0),
    lambda m, Z: m.predict(Z),
    lambda m, Z: m.evaluate(Z, y, verbose=0),
    lambda m, Z: m.fit(pd.DataFrame(Z), y, epochs=1, verbose=0),
], ids=["fit", "predict", "evaluate", "fit DataFrame"])
def test_complex_inputs_are_refused(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        with pytest.raises(TypeError, match="X holds complex numbers"):
            call(_model(), X + 1j)


@pytest.mark.parametrize("data", [[1 + 2j], np.array([1 + 0j, 2]), [[1.0, 2j]]])
def test_gn_tensor_refuses_complex_values(data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TypeError, match="a Tensor holds real numbers; got complex values"):
            gn.tensor(data)
        with pytest.raises(TypeError, match="a Tensor holds real numbers"):
            gn.Tensor(data, dtype=np.float64)


# ------------------------------------------------------------ pandas' missing values
def test_missing_cells_of_nullable_columns_are_counted_per_column():
    frame = pd.DataFrame({"a": pd.array([1, None, 3, 4, 5, 6, 7, 8, 9, 10], dtype="Int64"),
                          "b": pd.array([1.0] * 9 + [None], dtype="Float64"),
                          "c": np.ones(10)})
    for call in (lambda: _model().fit(frame, y, epochs=1, verbose=0), lambda: _model().predict(frame)):
        with pytest.raises(ValueError, match=r"X has missing cells .*column 'a': 1, column 'b': 1") as err:
            call()
        assert "encode text" not in str(err.value)
    labels = pd.Series(pd.array([0, 1, None, 1, 0, 1, 0, 1, 0, 1], dtype="Int64"))
    with pytest.raises(ValueError, match="y holds 1 NaN"):
        _model().fit(X, labels, epochs=1, verbose=0)


# ------------------------------------------------------------ overflow
def _overflowing():
    model = gn.Sequential([Dense(2, input_dim=3), Dense(1)])
    model.compile("sgd", "mse")
    model.load_state_dict({k: np.ones_like(v) for k, v in model.state_dict().items()})
    return model, np.full((10, 3), 3e38, dtype=np.float32)


def _numpy_warnings(record):
    return [w for w in record if "encountered" in str(w.message)]


def test_fit_near_the_float32_maximum_reports_only_glassnet_s_message():
    model, big = _overflowing()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(big, np.ones(10), epochs=1, verbose=0)
    assert not _numpy_warnings(record)
    assert any("training stopped: the loss became" in str(w.message) for w in record)


def test_evaluate_and_predict_report_an_overflow_in_glassnet_s_words():
    model, big = _overflowing()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        with pytest.raises(gn.errors.NonFiniteError, match="NaN or inf"):
            model.evaluate(big, np.ones(10), verbose=0)
        out = model.predict(big)
        model.predict(big, batch_size=3)
    assert np.isinf(out).all()
    assert not _numpy_warnings(record)
    ours = [w for w in record if "predict: 10 of the 10 outputs are NaN or inf" in str(w.message)]
    assert len(ours) == 2 and all(w.category is RuntimeWarning for w in ours)


def test_predict_without_overflow_warns_nothing():
    model, _ = _overflowing()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(model.predict(X)).all()


# ------------------------------------------------------------ IEEE results of the ops
@pytest.mark.parametrize("compute, expected", [
    (lambda: gn.tensor([0.0]).log(), -np.inf),
    (lambda: gn.tensor([1.0]) / gn.tensor([0.0]), np.inf),
    (lambda: gn.tensor([0.0]) / 0.0, np.nan),
    (lambda: gn.tensor([-1.0]).sqrt(), np.nan),
    (lambda: gn.tensor([0.0]) ** -1.0, np.inf),
    (lambda: gn.tensor([1000.0]).exp(), np.inf),
], ids=["log 0", "1/0", "0/0", "sqrt -1", "0**-1", "exp 1000"])
def test_ops_give_ieee_results_silently_as_pytorch_does(compute, expected):
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compute().data
    np.testing.assert_array_equal(out, np.array([expected], dtype=np.float32))
    reference = {"log 0": torch.tensor([0.0]).log()}  # the same answer in PyTorch for one case
    if out[0] == -np.inf:
        assert reference["log 0"].item() == out[0]


def test_gradients_through_log_and_div_at_zero_are_silent():
    x = gn.tensor([0.0, 2.0], requires_grad=True)
    w = gn.tensor([0.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.log().sum().backward()
        (gn.tensor([1.0, 1.0]) / w).sum().backward()
    np.testing.assert_array_equal(x.grad, [np.inf, 0.5])
    np.testing.assert_array_equal(w.grad, [-np.inf, -0.25])


# ------------------------------------------------------------ gn.tensor copies
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gn_tensor_copies_the_caller_s_array(dtype):
    data = np.array([1.0, 2.0], dtype=dtype)
    x = gn.tensor(data, requires_grad=True, dtype=dtype)
    assert not np.shares_memory(x.data, data)
    loss = (x * x).sum()
    data[0] = 5.0  # the caller's array stays writable while the graph holds x
    loss.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    y = gn.tensor(x)
    assert not np.shares_memory(y.data, x.data)
