"""The Tensor: a NumPy array that remembers how it was made, and reverse-mode autodiff.

Every differentiable operation records a node (a :class:`~glassnet.function.Function`)
holding its parents. ``loss.backward()`` walks that graph from the output back to the
leaves and applies the chain rule node by node:

.. math::

    \\frac{\\partial E}{\\partial x} = \\sum_{c \\in \\mathrm{children}(x)}
        \\frac{\\partial E}{\\partial c} \\frac{\\partial c}{\\partial x}
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from glassnet._backward import backpropagate
from glassnet._dtypes import DEFAULT_DTYPE, _float_dtype, _to_array
from glassnet._grad_mode import _mode, enable_grad, is_grad_enabled, no_grad
from glassnet._gradient import Gradient
from glassnet._graph import topological_order

__all__ = ["Tensor", "tensor", "no_grad", "enable_grad", "is_grad_enabled"]


# Creation stamps: a tensor's parents always carry smaller stamps than the tensor itself.
_creation_order = itertools.count()


class Tensor:
    """An n-dimensional array with an optional gradient.

    Parameters
    ----------
    data : array_like
        The values. Kept as a NumPy array in ``.data``.
    requires_grad : bool, default False
        Whether ``backward`` computes ``.grad`` for this tensor.
    dtype : numpy dtype, optional
        Floating-point type; float32 unless given (see :func:`tensor`). A floating
        NumPy array passed here keeps its own dtype.
    name : str, optional
        A label shown by the glass-box tools.

    Attributes
    ----------
    data : numpy.ndarray
    grad : Gradient (a numpy.ndarray with ``zero_()``) or None
        dE/d(this tensor) after ``backward``; accumulates until zeroed.

    Notes
    -----
    The methods in the spellings of NumPy and PyTorch (``sum``, ``max``, ``reshape``, ``view``,
    ``relu``, ``clamp``, ``size``, ``zero_``, ...) are in :mod:`glassnet._tensor_methods`.

    **In-place changes and the graph.** A recorded node whose backward reads the values of
    its inputs or of its output (mul, matmul, exp, relu, ...; not add, sum or reshape, see
    ``Function.saves_values``) keeps their arrays. Changing them in place before
    ``backward`` would silently change the gradients, so glassnet refuses it:

    - Those arrays are read-only until ``backward`` has gone through the node (or the
      graph is freed): a NumPy write such as ``x.data[0] = 5`` or ``x.data *= 2`` raises
      NumPy's ``ValueError: assignment destination is read-only``, and glassnet's in-place
      operators (``x += y``, ``x[i] = v``) raise a RuntimeError that says why.
    - Every tensor has a version counter, increased by each in-place change glassnet makes
      (its in-place operators, ``load_state_dict``, every optimizer step, which writes the
      parameters through the optimizer's flat buffers). ``backward`` raises a RuntimeError,
      as PyTorch does, when a tensor a node saved has changed version since the node was
      recorded (e.g. ``optimizer.step()`` between a forward pass and its ``backward``).

    Assigning a new array to ``x.data`` is not an in-place change: the graph keeps the
    old array, and the gradients are those of the values it was computed from. An array
    already saved by another pending graph stays protected until the first ``backward``
    through either graph.

    Examples
    --------
    >>> x = gn.tensor([[1.0, 2.0]], requires_grad=True)
    >>> W = gn.tensor([[0.5], [-1.0]], requires_grad=True)
    >>> E = ((x @ W) ** 2).sum()
    >>> E.backward()
    >>> print(E.item(), W.grad.ravel(), x.grad)
    2.25 [-3. -6.] [[-1.5  3. ]]
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retain", "_seq", "_version", "name",
                 "__weakref__")
    __array_priority__ = 1000.0

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        if dtype is None and not (isinstance(data, np.ndarray) and data.dtype.kind == "f"):
            dtype = DEFAULT_DTYPE
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"requires_grad must be True or False, got {requires_grad!r}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str or None, got {name!r}")
        self.data = _to_array(data.data if isinstance(data, Tensor) else data, dtype)
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._ctx: Any = None
        self._retain = False
        self._seq = next(_creation_order)
        self._version = 0
        self.name = name

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, ctx: Any) -> Tensor:
        out = object.__new__(cls)
        out.data = data
        out.grad = None
        out.requires_grad = requires_grad
        out._ctx = ctx
        out._retain = False
        out._seq = next(_creation_order)
        out._version = 0
        out.name = None
        return out

    # ------------------------------------------------------------------ views
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def op(self) -> str:
        """Name of the operation that made this tensor ("leaf" for inputs and parameters)."""
        return "leaf" if self._ctx is None else type(self._ctx).name

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The tensors this one was computed from (empty for a leaf)."""
        return () if self._ctx is None else self._ctx.parents

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        op = f", op={self.op}" if self._ctx is not None else ""
        return f"Tensor({np.array2string(self.data, precision=4)}{grad}{op})"

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (shares memory with ``.data``)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element; this one has shape {self.shape}")
        return self.data.item()

    def detach(self) -> Tensor:
        """A new leaf sharing the same data, cut from the graph."""
        return Tensor._make(self.data, False, None)

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this intermediate node after ``backward`` (a layer's z, for delta)."""
        self._retain = True
        return self

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    def astype(self, dtype: Any) -> Tensor:
        """This tensor converted to another floating dtype (differentiable)."""
        return _shape.Cast.apply(self, dtype=_float_dtype(dtype))

    # --------------------------------------------------------------- backward
    def backward(self, grad: Any = None) -> None:
        """Compute dE/dx for every leaf x that requires grad, by the chain rule.

        Parameters
        ----------
        grad : array_like, optional
            The upstream gradient dE/d(self). Required unless ``self`` has one element,
            in which case it defaults to 1.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() called on a tensor that does not require grad: no leaf of its graph "
                "has requires_grad=True (or it was computed inside no_grad()). "
                "Create the inputs or parameters with requires_grad=True."
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a scalar output; this tensor has shape "
                    f"{self.shape}. Reduce it first (e.g. .sum() or .mean()) or pass "
                    "grad= with the same shape."
                )
            grad = np.ones_like(self.data)
        else:
            grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(
                    f"backward(grad=...) got a gradient of shape {grad.shape} for a tensor of "
                    f"shape {self.shape}; they must be equal"
                )
        if self._ctx is None:
            self._accumulate(grad)
            return
        backpropagate(self, grad)

    def _accumulate(self, g: np.ndarray) -> None:
        if self.grad is None:
            self.grad = np.array(g, dtype=self.dtype, copy=True).view(Gradient)
        else:
            self.grad += g

    def _topological_order(self) -> list[Tensor]:
        """The graph's nodes, parents before children; stable for a given graph."""
        return topological_order([self], _recorded_parents)

    # -------------------------------------------------------------- operators
    def _wrap(self, other: Any) -> Tensor:
        if isinstance(other, Tensor):
            return other
        return Tensor._make(np.asarray(other, dtype=self.data.dtype), False, None)

    def __add__(self, other: Any) -> Tensor:
        return _ew.Add.apply(self, self._wrap(other))

    def __radd__(self, other: Any) -> Tensor:
        return _ew.Add.apply(self._wrap(other), self)

    def __sub__(self, other: Any) -> Tensor:
        return _ew.Sub.apply(self, self._wrap(other))

    def __rsub__(self, other: Any) -> Tensor:
        return _ew.Sub.apply(self._wrap(other), self)

    def __mul__(self, other: Any) -> Tensor:
        return _ew.Mul.apply(self, self._wrap(other))

    def __rmul__(self, other: Any) -> Tensor:
        return _ew.Mul.apply(self._wrap(other), self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ew.Div.apply(self, self._wrap(other))

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ew.Div.apply(self._wrap(other), self)

    def __pow__(self, other: Any) -> Tensor:
        return _ew.Pow.apply(self, self._wrap(other))

    def __rpow__(self, other: Any) -> Tensor:
        return _ew.Pow.apply(self._wrap(other), self)

    def __neg__(self) -> Tensor:
        return _ew.Neg.apply(self)

    def __matmul__(self, other: Any) -> Tensor:
        return _linalg.MatMul.apply(self, self._wrap(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return _linalg.MatMul.apply(self._wrap(other), self)

    def __getitem__(self, index: Any) -> Tensor:
        return _shape.GetItem.apply(self, index=index)

    # In place (PyTorch's meaning): the values change, the tensor stays the same object.
    # Inside the graph (a result that requires grad, while recording), ``x += y`` records
    # x + y as a new node instead, which gives PyTorch's values and gradients.
    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_in_place(f"x[{index!r}] = ...")
        self.data[index] = _data(value)
        self._version += 1

    def _in_place(self, ufunc: np.ufunc, other: Any, spelling: str) -> Tensor:
        if self._ctx is not None and _mode.enabled:
            return NotImplemented  # Python falls back to the operator that records a node
        self._check_in_place(spelling)
        ufunc(self.data, _data(other), out=self.data, casting="same_kind")
        self._version += 1
        return self

    def _check_in_place(self, spelling: str) -> None:
        if self.requires_grad and _mode.enabled:
            raise RuntimeError(
                f"{spelling} would change in place a tensor that requires grad while the graph is "
                "recorded (PyTorch refuses it too). Update parameters inside `with gn.no_grad():`, "
                "or write x = x + y to compute a new tensor."
            )
        if not self.data.flags.writeable:
            raise RuntimeError(
                f"{spelling} would change in place the values of a tensor that a graph saved for "
                "backward (or a read-only array): call backward() on that graph first, or free it "
                "(del its output), or compute a new tensor with x = x + y."
            )

    def __iadd__(self, other: Any) -> Tensor:
        return self._in_place(np.add, other, "x += y")

    def __isub__(self, other: Any) -> Tensor:
        return self._in_place(np.subtract, other, "x -= y")

    def __imul__(self, other: Any) -> Tensor:
        return self._in_place(np.multiply, other, "x *= y")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._in_place(np.divide, other, "x /= y")

    # Comparisons return plain boolean arrays: they have no gradient.
    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _data(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _data(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _data(other)

    def __eq__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data == _data(other)

    def __ne__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data != _data(other)

    __hash__ = object.__hash__


def _recorded_parents(node: Tensor) -> tuple[Tensor, ...]:
    """The parents a node recorded; only nodes that require grad record any, so the walk
    never enters a part of the graph that needs no gradient."""
    return () if node._ctx is None else node._ctx.parents


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a Tensor from array-like data.

    Parameters
    ----------
    data : array_like
    requires_grad : bool, default False
    dtype : numpy dtype, optional
        float32 unless given, whatever the input's own type (pass ``dtype=np.float64``
        to compute in double precision, as the gradient checks do).

    Examples
    --------
    >>> x = tensor([[1.0, 2.0]], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    array([[2., 4.]], dtype=float32)

    The values are copied, as ``torch.tensor`` copies them: the tensor never shares memory
    with ``data`` (a graph may make its array read-only until ``backward``; the caller's
    array stays writable). ``Tensor(array)`` keeps the array itself.
    """
    out = Tensor(data, requires_grad=requires_grad, dtype=DEFAULT_DTYPE if dtype is None else dtype)
    source = data.data if isinstance(data, Tensor) else data
    if isinstance(source, np.ndarray) and np.may_share_memory(out.data, source):
        out.data = out.data.copy()
    return out


from glassnet.ops import elementwise as _ew  # noqa: E402  (ops need Tensor defined)
from glassnet.ops import linalg as _linalg  # noqa: E402
from glassnet.ops import shape as _shape  # noqa: E402
