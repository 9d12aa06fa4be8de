"""Where glassnet's unseeded randomness comes from: fresh entropy, unless
:func:`glassnet.utils.set_random_seed` fixed one seed for the whole program (Keras's habit).

Everything that takes a ``seed`` keeps using it; only generators made without one (a
layer built without a model seed, ``fit`` without ``seed=``) draw from here, each from the
next child of the program's seed sequence, so that the same program gives the same run.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import numpy as np

__all__ = ["set_seed", "seeded", "generator"]

_lock = threading.Lock()
_program: dict[str, np.random.SeedSequence | None] = {"seeds": None}


def set_seed(seed: int) -> None:
    """From now on, every unseeded generator is the next child of ``SeedSequence(seed)``."""
    with _lock:
        _program["seeds"] = np.random.SeedSequence(seed)


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Within the block, unseeded generators draw from ``SeedSequence(seed)`` (so a model built
    there gets the same weights every time); the program's own seeds again after it."""
    with _lock:
        saved, _program["seeds"] = _program["seeds"], np.random.SeedSequence(seed)
    try:
        yield
    finally:
        with _lock:
            _program["seeds"] = saved


def generator(seed: int | None = None) -> np.random.Generator:
    """``np.random.default_rng(seed)``; without a seed, the program's next child seed when
    one was set, else fresh entropy."""
    if seed is not None:
        return np.random.default_rng(seed)
    with _lock:
        seeds = _program["seeds"]
        child = None if seeds is None else seeds.spawn(1)[0]
    return np.random.default_rng(child)
