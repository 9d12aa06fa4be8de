"""glassnet explain rnn-through-time: each step's h_t and dE/dh_t read from the recurrent node, against an
unrolled torch.nn.RNNCell, and the vanishing of the gradient with tanh over 50 steps."""

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from glassnet.cli.commands import app
from glassnet.explain import through_time


def _torch_steps(result):
    """h_t and dE/dh_t of the same sequence through an unrolled torch RNNCell (weights copied)."""
    layer = result.layer
    cell = torch.nn.RNNCell(
        result.x.shape[1], layer.units, nonlinearity=result.activation, dtype=torch.float64
    )
    with torch.no_grad():
        cell.weight_ih[...] = torch.tensor(layer.W.data.T)
        cell.weight_hh[...] = torch.tensor(layer.U.data.T)
        cell.bias_ih[...] = torch.tensor(layer.b.data)
        cell.bias_hh[...] = torch.tensor(layer.b_U.data)
    h, states = torch.zeros(1, layer.units, dtype=torch.float64), []
    for x_t in torch.tensor(result.x)[:, None]:
        h = cell(x_t, h)
        h.retain_grad()
        states.append(h)
    h.sum().backward()
    return np.concatenate([s.detach().numpy() for s in states]), np.concatenate(
        [s.grad.numpy() for s in states]
    )


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_every_steps_state_and_gradient_equal_an_unrolled_torch_cell(activation):
    result = through_time(steps=12, units=3, activation=activation, seed=1)
    h, grad = _torch_steps(result)
    np.testing.assert_allclose(result.h, h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(result.grad, grad, rtol=1e-10, atol=1e-14)


def test_the_gradient_vanishes_with_tanh_over_50_steps():
    result = through_time(steps=50)
    assert result.norms[-1] == pytest.approx(np.sqrt(2))  # dE/dh_T = (1, 1) for E = sum(h_T)
    assert result.norms[0] < 1e-6 * result.norms[-1]
    assert result.factor < 0.9


def test_a_linear_rnn_with_orthogonal_u_keeps_the_gradients_norm():
    """With g' = 1, one step back is dE/dh_t U^T: an orthogonal U keeps the norm exactly, so the
    vanishing with tanh is tanh's."""
    result = through_time(steps=50, units=4, activation="linear")
    np.testing.assert_allclose(result.norms, 2.0, rtol=1e-10)


def test_cli_prints_the_steps_and_refuses_bad_options():
    runner = CliRunner()
    result = runner.invoke(app, ["explain", "rnn-through-time", "--steps", "6"])
    assert result.exit_code == 0, result.output
    assert "over 6 steps" in result.output and "(it vanishes)" in result.output
    assert "||dE/dh_t||" in result.output
    bad = runner.invoke(app, ["explain", "rnn-through-time", "--activation", "softmax"])
    assert bad.exit_code == 2 and "--activation must be one of tanh" in bad.output
    bad = runner.invoke(app, ["explain", "rnn-through-time", "--steps", "0"])
    assert bad.exit_code == 2 and "--steps must be an integer >= 1" in bad.output
