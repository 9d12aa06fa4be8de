"""Keras's utilities (``gn.utils``): one-hot labels, one seed for a whole program, a drawing
of a model.

- :func:`to_categorical`: class labels to one-hot rows.
- :func:`set_random_seed`: seeds Python's ``random``, NumPy's global generator and every
  glassnet generator made without a seed, so that a program runs the same way twice.
- :func:`plot_model`: the layers of a model and how they connect, as an image file
  (matplotlib, imported only when it draws).
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from glassnet import _random

__all__ = ["to_categorical", "set_random_seed", "plot_model"]


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """One-hot rows for the class labels ``x``, as Keras's ``to_categorical``.

    Parameters
    ----------
    x : array_like of int
        Labels 0..num_classes-1 (whole-number floats are accepted); a trailing axis of
        size 1 is dropped, so (N,) and (N, 1) both give (N, num_classes).
    num_classes : int, optional
        Default: the largest label + 1.

    Returns
    -------
    ndarray of float32, shape ``x.shape + (num_classes,)``

    Examples
    --------
    >>> to_categorical([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    labels = np.asarray(x)
    if labels.dtype.kind not in "biuf" or (labels.dtype.kind == "f" and not np.all(np.mod(labels, 1) == 0)):
        raise ValueError(f"to_categorical: x must hold whole-number class labels 0..C-1, got values such as "
                         f"{labels.ravel()[:5].tolist()}; encode other labels first "
                         "(sklearn.preprocessing.LabelEncoder)")
    labels = labels.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.size and labels.min() < 0:
        raise ValueError(f"to_categorical: labels must be >= 0, got {int(labels.min())}")
    top = int(labels.max()) + 1 if labels.size else 0
    if num_classes is None:
        num_classes = top
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"to_categorical: num_classes must be a positive integer, got {num_classes!r}")
    elif top > num_classes:
        raise ValueError(f"to_categorical: label {top - 1} does not fit num_classes={num_classes} "
                         f"(labels run 0..{num_classes - 1})")
    return np.eye(int(num_classes), dtype=np.float32)[labels]


def set_random_seed(seed: int) -> None:
    """Seed everything a run draws from, as Keras's ``set_random_seed``: Python's ``random``,
    NumPy's global generator (``np.random.rand``, ...) and glassnet's generators made without
    a seed (weights of models without ``seed=``, shuffling of ``fit`` without ``seed=``).

    Each of those generators takes the next child of one seed sequence, so the same program
    makes the same draws. A ``seed=`` given to a model or to ``fit`` still wins.

    Parameters
    ----------
    seed : int
        In [0, 2**32).

    Examples
    --------
    >>> gn.utils.set_random_seed(0)
    >>> a = gn.Sequential([gn.layers.Dense(2, input_dim=2)]).layers[0].W.numpy()
    >>> gn.utils.set_random_seed(0)
    >>> b = gn.Sequential([gn.layers.Dense(2, input_dim=2)]).layers[0].W.numpy()
    >>> np.array_equal(a, b)
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"set_random_seed: seed must be an integer in [0, 2**32), got {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed))
    _random.set_seed(int(seed))


def plot_model(model: Any, to_file: Any = "model.png", show_shapes: bool = False, show_dtype: bool = False,
               show_layer_names: bool = True, rankdir: str = "TB", expand_nested: bool = False,
               dpi: int = 200, show_layer_activations: bool = False, show_trainable: bool = False) -> Any:
    """Draw the model's layers and their connections to ``to_file``, as Keras's ``plot_model``.

    A box per layer (and per input and operation of a functional model), arrows along the
    data flow, from top to bottom (``rankdir="TB"``) or left to right (``"LR"``). The
    ``show_*`` flags add the output shapes, dtype, activation and trainable flag to each
    box. Drawn with matplotlib (Graphviz is not needed); the format comes from the suffix
    of ``to_file``. ``expand_nested`` is accepted and changes nothing: a glassnet model
    holds no nested models. Returns the matplotlib Figure.

    Parameters
    ----------
    model : Model
        A built model.
    to_file : str or os.PathLike, default 'model.png'
        The image to write; its suffix gives the format.
    show_shapes : bool, default False
        Show each layer's output shape.
    show_dtype : bool, default False
        Show each layer's dtype.
    show_layer_names : bool, default True
        Show each layer's name.
    rankdir : {"TB", "LR"}, default 'TB'
        Top to bottom, or left to right.
    expand_nested : bool, default False
        Accepted; a glassnet model holds no nested models.
    dpi : int, default 200
        The image's resolution.
    show_layer_activations : bool, default False
        Show each layer's activation.
    show_trainable : bool, default False
        Show whether each layer is trainable.

    Returns
    -------
    matplotlib.figure.Figure
        The drawing.

    Examples
    --------
    >>> import os, tempfile
    >>> model = gn.Sequential([gn.layers.Dense(3, activation="relu", input_dim=2), gn.layers.Dense(1)],
    ...                       seed=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     figure = gn.utils.plot_model(model, os.path.join(folder, "model.png"), show_shapes=True, dpi=50)
    ...     print(sorted(os.listdir(folder)))
    ...
    ['model.png']
    >>> type(figure).__name__
    'Figure'
    """
    from glassnet.plot.model import model_graph

    return model_graph(model, to_file, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable,
                       expand_nested=expand_nested)
