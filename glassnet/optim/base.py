"""The Optimizer base: parameters packed into flat buffers, gradient clipping and state.

On :meth:`Optimizer.bind`, the parameters of one parameter group and one dtype are copied
into ONE flat data buffer and their gradients get ONE flat gradient buffer; each ``p.data``
and ``p.grad`` becomes a view into them. The backward pass accumulates into those views in place
(``p.grad += g``), so an update is a handful of whole-buffer NumPy calls with ``out=``
into preallocated arrays: no Python loop over parameters in the arithmetic and no
allocation per step once the state exists (it is created by the first step).

SGD, Adam and AdamW also have compiled single-pass updates, asked of
:func:`glassnet.accel.optimizer_kernel` (the same numbers bit for bit).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from glassnet._checks import check_flag, check_hyperparameter
from glassnet._grad_mode import enable_grad
from glassnet._registry import Configurable, Registry
from glassnet.optim import _state
from glassnet.optim._arguments import check_leading_number, group_spellings, is_number, other_spellings
from glassnet.optim._flat import FlatGroup
from glassnet.optim._groups import Option, ParamGroup, group_entries
from glassnet.tensor import Tensor

__all__ = ["Optimizer", "OPTIMIZERS", "FlatGroup", "Option", "check_hyperparameter", "check_flag",
           "other_spellings"]

OPTIMIZERS = Registry("optimizer")

#: Added to the global norm before dividing, as ``torch.nn.utils.clip_grad_norm_``.
CLIP_EPS = 1e-6


def _rate(lr: Any) -> float:
    """The learning rate, checked: a number >= 0; a schedule gets the spelling that takes it."""
    if callable(lr):
        raise TypeError(
            f"lr must be a number, got the schedule {lr!r}: give the starting rate here and the "
            "schedule to fit, callbacks=[gn.callbacks.LearningRateScheduler(schedule)], which sets "
            "lr = schedule(epoch) once per epoch (in a loop of your own, set optimizer.lr)")
    return check_hyperparameter("lr", lr)


def _optional_positive(name: str, value: Any) -> float | None:
    return None if value is None else check_hyperparameter(name, value, low_open=True)


class Optimizer(Configurable):
    """Base of the optimizers: parameter groups, binding, clipping, ``step``, ``zero_grad`` and state.

    Subclasses declare each hyperparameter as an :class:`Option`, list them in
    ``config_keys``, validate and set them in ``__init__``, then call ``super().__init__``;
    they implement ``_update(group, g)``, the update of one flat group from its (clipped)
    flat gradient ``g``, reading the hyperparameters in ``group.options``.

    Parameters
    ----------
    params : iterable of Parameter, or of dicts, optional
        The parameters to update, bound at once when given; otherwise :meth:`bind` is
        called later (by ``model.compile``). As in PyTorch, a list of dicts gives parameter
        groups with their own options, e.g. ``Adam([{"params": a.parameters()},
        {"params": b.parameters(), "lr": 1e-3}], lr=1e-2)``: each group takes the
        optimizer's value for an option it does not give.
        A number alone in this place is the learning rate, as Keras's ``RMSprop(0.001)``
        writes it (further settings then go by name).
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
    param_groups : list of dict
        One dict per group: ``"params"`` and the value of every hyperparameter (see
        :class:`~glassnet.optim._groups.ParamGroup`); the update reads them at every step.
    defaults : dict
        The constructor's hyperparameters, taken by groups that do not set their own.
    iterations : int
        Number of steps taken (t in the formulas, counted from 1 at the first step; a group
        added later counts its own steps from 1, as PyTorch does).

    Examples
    --------
    An optimizer of one's own, plain gradient descent on each flat group:

    >>> class GD(gn.optim.Optimizer):
    ...     def _update(self, group, g):
    ...         group.data -= group.options["lr"] * g
    ...
    >>> w = gn.Parameter(np.array([1.0, -2.0], dtype=np.float32))
    >>> opt = GD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> print(w.numpy())
    [ 0.8 -1.6]
    """

    name = "optimizer"
    config_keys: tuple[str, ...] = ("lr", "clipnorm", "clipvalue")
    lr = Option()

    def __new__(cls, *args: Any, **kwargs: Any) -> Optimizer:
        first = args[0] if args else kwargs.get("params")
        if is_number(first):
            check_leading_number(cls, args, kwargs)
        return super().__new__(cls)

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]] | None,
        lr: float,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
    ) -> None:
        if is_number(params):  # Keras's Adam(0.001); __new__ checked that nothing else is positional
            params, lr = None, params
        self.lr = _rate(lr)
        self.clipnorm = _optional_positive("clipnorm", clipnorm)
        self.clipvalue = _optional_positive("clipvalue", clipvalue)
        self.iterations = 0
        self.defaults = {key: self.defaults[key] for key in self.option_keys}
        self.param_groups: list[ParamGroup] = []
        self._params: list[Tensor] = []
        self._groups: list[FlatGroup] = []
        self._pending_state: dict[str, Any] | None = None
        if params is not None:
            self.bind(params)

    @property
    def learning_rate(self) -> float:
        """Keras's name for :attr:`lr` (the same value; setting one sets the other)."""
        return self.lr

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.lr = value

    @property
    def params(self) -> list[Tensor]:
        """The bound parameters, group after group (empty before :meth:`bind`)."""
        return list(self._params)

    # ---------------------------------------------------------------- options
    @property
    def option_keys(self) -> tuple[str, ...]:
        """The hyperparameters each parameter group holds (``config_keys`` but the clipping)."""
        return tuple(k for k in self.config_keys if k not in ("clipnorm", "clipvalue"))

    def _shared_option(self, name: str) -> Any:
        values = [group[name] for group in self.__dict__.get("param_groups", ())] or [self.defaults[name]]
        if any(value != values[0] for value in values):
            raise ValueError(
                f"the parameter groups of this {type(self).__name__} have different values of {name}: "
                f"{values}; read or set optimizer.param_groups[i][{name!r}]"
            )
        return values[0]

    def _set_option(self, name: str, value: Any) -> None:
        if "param_groups" not in self.__dict__:  # the constructor, which validated the value
            self.__dict__.setdefault("defaults", {})[name] = value
            return
        self.defaults = {**self.defaults, **self._group_options({name: value}, self.defaults)}
        for group in self.param_groups:
            group[name] = value

    def _checked_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """``options`` (every hyperparameter, in glassnet's names) validated by the constructor."""
        return type(self)(**options).defaults

    def _group_options(self, entries: Any, current: Any) -> dict[str, Any]:
        """The ``entries`` of a group (its own options and keys, no "params") checked against
        the ``current`` values of the others; options in glassnet's names."""
        if len(entries) == 1 and "lr" in entries:  # what schedulers set, at every step for some
            return {"lr": _rate(entries["lr"])}
        options, extra = group_spellings(type(self), dict(entries))
        if options:
            merged = {key: current[key] for key in self.option_keys}
            options = self._checked_options({**merged, **options})
        return {**options, **extra}

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (the defaults of the groups), with the registry ``name``."""
        wide = {"clipnorm": self.clipnorm, "clipvalue": self.clipvalue}
        return {"name": self.name, **{key: {**self.defaults, **wide}[key] for key in self.config_keys}}

    def __repr__(self) -> str:
        config = self.get_config()
        config.pop("name")
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in config.items())})"

    # ----------------------------------------------------------------- binding
    def bind(self, params: Iterable[Tensor] | Iterable[dict[str, Any]]) -> Optimizer:
        """Make ``params`` (parameters, or dicts of parameter groups) the parameters this
        optimizer updates, packed into flat buffers.

        Values (and any existing gradients) are copied; afterwards ``p.data`` and ``p.grad``
        are views into the buffers. Binding the parameters it holds again (in any order)
        keeps the groups and the state; binding others starts afresh (state cleared,
        ``iterations`` = 0).

        Raises
        ------
        ValueError
            If ``params`` is empty (the model is not built yet), or a parameter is in two groups.
        TypeError
            If an element is not a Tensor that requires grad, or a group's option is not one
            of this optimizer's.
        """
        entries = group_entries(params)
        if len(entries) == 1 and len(entries[0]) == 1 and self._groups and \
                {id(p) for p in entries[0]["params"]} == {id(p) for p in self._params}:
            return self
        self.param_groups, self._params, self._groups = [], [], []
        self.iterations = 0
        for entry in entries:
            self._add_group(entry)
        if self._pending_state is not None:
            pending, self._pending_state = self._pending_state, None
            self.load_state_dict(pending)
        return self

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options, as ``torch.optim``'s: options it
        does not give take the optimizer's :attr:`defaults`. The state of the other groups
        is kept; the new group's step count starts at 0.

        Raises
        ------
        ValueError
            If one of its parameters is already in a group.
        TypeError
            If it is not a dict with ``"params"``, or gives an option this optimizer does not take.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"add_param_group takes a dict {{'params': [...], 'lr': ...}}, got "
                            f"{type(param_group).__name__}")
        self._add_group(group_entries(param_group)[0])

    def _add_group(self, entry: dict[str, Any]) -> None:
        params = entry.pop("params")
        held = {id(p) for p in self._params}
        twice = sum(id(p) in held for p in params)
        if twice:
            raise ValueError(f"{twice} parameter(s) of this group are already in another group of the "
                             "optimizer; each parameter may be in one group only")
        group = ParamGroup({"params": params, **self.defaults, **self._group_options(entry, self.defaults)},
                           self._group_options)
        by_dtype: dict[np.dtype, list[Tensor]] = {}
        for p in params:
            by_dtype.setdefault(p.data.dtype, []).append(p)
        self._groups += [FlatGroup(members, dtype, group) for dtype, members in by_dtype.items()]
        self.param_groups.append(group)
        self._params += params

    def _bound_groups(self) -> list[FlatGroup]:
        if not self._groups:
            raise RuntimeError(
                f"{type(self).__name__} has no parameters: pass them to the constructor "
                "(e.g. Adam(model.parameters())) or call bind(params); model.compile does it"
            )
        return self._groups

    # -------------------------------------------------------------------- step
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every gradient to zero (in the flat buffer; ``p.grad`` stays a view).

        ``set_to_none`` is PyTorch's, accepted either way: here a gradient is always an array
        of the flat buffer, and zeros are what PyTorch's None stands for (the next backward
        pass adds the new gradient in both).
        """
        check_flag("set_to_none", set_to_none)
        for group in self._bound_groups():
            group.zero_grad()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter in place from its gradient; return what ``closure`` returned.

        ``closure`` (PyTorch's), when given, is called first with gradients enabled: a
        function that computes the loss again and its gradients (``zero_grad``, forward,
        ``backward``) and returns the loss.

        A ``p.data`` or ``p.grad`` that was replaced by another array is first copied into
        the flat buffers. A ``None`` gradient counts as zero, so, with momentum or Adam,
        that parameter still moves (``torch.optim`` skips such parameters instead). A frozen
        parameter (``requires_grad`` False) never moves; its optimizer state still decays
        as for a zero gradient.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        groups = self._bound_groups()
        frozen = [pair for group in groups for pair in group.relink()]
        grads = self._clipped_grads(groups)
        self.iterations += 1
        for group, g in zip(groups, grads, strict=True):
            group.steps += 1
            self._update(group, g)
        for view, values in frozen:
            np.copyto(view, values)
        return loss

    def _update(self, group: FlatGroup, g: np.ndarray) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not define _update()")

    def _clipped_grads(self, groups: list[FlatGroup]) -> list[np.ndarray]:
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
    def _add_weight_decay(group: FlatGroup, g: np.ndarray, weight_decay: float) -> np.ndarray:
        """``g + weight_decay * w``: the gradient of the L2 penalty (weight_decay/2) ||w||^2 added."""
        if weight_decay == 0:
            return g
        tmp = group.scratch("tmp")
        np.multiply(group.data, weight_decay, out=tmp)
        return np.add(g, tmp, out=group.scratch("grad"))

    # ------------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        """Hyperparameters, parameter groups, step counts and copies of the state arrays.

        Returns
        -------
        dict
            ``config`` (JSON-able constructor hyperparameters), ``iterations``,
            ``param_groups`` (each group's options and keys, its ``"params"`` as positions
            in :attr:`params`, as PyTorch saves them), ``shapes`` and ``steps`` (per flat
            group: dtype and parameter shapes; updates made) and ``state``: flat NumPy arrays
            named ``"<flat group>.<name>"`` (e.g. ``"0.exp_avg"``).
        """
        return _state.save(self)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (the groups' options included); the next
        steps continue bit for bit.

        Before :meth:`bind`, the state is kept and applied when the parameters are bound.

        Raises
        ------
        ValueError
            If the state is not laid out as :meth:`state_dict` returns it (what is expected
            is said), or belongs to another optimizer or to other groups or parameter shapes.
        """
        _state.load(self, state)
