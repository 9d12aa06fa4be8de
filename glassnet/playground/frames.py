"""What the page draws, computed from the model: heat maps, edges and loss curves, made small.

A frame carries the output over a :data:`OUTPUT_GRID` x OUTPUT_GRID grid of the input plane
(a line of OUTPUT_GRID points for 1-D data) and every neuron's own output over a coarser
:data:`NEURON_GRID` grid, each quantized to bytes (0..255) and base64-encoded, so that a
frame of the largest network stays near 30 kB.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from glassnet.playground.data import SPAN, features

__all__ = ["OUTPUT_GRID", "NEURON_GRID", "BOUND", "grid", "layer_outputs", "quantized", "frame",
           "dense_layers", "weights"]

OUTPUT_GRID, NEURON_GRID = 50, 20
#: The plotted square is [-BOUND, BOUND]² (the data fill ±SPAN).
BOUND = round(SPAN * 1.1, 6)
_HISTORY_POINTS = 200


def grid(n_inputs: int, size: int) -> np.ndarray:
    """The points at which maps are computed: size x size in [-BOUND, BOUND]² (rows from the top,
    x2 falling), or ``size`` points on the x1 axis for 1-D data.

    Examples
    --------
    >>> grid(2, 3)[:3]
    array([[-3.3,  3.3],
           [ 0. ,  3.3],
           [ 3.3,  3.3]], dtype=float32)
    """
    axis = np.linspace(-BOUND, BOUND, size, dtype=np.float32)
    if n_inputs == 1:
        return axis[:, None]
    x1, x2 = np.meshgrid(axis, axis[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1)


def dense_layers(model: Any) -> list[int]:
    """The positions in ``model.layers`` of the layers with weights (Dropout has none)."""
    return [i for i, layer in enumerate(model.layers) if getattr(layer, "W", None) is not None]


def layer_outputs(model: Any, inputs: np.ndarray) -> list[np.ndarray]:
    """a^l of every layer with weights for the rows ``inputs``, in evaluation mode."""
    from glassnet.tensor import no_grad, tensor

    was_training = model.training
    model.eval()
    outputs = []
    try:
        with no_grad():
            a = tensor(inputs, dtype=model.dtype)
            for layer in model.layers:
                a = layer(a)
                if getattr(layer, "W", None) is not None:
                    outputs.append(np.asarray(a.data, dtype=np.float64))
    finally:
        model.train(was_training)
    return outputs


def quantized(values: np.ndarray, low: float, high: float) -> str:
    """``values`` mapped linearly from [low, high] to bytes 0..255 (clipped), base64-encoded.

    Examples
    --------
    >>> base64.b64decode(quantized(np.array([0.0, 0.5, 1.0]), 0.0, 1.0))
    b'\\x00\\x80\\xff'
    """
    span = high - low if high > low else 1.0
    finite = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=low, posinf=high, neginf=low)
    scaled = np.clip(np.rint((finite - low) / span * 255.0), 0, 255)
    return base64.b64encode(scaled.astype(np.uint8).tobytes()).decode("ascii")


def _output_maps(output: np.ndarray, task: str, y_range: tuple[float, float]) -> dict[str, Any]:
    if task == "regression":
        low, high = y_range
        return {"maps": [quantized(output[:, 0], low, high)], "low": low, "high": high}
    maps = [quantized(output[:, k], 0.0, 1.0) for k in range(output.shape[1])]
    return {"maps": maps, "low": 0.0, "high": 1.0}


def _neuron_maps(outputs: list[np.ndarray]) -> list[list[dict[str, Any]]]:
    maps = []
    for a in outputs:
        row = []
        for column in np.nan_to_num(a, nan=0.0, posinf=1e300, neginf=-1e300).T:
            scale = max(float(np.abs(column).max()), 1e-12)
            row.append({"map": quantized(column, -scale, scale), "scale": scale})
        maps.append(row)
    return maps


def weights(model: Any) -> list[dict[str, list[list[float]] | list[float]]]:
    """W^l and b^l of every layer with weights, as lists (rounded to 6 significant digits)."""
    return [{"W": [[float(f"{w:.6g}") for w in row] for row in layer.W.data],
             "b": [float(f"{b:.6g}") for b in layer.b.data]}
            for layer in (model.layers[i] for i in dense_layers(model))]


def thinned(history: list[list[float]]) -> list[list[float]]:
    """At most 200 points of the loss history, evenly spaced, the last one kept."""
    if len(history) <= _HISTORY_POINTS:
        return history
    keep = np.linspace(0, len(history) - 1, _HISTORY_POINTS).round().astype(int)
    return [history[i] for i in keep]


def frame(model: Any, feature_names: list[str], n_inputs: int, task: str, y_range: tuple[float, float],
          state: dict[str, Any]) -> dict[str, Any]:
    """One frame for the page: the state (epoch, losses, history) and the maps and weights.

    Parameters
    ----------
    model : glassnet.Sequential
    feature_names : list of str
        The features the network's inputs are (keys of :data:`glassnet.playground.data.FEATURES`).
    n_inputs : int
        1 or 2 coordinates.
    task : str
    y_range : (float, float)
        The targets' range (regression maps are scaled to it).
    state : dict
        ``epoch``, ``train_loss``, ``test_loss``, ``history`` and ``playing``.

    Returns
    -------
    dict
        JSON-able.
    """
    fine = grid(n_inputs, OUTPUT_GRID)
    coarse = grid(n_inputs, NEURON_GRID if n_inputs == 2 else OUTPUT_GRID)
    output = layer_outputs(model, features(fine, feature_names))[-1]
    inputs = features(coarse, feature_names)
    return {
        "type": "frame", **state, "history": thinned(state["history"]),
        "task": task, "n_inputs": n_inputs, "bound": BOUND,
        "output": {**_output_maps(output, task, y_range), "size": OUTPUT_GRID},
        "inputs": _neuron_maps([inputs.astype(np.float64)])[0],
        "neurons": _neuron_maps(layer_outputs(model, inputs)),
        "neuron_size": NEURON_GRID if n_inputs == 2 else OUTPUT_GRID,
        "weights": weights(model),
    }
