"""What ``Model.fit`` and ``evaluate`` run: the argument spellings, then the loop
(``Model.predict`` is given :func:`glassnet.training.evaluation.predict`, which takes ``x=`` too).

:mod:`glassnet.training` attaches these to the models (:func:`glassnet.models.attach_runner`)
when it is imported, so that the models, one level below, never import the training code.
"""

from __future__ import annotations

from typing import Any

from glassnet.training import arguments, evaluation, loop

__all__ = ["fit", "evaluate"]


def fit(model: Any, X: Any = None, y: Any = None, **kwargs: Any) -> Any:
    """``model.fit``: ``x=`` accepted for ``X`` (Keras), unknown keywords refused, then :func:`loop.fit`."""
    X = arguments.data_argument("fit", X, kwargs.pop("x", None))
    arguments.check_names("fit", kwargs, loop.fit)
    return loop.fit(model, X, y, **kwargs)


def evaluate(model: Any, X: Any, y: Any, batch_size: int | None, verbose: Any, sample_weight: Any,
             return_dict: bool, x: Any, steps: int | None = None) -> Any:
    """``model.evaluate``: ``x=`` accepted for ``X``, then :func:`evaluation.evaluate`."""
    X = arguments.data_argument("evaluate", X, x)
    return evaluation.evaluate(model, X, y, batch_size=batch_size, verbose=verbose,
                               sample_weight=sample_weight, return_dict=return_dict, steps=steps)
