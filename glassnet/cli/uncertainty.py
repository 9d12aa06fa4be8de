"""``glassnet train --uncertainty`` and the error bars of ``glassnet predict``.

- ``ensemble``: :data:`N_MEMBERS` networks, each trained from its own seed (the first from
  ``--seed``: it is model.safetensors); all of them are saved in ensemble.safetensors, next
  to the model, which ``glassnet predict`` reads.
- ``mc-dropout``: the network's dropout (``--dropout`` > 0) kept on at prediction time,
  :data:`N_SAMPLES` passes seeded by ``--seed``.

Both measure the model's ignorance (epistemic); the data's noise is added as one std for
all inputs (homoscedastic), the root-mean-square residual of the mean prediction on the
training rows, so that the intervals cover the observations and not only the mean.

- ``gaussian``: the network ends in a :class:`~glassnet.layers.GaussianHead` trained with
  :class:`~glassnet.losses.GaussianNLL`: a mean and a variance per input, the data's noise
  (aleatoric, heteroscedastic); no noise term is added.
- ``quantile``: the network ends in a :class:`~glassnet.layers.QuantileHead` of the
  :data:`QUANTILES` trained with :class:`~glassnet.losses.Pinball`; the interval is the
  predicted 2.5% and 97.5% quantiles, the std read from them under a Gaussian assumption.

The heads are trained on the standardized targets like every regression of ``glassnet
train``; their output transform (``set_target_transform``) then makes them predict y's units.

The model file records which (``info["uncertainty"]``); ``glassnet predict`` then writes
the ``std`` and the ``lower`` and ``upper`` bounds of the central :data:`LEVEL` interval, and
the run folder gets the calibration plot (and the band plot for a single input column).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.cli.settings import UNCERTAINTY_METHODS as METHODS
from glassnet.cli.settings import CliError, TrainSettings, UsageError
from glassnet.uncertainty._draws import Draws, model_draw, output_head
from glassnet.uncertainty._predictive import Predictive

__all__ = ["METHODS", "HEADS", "QUANTILES", "N_MEMBERS", "N_SAMPLES", "LEVEL", "ENSEMBLE_FILE", "check",
           "head_layer", "member_settings", "record", "adds_noise", "noise_std", "WithNoise",
           "HeadPrediction", "save_ensemble", "predictor", "interval_scores", "figures", "columns"]

#: The methods whose network's output head predicts the data's noise itself.
HEADS = ("gaussian", "quantile")
#: The quantiles of ``--uncertainty quantile``: the median and the bounds of the LEVEL interval.
QUANTILES = (0.025, 0.5, 0.975)
N_MEMBERS = 5
N_SAMPLES = 50
LEVEL = 0.95
ENSEMBLE_FILE = "ensemble.safetensors"


def check(s: TrainSettings, task: str) -> None:
    """Refuse ``--uncertainty`` where it cannot work, before any training."""
    if s.uncertainty is None:
        return
    if task != "regression":
        raise UsageError(f"--uncertainty {s.uncertainty} gives error bars of a regression; for a "
                         "classification the class probabilities are the uncertainty")
    if s.uncertainty == "mc-dropout" and not s.dropout:
        raise UsageError("--uncertainty mc-dropout samples the dropout masks at prediction time and needs "
                         "--dropout > 0, e.g. --dropout 0.1")


def head_layer(s: TrainSettings, n_outputs: int, regularizer: Any,
               input_dim: int | None) -> tuple[Any, Any] | None:
    """(output layer, loss) of ``--uncertainty gaussian`` or ``quantile``: a GaussianHead with
    GaussianNLL, or a QuantileHead of :data:`QUANTILES` with Pinball; None for the other methods."""
    from glassnet import layers, losses

    options = {"kernel_regularizer": regularizer, "input_dim": input_dim}
    if s.uncertainty == "gaussian":
        return layers.GaussianHead(n_outputs, **options), losses.GaussianNLL()
    if s.uncertainty == "quantile":
        return layers.QuantileHead(QUANTILES, units=n_outputs, **options), losses.Pinball(QUANTILES)
    return None


def member_settings(s: TrainSettings) -> list[TrainSettings]:
    """The settings of the ensemble's other members: each its own seed, spawned from ``--seed``."""
    from glassnet.uncertainty.ensemble import member_seeds

    if s.uncertainty != "ensemble":
        return []
    return [dataclasses.replace(s, seed=seed) for seed in member_seeds(s.seed, N_MEMBERS)[1:]]


def record(s: TrainSettings, n_members: int, noise_std: float) -> dict[str, Any] | None:
    """What the model file says about its uncertainty (``info["uncertainty"]``); None without,
    or for an ensemble that a Ctrl-C stopped before its second member."""
    if s.uncertainty == "ensemble" and n_members > 1:
        return {"method": "ensemble", "members": n_members, "file": ENSEMBLE_FILE, "level": LEVEL,
                "noise_std": noise_std}
    if s.uncertainty == "mc-dropout":
        return {"method": "mc_dropout", "n_samples": N_SAMPLES, "seed": s.seed, "level": LEVEL,
                "noise_std": noise_std}
    if s.uncertainty in HEADS:
        return {"method": s.uncertainty, "level": LEVEL}
    return None


def adds_noise(s: TrainSettings) -> bool:
    """Whether the error bars add the data's noise as one std (:func:`noise_std`): an ensemble
    or MC dropout; an output head predicts the noise itself."""
    return s.uncertainty in ("ensemble", "mc-dropout")


def noise_std(method: Any, X: np.ndarray, y: np.ndarray) -> float:
    """The root-mean-square residual of the mean prediction on the training rows."""
    return float(np.sqrt(np.mean((method.predict(X).reshape(-1) - y) ** 2)))


class WithNoise(Predictive):
    """An ensemble's or MC dropout's draws, each with the data's noise variance added: the
    mean is theirs, the aleatoric variance ``noise_std**2``, the epistemic their spread."""

    def __init__(self, method: Any, noise_std: float) -> None:
        self.method, self.noise_std = method, float(noise_std)

    def _draws(self, X: Any, what: str) -> Draws:
        draws = self.method._draws(X, what)
        variances = draws.variances if draws.variances is not None else np.zeros_like(draws.means)
        return Draws("gaussian", draws.means, variances + self.noise_std ** 2)


class HeadPrediction(Predictive):
    """A network ending in a GaussianHead or QuantileHead: one draw, its mean and its predicted
    noise (all aleatoric); the interval is the head's own (:meth:`Model.predict_interval`)."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def _draws(self, X: Any, what: str) -> Draws:
        mean, variance = model_draw(self.model, self.model.predict(X))
        return Draws("gaussian", mean[np.newaxis], variance[np.newaxis])

    def predict_interval(self, X: Any, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
        """The head's central ``level`` interval: mean -/+ z std for a GaussianHead, the predicted
        quantiles (1 -/+ level) / 2 for a QuantileHead."""
        return self.model.predict_interval(X, level=level)


def save_ensemble(folder: Path, members: list[Any], seeds: list[int], prep: Any,
                  info: dict[str, Any]) -> None:
    """ensemble.safetensors: every member with the run's preprocessing and facts."""
    from glassnet.uncertainty import DeepEnsemble

    for member in members:
        member.preprocessing, member.info = prep, info
    DeepEnsemble.from_models(members, seeds).save(folder / ENSEMBLE_FILE)


def predictor(model: Any, model_path: str | Path) -> Any:
    """What predicts with error bars for a model file whose training asked for them: its
    :class:`~glassnet.uncertainty.DeepEnsemble` or :class:`~glassnet.uncertainty.MCDropout`
    (with the data's noise added), or the network's own output head; None for a model without."""
    from glassnet.uncertainty import DeepEnsemble, MCDropout

    settings = (getattr(model, "info", None) or {}).get("uncertainty") or {}
    method = settings.get("method")
    if method in HEADS:
        if output_head(model) is None:
            last = type(model.layers[-1]).__name__
            raise CliError(f"{model_path} says it was trained with --uncertainty {method}, but its network "
                           f"ends in a {last}, not a GaussianHead or QuantileHead; retrain it")
        return HeadPrediction(model)
    if method == "mc_dropout":
        inner = MCDropout(model, int(settings.get("n_samples", N_SAMPLES)), int(settings.get("seed", 0)))
    elif method == "ensemble":
        path = Path(model_path).parent / str(settings.get("file", ENSEMBLE_FILE))
        if not path.is_file():
            raise CliError(f"{model_path} is the first network of an ensemble whose members are in {path}, "
                           "which is missing; keep the run folder's files together")
        inner = DeepEnsemble.load(path)
    else:
        return None
    return WithNoise(inner, float(settings.get("noise_std", 0.0)))


def interval_scores(method: Any, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Coverage and mean width of the :data:`LEVEL` intervals on held-out rows."""
    from glassnet import metrics

    lower, upper = (bound.reshape(-1) for bound in method.predict_interval(X, level=LEVEL))
    key = f"{round(LEVEL * 100)}"
    return {f"interval_coverage_{key}": metrics.interval_coverage(y, lower, upper),
            f"interval_width_{key}": metrics.interval_width(lower, upper)}


def figures(method: Any, X: np.ndarray, x_raw: np.ndarray | None, y: np.ndarray, folder: Path) -> list[str]:
    """calibration.png (coverage against the nominal level on the test rows) and, for one
    input column, uncertainty_band.png (the band split into aleatoric and epistemic)."""
    from glassnet import plot

    parts = method.predict_components(X)
    plot.calibration(y, mean=parts.mean.reshape(-1), std=parts.std.reshape(-1),
                     path=folder / "calibration.png")
    files = ["calibration.png"]
    if x_raw is not None:
        plot.uncertainty_band(x_raw, y, parts.mean, parts.std, parts.aleatoric_std, parts.epistemic_std,
                              path=folder / "uncertainty_band.png")
        files.append("uncertainty_band.png")
    return files


def columns(method: Any, X: np.ndarray) -> dict[str, np.ndarray]:
    """The prediction with its ``std``, ``lower`` and ``upper`` columns, for ``glassnet predict``."""
    mean, std = method.predict(X, return_std=True)
    lower, upper = method.predict_interval(X, level=LEVEL)
    return {"mean": mean.reshape(-1), "std": std.reshape(-1), "lower": lower.reshape(-1),
            "upper": upper.reshape(-1)}
