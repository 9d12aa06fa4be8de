"""Helpers shared by the estimators."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

__all__ = ["rng_from", "Estimator", "SPELLINGS"]


def rng_from(random_state: Any) -> np.random.Generator:
    """A numpy Generator from scikit-learn's ``random_state`` (None, an int or a RandomState).

    A RandomState instance is advanced by one draw, so successive fits given the same instance
    differ, as in scikit-learn.
    """
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    return np.random.default_rng(random_state)


#: The names of the step size, in the order they are looked for: the MLPs' is learning_rate_init
#: (their learning_rate names the schedule, as in scikit-learn), the other estimators' learning_rate.
_STEP_SIZE = ("learning_rate_init", "learning_rate")

#: Other libraries' parameter names: the glassnet parameter that says the same (None: none is
#: needed; a tuple: the first of them the estimator has) and how. A hint is given only where the
#: estimator has that parameter.
SPELLINGS: dict[str, tuple[str | tuple[str, ...] | None, str]] = {
    "C": ("alpha", "alpha = 1 / C, the L2 penalty strength: C=10.0 is alpha=0.1"),
    "eta0": (_STEP_SIZE, ""),
    "learning_rate_init": (_STEP_SIZE, ""),
    "lr": (_STEP_SIZE, ""),
    "penalty": ("alpha", "alpha, an L2 penalty"),
    "l1_ratio": ("alpha", "alpha, an L2 penalty; LinearRegression takes penalty='elasticnet', l1_ratio=..."),
    "epochs": ("max_iter", "max_iter"),
    "n_iter": ("max_iter", "max_iter"),
    "seed": ("random_state", "random_state"),
    "n_jobs": (None, "one process per estimator; run folds or members in parallel with "
                     "gn.cross_validate(..., backend='processes') or gn.tune"),
    "class_weight": (None, "give fit(X, y, sample_weight=...)"),
}


class Estimator(BaseEstimator):
    """scikit-learn's ``BaseEstimator`` whose constructor refuses a keyword it does not take at
    once, naming the parameters it takes and glassnet's spelling of another library's name
    (scikit-learn's ``C`` is ``alpha = 1 / C``); Python's own error names neither.

    Examples
    --------
    >>> from glassnet.estimators import LogisticRegression
    >>> try:
    ...     LogisticRegression(C=10.0)
    ... except TypeError as error:
    ...     print(str(error).split(";")[0])
    LogisticRegression does not take C (glassnet: alpha = 1 / C, the L2 penalty strength: C=10.0 is alpha=0.1)
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        taken = inspect.signature(cls.__init__).parameters
        unknown = [name for name in kwargs if name not in taken]
        if unknown:
            hints = [_with_hint(name, taken) for name in unknown]
            accepted = ", ".join(name for name in taken if name != "self")
            raise TypeError(f"{cls.__name__} does not take {', '.join(hints)}; it takes {accepted}")
        return super().__new__(cls)


def _with_hint(name: str, taken: Any) -> str:
    """``name``, followed by glassnet's spelling where the estimator has it."""
    target, how = SPELLINGS.get(name, ("", ""))
    if isinstance(target, tuple):
        target = how = next((t for t in target if t in taken), "")
    if how and (target is None or target in taken):
        return f"{name} (glassnet: {how})"
    return name
