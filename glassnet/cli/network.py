"""The networks ``glassnet train`` builds: an MLP for any table, a small CNN for images, an
LSTM for windows of a time series."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from glassnet._saved import overwrite
from glassnet.cli.settings import TrainSettings, UsageError
from glassnet.models import Sequential

__all__ = ["build_model", "check_size", "count_parameters", "describe", "fold_target_scaling",
           "MAX_PARAMETERS"]

#: Most parameters of a network built by ``glassnet train`` (whatever the machine's memory).
MAX_PARAMETERS = 200_000_000
#: Copies of every parameter while training: the weight, its gradient, two optimizer moments.
_COPIES = 4


def _regularizer(l2: float) -> Any:
    if not l2:
        return None
    from glassnet import regularizers

    return regularizers.L2(l2)


def _conv_body(s: TrainSettings, image_shape: tuple[int, ...] | None, data: str) -> list[Any]:
    """Reshape to (C, H, W), two 3x3 convolutions each followed by 2x2 max pooling, flatten."""
    from glassnet import layers

    if image_shape is None:
        raise UsageError(f"--model cnn needs image data (such as digits); {data!r} is a table of "
                         "features: use --model mlp")
    conv = (layers.Conv2D(16, 3, padding="same", activation=s.activation),
            layers.MaxPool2D(2),
            layers.Conv2D(32, 3, padding="same", activation=s.activation))
    h, w = image_shape[1:]
    pool = [layers.MaxPool2D(2)] if min(h, w) >= 4 else []
    return [layers.Reshape(tuple(image_shape)), *conv, *pool, layers.Flatten()]


def _sequence_shape(s: TrainSettings, n_inputs: int) -> tuple[int, int]:
    """(steps, features) of a row read as a sequence: ``--window`` steps of the table's
    columns, or, for a table of windows, one value per step."""
    steps = s.window or n_inputs
    return steps, n_inputs // steps


def _lstm_body(s: TrainSettings, n_inputs: int) -> list[Any]:
    """Reshape each row to (steps, features), then one LSTM per ``--hidden`` width (all but the
    last return their whole sequence to the next)."""
    from glassnet import layers

    if not s.hidden:
        raise UsageError("--model lstm needs at least one --hidden width (the LSTM's units), such as 32")
    body: list[Any] = [layers.Reshape(_sequence_shape(s, n_inputs), input_shape=(n_inputs,))]
    for i, units in enumerate(s.hidden):
        body.append(layers.LSTM(units, return_sequences=i < len(s.hidden) - 1))
        if s.dropout:
            body.append(layers.Dropout(s.dropout))
    return body


def count_parameters(s: TrainSettings, n_inputs: int, n_outputs: int,
                     image_shape: tuple[int, ...] | None = None) -> int:
    """The number of parameters of the network :func:`build_model` would build, without building it."""
    total, width = 0, n_inputs
    if s.model == "cnn" and image_shape is not None:
        c, h, w = image_shape
        total += 16 * (9 * c + 1) + 32 * (9 * 16 + 1)
        pools = 2 if min(h, w) >= 4 else 1
        width = 32 * (h // 2 ** pools) * (w // 2 ** pools)
    if s.model == "lstm":
        width = _sequence_shape(s, n_inputs)[1]
        for units in s.hidden:  # W (F, 4H), U (H, 4H), b and b_U (4H,)
            total += 4 * units * (width + units + 2)
            width = units
        return total + (width + 1) * n_outputs
    for units in [*s.hidden, n_outputs]:
        total += (width + 1) * units
        width = units
    return total


def _memory() -> int | None:
    """The machine's physical memory in bytes, where the system says it."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_size(s: TrainSettings, n_inputs: int, n_outputs: int,
               image_shape: tuple[int, ...] | None = None) -> None:
    """Refuse, before any weight is made, a network too large to train here: more than
    :data:`MAX_PARAMETERS` parameters, or more than half the machine's memory for the weights,
    their gradients and the optimizer's state (float32).

    Raises
    ------
    UsageError
        Saying the number of parameters and the limit.
    """
    n = count_parameters(s, n_inputs, n_outputs, image_shape)
    per_parameter = _COPIES * np.dtype(np.float32).itemsize
    memory = _memory()
    limit, why = MAX_PARAMETERS, "glassnet's limit for a network built by glassnet train"
    if memory and memory // 2 // per_parameter < limit:
        limit, why = memory // 2 // per_parameter, f"half of this machine's {memory / 1e9:.1f} GB of memory"
    if n > limit:
        raise UsageError(f"--hidden {','.join(map(str, s.hidden))}: the network would have {n:,} parameters "
                         f"({n * per_parameter / 1e9:.1f} GB with their gradients and the optimizer's "
                         "state); "
                         f"the limit is {limit:,} parameters ({why}); use narrower or fewer hidden layers")


def build_model(s: TrainSettings, n_inputs: int, n_outputs: int, task: str,
                image_shape: tuple[int, ...] | None = None, data: str = "") -> Sequential:
    """The network for ``s.model``, compiled with the settings' optimizer and learning rate.

    ``--model lstm``: the rows read as sequences, one LSTM layer per entry of ``s.hidden``
    (see :func:`_lstm_body`). Otherwise hidden layers: Dense(units, activation) for each
    entry of ``s.hidden``, each followed
    by Dropout when ``s.dropout`` > 0, with an L2 penalty on W when ``s.l2`` > 0. Output:
    ``n_outputs`` softmax units and cross-entropy for classification; linear units and
    mean squared error for regression, or the output head of ``--uncertainty gaussian``
    (``quantile``) and its loss.
    """
    from glassnet import layers, optim
    from glassnet.cli.uncertainty import head_layer

    reg = _regularizer(s.l2)
    body: list[Any] = _conv_body(s, image_shape, data) if s.model == "cnn" else []
    if s.model == "lstm":
        body = _lstm_body(s, n_inputs)
    for units in [] if s.model == "lstm" else s.hidden:
        first = not body
        body.append(layers.Dense(units, activation=s.activation, kernel_regularizer=reg,
                                 input_dim=n_inputs if first else None))
        if s.dropout:
            body.append(layers.Dropout(s.dropout))
    classify = task == "classification"
    input_dim = None if body else n_inputs
    head = None if classify else head_layer(s, n_outputs, reg, input_dim)
    if head is None:
        output = layers.Dense(n_outputs, activation="softmax" if classify else None, kernel_regularizer=reg,
                              input_dim=input_dim)
        loss = "cross_entropy" if classify else "mse"
    else:
        output, loss = head
    model = Sequential([*body, output], seed=s.seed, name=s.model)
    lr = 1e-3 if s.lr == "auto" else s.lr  # "auto" is replaced by the range test's choice before fit
    model.compile(optimizer=optim.get(s.optimizer, lr=lr), loss=loss,
                  metrics=["accuracy"] if classify else ["mae"])
    return model


def describe(model: Sequential) -> str:
    """One line: the layer widths (64-128-64-10) or the layer types, and the parameter count."""
    from glassnet.layers import Dense, Dropout

    first = model.layers[0]
    if all(isinstance(layer, (Dense, Dropout)) for layer in model.layers):
        widths = [first.input_shape[0], *(layer.units for layer in model.layers if isinstance(layer, Dense))]
        text = "-".join(map(str, widths))
    else:
        text = " > ".join(type(layer).__name__ for layer in model.layers)
    return f"{text} ({model.count_params():,} parameters)"


def fold_target_scaling(model: Sequential, mean: float, scale: float) -> None:
    """Make a regressor trained on standardized targets t = (y - mean) / scale predict y itself.

    A linear output layer, t = a W + b, gives y = scale t + mean = a (scale W) + (scale b +
    mean): its W and b are rescaled in place. A GaussianHead's variance goes through a
    softplus, which no rescaling of W and b can scale by scale^2: an output head (GaussianHead,
    QuantileHead) gets the output transform instead (``set_target_transform(mean, scale)``).
    """
    last = model.layers[-1]
    if callable(getattr(last, "set_target_transform", None)):
        last.set_target_transform(mean, scale)
        return
    overwrite(last.W, last.W.data * last.W.data.dtype.type(scale))
    overwrite(last.b, last.b.data * last.b.data.dtype.type(scale) + last.b.data.dtype.type(mean))
