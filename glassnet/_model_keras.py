"""Keras's model methods on glassnet models: layers by name, weights as lists of arrays,
one-batch training and evaluation, and the model files and JSON architecture.

:class:`glassnet.models.Model` binds these functions as its methods; each takes the model
first. They call the model's own ``fit``, ``evaluate`` and ``predict`` and the model files
(:mod:`glassnet.io`), so they compute nothing of their own.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.layers import _weights

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["get_layer", "get_weights", "set_weights", "train_on_batch", "test_on_batch", "predict_on_batch",
           "save", "to_json", "load_model", "model_from_json", "refuse_keras_format"]

# Keras's model formats, which glassnet neither writes nor reads.
_KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def get_layer(model: Any, name: str | None = None, index: int | None = None) -> Any:
    """The layer called ``name``, or the one at position ``index`` of :attr:`layers` (Keras's
    ``model.get_layer``); a ValueError lists the layers when there is no such layer."""
    layers = model.layers
    if (name is None) == (index is None):
        raise ValueError(f"get_layer takes a layer name or an index, not {'both' if name else 'neither'}: "
                         "model.get_layer('dense') or model.get_layer(index=0)")
    if index is not None:
        whole = isinstance(index, (int, np.integer)) and not isinstance(index, bool)
        if not whole or not -len(layers) <= index < len(layers):
            raise ValueError(f"get_layer: index={index!r} is not the position of a layer; model "
                             f"{model.name!r} has {len(layers)} layer(s), at 0..{len(layers) - 1}")
        return layers[index]
    for layer in layers:
        if layer.name == name:
            return layer
    raise ValueError(f"get_layer: model {model.name!r} has no layer named {name!r}; its layers are "
                     f"{[layer.name for layer in layers]}")


def get_weights(model: Any) -> list[np.ndarray]:
    """Copies of every weight as NumPy arrays, layer by layer in :attr:`layers` order (each
    layer's Parameters, then its buffers such as running means), as Keras orders them."""
    return [array for layer in model.layers for array in layer.get_weights()]


def set_weights(model: Any, weights: Any) -> None:
    """Copy arrays (as :func:`get_weights` returns them) into the weights, in place.

    Their number and every shape are checked before anything is written; the messages name
    the layer and the weight. The model then counts as given its weights (``predict`` does
    not warn that it is untrained).
    """
    if isinstance(weights, np.ndarray) or not isinstance(weights, (list, tuple)):
        raise TypeError(f"set_weights takes a list of arrays (as get_weights returns), got "
                        f"{type(weights).__name__}")
    per_layer = [(layer, _weights.weight_entries(layer)) for layer in model.layers]
    expected = sum(len(entries) for _, entries in per_layer)
    if len(weights) != expected:
        listing = "; ".join(_weights.describe(f"{layer.name!r}", entries) for layer, entries in per_layer)
        raise ValueError(f"set_weights: model {model.name!r} holds {expected} weight arrays; got "
                         f"{len(weights)}. Expected, layer by layer: {listing}"
                         + ("" if model.built else " (the model is not built yet: build or fit it first)"))
    checked, start = [], 0
    for layer, entries in per_layer:
        label = f"layer {layer.name!r} ({type(layer).__name__})"
        checked.append(_weights.check_weight_list(label, entries, weights[start:start + len(entries)], start))
        start += len(entries)
    for (_, entries), arrays in zip(per_layer, checked):
        for (name, target), array in zip(entries, arrays):
            _weights.load_into(name, target, array)
    model._initial_weights = None


def _scores(model: Any, logs: dict[str, float], return_dict: bool) -> Any:
    """Keras's return convention: the loss alone, ``[loss, *metrics]``, or the dict."""
    values = {name: logs[name] for name in model.metrics_names}
    if return_dict:
        return values
    return values["loss"] if len(values) == 1 else list(values.values())


def train_on_batch(model: Any, x: Any, y: Any = None, sample_weight: Any = None, class_weight: Any = None,
                   return_dict: bool = False) -> Any:
    """One training step on the whole of (x, y) (Keras's ``train_on_batch``): ``fit`` for one
    epoch of one batch, unshuffled. Returns the loss and metrics that step computed (before
    its update), as :meth:`evaluate` returns them: the loss, ``[loss, *metrics]`` or a dict."""
    history = model.fit(x, y, epochs=1, batch_size=None, shuffle=False, verbose=0,
                        sample_weight=sample_weight, class_weight=class_weight)
    return _scores(model, {name: values[-1] for name, values in history.history.items()}, return_dict)


def test_on_batch(model: Any, x: Any, y: Any = None, sample_weight: Any = None,
                  return_dict: bool = False) -> Any:
    """The loss and metrics on (x, y) in evaluation mode (Keras's ``test_on_batch``): ``evaluate``
    in one batch, silently."""
    return model.evaluate(x, y, batch_size=None, verbose=0, sample_weight=sample_weight,
                          return_dict=return_dict)


def predict_on_batch(model: Any, x: Any) -> Any:
    """The outputs for ``x`` computed in one batch (Keras's ``predict_on_batch``)."""
    return model.predict(x, batch_size=None)


def refuse_keras_format(path: Any, call: str) -> Any:
    """``path`` unchanged (the model files check it), or a ValueError with the glassnet
    spelling when it names Keras's ``.keras`` or ``.h5`` format (``call``: the method, as
    the message writes it)."""
    if not isinstance(path, (str, os.PathLike)):
        return path
    target = os.fspath(path)
    stem, suffix = os.path.splitext(target)
    if suffix.lower() in _KERAS_SUFFIXES:
        verb = "read" if "load" in call else "write"
        raise ValueError(
            f"{call.split('.')[-1]}: {target!r} names Keras's {suffix} format, which glassnet "
            f"does not {verb}. glassnet's model files are safetensors: {call}({stem + '.safetensors'!r})")
    return path


def save(model: Any, filepath: str | os.PathLike, overwrite: bool = True) -> Path:
    """Save the model (architecture, weights, compile settings) to one ``.safetensors`` file,
    as :func:`glassnet.save` does; :func:`load_model` reads it back.

    Keras's ``.keras`` and ``.h5`` names are refused with the glassnet spelling: the file
    would not be one Keras can read. ``overwrite=False`` refuses an existing file (Keras
    asks on the terminal instead).
    """
    from glassnet import io

    target = refuse_keras_format(filepath, "model.save")
    if not isinstance(overwrite, bool):
        raise TypeError(f"save: overwrite must be True or False, got {overwrite!r}")
    if not overwrite and isinstance(target, (str, os.PathLike)) and os.path.exists(target):
        raise FileExistsError(f"save: {str(target)!r} exists and overwrite=False; remove it or pass "
                              "overwrite=True")
    return io.save(model, target)


def to_json(model: Any, **kwargs: Any) -> str:
    """The architecture as JSON text (no weights); ``kwargs`` go to :func:`json.dumps`
    (``indent=2``), as in Keras. :func:`model_from_json` rebuilds the model from it."""
    import json

    from glassnet.io.config import model_to_config

    return json.dumps(model_to_config(model), **kwargs)


def model_from_json(json_string: str, custom_objects: Any = None) -> Any:
    """A new model with the architecture of :func:`to_json`'s text and fresh weights (built
    when its input shape is known), as Keras's ``model_from_json``.

    Only glassnet's own layers are rebuilt; ``custom_objects`` is refused with a TypeError.

    Parameters
    ----------
    json_string : str
        The text of ``model.to_json()``.
    custom_objects : None, default None
        Keras's argument; anything but None raises a TypeError.

    Returns
    -------
    Model
        The same architecture with fresh weights.

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(3, activation="relu", input_dim=2), gn.layers.Dense(1)],
    ...                       seed=0)
    >>> twin = gn.models.model_from_json(model.to_json())
    >>> [tuple(p.shape) for p in twin.parameters()]
    [(2, 3), (3,), (3, 1), (1,)]
    """
    import json

    from glassnet.io.config import model_from_config

    if custom_objects is not None:
        raise TypeError("model_from_json: custom_objects is not supported; glassnet rebuilds only its own "
                        "layers (gn.layers), whose names the JSON holds")
    if not isinstance(json_string, (str, bytes)):
        raise TypeError(f"model_from_json takes the JSON text of model.to_json(), got "
                        f"{type(json_string).__name__}")
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as err:
        raise ValueError(f"model_from_json: the text is not JSON ({err})") from None
    model = model_from_config(config)
    shape = config.get("input_shape")
    if not model.built and (shape is not None or "graph" in config):
        model.build(shape)
    return model


def load_model(filepath: str | os.PathLike, custom_objects: Any = None, compile: bool = True,  # noqa: A002
               safe_mode: bool = True) -> Any:
    """The model saved by ``model.save`` (or :func:`glassnet.save`), as Keras's ``load_model``.

    ``compile=False`` returns it without its optimizer, loss and metrics (compile it again
    before training). glassnet's files never run code, so ``safe_mode`` changes nothing;
    ``custom_objects`` is refused, as only glassnet's own layers are rebuilt.

    Parameters
    ----------
    filepath : str or os.PathLike
        A model file.
    custom_objects : None, default None
        Keras's argument; anything but None raises a TypeError.
    compile : bool, default True
        False returns the model without its optimizer, loss and metrics.
    safe_mode : bool, default True
        Keras's argument; glassnet's files never run code.

    Returns
    -------
    Model
        The saved model.

    Examples
    --------
    >>> import os, tempfile
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=0)
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = gn.save(model, os.path.join(folder, "model.safetensors"))
    ...     loaded = gn.models.load_model(path)
    ...     bare = gn.models.load_model(path, compile=False)
    ...
    >>> loaded.compiled, bare.compiled
    (True, False)
    """
    from glassnet import io

    if custom_objects is not None:
        raise TypeError("load_model: custom_objects is not supported; glassnet rebuilds only its own layers")
    for name, flag in (("compile", compile), ("safe_mode", safe_mode)):
        if not isinstance(flag, bool):
            raise TypeError(f"load_model: {name} must be True or False, got {flag!r}")
    model = io.load(refuse_keras_format(filepath, "gn.models.load_model"))
    if not compile:
        model.optimizer, model.loss_fns, model.metric_names, model.compiled = None, [], [], False
    return model
