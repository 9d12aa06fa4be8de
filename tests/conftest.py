"""Shared test configuration: property tests run the same examples on every machine, and the
model file the crafted model-file tests (tests/test_io_*.py) copy and edit."""

from __future__ import annotations

import pytest
from crafted import save_trained_model
from hypothesis import settings

settings.register_profile("glassnet", derandomize=True, database=None, deadline=None)
settings.load_profile("glassnet")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A trained model saved with a fitted preprocessing and an info section: ``(model, path)``,
    written once per test module; tests copy it, never change it."""
    return save_trained_model(tmp_path_factory.mktemp("crafted") / "model.safetensors")


def pytest_addoption(parser):
    """``--large``: the out-of-core tests train on a 2 GB file instead of a 50 MB one."""
    parser.addoption("--large", action="store_true", default=False,
                     help="train the out-of-core tests on a 2 GB memory-mapped file (slow)")


@pytest.fixture
def large(request):
    """Whether ``--large`` was given."""
    return request.config.getoption("--large")
