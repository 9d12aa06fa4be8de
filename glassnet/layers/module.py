"""Module and Parameter: the containers that layers and models are made of."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from glassnet import _random
from glassnet.layers import _weights
from glassnet.layers._device_habits import DeviceHabits
from glassnet.layers._modes import _evaluation, _Structure, evaluating, layer_mode, structure_version
from glassnet.layers._weights import load_state
from glassnet.symbolic import Symbolic
from glassnet.tensor import Tensor

__all__ = ["Parameter", "Module", "Layer", "evaluating", "structure_version"]


#: Attributes whose assignment changes no computation's structure: the mode flags (read at
#: call time) and the models' cache of their modules.
_MODES = frozenset({"training", "_training", "_module_cache"})


class Parameter(Tensor):
    """A Tensor that requires grad and is found by the Module that holds it.

    Parameters
    ----------
    data : array_like
        Initial values; a floating NumPy array keeps its dtype, anything else becomes float32.
    name : str, optional
    dtype : numpy dtype, optional
        Convert the values to this floating-point type.

    Examples
    --------
    >>> W = Parameter(np.zeros((2, 3)))
    >>> W.requires_grad
    True
    """

    __slots__ = ()

    def __init__(self, data: Any, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(data, requires_grad=True, dtype=dtype, name=name)

    def __repr__(self) -> str:
        return f"Parameter(name={self.name!r}, shape={self.shape}, dtype={self.dtype})"


class Module(DeviceHabits):
    """Base of layers and models.

    A Module finds the Parameters, buffers (non-trained state such as running means) and
    sub-modules stored in its attributes, in the order they were assigned. Calling a
    module calls its ``forward``. ``training`` is True after construction and after
    ``train()``, False after ``eval()`` and in a thread inside :class:`evaluating`
    (``predict``, ``evaluate``); dropout and batch normalization read it. PyTorch's
    ``.cpu()`` and ``.to("cpu")`` return the module; ``.cuda()``, ``.double()`` and the other
    conversions are refused, naming glassnet's way (see ``glassnet.layers._device_habits``).

    Parameters
    ----------
    name : str, optional
        A name for the summary and the glass-box tools; the class's by default.

    Examples
    --------
    A module of one's own assigns its Parameters and sub-modules as attributes, as in PyTorch:

    >>> class Affine(gn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = gn.Parameter(np.array([2.0], dtype=np.float32))
    ...         self.b = gn.Parameter(np.array([1.0], dtype=np.float32))
    ...     def forward(self, x):
    ...         return x * self.w + self.b
    ...
    >>> m = Affine()
    >>> print(m(gn.tensor([3.0])).numpy(), len(list(m.parameters())))
    [7.] 2
    """

    @property
    def training(self) -> bool:
        """Training mode (True) or evaluation mode (False) of this module in this thread."""
        return self._training and not _evaluation.active

    @training.setter
    def training(self, mode: bool) -> None:
        self._training = mode

    def __init__(self, name: str | None = None) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: name must be a str or None, got {name!r}")
        self.training = True
        self.name = name or type(self).__name__.lower()
        self._buffers: list[str] = []

    def __setattr__(self, name: str, value: Any) -> None:
        changed = name not in _MODES and vars(self).get(name, _Structure) is not value
        object.__setattr__(self, name, value)
        if changed:  # ``self.running_mean *= m`` rebinds the same array: nothing changed
            _Structure.version += 1

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------- discovery
    def register_buffer(self, name: str, value: np.ndarray) -> None:
        """Store a non-trained array (saved in ``state_dict``, not updated by optimizers)."""
        setattr(self, name, value)
        if name not in self._buffers:
            self._buffers.append(name)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules, with their attribute names (lists give name.i)."""
        for key, value in vars(self).items():
            if isinstance(value, Module):
                yield key, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{key}.{i}", item

    def children(self) -> list[Module]:
        """The direct sub-modules (see :meth:`named_children`)."""
        return [m for _, m in self.named_children()]

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn(module)`` on every sub-module, children first, then on this module, as
        PyTorch's ``apply`` (e.g. to initialize weights); returns this module."""
        if not callable(fn):
            raise TypeError(f"apply takes a function of one module, got {fn!r}")
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every sub-module, depth first; a shared module appears once."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module.named_children()]
            stack.extend(reversed(children))

    def modules(self) -> list[Module]:
        return [m for _, m in self.named_modules()]

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Parameter]]:
        """Every Parameter with a dotted name ("layers.0.W"); a shared one is listed once."""
        out: list[tuple[str, Parameter]] = []
        seen: set[int] = set()
        for mname, module in self.named_modules(prefix):
            for key, value in vars(module).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    out.append((f"{mname}.{key}" if mname else key, value))
        return out

    def parameters(self) -> list[Parameter]:
        """Every Parameter, in a stable order (frozen ones too, see :attr:`trainable`)."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self) -> list[tuple[str, np.ndarray]]:
        out = []
        for mname, module in self.named_modules():
            for key in module._buffers:
                out.append((f"{mname}.{key}" if mname else key, getattr(module, key)))
        return out

    def count_params(self) -> int:
        """Number of scalars in the parameters (frozen ones too, as Keras's ``count_params``)."""
        return sum(p.size for p in self.parameters())

    # ----------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, batch statistics) for this module and its children."""
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (dropout off, running statistics)."""
        return self.train(False)

    @property
    def trainable(self) -> bool:
        """Whether training updates this module's weights (Keras's ``layer.trainable``).

        ``module.trainable = False`` freezes every Parameter of the module and of its
        sub-modules (``requires_grad`` False, also for weights a lazy layer creates later):
        they receive no gradient, their penalty adds no gradient (its value still counts in
        the reported loss) and no optimizer step moves them. ``True`` unfreezes them.
        Batch normalization keeps using the batch statistics in training, as PyTorch does
        for frozen parameters (Keras switches a frozen BatchNormalization to inference).
        """
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"trainable must be True or False, got {value!r}")
        for module in self.modules():
            module._trainable = bool(value)
            for item in vars(module).values():
                if isinstance(item, Parameter):
                    item.requires_grad = bool(value)

    _trainable = True

    def zero_grad(self) -> None:
        """Forget the accumulated gradients of every parameter."""
        for p in self.parameters():
            p.grad = None

    # ----------------------------------------------------------------- state
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, by dotted name."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        state.update({name: np.array(b, copy=True) for name, b in self.named_buffers()})
        return state

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy values into the parameters and buffers in place (names and shapes checked).

        Raises
        ------
        KeyError
            With ``strict``, when names are missing or unexpected (both are listed).
        ValueError
            When a shape differs (the name and both shapes are given).

        A graph recorded before the load and not yet back-propagated refuses ``backward``
        afterwards (the loaded parameters' versions went up).
        """
        load_state(self, state, strict)

    def _buffer_owners(self) -> Iterator[tuple[str, Module]]:
        for mname, module in self.named_modules():
            for key in module._buffers:
                yield (f"{mname}.{key}" if mname else key), module

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class Layer(Module):
    """A Module whose weights are created lazily from the shape of its first input.

    Subclasses implement ``build(input_shape, rng)`` (create Parameters; ``input_shape``
    excludes the batch axis), ``call(x)`` (the computation on a Tensor),
    ``compute_output_shape(input_shape)`` and ``get_config()`` (the constructor arguments,
    JSON-serializable, so that ``cls(**config)`` rebuilds the layer).

    Parameters
    ----------
    name : str, optional
        A name for the summary and the glass-box tools; the class's by default.

    Attributes
    ----------
    built : bool
    input_shape : tuple or None
        Per-sample input shape seen at build time.
    dtype : numpy dtype or None
        Dtype of the weights, taken from the first input (float32 by default).
    rng : numpy.random.Generator or None
        Source of randomness for initialization and dropout; set by the model from its
        ``seed`` so that runs are reproducible.
    static_graph : bool
        Declared True by a class whose ``call`` records the same operations with the same
        options on every call for inputs of one shape: no randomness, no state changed in
        Python. Training records one step of a model made of such layers and replays it
        (:mod:`glassnet.training.replay`). It counts only for the class that declares it,
        not for its subclasses, which may compute something else.
    static_in_evaluation : bool
        The same promise for evaluation mode only (Dropout, BatchNormalization): ``predict``
        and ``evaluate`` record one pass and replay it (:mod:`glassnet.training.forward`).
    declared_input_shape : tuple or None
        The per-sample input shape given to the constructor (``input_dim``, Keras's
        ``input_shape``), known before any data: a Sequential model whose first layer
        declares one creates its weights at once.

    Examples
    --------
    A layer of one's own creates its weights from the first input's shape:

    >>> class Scale(gn.layers.Layer):
    ...     def build(self, input_shape, rng=None):
    ...         self.w = gn.Parameter(np.ones(input_shape, dtype=np.float32))
    ...     def call(self, x):
    ...         return x * self.w
    ...     def compute_output_shape(self, input_shape):
    ...         return input_shape
    ...
    >>> layer = Scale()
    >>> print(layer(gn.tensor([[1.0, 2.0]])).numpy(), layer.w.shape)
    [[1. 2.]] (2,)
    """

    static_graph = False
    static_in_evaluation = False
    declared_input_shape: tuple[int, ...] | None = None

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name)
        self.built = False
        self.input_shape: tuple[int, ...] | None = None
        self.dtype: np.dtype | None = None
        self.rng: np.random.Generator | None = None
        self._construction_weights: list[np.ndarray] | None = None

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        """Create the weights for inputs of per-sample shape ``input_shape``."""

    def call(self, x: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define call()")

    def weight_shapes(self, input_shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
        """The shapes of the parameters and buffers :meth:`build` creates for inputs of
        per-sample ``input_shape``, by attribute name, without creating them (model files
        are checked against them before anything is allocated); {} for a layer without
        weights or for an input it would refuse."""
        return {}

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights as NumPy arrays (Keras's name): the Parameters, then the buffers."""
        return _weights.get_weights(self)

    def set_weights(self, weights: list[Any]) -> None:
        """Copy arrays into the weights, in :meth:`get_weights` order; their number and each
        shape are checked first, and the messages name this layer."""
        _weights.set_weights(self, weights)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Per-sample output shape for a per-sample input shape (default: unchanged)."""
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def penalized_weights(self) -> list[tuple[Any, Tensor]]:
        """(regularizer, weight) pairs whose penalties join the training loss (none here)."""
        return []

    def regularization_loss(self) -> Tensor | None:
        """This layer's weight penalty, or None."""
        pairs = [(reg, W) for reg, W in self.penalized_weights() if reg.active]
        if not pairs:
            return None
        total = pairs[0][0](pairs[0][1])
        for reg, W in pairs[1:]:
            total = total + reg(W)
        return total

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    def ensure_built(self, input_shape: tuple[int, ...], dtype: Any = np.float32) -> None:
        """Build once, from the per-sample ``input_shape``; later calls only check it."""
        if self.built:
            if input_shape != self.input_shape:
                self.check_input_shape(tuple(input_shape))
            return
        input_shape = tuple(int(n) for n in input_shape)
        if self.rng is None:
            self.rng = _random.generator()
        self.dtype = np.dtype(dtype)
        self.input_shape = input_shape
        self.build(input_shape, self.rng)
        self.built = True
        if not self._trainable:
            self.trainable = False

    def build_at_construction(self, input_shape: tuple[int, ...]) -> None:
        """Create the weights now, for a layer told its input size (``Dense(64, input_dim=10)``),
        so that ``parameters()`` is ready for an optimizer, as a PyTorch layer's is.

        They are drawn from an unseeded generator in float32. A model that receives the layer
        while these weights are untouched (never stepped, loaded nor written by glassnet)
        draws them again from its own ``seed`` and in its ``dtype``: see :meth:`renew_weights`.
        """
        self.ensure_built(input_shape)
        self._construction_weights = [p.data for p in self._own_parameters().values()]

    def has_construction_weights(self) -> bool:
        """Whether the weights are still the arrays :meth:`build_at_construction` drew."""
        arrays = self._construction_weights
        params = list(self._own_parameters().values())
        return arrays is not None and len(arrays) == len(params) and all(
            p.data is a and p._version == 0 for p, a in zip(params, arrays))

    def renew_weights(self, dtype: Any) -> None:
        """Draw the weights again from ``self.rng`` in ``dtype``; the Parameter objects stay
        (an optimizer already holding them keeps working), their arrays are replaced."""
        previous = self._own_parameters()
        self.built = False
        self.ensure_built(self.input_shape, dtype)
        for key, param in previous.items():
            param.data = getattr(self, key).data
            setattr(self, key, param)
        self._construction_weights = [p.data for p in previous.values()]

    def _own_parameters(self) -> dict[str, Parameter]:
        return {key: value for key, value in vars(self).items() if isinstance(value, Parameter)}

    def check_input_shape(self, input_shape: tuple[int, ...]) -> None:
        """Raise a clear error when an input does not fit the built weights."""
        if self.input_shape is not None and tuple(input_shape) != self.input_shape:
            raise ValueError(
                f"layer {self.name!r} ({type(self).__name__}) was built for inputs of shape "
                f"(N, {', '.join(map(str, self.input_shape))}) but received "
                f"(N, {', '.join(map(str, input_shape))})"
            )

    def forward(self, x: Any, training: bool | None = None) -> Any:
        """Build from the first input, then :meth:`call`. ``training=True`` / ``False`` runs
        this call in training / evaluation mode whatever the model's (Keras's
        ``layer(x, training=training)`` inside a subclassed model's ``call``)."""
        if training is not None:
            with layer_mode(self, training):
                return self.forward(x)
        if isinstance(x, Symbolic):
            return Symbolic.record(self, x)
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x, dtype=self.dtype or np.float32))
        self.ensure_built(x.shape[1:], x.dtype)
        return self.call(x)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"
