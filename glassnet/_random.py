"""Where glassnet's unseeded randomness comes from: fresh entropy, unless
:func:`glassnet.utils.set_random_seed` fixed one seed for the whole program (Keras's habit).

Everything that takes a ``seed`` keeps using it; only generators made without one (a
layer built without a model seed, ``fit`` without ``seed=``) draw from here, each from the
next child of the program's seed sequence, so that the same program gives the same run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

__all__ = ["set_seed", "generator", "children", "program_seeds"]

_lock = threading.Lock()
_program: dict[str, np.random.SeedSequence | None] = {"seeds": None}


def set_seed(seed: int) -> None:
    """From now on, every unseeded generator is the next child of ``SeedSequence(seed)``."""
    with _lock:
        _program["seeds"] = np.random.SeedSequence(seed)


def generator(seed: int | None = None) -> np.random.Generator:
    """``np.random.default_rng(seed)``; without a seed, the program's next child seed when
    one was set, else fresh entropy."""
    if seed is not None:
        return np.random.default_rng(seed)
    with _lock:
        seeds = _program["seeds"]
        child = None if seeds is None else seeds.spawn(1)[0]
    return np.random.default_rng(child)


def children(n: int) -> list[np.random.SeedSequence]:
    """``n`` seed sequences for independent runs: the program's next children when a seed
    was set, else fresh entropy."""
    with _lock:
        seeds = _program["seeds"]
        return np.random.SeedSequence().spawn(n) if seeds is None else seeds.spawn(n)


@contextmanager
def program_seeds(seeds: np.random.SeedSequence) -> Iterator[None]:
    """Within the block, unseeded generators are the children of ``seeds`` (a run that must
    not depend on the draws made before it, in whichever process it runs); the program's
    sequence is back after it."""
    with _lock:
        saved, _program["seeds"] = _program["seeds"], seeds
    try:
        yield
    finally:
        with _lock:
            _program["seeds"] = saved
