"""The lectures' worked examples, computed through the public API in float64.

The numbers are copied from the course's golden vectors (computational_graph_fxyz,
mlp_2_2_2_sigmoid_backprop, linear_neuron_gd_1layer, linear_chain_gd_2layer).
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.losses import MSE

F = gn.functional
REL = 1e-12


def scalar(value: float) -> gn.Tensor:
    return gn.tensor(value, requires_grad=True, dtype=np.float64)


def test_computational_graph_f_equals_x_plus_y_times_z():
    x, y, z = scalar(-2.0), scalar(5.0), scalar(-4.0)
    q = x + y
    q.retain_grad()
    f = q * z
    f.backward()
    assert q.item() == 3.0 and f.item() == -12.0
    assert (x.grad, y.grad, z.grad, q.grad) == (-4.0, -4.0, 3.0, -4.0)


# The 2-2-2 sigmoid network (Mazur's example): inputs, targets, w1..w8 and the shared biases.
INPUTS, TARGETS = [[0.05, 0.10]], [[0.01, 0.99]]
W1_TO_W8 = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
B1, B2 = 0.35, 0.60
GRAD_W1_TO_W8 = [0.00043856773447434685, 0.0008771354689486937, 0.0004977127352608601,
                 0.0009954254705217202, 0.08216704056423078, 0.08266762784753326,
                 -0.022602540477475067, -0.02274024221597822]
DELTA_H, DELTA_O = [0.008771354689486937, 0.009954254705217202], [0.13849856162855698, -0.03809823651655623]


def _layer_weights(w: list[float]) -> tuple[gn.Tensor, gn.Tensor]:
    """W of shape (inputs, units), z = a @ W + b: net_h1 = w1 i1 + w2 i2 + b1, net_h2 = w3 i1 + w4 i2 + b1,
    net_o1 = w5 out_h1 + w6 out_h2 + b2, net_o2 = w7 out_h1 + w8 out_h2 + b2."""
    W_h = gn.tensor([[w[0], w[2]], [w[1], w[3]]], requires_grad=True, dtype=np.float64)
    W_o = gn.tensor([[w[4], w[6]], [w[5], w[7]]], requires_grad=True, dtype=np.float64)
    return W_h, W_o


def _forward(W_h, W_o, b1, b2):
    x = gn.tensor(INPUTS, dtype=np.float64)
    net_h = x @ W_h + b1
    out_h = F.sigmoid(net_h)
    net_o = out_h @ W_o + b2
    net_h.retain_grad()
    net_o.retain_grad()
    out_o = F.sigmoid(net_o)
    E = MSE(reduction="sum", scale=0.5)(out_o, TARGETS)
    return net_h, out_h, net_o, out_o, E


def _flat(W_h: np.ndarray, W_o: np.ndarray) -> list[float]:
    """Back to the order w1..w8."""
    return [W_h[0, 0], W_h[1, 0], W_h[0, 1], W_h[1, 1], W_o[0, 0], W_o[1, 0], W_o[0, 1], W_o[1, 1]]


def test_mlp_2_2_2_forward_pass_and_total_error():
    W_h, W_o = _layer_weights(W1_TO_W8)
    net_h, out_h, net_o, out_o, E = _forward(W_h, W_o, scalar(B1), scalar(B2))
    np.testing.assert_allclose(net_h.data, [[0.3775, 0.39249999999999996]], rtol=REL)
    np.testing.assert_allclose(out_h.data, [[0.5932699921071872, 0.596884378259767]], rtol=REL)
    np.testing.assert_allclose(net_o.data, [[1.10590596705977, 1.2249214040964653]], rtol=REL)
    np.testing.assert_allclose(out_o.data, [[0.7513650695523157, 0.7729284653214625]], rtol=REL)
    # As printed on the slide: 0.593269992, 0.75136507, 0.772928465, E_total = 0.298371109.
    assert out_h.data[0, 0] == pytest.approx(0.593269992, abs=5e-10)
    assert out_o.data[0, 0] == pytest.approx(0.75136507, abs=5e-9)
    assert out_o.data[0, 1] == pytest.approx(0.772928465, abs=5e-10)
    assert E.item() == pytest.approx(0.298371109, abs=5e-10)
    assert E.item() == pytest.approx(0.2983711087600027, rel=REL)


def test_mlp_2_2_2_backward_gives_all_eight_weight_gradients_and_the_deltas():
    W_h, W_o = _layer_weights(W1_TO_W8)
    b1, b2 = scalar(B1), scalar(B2)
    net_h, _, net_o, _, E = _forward(W_h, W_o, b1, b2)
    E.backward()
    np.testing.assert_allclose(_flat(W_h.grad, W_o.grad), GRAD_W1_TO_W8, rtol=REL)
    np.testing.assert_allclose(net_o.grad, [DELTA_O], rtol=REL)
    np.testing.assert_allclose(net_h.grad, [DELTA_H], rtol=REL)
    # A bias shared by both neurons of a layer gets the sum of their deltas.
    assert b1.grad == pytest.approx(0.018725609394704138, rel=REL)
    assert b2.grad == pytest.approx(0.10040032511200075, rel=REL)


def test_mlp_2_2_2_with_fused_linear_and_one_bias_per_neuron():
    W_h, W_o = _layer_weights(W1_TO_W8)
    b_h = gn.tensor([B1, B1], requires_grad=True, dtype=np.float64)
    b_o = gn.tensor([B2, B2], requires_grad=True, dtype=np.float64)
    x = gn.tensor(INPUTS, dtype=np.float64)
    out_o = F.sigmoid(F.linear(F.sigmoid(F.linear(x, W_h, b_h)), W_o, b_o))
    E = MSE(reduction="sum", scale=0.5)(out_o, TARGETS)
    E.backward()
    assert E.item() == pytest.approx(0.2983711087600027, rel=REL)
    np.testing.assert_allclose(_flat(W_h.grad, W_o.grad), GRAD_W1_TO_W8, rtol=REL)
    np.testing.assert_allclose(b_h.grad, DELTA_H, rtol=REL)
    np.testing.assert_allclose(b_o.grad, DELTA_O, rtol=REL)


def test_mlp_2_2_2_one_gradient_step_lowers_the_error():
    W_h, W_o = _layer_weights(W1_TO_W8)
    *_, E = _forward(W_h, W_o, B1, B2)
    E.backward()
    with gn.no_grad():
        W_h, W_o = (gn.tensor(W.data - 0.5 * W.grad, requires_grad=True, dtype=np.float64)
                    for W in (W_h, W_o))
    np.testing.assert_allclose(_flat(W_h.data, W_o.data),
                               [0.1497807161327628, 0.19956143226552567, 0.24975114363236958,
                                0.29950228726473915, 0.35891647971788465, 0.4086661860762334,
                                0.5113012702387375, 0.5613701211079891], rtol=REL)
    *_, out_o, E = _forward(W_h, W_o, B1, B2)
    np.testing.assert_allclose(out_o.data, [[0.7420881111907824, 0.7752849682944595]], rtol=REL)
    assert E.item() == pytest.approx(0.29102777369359933, rel=REL)


# One linear neuron x^L = w x^{L-1} + b, E = (x^L - y)^2, step tau = 0.1. Row k: w and b after
# update k, the output x^L computed before it, and E before it.
LINEAR_NEURON_TABLE = [
    (0.2899999999999999, 0.6599999999999999, 2.2, 2.8900000000000006),
    (0.11149999999999999, 0.5409999999999999, 1.0949999999999998, 0.3540249999999997),
    (0.049025, 0.49934999999999996, 0.7082499999999999, 0.04336806249999997),
    (0.02715875, 0.48477249999999994, 0.5728875, 0.005312587656249999),
    (0.019505562500000028, 0.479670375, 0.5255106249999999, 0.0006507919878906197),
    (0.016826946875000026, 0.47788463124999997, 0.50892871875, 7.972201851660172e-05),
    (0.015889431406250033, 0.47725962093749996, 0.5031250515625, 9.765947268283572e-06),
]


def _gradient_descent_step(params: list[gn.Tensor], tau: float) -> None:
    with gn.no_grad():
        for p in params:
            p.data = p.data - tau * p.grad
            p.zero_grad()


def test_linear_neuron_first_step_and_iteration_table():
    w, b = scalar(0.8), scalar(1.0)
    x, y = gn.tensor(1.5, dtype=np.float64), 0.5
    for k, (w_k, b_k, x_L_k, E_k) in enumerate(LINEAR_NEURON_TABLE, start=1):
        x_L = w * x + b
        E = MSE(reduction="sum")(x_L, y)
        E.backward()
        if k == 1:
            assert (w.grad, b.grad) == (pytest.approx(5.1, rel=REL), pytest.approx(3.4, rel=REL))
        _gradient_descent_step([w, b], 0.1)
        if k == 1:  # the slide: w = 0.8 - 0.1 * 5.1 = 0.29, b = 1 - 0.1 * 3.4 = 0.66
            assert (w.item(), b.item()) == (pytest.approx(0.29, abs=1e-12), pytest.approx(0.66, abs=1e-12))
        assert x_L.item() == pytest.approx(x_L_k, rel=REL)
        assert E.item() == pytest.approx(E_k, rel=REL)
        assert (w.item(), b.item()) == (pytest.approx(w_k, rel=REL), pytest.approx(b_k, rel=REL))


def test_two_chained_linear_neurons_first_gradients():
    w1, b1, w2, b2 = scalar(0.8), scalar(1.0), scalar(0.8), scalar(1.0)
    x_Lm1 = w1 * 1.5 + b1
    x_L = w2 * x_Lm1 + b2
    E = (x_L - 0.5) ** 2
    E.backward()
    assert (x_Lm1.item(), x_L.item()) == (pytest.approx(2.2, rel=REL), pytest.approx(2.76, rel=REL))
    expected = [5.424000000000001, 3.6160000000000005, 9.944000000000003, 4.5200000000000005]
    np.testing.assert_allclose([w1.grad, b1.grad, w2.grad, b2.grad], expected, rtol=REL)
