"""What a model hands to the training loop and to the model files: fit, evaluate, predict,
the weights' files and the summary table."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from glassnet import _model_keras
from glassnet._checks import check_flag
from glassnet.layers.heads import check_level

__all__ = ["Running", "attach_runner"]


#: The functions behind Model.fit, evaluate and predict, by name. The training package, one
#: level up, gives them (:func:`attach_runner`) when it is imported, on the first call: a
#: model is trained by the loop without this module importing it.
_RUNNERS: dict[str, Callable[..., Any]] = {}


def attach_runner(fit: Callable[..., Any], evaluate: Callable[..., Any], predict: Callable[..., Any]) -> None:
    """Install the functions that ``Model.fit``, ``evaluate`` and ``predict`` call, each with
    the model first and the method's arguments after it.

    Parameters
    ----------
    fit : callable
        ``fit(model, *args, **kwargs)``, behind ``Model.fit``.
    evaluate : callable
        ``evaluate(model, ...)``, behind ``Model.evaluate``.
    predict : callable
        ``predict(model, ...)``, behind ``Model.predict``.

    Examples
    --------
    The training package attaches its functions on import; they are what the methods call:

    >>> import glassnet.models.running as running
    >>> running._runner("predict") is gn.training.predict
    True
    """
    _RUNNERS.update(fit=fit, evaluate=evaluate, predict=predict)


def _runner(name: str) -> Callable[..., Any]:
    """The function behind ``Model.<name>``; the first call imports the training package,
    which attaches them."""
    if name not in _RUNNERS:
        importlib.import_module("glassnet.training")
    return _RUNNERS[name]


class Running:
    """The methods of :class:`~glassnet.models.Model` that call the training loop (attached by
    :mod:`glassnet.training`) and the model files (:mod:`glassnet.io`, imported on first use)."""

    def fit(self, X: Any = None, y: Any = None, **kwargs: Any) -> Any:
        """Train; see :func:`glassnet.training.loop.fit` for every argument (``x=`` is
        accepted for ``X``, as in Keras).

        Returns the :class:`~glassnet.training.callbacks.History` of the run.
        """
        return _runner("fit")(self, X, y, **kwargs)

    def evaluate(self, X: Any = None, y: Any = None, batch_size: int | None = None, verbose: Any = 1,
                 sample_weight: Any = None, return_dict: bool = False, *, x: Any = None,
                 steps: int | None = None) -> Any:
        """Loss and metrics on data, in evaluation mode, as Keras returns them.

        The loss (a float) for a model compiled without metrics, else the list
        ``[loss, *metrics]`` in :attr:`metrics_names` order, so that ``loss, acc =
        model.evaluate(X, y)`` works; ``return_dict=True`` gives ``{"loss": ..., "accuracy":
        ...}``. ``verbose=1`` or ``2`` (default 1, as in Keras) prints them as one line, ``0``
        prints nothing; ``x=`` is accepted for ``X``. A model that carries its preprocessing
        (``model.preprocessing``, from ``glassnet train``) takes X as in :meth:`predict`. See
        :func:`glassnet.training.evaluation.evaluate`.
        """
        return _runner("evaluate")(self, X, y, batch_size, verbose, sample_weight, return_dict, x, steps)

    def predict(self, X: Any = None, batch_size: int | None = None, verbose: Any = 0, *,
                x: Any = None, return_std: bool = False, steps: int | None = None) -> Any:
        """The network's outputs as NumPy arrays (probabilities for softmax/sigmoid outputs),
        computed in evaluation mode without recording a graph, ``batch_size`` rows at a time
        (None: all at once).

        ``return_std=True`` (scikit-learn's ``GaussianProcessRegressor`` convention) gives
        ``(mean, std)``, each (N, k), for a model whose output layer reads as a distribution:
        a :class:`~glassnet.layers.GaussianHead` or :class:`~glassnet.layers.QuantileHead`
        (its ``mean_std``); another model raises a TypeError naming what gives one.

        A model that was never built (a Sequential model without ``input_dim``, before
        ``fit``) raises a ValueError: it has no weights. A built model that still holds the
        random weights it was initialized with, never trained nor loaded, predicts with them
        and warns once (UserWarning); weights set by hand count as given. ``verbose`` (0, 1
        or 2, as in Keras) is accepted and prints nothing; ``x=`` is accepted for ``X``.

        A model that carries its column preprocessing (``model.preprocessing``: trained by
        ``glassnet train`` and loaded with ``gn.load``) applies it to a pandas DataFrame of
        the raw columns (checked by name; an ExtrapolationWarning for values outside the
        training data). A plain array is taken as already-preprocessed features, and warned
        about when its values lie far outside the range the training data had after
        preprocessing (raw columns, most likely).

        X may also be a memory-mapped array or a source of batches (x alone or ``(x, y)``),
        as ``fit`` takes them; ``steps`` (Keras's) limits the batches read (default: one pass).
        """
        if return_std is False:
            return _runner("predict")(self, X, batch_size, verbose, x, steps)
        head = _head(self, "predict(return_std=True)") if check_flag("return_std", return_std) else None
        out = _runner("predict")(self, X, batch_size, verbose, x, steps)
        return out if head is None else head.mean_std(out)

    def predict_interval(self, X: Any = None, level: float = 0.95, batch_size: int | None = None, *,
                         x: Any = None) -> tuple[Any, Any]:
        """``(lower, upper)``, each (N, k): the central prediction interval of probability
        ``level`` that the model's output layer gives (its ``interval``): mean -/+ z std for a
        :class:`~glassnet.layers.GaussianHead`, the predicted quantiles (1 -/+ level) / 2 for a
        :class:`~glassnet.layers.QuantileHead` (which must be among its quantiles). Another
        model raises a TypeError naming what gives one. X as for :meth:`predict`."""
        head = _head(self, "predict_interval")
        check_level("predict_interval", level)
        return head.interval(_runner("predict")(self, X, batch_size, 0, x), level)

    def save_weights(self, path: Any) -> Any:
        """Write the weights and buffers to a ``.safetensors`` file; see :func:`glassnet.io.save_weights`
        (Keras's ``.weights.h5`` is refused with the glassnet spelling)."""
        from glassnet import io

        return io.save_weights(self, _model_keras.refuse_keras_format(path, "model.save_weights"))

    def load_weights(self, path: Any) -> Any:
        """Copy the weights of a file into this model; see :func:`glassnet.io.load_weights`."""
        from glassnet import io

        return io.load_weights(self, _model_keras.refuse_keras_format(path, "model.load_weights"))

    def reset_states(self) -> None:
        """Forget the states every ``stateful`` recurrent layer carries between batches
        (Keras's ``model.reset_states()``): the next batch starts from zeros."""
        for layer in self.layers:
            if getattr(layer, "stateful", False):
                layer.reset_states()

    def summary(self, print_fn: Any = print) -> str:
        """A table of layer, output shape and parameter count, with the totals."""
        rows = [("Layer (type)", "Output shape", "Params")]
        for layer in self.layers:
            shape = self._layer_output_shape(layer)
            shape_text = "(None, " + ", ".join(map(str, shape)) + ")" if shape is not None else "?"
            count = sum(p.size for p in layer.parameters()) if layer.built else "?"
            rows.append((f"{layer.name} ({type(layer).__name__})", shape_text, str(count)))
        widths = [max(len(r[i]) for r in rows) + 2 for i in range(3)]
        line = "-" * sum(widths)
        text = [f'Model "{self.name}"', line, "".join(c.ljust(w) for c, w in zip(rows[0], widths)), line]
        text += ["".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows[1:]]
        total = self.count_params()
        trainable = sum(p.size for p in self.parameters() if p.requires_grad)
        text += [line, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                 f"Non-trainable params: {total - trainable:,}", line]
        out = "\n".join(text)
        if print_fn is not None:
            print_fn(out)
        return out


def _head(model: Any, method: str) -> Any:
    """The output layer that reads its output as a distribution (``mean_std`` and ``interval``)."""
    layer = model.final_layer(0) if len(model._output_list()) == 1 else None
    if hasattr(layer, "mean_std") and hasattr(layer, "interval"):
        return layer
    if len(model._output_list()) > 1:
        ends = f"has {len(model._output_list())} outputs"
    elif layer is None:
        ends = "ends with no layer that predicts a distribution"
    else:
        ends = f"ends with {type(layer).__name__} {layer.name!r}, which predicts values without an error bar"
    raise TypeError(
        f"{method}: model {model.name!r} {ends}. For a prediction with an error bar, end a one-output model "
        "with gn.layers.GaussianHead(k) (trained with gn.losses.GaussianNLL: the data's noise) or "
        "gn.layers.QuantileHead(quantiles, units=k) (gn.losses.Pinball), or wrap it: "
        "gn.uncertainty.MCDropout(model) for a model with Dropout layers, gn.uncertainty.DeepEnsemble(build) "
        "for several trained copies (the model's own ignorance)")
