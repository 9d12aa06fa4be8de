"""The setting of the docstrings' examples, run as doctests (``pytest --doctest-modules glassnet``):
``np`` and ``gn`` are imported, and NumPy prints arrays with 4 decimals, so an example prints the
same numbers with or without the compiled kernels and with any number of BLAS threads."""

from __future__ import annotations

import random

import numpy as np
import pytest

import glassnet as gn
from glassnet import _random


@pytest.fixture(autouse=True)
def _example_namespace(request: pytest.FixtureRequest) -> object:
    """Each doctest starts from ``np``, ``gn`` and 4-decimal NumPy printing; the printing and the
    global random states an example may seed (``gn.utils.set_random_seed``) are restored after it."""
    if not isinstance(request.node, pytest.DoctestItem):
        yield
        return
    request.getfixturevalue("doctest_namespace").update(np=np, gn=gn)
    states = random.getstate(), np.random.get_state(), dict(_random._program)
    with np.printoptions(precision=4, suppress=True):
        yield
    random.setstate(states[0])
    np.random.set_state(states[1])
    _random._program.update(states[2])
