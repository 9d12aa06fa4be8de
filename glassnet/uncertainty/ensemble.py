"""Deep ensembles: several networks trained from different seeds; their disagreement is
the model's (epistemic) uncertainty."""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from glassnet._backends import check_backend, run_all
from glassnet._checks import check_seed
from glassnet.io import ExtrapolationWarning
from glassnet.models import Model
from glassnet.uncertainty import _ensemble_file
from glassnet.uncertainty._draws import Draws, model_draw, output_kind
from glassnet.uncertainty._model_bytes import from_bytes, to_bytes
from glassnet.uncertainty._predictive import Predictive
from glassnet.uncertainty._ranges import training_ranges, warn_outside

__all__ = ["DeepEnsemble", "member_seeds"]

_BUILD_EXAMPLE = ("def build(seed):\n    model = gn.Sequential([...], seed=seed)\n    model.compile(...)\n"
                  "    return model")


def member_seeds(seed: int | None, n_members: int) -> list[int]:
    """One seed per member, spawned from ``seed`` (fresh entropy when None)."""
    children = np.random.SeedSequence(seed).spawn(n_members)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


def _train_member(build: Callable[[int], Any], X: Any, y: Any, fit_kwargs: dict[str, Any],
                  seed: int) -> dict[str, Any]:
    """Build, compile and train one member from its seed; its model file's bytes and history."""
    model = build(seed)
    if not isinstance(model, Model):
        raise TypeError(f"build(seed) must return a glassnet Model, got {type(model).__name__}")
    if not model.compiled:
        raise ValueError(f"build(seed) returned model {model.name!r} uncompiled; compile it in build:\n"
                         + _BUILD_EXAMPLE)
    history = model.fit(X, y, seed=seed, **fit_kwargs)
    logs = {name: [float(v) for v in values] for name, values in history.history.items()}
    return {"model": to_bytes(model), "history": logs}


def _check_build(build: Any) -> None:
    from glassnet.layers.module import Module

    if isinstance(build, Module):
        raise TypeError(f"build must be a function that makes a new compiled model from a seed, got the "
                        f"{type(build).__name__} {build.name!r}: every member needs its own network, e.g.\n"
                        + _BUILD_EXAMPLE)
    if not callable(build):
        raise TypeError(f"build must be a function of the member's seed returning a compiled model, got "
                        f"{type(build).__name__}:\n{_BUILD_EXAMPLE}")
    try:
        inspect.signature(build).bind(0)
    except TypeError:
        raise TypeError(f"build must take one argument, the member's seed (so that each member starts "
                        f"from its own weights), e.g.\n{_BUILD_EXAMPLE}") from None
    except ValueError:
        return  # a builtin without a signature: it is called as given


class DeepEnsemble(Predictive):
    """An ensemble of networks trained independently from different seeds.

    ``build(seed)`` returns a compiled model whose weights are drawn from ``seed``; each
    member gets its own seed, spawned from ``seed``, which also seeds its training
    (shuffling, dropout). The members are trained through the backend switch
    (``backend="local"`` one after the other in this process, ``"processes"`` or
    ``"dask"`` in parallel). Their mean is the prediction; the spread of their means is
    the epistemic uncertainty, and members ending in a :class:`~glassnet.layers.GaussianHead`
    add the data's noise (aleatoric): see :meth:`predict_components`.

    Parameters
    ----------
    build : callable, ``build(seed) -> Model``
        Builds and compiles one member (a Sequential or functional model, which
        :func:`glassnet.save` can write: the members travel as model files). The
        parallel backends send it to their workers with the data.
    n_members : int >= 2, default 5
    seed : int >= 0 or None, default 0
        Seeds every member; None draws fresh entropy.
    backend : {"local", "processes", "dask"}, default "local"
    n_workers : int, optional
        Parallel workers ("processes", "dask"); default one per core.
    address : str, optional
        A Dask scheduler's address (``backend="dask"``).

    Attributes
    ----------
    members_ : list of Model
        The trained members.
    member_seeds_ : list of int
    histories_ : list of dict
        Each member's ``History.history`` (loss and metrics per epoch).
    training_ranges_ : ndarray of shape (2, n_features) or None
        Each input column's [min, max] in training; predictions outside warn
        (:class:`~glassnet.io.ExtrapolationWarning`).

    Examples
    --------
    >>> X = np.linspace(-1, 1, 20).reshape(-1, 1)
    >>> y = X ** 2
    >>> def build(seed):
    ...     model = gn.Sequential([gn.Input((1,)), gn.layers.Dense(8, activation="tanh"),
    ...                            gn.layers.Dense(1)], seed=seed)
    ...     model.compile(optimizer="adam", loss="mse")
    ...     return model
    ...
    >>> ensemble = gn.uncertainty.DeepEnsemble(build, n_members=3).fit(X, y, epochs=5, verbose=0)
    >>> mean, std = ensemble.predict(np.array([[0.0], [0.5]]), return_std=True)
    >>> mean.shape, bool((std > 0).all())
    ((2, 1), True)
    """

    def __init__(self, build: Callable[[int], Any], n_members: int = 5, seed: int | None = 0,
                 backend: str = "local", n_workers: int | None = None, address: str | None = None) -> None:
        check_backend(backend, n_workers, address)
        _check_build(build)
        if isinstance(n_members, bool) or not isinstance(n_members, (int, np.integer)) or n_members < 2:
            raise ValueError(f"n_members must be an integer >= 2 (the spread of one member is not defined), "
                             f"got {n_members!r}")
        self.build = build
        self.n_members = int(n_members)
        self.seed = check_seed(seed)
        self.backend, self.n_workers, self.address = backend, n_workers, address

    def fit(self, X: Any, y: Any, **fit_kwargs: Any) -> DeepEnsemble:
        """Train every member on (X, y) with ``model.fit(X, y, seed=member_seed, **fit_kwargs)``
        (``verbose=0`` unless given); returns ``self``.

        Raises
        ------
        ValueError
            For ``seed`` in ``fit_kwargs`` (the members' seeds come from the ensemble's).
        RuntimeError
            When a member fails, naming each failure.
        """
        if self.build is None:
            raise ValueError("this DeepEnsemble was loaded from a file and has no build function; to train "
                             "again, create DeepEnsemble(build, ...) and call fit")
        if "seed" in fit_kwargs:
            raise ValueError(f"fit(seed={fit_kwargs['seed']!r}): each member is trained with its own seed, "
                             "spawned from the ensemble's; give DeepEnsemble(build, seed=...) instead")
        fit_kwargs.setdefault("verbose", 0)
        seeds = member_seeds(self.seed, self.n_members)
        outcomes = run_all(_train_member, [(s,) for s in seeds], self.backend, self.n_workers, self.address,
                           shared=(self.build, X, y, fit_kwargs))
        failed = [f"member {o.index} (seed {seeds[o.index]}): {o.error}" for o in outcomes if not o.ok]
        if failed:
            raise RuntimeError(f"{len(failed)} of {self.n_members} ensemble members failed to train: "
                               + "; ".join(failed))
        self._set_members([from_bytes(o.value["model"]) for o in outcomes], seeds,
                          [o.value["history"] for o in outcomes], training_ranges(X))
        return self

    def _set_members(self, members: list[Any], seeds: list[int], histories: list[dict[str, Any]],
                     ranges: np.ndarray | None) -> None:
        kinds = {output_kind(m) for m in members}
        if len(kinds) != 1:
            raise ValueError(f"the ensemble's members have different kinds of output ({sorted(kinds)}); "
                             "build must give the same architecture for every seed")
        self.members_, self.member_seeds_, self.histories_ = members, seeds, histories
        self.training_ranges_ = ranges

    def _draws(self, X: Any, what: str) -> Draws:
        if not hasattr(self, "members_"):
            raise ValueError(f"{what}: this DeepEnsemble is not fitted yet; call fit(X, y) or "
                             "DeepEnsemble.load(path) first")
        warn_outside(self.training_ranges_, X, what)
        means, variances = [], []
        for i, member in enumerate(self.members_):
            with warnings.catch_warnings():
                if i:  # the members share the preprocessing: its warnings come once
                    warnings.simplefilter("ignore", ExtrapolationWarning)
                mean, variance = model_draw(member, member.predict(X))
            means.append(mean)
            variances.append(variance)
        first = self.members_[0]
        kind = output_kind(first)
        return Draws(kind, np.stack(means), np.stack(variances) if kind == "gaussian" else None,
                     first.output_activations[0] if kind == "probabilities" else None)

    @classmethod
    def from_models(cls, models: list[Any], member_seeds: list[int] | None = None,
                    training_ranges: np.ndarray | None = None) -> DeepEnsemble:
        """An ensemble of models trained elsewhere (each from its own seed), to predict, save
        and load as one; :meth:`fit` needs a ``DeepEnsemble(build, ...)``.

        Parameters
        ----------
        models : list of Model
            At least two trained models with the same kind of output.
        member_seeds : list of int, optional
            The seed each was trained from, kept in the file.
        training_ranges : ndarray (2, n_features), optional
            Each input column's [min, max] in training, for the ExtrapolationWarning.
        """
        models = list(models)
        if len(models) < 2 or not all(isinstance(m, Model) for m in models):
            raise TypeError(f"models must be a list of at least two glassnet Models, got "
                            f"{[type(m).__name__ for m in models]}")
        seeds = list(member_seeds) if member_seeds is not None else []
        if seeds and len(seeds) != len(models):
            raise ValueError(f"member_seeds gives {len(seeds)} seeds for {len(models)} models; give one each")
        ensemble = cls.__new__(cls)
        ensemble.build, ensemble.n_members, ensemble.seed = None, len(models), None
        ensemble.backend, ensemble.n_workers, ensemble.address = "local", None, None
        ranges = None if training_ranges is None else np.asarray(training_ranges, dtype=np.float64)
        ensemble._set_members(models, seeds, [{} for _ in models], ranges)
        return ensemble

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike) -> Path:
        """Write the ensemble to one ``.safetensors`` file: every member's model file (as
        :func:`glassnet.save` writes it), the training ranges and the member seeds;
        :meth:`load` gives an ensemble whose predictions are bitwise equal."""
        if not hasattr(self, "members_"):
            raise ValueError("this DeepEnsemble is not fitted yet; call fit(X, y) before save")
        description = {"class_name": type(self).__name__, "n_members": len(self.members_),
                       "seed": self.seed, "member_seeds": self.member_seeds_, "histories": self.histories_}
        return _ensemble_file.write(path, [to_bytes(m) for m in self.members_], self.training_ranges_,
                                    description)

    @classmethod
    def load(cls, path: str | os.PathLike) -> DeepEnsemble:
        """The ensemble saved by :meth:`save` (without its ``build`` function: it predicts,
        and :meth:`fit` needs a new ``DeepEnsemble(build, ...)``).

        Raises
        ------
        FileNotFoundError, IsADirectoryError
            When there is no file at ``path``.
        ModelFileError
            For a damaged or edited file, or a file that is not an ensemble.
        """
        members, ranges, description = _ensemble_file.read(path)
        ensemble = cls.from_models([from_bytes(m) for m in members], training_ranges=ranges)
        ensemble.seed = description.get("seed")
        ensemble.member_seeds_ = list(description.get("member_seeds", []))
        ensemble.histories_ = list(description.get("histories", []))
        return ensemble

    def __repr__(self) -> str:
        return f"DeepEnsemble(n_members={self.n_members}, seed={self.seed}, backend={self.backend!r})"
