"""The methods of :class:`~glassnet.tensor.Tensor` beyond its operators, in the spellings of
NumPy and of PyTorch: reductions, shape changes, element-wise functions and activations.

Each is composed of the ops (and activations), so its gradient comes from theirs. They are
installed on Tensor when ``glassnet`` is imported (they use the activations, which sit above
the Tensor in the library's layers).

Where the two libraries name one argument differently, both names are accepted: ``axis`` or
``dim``, ``keepdims`` or ``keepdim``, ``clip(low, high)`` or ``clamp(min=, max=)``. Where
they disagree on a meaning, the PyTorch spelling gets PyTorch's meaning:

- ``x.max(1)`` / ``x.max(dim=1)`` and ``x.min(1)`` return ``(values, indices)`` as PyTorch does,
  while ``x.max(axis=1)`` returns the values as NumPy does;
- ``x.transpose(0, 1)`` (two axes) swaps them as ``torch.transpose``; a full permutation
  ``x.transpose(2, 0, 1)`` or ``x.transpose((2, 0, 1))`` is NumPy's;
- ``x.size`` is the number of values (NumPy) and ``x.size()`` / ``x.size(0)`` the shape
  (PyTorch).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from glassnet import activations
from glassnet.ops import elementwise as _ew
from glassnet.ops import reduce as _reduce
from glassnet.ops import shape as _shape
from glassnet.ops._axis import axes_tuple, axis_index, axis_or_dim, keepdims_or_keepdim
from glassnet.tensor import Tensor

__all__ = ["ValuesIndices", "ElementCount"]

Axis = int | tuple[int, ...] | None


class ValuesIndices(NamedTuple):
    """What ``x.max(dim=d)`` and ``x.min(dim=d)`` return, as in PyTorch."""

    values: Tensor
    indices: np.ndarray


class ElementCount(int):
    """``x.size``: the number of values, as NumPy's ``size``; called, ``x.size()`` is the
    shape and ``x.size(d)`` the length of axis d, as PyTorch's ``size()``."""

    shape: tuple[int, ...]

    def __call__(self, dim: int | None = None) -> tuple[int, ...] | int:
        if dim is None:
            return self.shape
        return self.shape[axis_index(dim, len(self.shape), "size")]


def _size(self: Tensor) -> ElementCount:
    count = ElementCount(self.data.size)
    count.shape = self.data.shape
    return count


# ------------------------------------------------------------------ reductions
def _sum(self: Tensor, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
         keepdim: bool | None = None) -> Tensor:
    """Sum over ``axis`` (``dim``), all axes when None."""
    if dim is not None or keepdim is not None:
        axis, keepdims = axis_or_dim(axis, dim, "sum"), keepdims_or_keepdim(keepdims, keepdim, "sum")
    return _reduce.Sum.apply(self, axis=axis, keepdims=keepdims)


def _mean(self: Tensor, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
          keepdim: bool | None = None) -> Tensor:
    """Mean over ``axis`` (``dim``), all axes when None."""
    if dim is not None or keepdim is not None:
        axis, keepdims = axis_or_dim(axis, dim, "mean"), keepdims_or_keepdim(keepdims, keepdim, "mean")
    return _reduce.Mean.apply(self, axis=axis, keepdims=keepdims)


def _extreme(x: Tensor, op: str, dim: Any, keepdim: bool | None, axis: Any, keepdims: bool) -> Any:
    """The maximum (``op`` "max") or minimum: over one ``dim``, the pair (values, indices) as
    ``torch.max(x, dim)`` returns it; over ``axis`` (or several dims, or all), the values.
    Ties share the gradient evenly, as ``torch.amax``."""
    if isinstance(axis, (Tensor, np.ndarray)) or isinstance(dim, (Tensor, np.ndarray)):
        name = "maximum" if op == "max" else "minimum"
        raise TypeError(f"{op}() reduces one tensor over an axis; for the element-wise {name} of two "
                        f"tensors use gn.functional.{name}(x, y)")
    keep = keepdims_or_keepdim(keepdims, keepdim, op)
    if dim is None or isinstance(dim, (tuple, list)):
        return _largest(x, op, axis_or_dim(axis, dim, op), keep)
    if axis is not None:
        axis_or_dim(axis, dim, op)
    axis_index(dim, x.ndim, op)
    return ValuesIndices(_largest(x, op, dim, keep), _arg(x, op, dim, keep))


def _largest(x: Tensor, op: str, axis: Axis, keepdims: bool) -> Tensor:
    if op == "max":
        return _reduce.Max.apply(x, axis=axis, keepdims=keepdims)
    return -_reduce.Max.apply(-x, axis=axis, keepdims=keepdims)


def _max(self: Tensor, dim: Axis = None, keepdim: bool | None = None, *, axis: Axis = None,
         keepdims: bool = False) -> Any:
    """The maximum, as PyTorch and NumPy give it.

    ``x.max()``: over every value. ``x.max(1)`` or ``x.max(dim=1)``: the pair (values, indices)
    over that axis, as ``torch.max``. ``x.max(axis=1)`` or over several axes: the values only,
    as NumPy's ``max`` and ``torch.amax``. Ties share the gradient evenly.
    """
    return _extreme(self, "max", dim, keepdim, axis, keepdims)


def _min(self: Tensor, dim: Axis = None, keepdim: bool | None = None, *, axis: Axis = None,
         keepdims: bool = False) -> Any:
    """The minimum, composed as -max(-x); the arguments as for :func:`_max`: ``x.min(1)`` is
    (values, indices), ``x.min(axis=1)`` the values."""
    return _extreme(self, "min", dim, keepdim, axis, keepdims)


def _arg(x: Tensor, op: str, axis: int | None, keepdims: bool) -> np.ndarray:
    if axis is not None:
        axis_index(axis, x.ndim, f"arg{op}")
    if x.data.size == 0:
        raise ValueError(f"arg{op} of an empty tensor (shape {x.shape}) is undefined")
    find = np.argmax if op == "max" else np.argmin
    return np.asarray(find(x.data, axis=axis, keepdims=keepdims))


def _argmax(self: Tensor, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
            keepdim: bool | None = None) -> np.ndarray:
    """Index of the maximum over ``axis`` (of the flattened tensor when None), as an integer
    NumPy array: an index has no gradient."""
    return _arg(self, "max", axis_or_dim(axis, dim, "argmax"),
                keepdims_or_keepdim(keepdims, keepdim, "argmax"))


def _argmin(self: Tensor, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
            keepdim: bool | None = None) -> np.ndarray:
    """Index of the minimum over ``axis`` (of the flattened tensor when None)."""
    return _arg(self, "min", axis_or_dim(axis, dim, "argmin"),
                keepdims_or_keepdim(keepdims, keepdim, "argmin"))


# ---------------------------------------------------------------------- shape
def _dims(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``f(1, 2)`` and ``f((1, 2))`` alike."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args


def _reshape(self: Tensor, *shape: Any) -> Tensor:
    """The same values in a new shape (one entry may be -1): ``reshape(2, 3)`` or ``reshape((2, 3))``;
    ``view`` is PyTorch's name for it."""
    return _shape.Reshape.apply(self, shape=_dims(shape))


def _transpose(self: Tensor, *axes: Any) -> Tensor:
    """Reverse the axes (no argument), swap two axes (``transpose(0, 1)``, as ``torch.transpose``)
    or permute them all (``transpose(2, 0, 1)`` or ``transpose((2, 0, 1))``, as NumPy)."""
    if len(axes) == 2 and not isinstance(axes[0], (tuple, list)):
        i, j = axis_index(axes[0], self.ndim, "transpose"), axis_index(axes[1], self.ndim, "transpose")
        if i != j:
            order = list(range(self.ndim))
            order[i], order[j] = order[j], order[i]
            return _shape.Transpose.apply(self, axes=tuple(order))
    return _shape.Transpose.apply(self, axes=_dims(axes) or None)


def _permute(self: Tensor, *dims: Any) -> Tensor:
    """The axes in the order ``dims`` (every axis once), as ``torch.permute``."""
    return _shape.Transpose.apply(self, axes=_dims(dims))


def _T(self: Tensor) -> Tensor:  # noqa: N802 - NumPy's name
    """The axes reversed (the transpose of a matrix)."""
    return _shape.Transpose.apply(self, axes=None)


def _unsqueeze(self: Tensor, dim: int) -> Tensor:
    """A new axis of length 1 at position ``dim`` (-ndim-1 to ndim)."""
    position = axis_index(dim, self.ndim + 1, "unsqueeze")
    return _shape.Reshape.apply(self, shape=self.shape[:position] + (1,) + self.shape[position:])


def _squeeze(self: Tensor, dim: Axis = None, *, axis: Axis = None) -> Tensor:
    """Drop the axes of length 1 (all of them, or those among ``dim``); an axis of another
    length is kept, as in PyTorch."""
    chosen = axes_tuple(axis_or_dim(axis, dim, "squeeze"), self.ndim, "squeeze")
    shape = tuple(n for i, n in enumerate(self.shape) if n != 1 or i not in chosen)
    return _shape.Reshape.apply(self, shape=shape)


def _flatten(self: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Axes ``start_dim`` to ``end_dim`` (both included) merged into one, as ``torch.flatten``."""
    if self.ndim == 0:
        return _shape.Reshape.apply(self, shape=(1,))
    start = axis_index(start_dim, self.ndim, "flatten")
    end = axis_index(end_dim, self.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim ({start_dim}) must not come after end_dim ({end_dim})")
    merged = int(np.prod(self.shape[start:end + 1]))
    return _shape.Reshape.apply(self, shape=self.shape[:start] + (merged,) + self.shape[end + 1:])


# --------------------------------------------------------------- element-wise
def _exp(self: Tensor) -> Tensor:
    """e^x, element-wise."""
    return _ew.Exp.apply(self)


def _log(self: Tensor) -> Tensor:
    """ln x, element-wise."""
    return _ew.Log.apply(self)


def _sqrt(self: Tensor) -> Tensor:
    """sqrt(x), element-wise."""
    return _ew.Sqrt.apply(self)


def _abs(self: Tensor) -> Tensor:
    """|x|, element-wise."""
    return _ew.Abs.apply(self)


def _sin(self: Tensor) -> Tensor:
    """sin x, element-wise."""
    return _ew.Sin.apply(self)


def _cos(self: Tensor) -> Tensor:
    """cos x, element-wise."""
    return _ew.Cos.apply(self)


def _pow(self: Tensor, exponent: Any) -> Tensor:
    """x ** exponent, element-wise."""
    return self ** exponent


def _clip(self: Tensor, low: float | None = None, high: float | None = None, *,
          min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002 - NumPy's and PyTorch's names
    """x limited to [low, high] (either may be None); ``min=`` and ``max=`` are the names NumPy
    and PyTorch give them; ``clamp`` is PyTorch's name for ``clip``. The gradient is 1 inside,
    0 outside."""
    bounds = {}
    for name, value, alias in (("low", low, "min"), ("high", high, "max")):
        other = min if alias == "min" else max
        if value is not None and other is not None:
            raise TypeError(f"clip: give {name}= or {alias}= (the same bound), not both")
        value = other if value is None else value
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, (int, float, np.integer, np.floating))):
            raise TypeError(f"clip: {name} must be a real number or None, got {value!r}")
        bounds[name] = value
    return _ew.Clip.apply(self, **bounds)


def _softmax(self: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Softmax over ``dim`` (``axis``; the last axis when neither is given)."""
    chosen = axis_or_dim(axis, dim, "softmax")
    return activations.softmax(self, -1 if chosen is None else chosen)


def _log_softmax(self: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Log-softmax over ``dim`` (``axis``; the last axis when neither is given)."""
    chosen = axis_or_dim(axis, dim, "log_softmax")
    return activations.log_softmax(self, -1 if chosen is None else chosen)


# ------------------------------------------------ PyTorch's names of operators
def _add(self: Tensor, other: Any) -> Tensor:
    """x + other."""
    return self + other


def _sub(self: Tensor, other: Any) -> Tensor:
    """x - other."""
    return self - other


def _mul(self: Tensor, other: Any) -> Tensor:
    """x * other."""
    return self * other


def _div(self: Tensor, other: Any) -> Tensor:
    """x / other."""
    return self / other


def _neg(self: Tensor) -> Tensor:
    """-x."""
    return -self


def _matmul(self: Tensor, other: Any) -> Tensor:
    """x @ other (``mm`` is PyTorch's name for the 2-D case)."""
    return self @ other


def _clone(self: Tensor) -> Tensor:
    """A copy of the values that stays in the graph (the gradient passes through), as x * 1."""
    return self * 1


def _float(self: Tensor) -> Tensor:
    """This tensor in float32 (differentiable)."""
    return self.astype(np.float32)


def _double(self: Tensor) -> Tensor:
    """This tensor in float64 (differentiable)."""
    return self.astype(np.float64)


# ----------------------------------------------------------------- values
def _numel(self: Tensor) -> int:
    """The number of values (NumPy's ``size``)."""
    return int(self.data.size)


def _dim(self: Tensor) -> int:
    """The number of axes (``ndim``)."""
    return self.data.ndim


def _cpu(self: Tensor) -> Tensor:
    """The tensor itself: glassnet computes on the CPU (so ``x.detach().cpu().numpy()`` runs)."""
    return self


def _requires_grad_(self: Tensor, requires_grad: bool = True) -> Tensor:
    """Set ``requires_grad`` in place (on a leaf) and return the tensor, as PyTorch's."""
    if not isinstance(requires_grad, (bool, np.bool_)):
        raise TypeError(f"requires_grad_ takes True or False, got {requires_grad!r}")
    if self._ctx is not None and not requires_grad:
        raise RuntimeError("requires_grad_(False) applies to a leaf; this tensor was computed by a "
                           f"{self.op!r} node. Use x.detach() for a copy cut from the graph")
    self.requires_grad = bool(requires_grad)
    return self


def _tolist(self: Tensor) -> Any:
    """The values as (nested) Python lists of floats; a float for a 0-d tensor."""
    return self.data.tolist()


def _zero_(self: Tensor) -> Tensor:
    """Set every value to 0 in place, as PyTorch's ``zero_()`` (for a parameter: inside
    ``with gn.no_grad():``); returns the tensor itself."""
    self._check_in_place("x.zero_()")
    self.data.fill(0)
    self._version += 1
    return self


_METHODS = {
    "sum": _sum, "mean": _mean, "max": _max, "min": _min, "argmax": _argmax, "argmin": _argmin,
    "reshape": _reshape, "view": _reshape, "transpose": _transpose, "permute": _permute,
    "T": property(_T), "unsqueeze": _unsqueeze, "squeeze": _squeeze, "flatten": _flatten,
    "exp": _exp, "log": _log, "sqrt": _sqrt, "abs": _abs, "sin": _sin, "cos": _cos,
    "pow": _pow, "clip": _clip, "clamp": _clip,
    "relu": activations.relu, "sigmoid": activations.sigmoid, "tanh": activations.tanh,
    "softmax": _softmax, "log_softmax": _log_softmax,
    "add": _add, "sub": _sub, "mul": _mul, "div": _div, "neg": _neg, "matmul": _matmul, "mm": _matmul,
    "clone": _clone, "float": _float, "double": _double,
    "tolist": _tolist, "zero_": _zero_, "size": property(_size), "numel": _numel, "dim": _dim,
    "cpu": _cpu, "requires_grad_": _requires_grad_,
}

for _name, _method in _METHODS.items():
    setattr(Tensor, _name, _method)
