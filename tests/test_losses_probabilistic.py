"""GaussianNLL and Pinball beyond the table of tests/specs.py: PyTorch's clamp of the variance,
the negative log-density, NumPy's and scikit-learn's pinball formulas, the empirical quantile as
the minimizer, and their messages for outputs that are not their heads'."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as tnf
from scipy.stats import norm
from sklearn.metrics import mean_pinball_loss

import glassnet as gn
from glassnet.layers import GaussianHead, QuantileHead
from glassnet.losses import MSE, GaussianNLL, Pinball

F = gn.functional
RNG = np.random.default_rng(0)
X3 = RNG.normal(size=(40, 3))


def _t(values, requires_grad=False):
    return gn.tensor(values, requires_grad=requires_grad, dtype=np.float64)


def test_gaussian_nll_clamps_the_variance_as_torch_does_values_and_gradients():
    mean, target = RNG.normal(size=(6, 2)), RNG.normal(size=(6, 2))
    var = np.array([[1e-9, 0.5], [0.0, 2.0], [1e-7, 1e-6], [3.0, 1e-8], [0.2, 0.0], [1e-5, 4.0]])
    m, v = _t(mean, True), _t(var, True)
    loss = F.gaussian_nll(m, target, v, eps=1e-6)
    loss.backward()
    tm, tv = torch.tensor(mean, requires_grad=True), torch.tensor(var, requires_grad=True)
    expected = tnf.gaussian_nll_loss(tm, torch.tensor(target), tv, eps=1e-6)
    expected.backward()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-13)
    np.testing.assert_allclose(m.grad, tm.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(v.grad, tv.grad.numpy(), rtol=1e-12)


def test_gaussian_nll_is_the_negative_log_density_with_full():
    mean, std, y = RNG.normal(size=(7, 1)), RNG.uniform(0.3, 2.0, (7, 1)), RNG.normal(size=(7, 1))
    loss = GaussianNLL(full=True, reduction="none")(_t(np.hstack([mean, std**2])), y)
    np.testing.assert_allclose(loss.data, -norm.logpdf(y, mean, std)[:, 0], rtol=1e-13)
    assert gn.losses.get("gaussian_nll").get_config() == {"full": False, "eps": 1e-6, "reduction": "mean"}


def test_gaussian_nll_functional_takes_torchs_order_and_shapes():
    mean, target, var = RNG.normal(size=8), RNG.normal(size=8), RNG.uniform(0.5, 2.0, 8)
    expected = tnf.gaussian_nll_loss(*(torch.tensor(a) for a in (mean, target, var)), reduction="none")
    got = F.gaussian_nll(_t(mean), target, var, reduction="none")
    np.testing.assert_allclose(got.data, expected.numpy(), rtol=1e-13)
    with pytest.raises(ValueError, match=r"var of shape \(8, 2\) does not fit input of shape \(8,\)"):
        F.gaussian_nll(_t(mean), target, np.ones((8, 2)))


@pytest.mark.parametrize("y_true, message", [
    (np.zeros((4, 2)), r"2 columns for a target of 2, as a plain Dense\(2\) output has.*GaussianHead\(k\)"),
    (np.zeros((4, 3)), r"shape \(4, 2\) does not fit a target of shape \(4, 3\).*GaussianHead"),
])
def test_gaussian_nll_on_a_plain_output_says_to_use_gaussian_head(y_true, message):
    with pytest.raises(ValueError, match=message):
        GaussianNLL()(_t(np.ones((4, 2))), y_true)


def test_gaussian_nll_refuses_a_negative_variance():
    with pytest.raises(ValueError, match="variance half of y_pred holds negative values.*GaussianHead"):
        GaussianNLL()(_t([[0.0, -0.5], [1.0, 1.0]]), [[0.0], [1.0]])


def test_fit_with_a_subclassed_head_model_names_the_targets_the_loss_reads():
    class Net(gn.Model):
        def __init__(self):
            super().__init__()
            self.head = GaussianHead(1)

        def call(self, x):
            return self.head(x)

    model = Net()
    model.compile(loss=GaussianNLL())
    with pytest.raises(ValueError, match=r"y has 2 value\(s\) per sample .*GaussianNLL reads it as 1 target"):
        model.fit(X3, np.zeros((40, 2)), epochs=1, verbose=0)


def _numpy_pinball(pred, y, quantiles):
    """Mean over samples, quantile levels and targets of max(q u, (q - 1) u), u = y - y_hat_q."""
    k = y.shape[1]
    total = []
    for i, q in enumerate(quantiles):
        u = y - pred[:, i * k:(i + 1) * k]
        total.append(np.where(u >= 0, q * u, (q - 1) * u))
    return np.mean(total)


@pytest.mark.parametrize("quantiles, k", [((0.05, 0.5, 0.95), 1), ((0.1, 0.9), 3), ((0.3,), 2)])
def test_pinball_equals_the_numpy_formula_and_sklearns_mean_pinball_loss(quantiles, k):
    y = RNG.normal(size=(9, k))
    pred = RNG.normal(size=(9, len(quantiles) * k))
    loss = Pinball(quantiles)(_t(pred), y).item()
    assert loss == pytest.approx(_numpy_pinball(pred, y, quantiles), rel=1e-13)
    by_sklearn = np.mean([mean_pinball_loss(y, pred[:, i * k:(i + 1) * k], alpha=q)
                          for i, q in enumerate(quantiles)])
    assert loss == pytest.approx(by_sklearn, rel=1e-13)


def test_pinball_is_smallest_at_the_empirical_quantiles():
    y = RNG.standard_normal((401, 1))
    quantiles = (0.1, 0.5, 0.9)
    best = np.quantile(y, quantiles, method="inverted_cdf")
    loss = Pinball(quantiles, reduction="sum")
    at_best = loss(_t(np.tile(best, (401, 1))), y).item()
    for shift in (-0.05, -1e-3, 1e-3, 0.05):
        assert loss(_t(np.tile(best + shift, (401, 1))), y).item() > at_best


def test_pinball_on_a_plain_output_says_to_use_quantile_head():
    with pytest.raises(ValueError, match=r"shape \(4, 1\) does not fit a target of shape \(4, 1\).*3 "
                                         r"columns per target.*QuantileHead\(\[0\.05, 0\.5, 0\.95\], "
                                         r"units=k\)"):
        Pinball()(_t(np.zeros((4, 1))), np.zeros((4, 1)))


def test_probabilistic_losses_keep_their_config_through_get_and_repr():
    pinball = gn.losses.get("quantile")
    assert isinstance(pinball, Pinball) and pinball.quantiles == (0.05, 0.5, 0.95)
    assert repr(Pinball((0.2, 0.8), reduction="sum")) == "Pinball(quantiles=[0.2, 0.8], reduction='sum')"
    assert isinstance(gn.losses.get("gaussian_nll_loss"), GaussianNLL)
    assert isinstance(gn.losses.get("mse"), MSE)


def test_one_number_is_one_quantile_and_pytorchs_call_order_is_named():
    assert Pinball(0.9).quantiles == (0.9,) == QuantileHead(0.9).quantiles
    with pytest.raises(ValueError, match=r"gn\.functional\.gaussian_nll\(input, target, var\)"):
        GaussianNLL()(_t(np.ones((4, 2))), np.zeros((4, 2)), np.ones((4, 2)))
