"""The numbers behind a clicked neuron or edge, read from :func:`glassnet.explain.trace`.

A neuron's view is one traced forward and backward pass of the chosen point (in evaluation
mode, so dropout is off): its z, a, g'(z), dE/da, delta and the gradients of its incoming
weights, with the lectures' formulas. An edge's view is the weight W^l_ij, its gradient over
the whole training set and how much it moved in the last training step (epoch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.playground.frames import dense_layers

__all__ = ["neuron_view", "edge_view"]

FORMULAS = (
    "z_j^l = sum_i a_i^(l-1) W_ij^l + b_j^l",
    "a_j^l = g(z_j^l)",
    "delta_j^l = dE/dz_j^l = dE/da_j^l * g'(z_j^l)",
    "dE/dW_ij^l = a_i^(l-1) delta_j^l,   dE/db_j^l = delta_j^l",
)


def _trace_record(model: Any, X: np.ndarray, y: np.ndarray, layer: int) -> tuple[Any, Any]:
    from glassnet.explain import trace

    positions = dense_layers(model)
    if not 1 <= layer <= len(positions):
        raise ValueError(f"layer must be 1 to {len(positions)} (the layers with weights); got {layer}")
    result = trace(model, X, y, training=False)
    return result, result.layers[positions[layer - 1]]


def _unit(record: Any, unit: int) -> int:
    units = record.W.shape[1]
    if not 0 <= unit < units:
        raise ValueError(f"unit must be 0 to {units - 1} in layer {record.name}; got {unit}")
    return unit


def _value(array: np.ndarray | None) -> float | None:
    return None if array is None else float(array)


def neuron_view(model: Any, x: np.ndarray, y: np.ndarray, layer: int, unit: int) -> dict[str, Any]:
    """z, a, g'(z), dE/da, delta and dE/dW, dE/db of neuron ``unit`` of layer ``layer`` for one point.

    Parameters
    ----------
    model : glassnet.Sequential
    x : numpy.ndarray
        The point's features, shape (1, features).
    y : numpy.ndarray
        Its target, shape (1,).
    layer : int
        The layer with weights, counted from 1 (the output layer is the last).
    unit : int
        The neuron in that layer, from 0.

    Returns
    -------
    dict
        ``z``, ``a``, ``g_prime``, ``dE_da``, ``delta``, ``b``, ``db``, the lists ``a_prev``,
        ``W``, ``dW`` (the incoming weights and their gradients), ``loss``, ``output``,
        ``formulas`` and ``equations`` (the layer's chain rule with these numbers).

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.playground.network import Settings, build_model
    >>> model = build_model(Settings(layers=(2,), activations=("tanh",)), "classification", 2)
    >>> view = neuron_view(model, np.array([[1.0, -1.0]], np.float32), np.array([1]), layer=1, unit=0)
    >>> t = gn.explain.trace(model, [[1.0, -1.0]], [1], training=False)
    >>> view["delta"] == float(t.layers[0].delta[0, 0])
    True
    """
    result, record = _trace_record(model, x, y, layer)
    j = _unit(record, unit)
    return {
        "type": "neuron", "layer": layer, "unit": j, "activation": record.activation or "linear",
        "z": _value(record.z[0, j]), "a": _value(record.a[0, j]),
        "g_prime": None if record.g_prime is None else _value(record.g_prime[0, j]),
        "dE_da": None if record.dE_da is None else _value(record.dE_da[0, j]),
        "delta": _value(record.delta[0, j]),
        "b": _value(record.b[j]), "db": _value(record.db[j]),
        "a_prev": [float(v) for v in record.a_prev[0]],
        "W": [float(v) for v in record.W[:, j]], "dW": [float(v) for v in record.dW[:, j]],
        "loss": float(result.loss), "output": [float(v) for v in result.output[0]],
        "formulas": list(FORMULAS), "equations": result.equations(record.index, 0),
    }


def edge_view(model: Any, X: np.ndarray, y: np.ndarray, layer: int, source: int, unit: int,
              last_step: list[np.ndarray] | None) -> dict[str, Any]:
    """W^l_ij (from neuron ``source`` of layer l-1 to neuron ``unit`` of layer l), dE/dW^l_ij over
    the rows (X, y) and its change in the last training step.

    Parameters
    ----------
    model : glassnet.Sequential
    X, y : numpy.ndarray
        The training rows (features and targets).
    layer : int
        The layer with weights, counted from 1.
    source, unit : int
        i (the input neuron, from 0) and j (the neuron of layer l).
    last_step : list of numpy.ndarray or None
        W^l after minus before the last training step, one array per layer with weights.

    Returns
    -------
    dict
        ``weight``, ``gradient``, ``last_update`` (None before the first step) and ``formula``.
    """
    result, record = _trace_record(model, X, y, layer)
    j = _unit(record, unit)
    if not 0 <= source < record.W.shape[0]:
        raise ValueError(f"source must be 0 to {record.W.shape[0] - 1} (layer {layer}'s inputs); "
                         f"got {source}")
    step = None if last_step is None else float(last_step[layer - 1][source, j])
    return {
        "type": "edge", "layer": layer, "source": source, "unit": j,
        "weight": float(record.W[source, j]), "gradient": float(record.dW[source, j]),
        "last_update": step, "rows": int(X.shape[0]), "loss": float(result.loss),
        "formula": "dE/dW_ij^l = sum over rows of a_i^(l-1) delta_j^l (E the mean loss of the training rows)",
    }
