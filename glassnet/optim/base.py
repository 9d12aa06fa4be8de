"""The Optimizer base: parameters packed into flat buffers, gradient clipping and state.

On :meth:`Optimizer.bind`, the parameters of one dtype are copied into ONE flat data
buffer and their gradients get ONE flat gradient buffer; each ``p.data`` and ``p.grad``
becomes a view into them. The backward pass accumulates into those views in place
(``p.grad += g``), so an update is a handful of whole-buffer NumPy calls with ``out=``
into preallocated arrays: no Python loop over parameters in the arithmetic and no
allocation per step once the state exists (it is created by the first step).

SGD, Adam and AdamW also have compiled single-pass updates, asked of
:func:`glassnet.accel.optimizer_kernel` (the same numbers bit for bit).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from glassnet import _aligned, accel
from glassnet._checks import check_flag, check_hyperparameter
from glassnet._registry import Configurable, Registry
from glassnet.optim._arguments import _check_params, check_leading_number, is_number, other_spellings
from glassnet.optim._state import state_problem
from glassnet.tensor import Tensor

__all__ = ["Optimizer", "OPTIMIZERS", "check_hyperparameter", "check_flag", "other_spellings"]

OPTIMIZERS = Registry("optimizer")

#: Added to the global norm before dividing, as ``torch.nn.utils.clip_grad_norm_``.
CLIP_EPS = 1e-6


def _optional_positive(name: str, value: Any) -> float | None:
    return None if value is None else check_hyperparameter(name, value, low_open=True)


class _FlatGroup:
    """The parameters of one dtype, packed into one data buffer and one gradient buffer.

    Attributes
    ----------
    data, grad : numpy.ndarray
        Flat buffers; ``p.data`` and ``p.grad`` of each parameter are views into them.
    state : dict of str to numpy.ndarray
        Optimizer state (moments, accumulators), each of the flat size.
    """

    def __init__(self, params: list[Tensor], dtype: np.dtype) -> None:
        self.params = params
        self.dtype = dtype
        sizes = [p.data.size for p in params]
        self.data = _aligned.empty(sum(sizes), dtype)  # the first weights keep their cache line
        self.grad = _aligned.empty(sum(sizes), dtype)
        self.grad.fill(0)
        self.data_views: list[np.ndarray] = []
        self.grad_views: list[np.ndarray] = []
        offset = 0
        for p, n in zip(params, sizes, strict=True):
            self.data_views.append(self.data[offset : offset + n].reshape(p.data.shape))
            self.grad_views.append(self.grad[offset : offset + n].reshape(p.data.shape))
            offset += n
        self.relink()
        self.state: dict[str, np.ndarray] = {}
        self._scratch: dict[str, np.ndarray] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"params": self.params, "dtype": self.dtype, "state": self.state}

    def __setstate__(self, saved: dict[str, Any]) -> None:
        """Pickling copies the views apart from the flat buffers: pack the unpickled
        parameters into new buffers (their views again) and keep the optimizer state."""
        self.__init__(saved["params"], saved["dtype"])  # type: ignore[misc]
        self.state = saved["state"]

    def relink(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Point every ``p.data`` and ``p.grad`` back at its view and count the coming update in
        the parameter's version; return (view, copy of its values) for each frozen parameter
        (``requires_grad`` False), which the step restores.

        An array that replaced a view is copied into it; a ``None`` gradient becomes zeros.
        Only identity checks run when nothing was replaced.
        """
        frozen = []
        for p, data_view, grad_view in zip(self.params, self.data_views, self.grad_views, strict=True):
            if p.data is not data_view:
                _copy_into(data_view, p.data, p, "data")
                p.data = data_view
            if p.grad is not grad_view:
                if p.grad is None:
                    grad_view.fill(0)
                else:
                    _copy_into(grad_view, p.grad, p, "grad")
                p.grad = grad_view
            if p.requires_grad:
                p._version += 1  # the step changes it in place (see "In-place changes" in Tensor)
            else:
                frozen.append((data_view, data_view.copy()))
        return frozen

    def zero_grad(self) -> None:
        self.grad.fill(0)
        for p, grad_view in zip(self.params, self.grad_views, strict=True):
            p.grad = grad_view

    def state_array(self, name: str, fill: float = 0.0) -> np.ndarray:
        """The state array ``name``, created filled with ``fill`` on first use."""
        array = self.state.get(name)
        if array is None:
            array = self.state[name] = np.full_like(self.data, fill)
        return array

    def kernel(self, name: str) -> Any:
        """The compiled update ``name`` for this group's dtype when it may run, else None."""
        return accel.optimizer_kernel(name, self.dtype)

    def scratch(self, name: str) -> np.ndarray:
        """A work buffer of the flat size, allocated once and reused by every step."""
        array = self._scratch.get(name)
        if array is None:
            array = self._scratch[name] = np.empty_like(self.data)
        return array

    def shapes(self) -> list[list[int]]:
        return [list(p.data.shape) for p in self.params]


def _copy_into(view: np.ndarray, value: Any, p: Tensor, what: str) -> None:
    value = np.asarray(value)
    if value.shape != view.shape:
        raise ValueError(
            f"parameter {p.name or ''} of shape {view.shape} had its .{what} replaced by an "
            f"array of shape {value.shape}; after changing a parameter's shape, create the "
            "optimizer again (or call bind(params))"
        )
    np.copyto(view, value, casting="same_kind")


class Optimizer(Configurable):
    """Base of the optimizers: binding, clipping, ``step``, ``zero_grad`` and state.

    Subclasses validate and store their hyperparameters, list them in ``config_keys``,
    then call ``super().__init__``; they implement ``_update(group, g)``, the update of
    one flat group from its (clipped) flat gradient ``g``.

    Parameters
    ----------
    params : iterable of Parameter, optional
        Bound at once when given; otherwise :meth:`bind` is called later (by
        ``model.compile``). A number alone in this place is the learning rate, as Keras's
        ``RMSprop(0.001)`` writes it (further settings then go by name).
    lr : float
        Learning rate alpha; may be changed at any time (schedules do).
    clipnorm : float, optional
        Rescale the gradients before the update so that their global L2 norm over all
        parameters is at most ``clipnorm``: ``g <- g * min(1, clipnorm / (||g|| + 1e-6))``
        (as ``torch.nn.utils.clip_grad_norm_``; Keras calls this ``global_clipnorm``, its
        ``clipnorm`` clips each weight's gradient separately).
    clipvalue : float, optional
        Clip every gradient component to ``[-clipvalue, clipvalue]`` (after ``clipnorm``).

    Attributes
    ----------
    iterations : int
        Number of steps taken (t in the formulas, counted from 1 at the first step).
    """

    name = "optimizer"
    config_keys: tuple[str, ...] = ("lr", "clipnorm", "clipvalue")

    def __new__(cls, *args: Any, **kwargs: Any) -> Optimizer:
        first = args[0] if args else kwargs.get("params")
        if is_number(first):
            check_leading_number(cls, args, kwargs)
        return super().__new__(cls)

    def __init__(
        self,
        params: Iterable[Tensor] | None,
        lr: float,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
    ) -> None:
        if is_number(params):  # Keras's Adam(0.001); __new__ checked that nothing else is positional
            params, lr = None, params
        self.lr = lr
        self.clipnorm = _optional_positive("clipnorm", clipnorm)
        self.clipvalue = _optional_positive("clipvalue", clipvalue)
        self.iterations = 0
        self._params: list[Tensor] = []
        self._groups: list[_FlatGroup] | None = None
        self._pending_state: dict[str, Any] | None = None
        if params is not None:
            self.bind(params)

    @property
    def lr(self) -> float:
        """The learning rate alpha (settable; validated to be a number >= 0)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        if callable(value):
            raise TypeError(
                f"lr must be a number, got the schedule {value!r}: give the starting rate here and the "
                "schedule to fit, callbacks=[gn.callbacks.LearningRateScheduler(schedule)], which sets "
                "lr = schedule(epoch) once per epoch (in a loop of your own, set optimizer.lr)")
        self._lr = check_hyperparameter("lr", value)

    @property
    def learning_rate(self) -> float:
        """Keras's name for :attr:`lr` (the same value; setting one sets the other)."""
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.lr = value

    @property
    def params(self) -> list[Tensor]:
        """The bound parameters, in the order given (empty before :meth:`bind`)."""
        return list(self._params)

    # ----------------------------------------------------------------- binding
    def bind(self, params: Iterable[Tensor]) -> Optimizer:
        """Pack ``params`` into flat buffers and make them the parameters this optimizer updates.

        Values (and any existing gradients) are copied; afterwards ``p.data`` and ``p.grad``
        are views into the buffers. Binding the same parameters again keeps the state;
        binding different ones starts afresh (state cleared, ``iterations`` = 0).

        Raises
        ------
        ValueError
            If ``params`` is empty (the model is not built yet).
        TypeError
            If an element is not a Tensor that requires grad.
        """
        params = _check_params(params)
        if [id(p) for p in params] == [id(p) for p in self._params]:
            return self
        by_dtype: dict[np.dtype, list[Tensor]] = {}
        for p in params:
            by_dtype.setdefault(p.data.dtype, []).append(p)
        self._groups = [_FlatGroup(group, dtype) for dtype, group in by_dtype.items()]
        self._params = params
        self.iterations = 0
        if self._pending_state is not None:
            pending, self._pending_state = self._pending_state, None
            self.load_state_dict(pending)
        return self

    def _bound_groups(self) -> list[_FlatGroup]:
        if self._groups is None:
            raise RuntimeError(
                f"{type(self).__name__} has no parameters: pass them to the constructor "
                "(e.g. Adam(model.parameters())) or call bind(params); model.compile does it"
            )
        return self._groups

    # -------------------------------------------------------------------- step
    def zero_grad(self) -> None:
        """Set every gradient to zero (in the flat buffer; ``p.grad`` stays a view)."""
        for group in self._bound_groups():
            group.zero_grad()

    def step(self) -> None:
        """Update every parameter in place from its gradient.

        A ``p.data`` or ``p.grad`` that was replaced by another array is first copied into
        the flat buffers. A ``None`` gradient counts as zero, so, with momentum or Adam,
        that parameter still moves (``torch.optim`` skips such parameters instead). A frozen
        parameter (``requires_grad`` False) never moves; its optimizer state still decays
        as for a zero gradient.
        """
        groups = self._bound_groups()
        frozen = [pair for group in groups for pair in group.relink()]
        grads = self._clipped_grads(groups)
        self.iterations += 1
        for group, g in zip(groups, grads, strict=True):
            self._update(group, g)
        for view, values in frozen:
            np.copyto(view, values)

    def _update(self, group: _FlatGroup, g: np.ndarray) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not define _update()")

    def _clipped_grads(self, groups: list[_FlatGroup]) -> list[np.ndarray]:
        grads = [group.grad for group in groups]
        if self.clipnorm is not None:
            total = math.sqrt(sum(float(np.dot(g, g)) for g in grads))
            coef = self.clipnorm / (total + CLIP_EPS)
            if coef < 1.0:
                grads = [np.multiply(gr.grad, coef, out=gr.scratch("grad")) for gr in groups]
        if self.clipvalue is not None:
            c = self.clipvalue
            pairs = zip(grads, groups, strict=True)
            grads = [np.clip(g, -c, c, out=gr.scratch("grad")) for g, gr in pairs]
        return grads

    @staticmethod
    def _add_weight_decay(group: _FlatGroup, g: np.ndarray, weight_decay: float) -> np.ndarray:
        """``g + weight_decay * w``: the gradient of the L2 penalty (weight_decay/2) ||w||^2 added."""
        if weight_decay == 0:
            return g
        tmp = group.scratch("tmp")
        np.multiply(group.data, weight_decay, out=tmp)
        return np.add(g, tmp, out=group.scratch("grad"))

    # ------------------------------------------------------------------- state

    def state_dict(self) -> dict[str, Any]:
        """Hyperparameters, step count and copies of the state arrays.

        Returns
        -------
        dict
            ``config`` (JSON-able hyperparameters), ``iterations``, ``shapes`` (per flat
            group: dtype and parameter shapes) and ``state``: flat NumPy arrays named
            ``"<group>.<name>"`` (e.g. ``"0.exp_avg"``).
        """
        groups = self._groups or []
        return {
            "config": self.get_config(),
            "iterations": self.iterations,
            "shapes": [[str(g.dtype), g.shapes()] for g in groups],
            "state": {f"{i}.{k}": a.copy() for i, g in enumerate(groups) for k, a in g.state.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned; the next steps continue bit for bit.

        Before :meth:`bind`, the state is kept and applied when the parameters are bound.

        Raises
        ------
        ValueError
            If the state is not laid out as :meth:`state_dict` returns it (what is expected
            is said), or belongs to another optimizer or to parameters of other shapes.
        """
        problem = state_problem(state)
        if problem:
            raise ValueError(f"{type(self).__name__}.load_state_dict: not an optimizer state ({problem}); "
                             "pass what optimizer.state_dict() returned")
        config = dict(state["config"])
        if config.pop("name", self.name) != self.name:
            raise ValueError(
                f"cannot load the state of a {state['config']['name']!r} optimizer into "
                f"{type(self).__name__} ({self.name!r})"
            )
        fresh = type(self)(**config)
        if self._groups is None:
            self._pending_state = state
            return
        shapes = [[str(g.dtype), g.shapes()] for g in self._groups]
        if [[str(d), [list(s) for s in ss]] for d, ss in state["shapes"]] != shapes:
            raise ValueError(
                f"the state was saved for parameters {state['shapes']} but this optimizer "
                f"holds {shapes}"
            )
        for group in self._groups:
            group.state = {}
        for key, value in state["state"].items():
            index, _, name = key.partition(".")
            group = self._groups[int(index)]
            group.state[name] = np.array(value, dtype=group.dtype).reshape(group.data.shape)
        for key in self.config_keys:
            setattr(self, key, getattr(fresh, key))
        self.iterations = int(state["iterations"])

