"""Adversarial examples: small input changes, chosen by the gradient, that flip a model's answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet.explain._util import as_input, check_positive_int, objective, working_copy
from glassnet.tensor import Tensor, no_grad

__all__ = ["adversarial", "AdversarialResult", "METHODS"]

#: The attacks :func:`adversarial` knows.
METHODS = ("fgsm", "pgd")


@dataclass
class AdversarialResult:
    """What an attack did.

    Attributes
    ----------
    X_adv : ndarray
        The perturbed inputs, of the shape of X.
    clean_accuracy, adversarial_accuracy : float
        The model's accuracy on X and on ``X_adv``.
    method : str
    eps : float
        The largest change of any input value, ||X_adv - X||_inf <= eps.

    Examples
    --------
    >>> result = AdversarialResult(X_adv=np.zeros((4, 2)), clean_accuracy=1.0, adversarial_accuracy=0.25,
    ...                            method="fgsm", eps=0.1)
    >>> result.accuracy_drop
    0.75
    """

    X_adv: np.ndarray
    clean_accuracy: float
    adversarial_accuracy: float
    method: str
    eps: float

    @property
    def accuracy_drop(self) -> float:
        """clean_accuracy - adversarial_accuracy."""
        return self.clean_accuracy - self.adversarial_accuracy

    def __str__(self) -> str:
        return (f"{self.method.upper()} attack, eps = {self.eps:g}: accuracy {self.clean_accuracy:.3f} -> "
                f"{self.adversarial_accuracy:.3f} (drop {self.accuracy_drop:.3f})")


def adversarial(model: Any, X: Any, y: Any, eps: float, method: str = "fgsm", steps: int = 10,
                step_size: float | None = None, clip: tuple[float, float] | None = None,
                loss: Any = None) -> AdversarialResult:
    """Perturb X within an L-infinity ball of radius ``eps`` to raise the model's loss.

    FGSM (Goodfellow et al. 2015), one step along the sign of the input gradient:

    .. math::

        x_{adv} = \\operatorname{clip}\\big(x + \\varepsilon\\,
        \\operatorname{sign}(\\nabla_x E(f(x), y))\\big)

    PGD (Madry et al. 2018), ``steps`` such steps of size alpha, each followed by the
    projection back onto the ball |x_adv - x|_inf <= eps (and onto ``clip``):

    .. math::

        x^{t+1} = \\Pi_{\\varepsilon}\\big(x^t + \\alpha\\,
        \\operatorname{sign}(\\nabla_x E(f(x^t), y))\\big), \\quad x^0 = x

    The gradient is the one backpropagation computes for the weights, carried one layer
    further to the input: dE/dx. The model is not changed (the attack works on a copy, in
    evaluation mode).

    Parameters
    ----------
    model : Model
        A classifier: the class is the arg-max of its outputs (or output > 0.5 for a single
        sigmoid output, > 0 for a single other output).
    X : array_like
        Inputs, as the model takes them.
    y : array_like
        Labels, as the model's loss takes them (class indices, or one-hot rows).
    eps : float >= 0
        The largest change of any input value.
    method : {"fgsm", "pgd"}, default "fgsm"
    steps : int, default 10
        PGD's iterations.
    step_size : float, optional
        PGD's alpha; default 2.5 eps / steps.
    clip : (float, float), optional
        The valid input range (e.g. (0, 1) for pixels); the perturbed inputs stay inside it.
    loss : str or Loss, optional
        E; by default the compiled loss, else the one that fits the output (see
        :func:`glassnet.explain.trace`).

    Returns
    -------
    AdversarialResult

    Raises
    ------
    ValueError
        For an unknown method, a negative eps, a non-positive step size or an empty or
        reversed clip range.

    Examples
    --------
    >>> import glassnet as gn
    >>> model = gn.Sequential([gn.layers.Dense(2, activation="softmax", input_dim=2)], seed=0)
    >>> model.load_state_dict({"layers.0.W": np.eye(2), "layers.0.b": np.zeros(2)})
    >>> result = adversarial(model, [[1.0, 0.8]], [0], eps=0.15)
    >>> result.X_adv.round(2), result.clean_accuracy, result.adversarial_accuracy
    (array([[0.85, 0.95]], dtype=float32), 1.0, 0.0)
    """
    eps, step_size, clip = _check(eps, method, steps, step_size, clip)
    work, dtype = working_copy(model)
    work.eval()
    E = objective(work, loss)
    x0 = as_input(X, dtype).data
    if method == "fgsm":
        x_adv = _clipped(x0 + eps * np.sign(_input_gradient(E, x0, y)), clip)
    else:
        alpha = 2.5 * eps / steps if step_size is None else step_size
        x_adv = x0.copy()
        for _ in range(steps):
            x_adv = x_adv + alpha * np.sign(_input_gradient(E, x_adv, y))
            x_adv = _clipped(np.clip(x_adv, x0 - eps, x0 + eps), clip)
    x_adv = x_adv.astype(dtype, copy=False)
    return AdversarialResult(x_adv, _accuracy(work, x0, y), _accuracy(work, x_adv, y), method, eps)


def _check(eps: Any, method: Any, steps: Any, step_size: Any,
           clip: Any) -> tuple[float, float | None, tuple[float, float] | None]:
    if method not in METHODS:
        raise ValueError(f"adversarial: method must be one of {', '.join(METHODS)}, got {method!r}")
    check_positive_int("adversarial: steps", steps)
    if not _number(eps) or not eps >= 0:
        raise ValueError(f"adversarial: eps must be a number >= 0 (the largest change of an input "
                         f"value), got {eps!r}")
    if step_size is not None and (not _number(step_size) or not step_size > 0):
        raise ValueError(f"adversarial: step_size must be a number > 0 or None, got {step_size!r}")
    if clip is not None:
        if len(tuple(clip)) != 2 or not float(clip[0]) < float(clip[1]):
            raise ValueError(f"adversarial: clip must be a range (low, high) with low < high, got {clip!r}")
        clip = (float(clip[0]), float(clip[1]))
    return float(eps), None if step_size is None else float(step_size), clip


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float, np.number))


def _clipped(x: np.ndarray, clip: tuple[float, float] | None) -> np.ndarray:
    return x if clip is None else np.clip(x, *clip)


def _input_gradient(E: Any, x: np.ndarray, y: Any) -> np.ndarray:
    """dE/dx at x, by backpropagation to the input."""
    inputs = Tensor(x, requires_grad=True, dtype=x.dtype)
    E(inputs, y).backward()
    return inputs.grad


def _accuracy(model: Any, x: np.ndarray, y: Any) -> float:
    """The fraction of samples whose predicted class is the label."""
    with no_grad():
        out = model(Tensor(x, dtype=x.dtype)).data
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] > 1:
        labels = labels.argmax(axis=1)
    labels = labels.reshape(-1)
    if out.ndim == 2 and out.shape[1] > 1:
        predicted = out.argmax(axis=1)
    else:
        threshold = 0.5 if getattr(model, "output_activations", [None])[0] == "sigmoid" else 0.0
        predicted = (out.reshape(-1) > threshold).astype(np.intp)
    return float(np.mean(predicted == labels))
