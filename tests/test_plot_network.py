"""gn.plot.network: the neurons-and-edges drawing of a Dense model, edges from the weights."""

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from png_checks import check_drawn_png

import glassnet as gn


def _edges(fig):
    """(segments, widths, colours) of every edge, layer by layer."""
    layers = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    segments = [s for c in layers for s in c.get_segments()]
    return (segments, np.concatenate([c.get_linewidths() for c in layers]),
            np.concatenate([c.get_colors() for c in layers]))


def test_each_weight_is_an_edge_whose_width_and_colour_follow_it(tmp_path):
    model = gn.Sequential([gn.layers.Dense(3, activation="sigmoid", input_dim=2), gn.layers.Dropout(0.2),
                           gn.layers.Dense(2)], seed=0)
    file = tmp_path / "net.png"
    fig = gn.plot.network(model, show_weights=True, path=file)
    check_drawn_png(fig, file, 235, 660)  # (1.2 + 1.8 x 3 columns) x (1 + 0.45 x 3 rows) inches
    weights = np.concatenate([model.layers[0].W.data.ravel(), model.layers[2].W.data.ravel()])
    segments, widths, colours = _edges(fig)
    assert len(segments) == weights.size == 12
    np.testing.assert_allclose(widths, 0.3 + 3.5 * np.abs(weights) / np.abs(weights).max())
    expected = [to_rgba("tab:blue" if w >= 0 else "tab:red", 0.7) for w in weights]
    np.testing.assert_allclose(colours, expected)
    # W[i, j] joins neuron i of the layer before (column 0) to neuron j (column 1)
    first = segments[1]
    assert first[0][0] == 0 and first[1][0] == 1
    assert fig.axes[0].get_title().startswith("2-3-2 network: 12 weights")
    assert {f"{w:.2f}" for w in weights} <= {t.get_text() for t in fig.axes[0].texts}


def test_wide_layers_are_refused_or_drawn_with_an_ellipsis(tmp_path):
    model = gn.Sequential([gn.layers.Dense(40, activation="relu", input_dim=5), gn.layers.Dense(3)], seed=0)
    with pytest.raises(ValueError, match="40 neurons, more than max_units=16: pass truncate=True"):
        gn.plot.network(model)
    file = tmp_path / "wide.png"
    fig = gn.plot.network(model, truncate=True, max_units=8, path=file)
    check_drawn_png(fig, file)
    assert len(_edges(fig)[0]) == 5 * 8 + 8 * 3  # only the drawn neurons' edges
    assert "⋮" in [t.get_text() for t in fig.axes[0].texts]


def test_models_it_cannot_draw_are_named():
    conv = gn.Sequential([gn.layers.Conv2D(2, 3, input_shape=(1, 5, 5)), gn.layers.Flatten(),
                          gn.layers.Dense(2)], seed=0)
    with pytest.raises(TypeError, match="is a Conv2D"):
        gn.plot.network(conv)
    with pytest.raises(ValueError, match="has no weights yet"):
        gn.plot.network(gn.Sequential([gn.layers.Dense(2)]))
    with pytest.raises(TypeError, match="got str"):
        gn.plot.network("model")
    with pytest.raises(ValueError, match="max_units must be an int >= 2"):
        gn.plot.network(conv, max_units=1)
