"""The Optuna study that records every trial of a search (all three methods), and its storage.

A search with ``storage`` (``sqlite:///study.db`` or another database URL) and a
``study_name`` can be run again after an interruption: the trials that finished are kept, the
ones that were running are marked failed as interrupted, and the search goes on with the
rest. Workers in other processes reach the study through the same storage (a Dask cluster
through Optuna's ``DaskStorage``, which lives on the scheduler).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import warnings
from collections.abc import Iterator
from typing import Any

__all__ = ["import_optuna", "quiet_optuna", "StudyLink", "open_study", "detached", "finished_trials",
           "mark_interrupted", "fail", "INTERRUPTED"]

#: The message of a trial that was running when its search stopped.
INTERRUPTED = "interrupted: the search stopped before this trial finished"


def import_optuna() -> Any:
    """The optuna module, or an ImportError saying how to install it."""
    try:
        import optuna
    except ImportError as err:
        raise ImportError('gn.tune needs Optuna (and Dask for backend="dask"): pip install "glassnet[tune]"'
                          ) from err
    return optuna


@contextlib.contextmanager
def quiet_optuna() -> Iterator[None]:
    """Optuna logs errors only within the block (the search records each trial and the error of a
    failed one); as before after it."""
    optuna = import_optuna()
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(verbosity)


@dataclasses.dataclass
class StudyLink:
    """How a trial running anywhere reaches its study: the study itself in this process, else
    its name and a storage the worker can open (a Dask storage by its name on the scheduler),
    with the pruner that decides."""

    study_name: str
    storage: Any
    pruner: Any
    study: Any = None
    dask_storage: str | None = None

    def trial(self, trial_id: int) -> Any:
        """The Optuna trial ``trial_id`` (for ``report`` and ``should_prune``)."""
        optuna = import_optuna()
        study = self.study
        if study is None:
            storage = self.storage if self.dask_storage is None else _dask_storage(name=self.dask_storage,
                                                                                   register=False)
            study = optuna.load_study(study_name=self.study_name, storage=storage,
                                      sampler=optuna.samplers.RandomSampler(), pruner=self.pruner)
        return optuna.trial.Trial(study, trial_id)

    def remote(self) -> StudyLink:
        """This link without the study object, for a worker in another process."""
        if self.dask_storage is not None:
            return dataclasses.replace(self, study=None, storage=None)
        return dataclasses.replace(self, study=None)


def _dask_storage(*args: Any, **kwargs: Any) -> Any:
    """Optuna's ``DaskStorage`` (its storage on the scheduler of the Dask client), made without
    the warning that it is experimental."""
    optuna = import_optuna()
    from optuna_integration import DaskStorage

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return DaskStorage(*args, **kwargs)


def _check_storage(storage: Any) -> None:
    """A ValueError naming ``storage`` when Optuna cannot open the database of that URL (not a URL, a
    folder that does not exist, a server that does not answer, its driver not installed)."""
    if not isinstance(storage, str):
        return
    optuna = import_optuna()
    try:
        optuna.storages.RDBStorage(storage)
    except Exception as err:  # SQLAlchemy's and the database drivers' errors have no common base
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(f"storage={storage!r} could not be opened ({reason}); give a database URL such as "
                         "'sqlite:///study.db' (a file in a folder that exists) or "
                         "'postgresql://user:password@host/database'") from err


def _storage(storage: Any, pool: Any, temporary: Any) -> Any:
    """The storage of the study: Dask's on a Dask pool, a journal file for local worker processes
    when none is given (``temporary``: a folder that lives as long as the search), else ``storage``."""
    optuna = import_optuna()
    client = getattr(pool, "client", None)
    if client is not None:
        return _dask_storage(storage, client=client)
    if storage is None and pool.backend == "processes":
        from optuna.storages.journal import JournalFileBackend

        return optuna.storages.JournalStorage(JournalFileBackend(f"{temporary}/study.log"))
    return storage


def open_study(storage: Any, study_name: str | None, direction: str, sampler: Any, pruner: Any,
               signature: dict[str, Any], pool: Any, temporary: Any) -> tuple[Any, StudyLink]:
    """Create the study, or load it to resume; a ValueError if the stored one was made by a
    different search (method, space, seed, scoring)."""
    optuna = import_optuna()
    _check_storage(storage)
    backend_storage = _storage(storage, pool, temporary)
    study = optuna.create_study(storage=backend_storage, study_name=study_name, direction=direction,
                                sampler=sampler, pruner=pruner, load_if_exists=study_name is not None)
    signature = json.loads(json.dumps(signature, default=repr))  # as the storage gives it back
    stored = study.user_attrs.get("glassnet")
    if stored is None:
        study.set_user_attr("glassnet", signature)
    elif stored != signature:
        changed = sorted(k for k in signature if stored.get(k) != signature[k])
        raise ValueError(f"study_name={study_name!r} holds a search with other settings "
                         f"({', '.join(changed)} differ: stored {[stored.get(k) for k in changed]}); give "
                         "another study_name to start a new search, or the same settings to resume it")
    dask_name = getattr(backend_storage, "name", None) if getattr(pool, "client", None) is not None else None
    link = StudyLink(study.study_name, backend_storage, pruner, study, dask_name)
    return study, link


def detached(study: Any, link: StudyLink, storage: Any) -> Any:
    """The study as it stands, readable after the pool closes: a copy in memory when it lives
    in a storage of the pool's (Dask's scheduler, a temporary journal file), else ``study``."""
    if link.storage is storage:
        return study
    optuna = import_optuna()
    memory = optuna.storages.InMemoryStorage()
    optuna.copy_study(from_study_name=study.study_name, from_storage=link.storage, to_storage=memory)
    return optuna.load_study(study_name=study.study_name, storage=memory)


def fail(study: Any, trial_id: int, message: str, **attrs: Any) -> None:
    """Record the trial as failed with ``message`` (and other user attributes)."""
    optuna = import_optuna()
    storage = study._storage
    for key, value in {"error": message, **attrs}.items():
        storage.set_trial_user_attr(trial_id, key, value)
    storage.set_trial_state_values(trial_id, optuna.trial.TrialState.FAIL)


def mark_interrupted(study: Any) -> None:
    """Trials left running or waiting by a search that stopped are recorded as interrupted."""
    optuna = import_optuna()
    states = (optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.WAITING)
    for trial in study.get_trials(deepcopy=False, states=states):
        fail(study, trial._trial_id, INTERRUPTED, interrupted=True)


def finished_trials(study: Any) -> list[Any]:
    """The trials that ran to their end: complete, pruned, or failed by an error of their own."""
    optuna = import_optuna()
    TrialState = optuna.trial.TrialState
    return [t for t in study.get_trials(deepcopy=False)
            if t.state in (TrialState.COMPLETE, TrialState.PRUNED)
            or (t.state == TrialState.FAIL and not t.user_attrs.get("interrupted"))]
