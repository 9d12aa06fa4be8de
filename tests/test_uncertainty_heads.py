"""GaussianHead and QuantileHead: their formulas and gradients against PyTorch and finite
differences, their readings (mean, std, intervals), Model.predict(return_std=True) and
predict_interval, their files, ONNX graphs, compile checks, metrics and glass-box tools."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as tnf
from scipy.stats import norm

import glassnet as gn
from glassnet.layers import Dense, Dropout, GaussianHead, QuantileHead
from glassnet.losses import GaussianNLL, Pinball

F = gn.functional
RNG = np.random.default_rng(0)
X3 = RNG.normal(size=(40, 3))

pytestmark = pytest.mark.filterwarnings("ignore:model .* predicts with the random weights:UserWarning")


def _t(values, requires_grad=False):
    return gn.tensor(values, requires_grad=requires_grad, dtype=np.float64)


# ------------------------------------------------------------ head formulas vs PyTorch
def _torch_gaussian(z, k, min_variance):
    return torch.cat([z[:, :k], tnf.softplus(z[:, k:]) + min_variance], dim=1)


def _torch_quantiles(z, k, m):
    blocks = torch.cat([z[:, :k], tnf.softplus(z[:, k:])], dim=1).reshape(-1, m, k)
    return torch.cumsum(blocks, dim=1).reshape(-1, m * k)


HEADS = [
    (lambda: GaussianHead(2, min_variance=1e-3, input_dim=3), lambda z: _torch_gaussian(z, 2, 1e-3)),
    (lambda: GaussianHead(1, input_dim=3), lambda z: _torch_gaussian(z, 1, 1e-6)),
    (lambda: QuantileHead((0.1, 0.5, 0.9), units=2, input_dim=3), lambda z: _torch_quantiles(z, 2, 3)),
    (lambda: QuantileHead((0.05, 0.95), input_dim=3), lambda z: _torch_quantiles(z, 1, 2)),
    (lambda: QuantileHead((0.3,), input_dim=3), lambda z: z),
    (lambda: GaussianHead(2, input_dim=3, target_mean=[1.5, -3.0], target_scale=[2.0, 0.5]),
     lambda z: _torch_gaussian(z, 2, 1e-6) * torch.tensor([2.0, 0.5, 4.0, 0.25], dtype=z.dtype)
     + torch.tensor([1.5, -3.0, 0.0, 0.0], dtype=z.dtype)),
    (lambda: QuantileHead((0.1, 0.5, 0.9), units=2, input_dim=3, target_mean=-1.0, target_scale=3.0),
     lambda z: 3.0 * _torch_quantiles(z, 2, 3) - 1.0),
    (lambda: QuantileHead((0.3,), input_dim=3, target_mean=0.5, target_scale=2.0), lambda z: 2.0 * z + 0.5),
]


def _head_and_weights(make):
    head = make()
    W = RNG.normal(size=head.W.shape)
    b = RNG.normal(size=head.b.shape)
    head.W = gn.Parameter(W.copy(), dtype=np.float64)
    head.b = gn.Parameter(b.copy(), dtype=np.float64)
    return head, W, b


def _head_objective(head, x, upstream):
    with gn.no_grad():
        return float(np.sum(head(_t(x)).data * upstream))


@pytest.mark.parametrize("make, reference", HEADS)
def test_head_output_and_gradients_match_torch_and_finite_differences(make, reference):
    head, W, b = _head_and_weights(make)
    x = RNG.normal(size=(5, 3))
    xt = _t(x, requires_grad=True)
    out = head(xt)
    upstream = RNG.normal(size=out.shape)
    out.backward(upstream)
    tx, tW, tb = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    expected = reference(tx @ tW + tb)
    (expected * torch.from_numpy(upstream)).sum().backward()
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for got, want in [(xt.grad, tx.grad), (head.W.grad, tW.grad), (head.b.grad, tb.grad)]:
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-10, atol=1e-12)
    h = 1e-6
    for array, grad in [(x, xt.grad), (head.W.data, head.W.grad), (head.b.data, head.b.grad)]:
        for index in [(0,) * array.ndim, tuple(s - 1 for s in array.shape)]:
            original = array[index]
            array[index] = original + h
            plus = _head_objective(head, x, upstream)
            array[index] = original - h
            minus = _head_objective(head, x, upstream)
            array[index] = original
            assert grad[index] == pytest.approx((plus - minus) / (2 * h), rel=1e-6, abs=1e-8)


def test_quantiles_never_cross_and_variance_keeps_its_floor_for_any_weights():
    x = RNG.normal(scale=30.0, size=(200, 3))
    quantile = QuantileHead((0.01, 0.2, 0.5, 0.8, 0.99), units=2, input_dim=3, kernel_initializer="he_normal")
    out = quantile(_t(x)).data.reshape(200, 5, 2)
    assert (np.diff(out, axis=1) >= 0).all()
    gaussian = GaussianHead(3, min_variance=0.25, input_dim=3)
    variance = gaussian(_t(x)).data[:, 3:]
    assert variance.min() >= 0.25


# ------------------------------------------------------------ the heads' readings
def test_gaussian_head_reads_mean_std_and_normal_intervals():
    head = GaussianHead(2)
    out = np.column_stack([[1.0, -2.0], [0.0, 3.0], [4.0, 0.25], [1.0, 9.0]])
    mean, std = head.mean_std(out)
    np.testing.assert_array_equal(mean, out[:, :2])
    np.testing.assert_array_equal(std, np.sqrt(out[:, 2:]))
    lower, upper = head.interval(out, 0.95)
    np.testing.assert_allclose(upper, mean + norm.ppf(0.975) * std, rtol=1e-15)
    np.testing.assert_allclose(lower, mean - 1.959963984540054 * std, rtol=1e-14)


def test_quantile_head_reads_intervals_and_a_gaussian_spread():
    head = QuantileHead((0.05, 0.5, 0.95), units=1)
    out = np.array([[-1.0, 0.5, 3.0], [0.0, 0.0, 0.0]])
    lower, upper = head.interval(out, 0.9)
    np.testing.assert_array_equal(lower[:, 0], out[:, 0])
    np.testing.assert_array_equal(upper[:, 0], out[:, 2])
    mean, std = head.mean_std(out)
    np.testing.assert_array_equal(mean[:, 0], out[:, 1])
    np.testing.assert_allclose(std[:, 0], (out[:, 2] - out[:, 0]) / (2 * norm.ppf(0.95)), rtol=1e-14)
    assert head.levels() == [0.9]


def test_quantile_head_without_a_median_reads_the_gaussian_mean():
    head = QuantileHead((0.1, 0.9))
    samples = norm(loc=2.0, scale=3.0)
    mean, std = head.mean_std(np.array([[samples.ppf(0.1), samples.ppf(0.9)]]))
    assert mean.item() == pytest.approx(2.0, rel=1e-12) and std.item() == pytest.approx(3.0, rel=1e-12)


@pytest.mark.parametrize("level, message", [
    (0.95, r"needs the quantiles 0.025 and 0.975.*predicts \[0.05, 0.5, 0.95\].*levels it gives are \[0.9\]"),
    (0.5, r"needs the quantiles 0.25 and 0.75"),
])
def test_quantile_interval_needs_its_levels_among_the_quantiles(level, message):
    with pytest.raises(ValueError, match=message):
        QuantileHead().interval(np.zeros((2, 3)), level)


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5, -0.1, np.nan])
def test_interval_level_must_lie_strictly_between_zero_and_one(level):
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
        GaussianHead(1).interval(np.ones((2, 2)), level)


def test_heads_refuse_an_output_that_is_not_theirs():
    with pytest.raises(ValueError, match=r"numbers of shape \(N, 4\); got shape \(3, 2\)"):
        GaussianHead(2).mean_std(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"\(N, 3\); got shape \(3,\)"):
        QuantileHead().interval(np.ones(3), 0.9)
    with pytest.raises(ValueError, match="one quantile.*at least two"):
        QuantileHead((0.5,)).mean_std(np.ones((3, 1)))


@pytest.mark.parametrize("make, message", [
    (lambda: GaussianHead(0), "GaussianHead: units must be a positive integer.*got 0"),
    (lambda: GaussianHead(2.0), "units must be a positive integer"),
    (lambda: GaussianHead(1, min_variance=-1e-3), r"min_variance must be in \[0, inf\), got -0.001"),
    (lambda: QuantileHead((0.9, 0.1)), r"distinct and increasing.*give \[0.1, 0.9\]"),
    (lambda: QuantileHead((0.5, 0.5)), "distinct and increasing"),
    (lambda: QuantileHead((0.0, 0.5)), r"quantile must be in \(0, 1\), got 0.0"),
    (lambda: QuantileHead(()), "at least one number"),
    (lambda: QuantileHead("0.5"), "sequence of numbers"),
    (lambda: QuantileHead(units=0), "QuantileHead: units must be a positive integer"),
    (lambda: GaussianHead(2, target_scale=0.0), r"target_scale must be .* positive finite numbers; got 0.0"),
    (lambda: GaussianHead(2, target_mean=[1.0, 2.0, 3.0]), r"target_mean must be .* sequence of 2 .*\[1.0"),
    (lambda: GaussianHead(1, target_mean=np.nan), "target_mean must be .* finite numbers; got nan"),
    (lambda: QuantileHead(target_scale=[-1.0]), r"QuantileHead: target_scale .* got \[-1.0\]"),
    (lambda: QuantileHead(target_mean="2"), "target_mean must be one number .* got '2'"),
    (lambda: QuantileHead(target_scale=True), "target_scale must be one number .* got True"),
    (lambda: Pinball((0.2, 1.0)), r"Pinball: quantile must be in \(0, 1\), got 1.0"),
])
def test_head_and_loss_arguments_are_checked(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


# ------------------------------------------------------------ models with a head
def _model(head, hidden=8, dtype=np.float32):
    return gn.Sequential([gn.Input((3,)), Dense(hidden, activation="tanh"), head], seed=0, dtype=dtype)


def test_predict_return_std_and_interval_read_the_output_through_the_head():
    model = _model(GaussianHead(2)).build()
    out = model.predict(X3)
    mean, std = model.predict(X3, return_std=True)
    np.testing.assert_array_equal(mean, out[:, :2])
    np.testing.assert_array_equal(std, np.sqrt(out[:, 2:]))
    lower, upper = model.predict_interval(X3, level=0.8)
    z = norm.ppf(0.9)
    np.testing.assert_allclose(upper - lower, 2 * z * std, rtol=1e-6)
    quantiles = _model(QuantileHead((0.025, 0.5, 0.975))).build()
    out = quantiles.predict(X3)
    lower, upper = quantiles.predict_interval(X3)
    np.testing.assert_array_equal(lower[:, 0], out[:, 0])
    np.testing.assert_array_equal(upper[:, 0], out[:, 2])
    no_median = _model(QuantileHead((0.025, 0.975))).build()
    for each in (model, quantiles, no_median):  # the readings keep the model's dtype
        assert all(a.dtype == np.float32 for a in (*each.predict(X3, return_std=True),
                                                   *each.predict_interval(X3)))


def test_return_std_false_is_plain_predict_and_a_non_flag_is_refused():
    model = _model(GaussianHead(1)).build()
    np.testing.assert_array_equal(model.predict(X3, return_std=False), model.predict(X3))
    with pytest.raises(TypeError, match="return_std must be True or False, got 'yes'"):
        model.predict(X3, return_std="yes")


@pytest.mark.parametrize("method", [lambda m: m.predict(X3, return_std=True),
                                    lambda m: m.predict_interval(X3)])
def test_a_model_without_a_head_names_what_gives_an_error_bar(method):
    layers = [gn.Input((3,)), Dense(8, activation="relu"), Dropout(0.2), Dense(1)]
    model = gn.Sequential(layers, seed=0).build()
    with pytest.raises(TypeError, match=r"ends with Dense 'dense_1'.*GaussianHead\(k\).*QuantileHead.*gn\."
                                        r"uncertainty\.MCDropout\(model\).*gn\.uncertainty\.DeepEnsemble"):
        method(model)


def test_a_functional_model_with_a_head_predicts_with_std():
    x = gn.Input((3,))
    model = gn.Model(x, GaussianHead(1)(Dense(4, activation="tanh")(x)), seed=0).build()
    mean, std = model.predict(X3, return_std=True)
    assert mean.shape == std.shape == (40, 1) and (std > 0).all()
    two = gn.Model(x, [GaussianHead(1)(x), Dense(1)(x)], seed=0).build()
    with pytest.raises(TypeError, match="has 2 outputs"):
        two.predict(X3, return_std=True)


def test_compile_refuses_a_probabilistic_loss_on_another_output_and_the_reverse():
    plain = gn.Sequential([gn.Input((3,)), Dense(2)])
    with pytest.raises(ValueError, match=r"GaussianNLL reads the output of a GaussianHead: end the model "
                                         r"with gn\.layers\.GaussianHead\(2\) in place of Dense\(2\)"):
        plain.compile(loss=GaussianNLL())
    with pytest.raises(ValueError, match=r"QuantileHead\(\[0\.05, 0\.5, 0\.95\], units=2\) in place"):
        plain.compile(loss="pinball")
    with pytest.raises(ValueError, match=r"trained with GaussianNLL, not MSE: compile with "
                                         r"loss=gn\.losses\.GaussianNLL\(\)"):
        _model(GaussianHead(1)).compile(loss="mse")
    with pytest.raises(ValueError, match=r"Pinball loss has quantiles \[0\.1, 0\.9\] but the QuantileHead "
                                         r"'quantile_head' predicts \[0\.05, 0\.5, 0\.95\]"):
        _model(QuantileHead()).compile(loss=Pinball((0.1, 0.9)))
    _model(GaussianHead(1)).compile(loss=lambda y_true, y_pred: ((y_pred[:, :1] - y_true) ** 2).mean())


def test_summary_lists_the_heads_with_their_outputs_and_weights():
    text = _model(QuantileHead((0.1, 0.5, 0.9), units=2)).build().summary(print_fn=None)
    assert "quantile_head (QuantileHead)  (None, 6)     54" in text
    text = _model(GaussianHead(3)).build().summary(print_fn=None)
    assert "gaussian_head (GaussianHead)  (None, 6)     54" in text


def test_head_built_from_input_dim_has_its_weights_at_once():
    head = QuantileHead((0.1, 0.9), units=3, input_dim=4)
    assert [p.shape for p in head.parameters()] == [(4, 6), (6,)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("head, loss", [
    (lambda: GaussianHead(2, min_variance=1e-4), GaussianNLL(full=True)),
    (lambda: QuantileHead((0.1, 0.5, 0.9), units=2), Pinball((0.1, 0.5, 0.9))),
])
def test_trained_model_with_a_head_round_trips_bitwise(tmp_path, dtype, head, loss):
    model = _model(head(), dtype=dtype)
    model.compile(optimizer="adam", loss=loss)
    y = np.column_stack([X3[:, 0], X3[:, 1] * X3[:, 2]])
    model.fit(X3, y, epochs=2, batch_size=8, verbose=0, seed=0)
    gn.save(model, tmp_path / "m.safetensors")
    again = gn.load(tmp_path / "m.safetensors")
    assert type(again.layers[-1]) is type(model.layers[-1])
    assert again.layers[-1].get_config() == model.layers[-1].get_config()
    assert again.loss_fns[0].get_config() == loss.get_config()
    np.testing.assert_array_equal(again.predict(X3), model.predict(X3))
    for got, want in zip(again.predict_interval(X3, 0.8), model.predict_interval(X3, 0.8)):
        np.testing.assert_array_equal(got, want)
    assert again.evaluate(X3, y, verbose=0) == model.evaluate(X3, y, verbose=0)


def test_heads_export_to_onnx_as_predict_computes_them(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    x = gn.Input((3,))
    h = Dense(5, activation="tanh")(x)
    model = gn.Model(x, [GaussianHead(2, min_variance=0.01)(h), QuantileHead((0.1, 0.5, 0.9), units=2)(h),
                         QuantileHead((0.5,), name="median")(h)], seed=0).build()
    gn.io.export_onnx(model, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    X = X3.astype(np.float32)
    for got, want in zip(session.run(None, {"input": X}), model.predict(X)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_float64_heads_are_refused_by_onnx_export_with_the_float32_way(tmp_path):
    pytest.importorskip("onnx")
    model = _model(GaussianHead(1), dtype=np.float64).build()
    with pytest.raises(ValueError, match="Softplus, which onnxruntime runs in float32 only"):
        gn.io.export_onnx(model, tmp_path / "m.onnx")


@pytest.mark.parametrize("head, loss", [
    (lambda: GaussianHead(2), GaussianNLL()),
    (lambda: QuantileHead((0.1, 0.5, 0.9), units=2), Pinball((0.1, 0.5, 0.9))),
])
def test_metrics_of_a_head_model_score_its_point_prediction(head, loss):
    model = _model(head())
    model.compile(optimizer="adam", loss=loss, metrics=["mae", "r2"])
    y = np.column_stack([X3[:, 0], X3[:, 1]])
    history = model.fit(X3, y, epochs=2, batch_size=8, validation_split=0.25, verbose=0, seed=0)
    assert {"mae", "val_mae", "r2"} <= set(history.history)
    mean, _ = model.predict(X3, return_std=True)
    scores = model.evaluate(X3, y, return_dict=True, verbose=0)
    assert scores["mae"] == pytest.approx(np.abs(mean - y).mean(), rel=1e-6)


@pytest.mark.parametrize("head", [lambda: GaussianHead(2), lambda: QuantileHead((0.1, 0.9), units=2)])
def test_the_glass_box_tools_judge_an_uncompiled_head_by_its_own_loss(head):
    model = _model(head(), hidden=4).build()
    y = X3[:6, :2].copy()
    assert gn.explain.gradcheck(model, X3[:6], y).passed
    prediction = gn.tensor(model.predict(X3[:6]), dtype=np.float64)
    expected = model.layers[-1].training_loss()(prediction, y).item()
    assert gn.explain.trace(model, X3[:6], y).loss == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("head, loss", [
    (lambda: GaussianHead(2), GaussianNLL()),
    (lambda: QuantileHead((0.1, 0.5, 0.9), units=2), Pinball((0.1, 0.5, 0.9))),
])
def test_recorded_training_and_prediction_give_the_bits_of_the_plain_graph(head, loss):
    y = 2 * X3[:, :2]
    outputs = []
    for reference in (False, True):
        model = _model(head())
        model.compile(optimizer="adam", loss=loss)
        if reference:
            with gn.reference():
                model.fit(X3, y, epochs=3, batch_size=8, verbose=0, seed=0)
                outputs.append(model.predict(X3))
        else:
            model.fit(X3, y, epochs=3, batch_size=8, verbose=0, seed=0)
            outputs.append(model.predict(X3))
    np.testing.assert_array_equal(*outputs)
