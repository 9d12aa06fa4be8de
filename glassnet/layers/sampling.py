"""The reparameterisation trick of a variational autoencoder: the Sampling layer.

The encoder gives, per sample, the mean mu and the log-variance log sigma^2 of a Gaussian
over the latent code; the layer draws

.. math::

    z = \\mu + e^{\\log \\sigma^2 / 2} \\odot \\varepsilon, \\qquad \\varepsilon \\sim N(0, I)

so that z is a differentiable function of mu and log sigma^2 (the randomness sits in
epsilon):

.. math::

    \\frac{\\partial E}{\\partial \\mu} = \\delta, \\qquad
    \\frac{\\partial E}{\\partial \\log \\sigma^2} = \\tfrac12\\, \\delta \\odot e^{\\log \\sigma^2 / 2}
        \\odot \\varepsilon

with delta = dE/dz.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.function import Function
from glassnet.layers._arguments import input_config
from glassnet.layers._modes import layer_mode
from glassnet.layers.module import Layer
from glassnet.symbolic import Symbolic
from glassnet.tensor import Tensor

__all__ = ["Sampling"]


class _Reparameterize(Function):
    """z = mu + exp(log_var / 2) * eps, eps drawn by ``source.draw`` inside the forward pass
    (a replayed training step draws anew)."""

    name = "reparameterize"

    @staticmethod
    def forward(ctx: Any, mu: np.ndarray, log_var: np.ndarray, *, source: Any) -> np.ndarray:
        eps = source.draw(mu.shape, mu.dtype)
        scaled = np.exp(0.5 * log_var) * eps
        ctx.scaled = scaled
        return mu + scaled

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        needs = ctx.needs_input_grad
        g_log_var = grad * ctx.scaled * np.asarray(0.5, dtype=grad.dtype) if needs[1] else None
        return (grad if needs[0] else None), g_log_var


class Sampling(Layer):
    """Draws a latent code z = mu + exp(log_var / 2) * eps from the encoder's (mu, log_var).

    Called as Keras's VAE example calls it, ``Sampling()([z_mean, z_log_var])`` (or with the
    two as separate arguments); both (N, latent). In training a new eps ~ N(0, I) is drawn
    at every step, from the layer's generator: seeded by ``seed``, or else by the model's
    seed (``fit(seed=...)``), so a run is reproducible. The draw happens inside the op, so a
    recorded training step (:mod:`glassnet.training.replay`) draws anew when it is replayed.

    Evaluation (``predict``, ``evaluate``, ``model.eval()``): the layer returns mu, the most
    likely code, so predictions are deterministic; ``sample_in_evaluation=True`` draws there
    too (Keras's example layer always draws).

    Parameters
    ----------
    seed : int, optional
    sample_in_evaluation : bool, default False
    name : str, optional

    Examples
    --------
    >>> mu, log_var = gn.Input((2,)), gn.Input((2,))
    >>> Sampling(seed=0)([mu, log_var]).shape
    (2,)
    """

    static_graph = True
    static_in_evaluation = True
    #: A functional graph calls it on two nodes, mu and log_var.
    call_inputs = 2

    def __init__(self, seed: int | None = None, sample_in_evaluation: bool = False,
                 name: str | None = None) -> None:
        super().__init__(name or "sampling")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise ValueError(f"Sampling: seed must be an integer >= 0 or None, got {seed!r}")
        if not isinstance(sample_in_evaluation, (bool, np.bool_)):
            raise TypeError(
                f"Sampling: sample_in_evaluation must be True or False, got {sample_in_evaluation!r}")
        self.seed = seed
        self.sample_in_evaluation = bool(sample_in_evaluation)
        if seed is not None:
            self.rng = np.random.default_rng(seed)

    def draw(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """eps ~ N(0, I) of ``shape`` from the layer's generator."""
        return self.rng.standard_normal(shape).astype(dtype, copy=False)

    def forward(self, inputs: Any, log_var: Any = None, training: bool | None = None) -> Any:
        """z for ``[mu, log_var]`` (or ``mu, log_var``)."""
        if training is not None:
            with layer_mode(self, training):
                return self.forward(inputs, log_var)
        mu, log_var = self._pair(inputs, log_var)
        if isinstance(mu, Symbolic) or isinstance(log_var, Symbolic):
            return Symbolic(self.compute_output_shape(mu.shape), self, (mu, log_var))
        mu = mu if isinstance(mu, Tensor) else Tensor(np.asarray(mu, dtype=self.dtype or np.float32))
        log_var = log_var if isinstance(log_var, Tensor) else Tensor(np.asarray(log_var, dtype=mu.dtype))
        if mu.shape != log_var.shape:
            raise ValueError(f"Sampling layer {self.name!r}: mu and log_var must have the same shape, got "
                             f"{mu.shape} and {log_var.shape}")
        self.ensure_built(mu.shape[1:], mu.dtype)
        return self.call(mu, log_var)

    def _pair(self, inputs: Any, log_var: Any) -> tuple[Any, Any]:
        if log_var is None and isinstance(inputs, (list, tuple)) and len(inputs) == 2:
            return inputs[0], inputs[1]
        if log_var is None:
            raise TypeError(f"Sampling layer {self.name!r} takes [mu, log_var] (a list of two tensors) or "
                            f"mu and log_var as two arguments, got {type(inputs).__name__}")
        return inputs, log_var

    def call(self, mu: Tensor, log_var: Tensor) -> Tensor:
        if not self.training and not self.sample_in_evaluation:
            return mu
        return _Reparameterize.apply(mu, log_var, source=self)

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        """No weights."""

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "sample_in_evaluation": self.sample_in_evaluation, "name": self.name,
                **input_config(self)}
