"""What every figure test checks of a saved PNG: it exists, has the expected size, and draws something."""

from __future__ import annotations

import matplotlib.image
from matplotlib.figure import Figure


def check_drawn_png(fig, path, height=None, width=None, min_ink=0.01):
    """``fig`` is a Figure saved at ``path`` as a PNG of height x width pixels (when given)
    of which at least ``min_ink`` of the pixels are not white."""
    assert isinstance(fig, Figure)
    assert path.is_file() and path.stat().st_size > 1000
    pixels = matplotlib.image.imread(path)
    if height is not None:
        assert pixels.shape[:2] == (height, width)
    ink = (pixels[..., :3] < 0.95).any(axis=-1).mean()
    assert ink >= min_ink, f"only {ink:.2%} of the pixels are drawn"
    return pixels
