"""The playground's settings (what the page sends) and the glassnet network built from them.

The page sends its whole form as one JSON object; :meth:`Settings.from_dict` checks every
field and refuses anything outside the limits (at most :data:`MAX_LAYERS` hidden layers of
at most :data:`MAX_UNITS` neurons, at most :data:`MAX_SAMPLES` points), so that no page can
ask the server for a large network. :func:`build_model` turns the settings into a compiled
``gn.Sequential``; the output and the loss follow from the task:

============================ ================ ==================================
task                          output layer     loss
============================ ================ ==================================
classification, 2 classes     Dense(1, sigmoid) binary_crossentropy
classification, C > 2 classes Dense(C, softmax) sparse_categorical_crossentropy
regression                    Dense(1)          mse
============================ ================ ==================================
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from glassnet.playground.data import DATASETS, FEATURES

__all__ = ["Settings", "build_model", "output_and_loss", "ACTIVATIONS", "OPTIMIZERS", "MAX_LAYERS",
           "MAX_UNITS", "MAX_SAMPLES", "DEFAULT_MAX_SESSIONS"]

MAX_LAYERS, MAX_UNITS, MAX_SAMPLES = 6, 8, 2000
#: Sessions (browser tabs) a server trains at once unless told otherwise.
DEFAULT_MAX_SESSIONS = 4
#: glassnet's activations, one name each (the registry's aliases left out).
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear", "leaky_relu", "elu", "selu", "gelu", "softplus",
               "gaussian", "multiquadric", "inverse_multiquadric", "binary_step", "softmax", "log_softmax")
#: glassnet's optimizers (``gn.optim.get`` names; "gd" is sgd's alias).
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
_REGULARIZATION = ("none", "l1", "l2")


@dataclass(frozen=True)
class Settings:
    """Everything the page lets a user choose: the data, the features, the network, the training.

    Attributes
    ----------
    dataset : str
        circle, xor, gaussians, spiral, plane, sine or an uploaded csv.
    n_classes : int
        Blobs or spiral arms.
    noise : float
        The standard deviation of the noise of the generated sets.
    n_samples : int
        Points generated (at most 2000).
    train_ratio : float
        The training share of the points; the rest is the test set.
    seed : int
        Seeds the data, the initial weights and the shuffling.
    features : tuple of str
        Among x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2).
    layers : tuple of int
        Neurons per hidden layer (0-6 layers of 1-8 neurons).
    activations : tuple of str
        One activation per hidden layer.
    optimizer : str
        A ``gn.optim.get`` name.
    learning_rate : float
    batch_size : int
    regularization : str
        none, l1 or l2.
    regularization_rate : float
    dropout : float
        The dropout rate of the hidden layers.

    Examples
    --------
    >>> s = Settings.from_dict({"dataset": "xor", "features": ["x1*x2"], "layers": [2]})
    >>> s.dataset, s.features, s.layers, s.activations
    ('xor', ('x1*x2',), (2,), ('tanh',))
    """

    dataset: str = "circle"
    n_classes: int = 2
    noise: float = 0.1
    n_samples: int = 400
    train_ratio: float = 0.5
    seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    layers: tuple[int, ...] = (4, 2)
    activations: tuple[str, ...] = ("tanh", "tanh")
    optimizer: str = "sgd"
    learning_rate: float = 0.03
    batch_size: int = 10
    regularization: str = "none"
    regularization_rate: float = 0.0
    dropout: float = 0.0

    @classmethod
    def from_dict(cls, given: Any) -> Settings:
        """Settings from the page's JSON object; absent fields keep their defaults.

        Raises
        ------
        ValueError
            Naming the field, the value received and what is accepted.
        """
        if not isinstance(given, dict):
            raise ValueError(f"settings must be a JSON object, got {type(given).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(given) - known)
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(map(repr, unknown))}; "
                             f"known: {', '.join(sorted(known))}")
        values = {**dataclasses.asdict(cls()), **given}
        if "activations" not in given:
            values["activations"] = ["tanh"] * len(values["layers"]) if isinstance(values["layers"], list) \
                else values["activations"]
        return cls(**_checked(values))

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-able dict (lists for the tuples)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}


def _choice(name: str, value: Any, accepted: tuple[str, ...] | list[str]) -> str:
    if value not in accepted:
        raise ValueError(f"{name} must be one of {', '.join(accepted)}; got {str(value)[:40]!r}")
    return value


def _number(name: str, value: Any, low: float, high: float, integer: bool = False) -> Any:
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value) \
            or not low <= value <= high:
        what = "an integer" if integer else "a number"
        raise ValueError(f"{name} must be {what} from {low:g} to {high:g}; got {str(value)[:40]!r}")
    return value


def _names(name: str, value: Any, accepted: tuple[str, ...] | list[str], most: int) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or len(value) > most:
        raise ValueError(f"{name} must be a list of at most {most} of {', '.join(accepted)}; "
                         f"got {str(value)[:60]}")
    return tuple(_choice(name, item, accepted) for item in value)


def _checked(v: dict[str, Any]) -> dict[str, Any]:
    layers = v["layers"]
    if not isinstance(layers, list | tuple) or len(layers) > MAX_LAYERS:
        raise ValueError(f"layers must be a list of 0 to {MAX_LAYERS} neuron counts; got {str(layers)[:60]}")
    features = _names("features", v["features"], list(FEATURES), len(FEATURES))
    if not features or len(set(features)) != len(features):
        raise ValueError(f"features must name one or more distinct inputs of {', '.join(FEATURES)}; "
                         f"got {list(features)}")
    activations = _names("activations", v["activations"], ACTIVATIONS, MAX_LAYERS)
    if len(activations) != len(layers):
        raise ValueError(f"activations must give one activation per hidden layer ({len(layers)}); "
                         f"got {len(activations)}")
    return {
        "dataset": _choice("dataset", v["dataset"], [*DATASETS, "csv"]),
        "n_classes": _number("n_classes", v["n_classes"], 2, 5, integer=True),
        "noise": float(_number("noise", v["noise"], 0.0, 2.0)),
        "n_samples": _number("n_samples", v["n_samples"], 20, MAX_SAMPLES, integer=True),
        "train_ratio": float(_number("train_ratio", v["train_ratio"], 0.1, 0.9)),
        "seed": _number("seed", v["seed"], 0, 2**31 - 1, integer=True),
        "features": features,
        "layers": tuple(_number("layers", units, 1, MAX_UNITS, integer=True) for units in layers),
        "activations": activations,
        "optimizer": _choice("optimizer", v["optimizer"], OPTIMIZERS),
        "learning_rate": float(_number("learning_rate", v["learning_rate"], 1e-6, 10.0)),
        "batch_size": _number("batch_size", v["batch_size"], 1, MAX_SAMPLES, integer=True),
        "regularization": _choice("regularization", v["regularization"], _REGULARIZATION),
        "regularization_rate": float(_number("regularization_rate", v["regularization_rate"], 0.0, 1.0)),
        "dropout": float(_number("dropout", v["dropout"], 0.0, 0.9)),
    }


def output_and_loss(task: str, n_classes: int | None) -> tuple[int, str, str]:
    """The output layer's units and activation and the loss, for a task (see the module's table).

    Examples
    --------
    >>> output_and_loss("classification", 3)
    (3, 'softmax', 'sparse_categorical_crossentropy')
    """
    if task == "regression":
        return 1, "linear", "mse"
    if n_classes == 2:
        return 1, "sigmoid", "binary_crossentropy"
    return int(n_classes), "softmax", "sparse_categorical_crossentropy"


def build_model(settings: Settings, task: str, n_classes: int | None) -> Any:
    """A compiled, built ``gn.Sequential`` for the settings, its weights seeded by ``settings.seed``.

    Parameters
    ----------
    settings : Settings
    task : str
        ``"classification"`` or ``"regression"`` (of the data).
    n_classes : int or None

    Returns
    -------
    glassnet.Sequential

    Examples
    --------
    >>> model = build_model(Settings(features=("x1", "x2"), layers=(3,), activations=("relu",)),
    ...                     "classification", 2)
    >>> [layer.W.shape for layer in model.layers]
    [(2, 3), (3, 1)]
    """
    from glassnet.layers import Dense, Dropout
    from glassnet.models import Input, Sequential
    from glassnet.optim import get as optimizer
    from glassnet.regularizers import L1, L2

    units, out_activation, loss = output_and_loss(task, n_classes)
    penalty = None
    if settings.regularization != "none" and settings.regularization_rate > 0:
        penalty = {"l1": L1, "l2": L2}[settings.regularization](settings.regularization_rate)
    layers: list[Any] = [Input(shape=(len(settings.features),))]
    for width, activation in zip(settings.layers, settings.activations):
        layers.append(Dense(width, activation=activation, kernel_regularizer=penalty))
        if settings.dropout > 0:
            layers.append(Dropout(settings.dropout))
    layers.append(Dense(units, activation=out_activation, kernel_regularizer=penalty))
    model = Sequential(layers)
    model.compile(optimizer=optimizer(settings.optimizer, lr=settings.learning_rate), loss=loss)
    return model.build(seed=settings.seed)
