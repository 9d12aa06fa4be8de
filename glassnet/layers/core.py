"""Core layers: Dense, Activation, Dropout (Flatten and Reshape: :mod:`glassnet.layers.reshaping`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet import _aligned, activations
from glassnet._checks import check_flag
from glassnet.function import Function
from glassnet.layers._arguments import declare_input, dense_input_dim, input_config
from glassnet.layers.module import Layer, Parameter
from glassnet.ops.linalg import Linear
from glassnet.tensor import Tensor

__all__ = ["KernelLayer", "Dense", "Activation", "Dropout", "final_activation",
           "splits"]


def _activation_name(activation: str | Callable[[Tensor], Tensor] | None) -> str | None:
    if activation is None or isinstance(activation, str):
        return activation
    return activations.name_of(activation) or getattr(activation, "__name__", "custom")


class KernelLayer(Layer):
    """Base of the layers with weights W (and bias b) followed by an activation:
    a = g(z), z = pre_activation(x). Holds what Dense and the convolutions share: the
    activation, the initializers, the kernel regularizer, and their config."""

    def __init__(self, name: str, activation: str | Callable[[Tensor], Tensor] | None, use_bias: bool,
                 kernel_initializer: Any, bias_initializer: Any, kernel_regularizer: Any,
                 bias_regularizer: Any = None, activity_regularizer: Any = None) -> None:
        from glassnet import initializers, regularizers

        super().__init__(name)
        _refuse_other_penalties(type(self).__name__, bias_regularizer, activity_regularizer)
        self.g = activations.get(activation)
        self.activation = _activation_name(activation)
        self.use_bias = check_flag("use_bias", use_bias)
        if kernel_initializer is not None:
            initializers.get(kernel_initializer)
        initializers.get(bias_initializer)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self._penalty = regularizers.get(kernel_regularizer)
        self.W: Parameter | None = None
        self.b: Parameter | None = None

    def pre_activation(self, x: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define pre_activation()")

    def kernel_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...] | None:
        """The shape of W for inputs of per-sample ``input_shape``; None for an input of
        another rank than the layer takes."""
        raise NotImplementedError(f"{type(self).__name__} does not define kernel_shape()")

    def weight_shapes(self, input_shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
        """W from :meth:`kernel_shape`, and b with one value per unit (its last axis for
        Dense, its first for the convolutions)."""
        kernel = self.kernel_shape(tuple(input_shape))
        if kernel is None:
            return {}
        return {"W": kernel, **({"b": (self.n_units,)} if self.use_bias else {})}

    @property
    def n_units(self) -> int:
        """The number of outputs per position: Dense's units, a convolution's filters."""
        raise NotImplementedError(f"{type(self).__name__} does not define n_units")

    def create_weights(self, kernel_shape: tuple[int, ...], units: int, rng: np.random.Generator) -> None:
        """W from ``kernel_initializer`` (default: by activation, see
        :func:`glassnet.initializers.default_for`) and b of ``units`` values, each
        starting on a cache line (see :mod:`glassnet._aligned`)."""
        from glassnet import initializers

        init = self.kernel_initializer
        kernel_init = initializers.default_for(self.activation) if init is None else initializers.get(init)
        W = kernel_init(kernel_shape, rng, self.dtype, for_weights=True)
        self.W = Parameter(_aligned.copy(W), name="W")
        if self.use_bias:
            bias_init = initializers.get(self.bias_initializer)
            self.b = Parameter(_aligned.copy(bias_init((units,), rng, self.dtype)), name="b")

    def call(self, x: Tensor) -> Tensor:
        return self.activate(self.pre_activation(x))

    def activate(self, z: Tensor) -> Tensor:
        """a = g(z): the second half of :meth:`call` (a model applies it to its logits)."""
        return z if self.activation in (None, "identity", "linear") else self.g(z)

    def penalized_weights(self) -> list[tuple[Any, Tensor]]:
        """W with its ``kernel_regularizer``, once built."""
        if self._penalty is None or self.W is None:
            return []
        return [(self._penalty, self.W)]

    def weight_config(self) -> dict[str, Any]:
        """The shared constructor arguments, JSON-serializable."""
        return {
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": _config_of(self.kernel_initializer),
            "bias_initializer": _config_of(self.bias_initializer),
            "kernel_regularizer": _config_of(self.kernel_regularizer),
        }


class Dense(KernelLayer):
    """Fully connected layer: every input feeds every unit.

    .. math::

        z = a_{prev} W + b, \\qquad a = g(z)

    Shape: input (N, inputs) -> output (N, units). ``W`` has shape (inputs, units) and
    ``b`` shape (units,), so one row of ``a_prev`` times ``W`` is one sample's z.

    Parameters
    ----------
    units : int
        Number of neurons.
    activation : str or callable, optional
        g, by name (see :mod:`glassnet.activations`) or as a function; None is identity.
    use_bias : bool, default True
        Keras's switch: False is ``bias=None``.
    bias : {"per_unit", "shared", None, True, False}, default "per_unit"
        "per_unit": b has one value per unit, b of shape (units,). "shared": one scalar bias
        for the whole layer, b of shape (1,), added to every unit (the lectures' 2-2-2
        network has one b1 and one b2); its gradient is the sum of the units' deltas,
        dE/db = sum_samples sum_units delta. None: no bias (as ``use_bias=False``). True
        and False are PyTorch's ``nn.Linear(bias=...)``: "per_unit" and None. The kind is
        kept as ``layer.bias_kind``; the bias itself is ``layer.b``.
    kernel_initializer : str or initializer, optional
        Default: glorot_uniform; he_normal for the ReLU family; lecun_normal for selu.
    bias_initializer : str or initializer, default "zeros"
    kernel_regularizer : regularizer, optional
        A penalty on W added to the training loss (see :mod:`glassnet.regularizers`).
    bias_regularizer, activity_regularizer : None
        Keras's arguments; anything but None is refused (glassnet penalizes W only).
    input_dim : int, optional
        Number of inputs. With it, the weights exist at once (as in PyTorch's
        ``nn.Linear(10, 64)``), so that ``optimizer(module.parameters())`` works before any
        data; a model given the layer redraws them from its ``seed`` and in its ``dtype``
        (see :meth:`~glassnet.layers.module.Layer.build_at_construction`). Without it the
        layer is built from its first input.
    name : str, optional
    input_shape : (int,), optional
        Keras's spelling of ``input_dim``: ``input_shape=(4,)`` is ``input_dim=4``.

    Examples
    --------
    >>> layer = Dense(3, activation="relu", input_dim=2)
    >>> layer(np.ones((4, 2))).shape
    (4, 3)

    One bias shared by the layer's units:

    >>> shared = Dense(3, bias="shared", input_dim=2)
    >>> shared.b.shape
    (1,)
    """

    static_graph = True

    def __init__(
        self,
        units: int,
        activation: str | Callable[[Tensor], Tensor] | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = None,
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        input_dim: int | None = None,
        name: str | None = None,
        *,
        input_shape: tuple[int] | None = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        bias: str | None = "per_unit",
    ) -> None:
        input_dim = dense_input_dim(input_dim, input_shape)
        self.bias_kind = _bias_kind(bias, use_bias)
        super().__init__(name or "dense", activation, self.bias_kind is not None, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"Dense: units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.input_dim = _input_dim(input_dim)
        if self.input_dim is not None:
            self.build_at_construction((self.input_dim,))

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Dense:
        """The layer a config describes, not yet built (a model file's architecture is checked
        against its weights before any weight is allocated)."""
        config = dict(config)
        input_dim = _input_dim(config.pop("input_dim", None))
        layer = cls(**config)
        layer.input_dim = input_dim
        return layer

    @property
    def declared_input_shape(self) -> tuple[int, ...] | None:
        """``(input_dim,)`` when the number of inputs was given, else None."""
        return None if self.input_dim is None else (self.input_dim,)

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        if len(input_shape) != 1:
            raise ValueError(
                f"Dense layer {self.name!r} expects inputs of shape (N, features), got per-sample "
                f"shape {input_shape}; put a Flatten layer before it"
            )
        fan_in = input_shape[0]
        if self.input_dim is not None and fan_in != self.input_dim:
            raise ValueError(
                f"Dense layer {self.name!r} was declared with input_dim={self.input_dim} but "
                f"receives {fan_in} features"
            )
        self.create_weights(self.kernel_shape(input_shape), self._bias_size, rng)

    @property
    def _bias_size(self) -> int:
        return 1 if self.bias_kind == "shared" else self.n_units

    def weight_shapes(self, input_shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
        """W of shape (inputs, units) and b of shape (units,), or (1,) when shared."""
        shapes = super().weight_shapes(input_shape)
        if "b" in shapes:
            shapes["b"] = (self._bias_size,)
        return shapes

    def kernel_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...] | None:
        return (input_shape[0], self.n_units) if len(input_shape) == 1 else None

    @property
    def n_units(self) -> int:
        return self.units

    def pre_activation(self, x: Tensor) -> Tensor:
        """z = a_prev W + b, the input of the activation (the lectures' z^l); a shared b is
        one scalar broadcast over the units, so its gradient sums their deltas."""
        if self.b is None:
            return Linear.apply(x, self.W)
        if self.bias_kind == "shared":
            return Linear.apply(x, self.W) + self.b
        return Linear.apply(x, self.W, self.b)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (self.n_units,)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments; ``"bias": "shared"`` only for a shared bias (``use_bias``
        tells the two other kinds apart, as in Keras)."""
        return {
            "units": self.units,
            **self.weight_config(),
            **({"bias": "shared"} if self.bias_kind == "shared" else {}),
            "input_dim": self.input_dim if self.input_dim is not None else (
                self.input_shape[0] if self.input_shape else None),
            "name": self.name,
        }


_BIAS_KINDS = ("per_unit", "shared", None)


def _bias_kind(bias: Any, use_bias: Any) -> str | None:
    """``bias`` checked and reconciled with Keras's ``use_bias``: False means no bias, and
    contradicts a bias asked for by name ("shared", or True as a Conv2D refuses it). A bool
    ``bias`` is PyTorch's ``nn.Linear(bias=...)``: True one bias per unit, False none."""
    given = "True" if isinstance(bias, (bool, np.bool_)) and bias else repr(bias)
    if isinstance(bias, (bool, np.bool_)):
        bias = "per_unit" if bias else None
    if not (bias is None or isinstance(bias, str)) or bias not in _BIAS_KINDS:
        raise ValueError(f"Dense: bias must be one of 'per_unit', 'shared', None, True or False "
                         f"(or use_bias=False for none), got {bias!r}")
    if not check_flag("use_bias", use_bias):
        if given in ("True", "'shared'"):
            raise ValueError(f"Dense: use_bias=False and bias={given} contradict each other; give "
                             f"bias=None (no bias) or bias={given} alone")
        return None
    return bias


def _refuse_other_penalties(kind: str, bias_regularizer: Any, activity_regularizer: Any) -> None:
    """Keras's ``bias_regularizer`` and ``activity_regularizer`` are refused, with what glassnet has."""
    given = {"bias_regularizer": bias_regularizer, "activity_regularizer": activity_regularizer}
    for name, value in given.items():
        if value is not None:
            raise ValueError(
                f"{kind}: {name} is not supported; glassnet penalizes the weights W through "
                "kernel_regularizer (e.g. kernel_regularizer=gn.regularizers.l2(1e-4)), and a penalty on "
                "anything else can be added to the loss in a train_step of your own")


def _input_dim(value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                              or value < 1):
        raise ValueError(f"Dense: input_dim must be a positive integer, got {value!r}")
    return None if value is None else int(value)


def _config_of(obj: Any) -> Any:
    """A JSON-able description of an initializer or regularizer: its name, or its config
    dict with the registry name (which ``initializers.get`` / ``regularizers.get`` accept)."""
    if obj is None or isinstance(obj, (str, dict)):
        return obj
    if hasattr(obj, "get_config"):
        return obj.get_config()
    raise TypeError(f"cannot describe {obj!r} in a config: give it by name or as a glassnet object")


class Activation(Layer):
    """Applies an activation a = g(z) element-wise (see :mod:`glassnet.activations`).

    Parameters
    ----------
    activation : str or callable
        g, by name (see :func:`glassnet.activations.names`) or as a function.
    name : str, optional
        The layer's name.
    input_shape : tuple of int, optional
        Keras's per-sample input shape of a first layer.

    Examples
    --------
    >>> Activation("relu")(np.array([[-1.0, 2.0]])).numpy()
    array([[0., 2.]], dtype=float32)
    """

    static_graph = True

    def __init__(self, activation: str | Callable[[Tensor], Tensor], name: str | None = None, *,
                 input_shape: tuple[int, ...] | None = None) -> None:
        super().__init__(name or "activation")
        declare_input(self, input_shape)
        self.g = activations.get(activation)
        self.activation = _activation_name(activation)

    def call(self, x: Tensor) -> Tensor:
        return self.g(x)

    def pre_activation(self, x: Tensor) -> Tensor:
        """The input itself: an Activation layer's z is what it receives."""
        return x

    def activate(self, z: Tensor) -> Tensor:
        """a = g(z), all of :meth:`call`."""
        return self.g(z)

    def get_config(self) -> dict[str, Any]:
        return {"activation": self.activation, "name": self.name, **input_config(self)}


def splits(layer: Any) -> bool:
    """Whether the layer's call is its two halves, ``activate(pre_activation(x))``: Dense,
    the convolutions and :class:`Activation`, not a subclass that defines its own ``call``."""
    return getattr(type(layer), "call", None) in (KernelLayer.call, Activation.call)


def final_activation(layer: Any) -> str | None:
    """The activation name of a layer that :func:`splits`, so that a model can hand a loss
    the logits z; None for any other layer."""
    return layer.activation if splits(layer) else None


class _DropoutMask(Function):
    """a = x * m / (1 - rate), m ~ Bernoulli(1 - rate);  da/dx = m / (1 - rate)."""

    name = "dropout"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        ctx.mask = mask
        return x * mask

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * ctx.mask,)


class Dropout(Layer):
    """Inverted dropout: in training, each unit is zeroed with probability ``rate`` and the
    survivors are scaled by 1 / (1 - rate), so the expected activation is unchanged and
    evaluation needs no rescaling. In evaluation mode (``model.eval()``, ``predict``) it is
    the identity.

    .. math::

        a = \\frac{m \\odot x}{1 - p}, \\qquad m_i \\sim \\mathrm{Bernoulli}(1 - p)

    Parameters
    ----------
    rate : float in [0, 1)
        The probability p of dropping a unit.
    seed : int, optional
        Seeds the mask; otherwise the model's seed does (``fit(seed=...)``).
    name : str, optional
    input_shape : tuple of int, optional
        Keras's per-sample input shape of a first layer (see :class:`Flatten`).

    Examples
    --------
    >>> layer = gn.layers.Dropout(0.5, seed=0)
    >>> x = np.ones((1, 6), dtype=np.float32)
    >>> print(layer(gn.tensor(x)).numpy())
    [[0. 0. 0. 2. 2. 2.]]
    >>> layer.eval()
    Dropout(rate=0.5, seed=0)
    >>> print(layer(gn.tensor(x)).numpy())
    [[1. 1. 1. 1. 1. 1.]]
    """

    static_in_evaluation = True

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None, *,
                 input_shape: tuple[int, ...] | None = None) -> None:
        super().__init__(name or "dropout")
        declare_input(self, input_shape)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)) \
                or not 0 <= rate < 1:
            raise ValueError(f"Dropout: rate must be a number in [0, 1), got {rate!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise ValueError(f"Dropout: seed must be an integer >= 0 or None, got {seed!r}")
        self.rate = float(rate)
        self.seed = seed
        if seed is not None:
            self.rng = np.random.default_rng(seed)

    def call(self, x: Tensor) -> Tensor:
        if not self.training or self.rate == 0:
            return x
        keep = 1.0 - self.rate
        mask = (self.rng.random(x.shape, dtype=x.dtype) < keep) / np.asarray(keep, dtype=x.dtype)
        return _DropoutMask.apply(x, mask=mask.astype(x.dtype, copy=False))

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate, "seed": self.seed, "name": self.name, **input_config(self)}
