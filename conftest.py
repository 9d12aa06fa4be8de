"""The setting of the docstrings' examples, run as doctests (``pytest --doctest-modules glassnet``):
``np`` and ``gn`` are imported, and NumPy prints arrays with 4 decimals, so an example prints the
same numbers with or without the compiled kernels and with any number of BLAS threads."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn


@pytest.fixture(autouse=True)
def _example_namespace(request: pytest.FixtureRequest) -> object:
    """Each doctest starts from ``np``, ``gn`` and 4-decimal NumPy printing, restored after it."""
    if not isinstance(request.node, pytest.DoctestItem):
        yield
        return
    request.getfixturevalue("doctest_namespace").update(np=np, gn=gn)
    with np.printoptions(precision=4, suppress=True):
        yield
