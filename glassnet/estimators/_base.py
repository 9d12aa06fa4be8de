"""Helpers shared by the estimators."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["rng_from"]


def rng_from(random_state: Any) -> np.random.Generator:
    """A numpy Generator from scikit-learn's ``random_state`` (None, an int or a RandomState).

    A RandomState instance is advanced by one draw, so successive fits given the same instance
    differ, as in scikit-learn.
    """
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    return np.random.default_rng(random_state)
