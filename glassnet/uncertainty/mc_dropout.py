"""Monte Carlo dropout: a network with dropout, sampled with its dropout kept on at prediction
time, acts as an ensemble of thinned networks; their spread is the epistemic uncertainty."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from glassnet._checks import check_seed
from glassnet.layers import Dropout
from glassnet.models import Model
from glassnet.tensor import Tensor, no_grad
from glassnet.training import prepare, raw_inputs
from glassnet.uncertainty._draws import Draws, model_draw, output_kind
from glassnet.uncertainty._predictive import Predictive

__all__ = ["MCDropout"]


class _MaskPerPass:
    """A Dropout layer's generator during MC dropout: each draw gives one mask for the whole
    batch (shape (1, ...), broadcast over the rows), so that a pass is one thinned network,
    the same for every input: a row's prediction does not depend on the other rows, their
    number or their order."""

    __slots__ = ("generator",)

    def __init__(self, generator: np.random.Generator) -> None:
        self.generator = generator

    def random(self, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
        return np.broadcast_to(self.generator.random((1, *shape[1:]), dtype=dtype), shape)


@contextmanager
def _dropout_on(model: Model, seed: int) -> Iterator[None]:
    """Every module in evaluation mode but the Dropout layers, whose masks come from
    generators spawned from ``seed`` (one mask per pass, see :class:`_MaskPerPass`); the
    modes and the layers' own generators come back after the block.

    The generators are swapped in the layers' ``__dict__``: a generator is not part of the
    structure that recorded predictions depend on, so they stay valid."""
    modules = model.modules()
    dropouts = [m for m in modules if isinstance(m, Dropout)]
    modes = [m._training for m in modules]
    saved = [vars(layer).get("rng") for layer in dropouts]
    try:
        for module in modules:
            module.training = False
        for layer, child in zip(dropouts, np.random.SeedSequence(seed).spawn(len(dropouts))):
            layer.training = True
            vars(layer)["rng"] = _MaskPerPass(np.random.default_rng(child))
        yield
    finally:
        for module, mode in zip(modules, modes):
            module.training = mode
        for layer, rng in zip(dropouts, saved):
            vars(layer)["rng"] = rng


class MCDropout(Predictive):
    """Predictions of a trained model with its dropout kept on: ``n_samples`` passes, each
    with fresh dropout masks; every other layer (batch normalization, ...) computes in
    evaluation mode. A pass draws one mask per Dropout layer for the whole batch: it is one
    thinned network, so that each input's prediction is independent of the other inputs.

    The passes' mean is the prediction and their spread the epistemic uncertainty (Gal and
    Ghahramani 2016); a model ending in a :class:`~glassnet.layers.GaussianHead` adds the
    data's noise (see :meth:`predict_components`). The masks are drawn from ``seed``: the
    same call gives the same numbers, and the model's own dropout generators are left as
    they were. The model's modes are switched during a call: do not train or predict with
    the same model in another thread meanwhile.

    Parameters
    ----------
    model : Model
        A trained model with at least one Dropout layer of rate > 0.
    n_samples : int >= 2, default 50
        Forward passes per prediction.
    seed : int >= 0, default 0

    References
    ----------
    Y. Gal and Z. Ghahramani, "Dropout as a Bayesian approximation", ICML 2016.

    Examples
    --------
    >>> model = gn.Sequential([gn.Input((1,)), gn.layers.Dense(16, activation="relu"),
    ...                        gn.layers.Dropout(0.2), gn.layers.Dense(1)], seed=0)
    >>> model.compile(optimizer="adam", loss="mse")
    >>> X = np.linspace(-1, 1, 20).reshape(-1, 1)
    >>> _ = model.fit(X, 2 * X, epochs=3, verbose=0)
    >>> mc = gn.uncertainty.MCDropout(model, n_samples=20)
    >>> mean, std = mc.predict(np.array([[0.0], [0.5]]), return_std=True)
    >>> lower, upper = mc.predict_interval(np.array([[0.0], [0.5]]), level=0.9)
    >>> mean.shape, bool((lower <= upper).all())
    ((2, 1), True)
    """

    def __init__(self, model: Model, n_samples: int = 50, seed: int = 0) -> None:
        if not isinstance(model, Model):
            raise TypeError(f"model must be a glassnet Model with Dropout layers, got {type(model).__name__}")
        if not any(isinstance(m, Dropout) and m.rate > 0 for m in model.modules()):
            raise ValueError(
                f"model {model.name!r} has no Dropout layer with rate > 0, so every pass would give the same "
                "prediction: MC dropout samples dropout masks at prediction time. Add "
                "gn.layers.Dropout(rate) after hidden layers and train again, or use "
                "gn.uncertainty.DeepEnsemble")
        if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
            raise ValueError(f"n_samples must be an integer >= 2 (forward passes per prediction), got "
                             f"{n_samples!r}")
        seed = check_seed(seed)
        if seed is None:
            raise ValueError("seed must be an integer >= 0: MC dropout's predictions are reproducible by it")
        self.model, self.n_samples, self.seed = model, int(n_samples), seed

    def sample(self, X: Any) -> np.ndarray:
        """The model's outputs in each of the ``n_samples`` passes, shape (n_samples, N, outputs)."""
        return np.stack(self._passes(X, "sample"))

    def _passes(self, X: Any, what: str) -> list[np.ndarray]:
        model = self.model
        if not model.built:
            raise ValueError(f"{what}: model {model.name!r} has not been built: train it first")
        X = raw_inputs.preprocessed(model, X, what)
        xs = [Tensor(x) for x in prepare.inputs(model, X, model.dtype)]
        with no_grad(), _dropout_on(model, self.seed):
            return [model(*xs).data for _ in range(self.n_samples)]

    def _draws(self, X: Any, what: str) -> Draws:
        model = self.model
        means, variances = zip(*(model_draw(model, out) for out in self._passes(X, what)))
        kind = output_kind(model)
        return Draws(kind, np.stack(means), np.stack(variances) if kind == "gaussian" else None,
                     model.output_activations[0] if kind == "probabilities" else None)

    def __repr__(self) -> str:
        return f"MCDropout(model={self.model.name!r}, n_samples={self.n_samples}, seed={self.seed})"
