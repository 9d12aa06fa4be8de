"""The ``glassnet`` command."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Entry point of the ``glassnet`` console script."""
    print("glassnet train: the command-line trainer is not built yet.", file=sys.stderr)
    sys.exit(1)
