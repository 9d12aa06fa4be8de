"""Shared test configuration: property tests run the same examples on every machine."""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("glassnet", derandomize=True, database=None, deadline=None)
settings.load_profile("glassnet")
