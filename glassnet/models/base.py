"""The Model class: a functional graph of layers, its forward pass, weights and modes."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassnet import _model_keras, _subclassed
from glassnet._checks import check_model_dtype, check_seed
from glassnet._graph import topological_order
from glassnet.layers import layout
from glassnet.layers._modes import LayerList
from glassnet.layers.core import final_activation
from glassnet.layers.module import Layer, Module
from glassnet.models import added_losses
from glassnet.models.compiling import Compiling
from glassnet.models.running import Running, attach_runner
from glassnet.symbolic import Symbolic
from glassnet.tensor import Tensor

__all__ = ["Model", "attach_runner", "pre_activation"]


class Model(Compiling, Running, Module):
    """A network of layers with the training loop attached.

    Three ways to build one:

    - ``gn.Sequential([layer, layer, ...])``: each layer feeds the next;
    - functional: ``x = gn.Input((4,)); h = Dense(8, activation="relu")(x);
      y = Dense(1)(h); model = gn.Model(x, y)`` (several inputs and outputs, shared
      layers, ``a + b`` and ``gn.concatenate([a, b])`` between symbolic tensors);
    - a subclass, as in Keras: layers assigned as attributes after ``super().__init__()``
      and the computation of one input in ``call(self, inputs)`` (or ``call(self, inputs,
      training=None)``, told whether it trains). It is built from its first data
      (``fit``) or by ``build(input_shape)``; a softmax or sigmoid that ends ``call`` is
      trained from its logits, as for the other two. Its weights are saved with
      ``save_weights``; ``save`` and ``to_json`` refuse it, as its architecture is code.

    Parameters
    ----------
    inputs, outputs : Symbolic or list of Symbolic
        The graph's ends (functional form).
    seed : int >= 0, optional
        Seeds weight initialization and dropout, so that the model is reproducible.
    dtype : float32 or float64, default float32
        Type of the weights and of the computation (float64 for gradient checks).
    name : str, optional

    Examples
    --------
    >>> x = gn.Input((2,))
    >>> h = gn.layers.Dense(4, activation="relu")(x)
    >>> y = gn.layers.Dense(1)(h)
    >>> model = gn.Model(x, y, seed=0)
    >>> model.compile(optimizer="adam", loss="mse")
    >>> [layer.__class__.__name__ for layer in model.layers]
    ['Dense', 'Dense']
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> _ = model.fit(X, X.sum(axis=1, keepdims=True), epochs=2, verbose=0)
    >>> model.predict(X).shape
    (3, 1)
    """

    def __init__(
        self,
        inputs: Symbolic | Sequence[Symbolic] | None = None,
        outputs: Symbolic | Sequence[Symbolic] | None = None,
        seed: int | None = None,
        dtype: Any = np.float32,
        name: str | None = None,
    ) -> None:
        super().__init__(name or "model")
        seed = check_seed(seed)
        self.dtype = check_model_dtype(dtype)
        self._module_cache: tuple[tuple[int, ...], list[Module]] | None = None
        self.stop_training = False
        self.optimizer: Any = None
        self.loss_fns: list[Any] = []
        self.metric_names: list[str] = []
        self.compiled = False
        self.seed = seed
        self._initial_weights: int | None = None  # fingerprint at build, until trained or predicted
        self._single_output = True
        self._inputs: list[Symbolic] = []
        self._outputs: list[Symbolic] = []
        self._nodes: list[Symbolic] = []
        self._layout: str | None = None
        self._added_losses: list[Any] = []  # extra loss terms (see add_loss)
        self._walk_nodes: list[Symbolic] = []  # the graph's nodes and those of symbolic extra losses
        self._loss_values: list[Tensor] = []  # the symbolic extra losses' values of the last pass
        # A subclass's per-sample input shape, and its output shape and final activation, once built.
        self._subclass_input: tuple[int, ...] | None = None
        self._subclass_output: tuple[tuple[int, ...], str | None] | None = None
        if not self.subclassed:
            self.layers: list[Layer] = []
        if inputs is not None or outputs is not None:
            self._init_graph(inputs, outputs)
        self._seed_layers(seed)
        self._adopt_construction_weights()

    # --------------------------------------------------------- Keras's methods
    add_loss = added_losses.add_loss
    get_layer = _model_keras.get_layer
    get_weights = _model_keras.get_weights
    set_weights = _model_keras.set_weights
    train_on_batch = _model_keras.train_on_batch
    test_on_batch = _model_keras.test_on_batch
    predict_on_batch = _model_keras.predict_on_batch
    save = _model_keras.save
    to_json = _model_keras.to_json

    #: The layers in order: a Sequential or functional model holds its list in the instance
    #: (read at the cost of a plain attribute); a subclass's are its Layer attributes.
    layers = _subclassed.TrackedLayers()

    @property
    def subclassed(self) -> bool:
        """True for a Keras-style subclass that defines its computation in ``call``."""
        return type(self).call is not Model.call

    def call(self, inputs: Tensor) -> Tensor:
        """The computation of a subclassed model (Keras's hook): define it in the subclass."""
        raise NotImplementedError(f"{type(self).__name__} does not define call(self, inputs)")

    def _init_graph(self, inputs: Any, outputs: Any) -> None:
        if inputs is None or outputs is None:
            raise ValueError("Model(inputs, outputs): give both the Input(s) and the output tensor(s)")
        self._inputs = [inputs] if isinstance(inputs, Symbolic) else list(inputs)
        self._single_output = isinstance(outputs, Symbolic)
        self._outputs = [outputs] if self._single_output else list(outputs)
        for sym in self._inputs:
            if not isinstance(sym, Symbolic) or sym.op is not None:
                raise TypeError("Model inputs must be gn.Input(...) placeholders")
        self._nodes = topological_order(self._outputs, _symbolic_inputs)
        self._fed = {id(a) for node in self._nodes for a in _symbolic_inputs(node)}
        missing = [n for n in self._nodes if n.op is None and not any(n is i for i in self._inputs)]
        if missing:
            raise ValueError(f"the outputs depend on an Input that is not in `inputs`: {missing[0]!r}")
        layers: list[Layer] = []
        seen: set[int] = set()
        for node in self._nodes:
            if isinstance(node.op, Layer) and id(node.op) not in seen:
                seen.add(id(node.op))
                layers.append(node.op)
        self.layers = layers
        self._name_layers()
        self._layout = layout.resolve(layers, None, f"model {self.name!r}", recorded=True)

    def _name_layers(self) -> None:
        """Make layer names unique within the model: a repeated name gets the first free
        suffix (dense, dense_1, dense_2, ...); names already unique are kept.

        Linear in the number of layers: the search for a free suffix resumes, for each
        name, where the previous one stopped (the names below it are all taken)."""
        taken: set[str] = set()
        last: dict[str, int] = {}
        for layer in self.layers:
            base = name = layer.name
            i = last.get(base, 0)
            while name in taken:
                i += 1
                name = f"{base}_{i}"
            last[base] = i
            layer.name = name
            taken.add(name)

    def _seed_layers(self, seed: int | None) -> None:
        """Give each layer its own generator spawned from ``seed`` (stable order)."""
        if seed is None:
            return
        children = np.random.SeedSequence(seed).spawn(max(len(self.layers), 1))
        for layer, child in zip(self.layers, children):
            if getattr(layer, "seed", None) is None:
                layer.rng = np.random.default_rng(child)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "layers" and type(value) is list:
            value = LayerList(value)  # its changes in place are seen, as an assignment is
        super().__setattr__(name, value)

    def _adopt_construction_weights(self) -> None:
        """Redraw, from the model's seed and in its dtype, the weights that layers given their
        input size drew when constructed and that nothing has changed since (see
        :meth:`Layer.build_at_construction`), as if the model had built them."""
        for layer in self.layers:
            if layer.has_construction_weights() and (self.seed is not None or layer.dtype != self.dtype):
                layer.renew_weights(self.dtype)

    def forward(self, *xs: Any) -> Any:
        """Run the network: each output's final activation applied to :meth:`logits` (a
        subclass: its ``call``)."""
        if self.subclassed:
            return _subclassed.run(self, xs, False)
        return self.activate(self.logits(*xs))

    def logits(self, *xs: Any) -> Any:
        """The outputs before their final activation: z = a_prev W + b of each output layer
        that splits into z and g(z) (see :func:`~glassnet.layers.final_activation`), the
        other outputs as they are. A loss fused with the final activation (softmax/sigmoid
        + cross-entropy) takes these. One Tensor for a single-output model, else a list."""
        if self.subclassed:
            return _subclassed.run(self, xs, True)
        if len(xs) != len(self._inputs):
            raise ValueError(f"model {self.name!r} takes {len(self._inputs)} input(s), got {len(xs)}")
        tensors = [x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32)) for x in xs]
        split = {id(o) for o, flag in zip(self._outputs, self._splits()) if flag}
        zs: dict[int, Tensor] = {}

        def call(node: Symbolic, args: list[Any]) -> Any:
            if id(node) not in split:
                return node.op(*args, **node.options)
            z = zs[id(node)] = pre_activation(node.op, args[0])
            return node.op.activate(z) if id(node) in self._fed else z

        if self._layout == layout.CHANNELS_LAST:
            values = layout.walk_channels_last(self._nodes, self._inputs, self._outputs, tensors, call, split,
                                               _resolve_with)
        else:
            values = self.walk(tensors, call)
        outs = [zs.get(id(o), value) for o, value in zip(self._outputs, values)]
        return outs[0] if self._single_output else outs

    def activate(self, zs: Any, skip: Sequence[bool] | None = None) -> Any:
        """The final activations applied to the outputs of :meth:`logits` (one Tensor or a
        list, as it returns them), except where ``skip[i]`` (a fused loss takes output i's
        logits)."""
        many = isinstance(zs, list)
        outs = list(zs) if many else [zs]
        for i, (z, flag) in enumerate(zip(outs, self._splits())):
            if flag and not (skip and skip[i]):
                outs[i] = self._output_layer(i).activate(z)
        return outs if many else outs[0]

    def _splits(self) -> list[bool]:
        """Per output: whether :meth:`logits` gives its layer's z rather than g(z)."""
        return [isinstance(o.op, Layer) and final_activation(o.op) is not None for o in self._outputs]

    def _output_layer(self, i: int) -> Any:
        return self._outputs[i].op

    def walk(self, xs: list[Tensor], call: Callable[[Symbolic, list[Any]], Any]) -> list[Any]:
        """Evaluate the functional graph on the inputs ``xs``: each node's value is
        ``call(node, args)`` (``node.op`` is a layer or a function); the outputs' values.
        :func:`glassnet.explain.trace` walks it with a call that splits each layer."""
        values: dict[int, Any] = {id(sym): x for sym, x in zip(self._inputs, xs)}
        for node in self._walk_nodes or self._nodes:
            if node.op is not None:
                values[id(node)] = call(node, [_resolve(a, values) for a in node.inputs])
        if self._walk_nodes:
            self._loss_values[:] = [values[id(t)] for t in self._added_losses if isinstance(t, Symbolic)]
        return [values[id(o)] for o in self._outputs]

    @property
    def output_activations(self) -> list[str | None]:
        if self.subclassed:
            return [self._subclass_output[1] if self._subclass_output else None]
        return [final_activation(o.op) for o in self._outputs]

    def output_shapes(self) -> list[tuple[int, ...]]:
        """The per-sample shape of each output, from the layers' ``compute_output_shape``."""
        if self.subclassed:
            return [self._subclass_output[0]] if self._subclass_output else []
        return [o.shape for o in self._outputs]

    @property
    def n_inputs(self) -> int:
        return 1 if self.subclassed else len(self._inputs)

    def build(self, input_shape: Any = None, seed: int | None = None, dtype: Any = None) -> Model:
        """Create every layer's weights (per-sample ``input_shape``; not needed for a
        functional model or after ``input_dim``), seeded by ``seed`` when given, in
        ``dtype`` (default: the model's)."""
        if seed is not None:
            self._seed_layers(check_seed(seed))
        if dtype is not None and check_model_dtype(dtype) != self.dtype:
            if any(layer.built for layer in self.layers):
                raise ValueError(
                    f"model {self.name!r} already holds {self.dtype} weights; give dtype= to its "
                    "constructor (e.g. gn.Sequential([...], dtype=np.float64)) to build it in another type"
                )
            self.dtype = np.dtype(dtype)
        dtype = self.dtype
        was_built = self.built
        shapes = self._input_shapes(_per_sample(input_shape))
        if self.subclassed:
            self._build_subclass(shapes[0], was_built)
        else:
            self._build_layers(shapes, dtype)
        if not was_built or all(layer.has_construction_weights() for layer in self.layers):
            self._initial_weights = self._weights_fingerprint()
        return self

    def _build_subclass(self, input_shape: tuple[int, ...], was_built: bool) -> None:
        """A subclass's layers, built by one pass of its ``call`` over a zero sample (its
        computation is code: only running it tells the shapes), seeded as the constructor
        seeds the other models."""
        self._name_layers()
        unseeded = [layer for layer in self.layers if getattr(layer, "seed", None) is None]
        if not was_built and all(layer.rng is None for layer in unseeded):
            self._seed_layers(self.seed)
        self._subclass_input = input_shape
        self._subclass_output = _subclassed.probe(self, input_shape)

    def _build_layers(self, shapes: list[tuple[int, ...]], dtype: np.dtype) -> None:
        """Each layer's weights for the per-sample shape it receives (the shapes the graph
        recorded when it was defined), without running the network."""
        for node in self._nodes:
            if isinstance(node.op, Layer):
                node.op.ensure_built(tuple(node.inputs[0].shape), dtype)

    def _weights_fingerprint(self) -> int:
        """A CRC-32 of every weight: tells whether the weights changed since the model was built."""
        crc = 0
        for p in self.parameters():
            crc = zlib.crc32(np.ascontiguousarray(p.data), crc)
        return crc

    def _input_shapes(self, input_shape: Any) -> list[tuple[int, ...]]:
        if self.subclassed:
            shape = input_shape if input_shape is not None else self._subclass_input
            if shape is None:
                raise ValueError(f"build() needs input_shape (per sample) for {type(self).__name__}, whose "
                                 "layers are built from their first input")
            return [(shape,) if isinstance(shape, int) else tuple(shape)]
        return [sym.shape for sym in self._inputs]

    def train(self, mode: bool = True) -> Model:
        """Training (True) or evaluation (False) mode for every layer.

        The module list is cached per set of layers: ``predict`` switches modes on every
        call, and walking the attributes of every layer each time would dominate the
        latency of a one-row prediction.
        """
        key = tuple(id(layer) for layer in self.layers)
        if self._module_cache is None or self._module_cache[0] != key:
            self._module_cache = (key, self.modules())
        for module in self._module_cache[1]:
            module.training = mode
        return self

    @property
    def built(self) -> bool:
        """True when the model has layers and every one holds its weights (a plain loop:
        ``predict`` asks on every call, and a generator in ``all`` costs twice as much)."""
        for layer in self.layers:
            if not layer.built:
                return False
        return bool(self.layers)

    def penalty_groups(self) -> list[tuple[Any, list[Tensor]]]:
        """The weights with a ``kernel_regularizer``, grouped by regularizer object."""
        groups: dict[int, tuple[Any, list[Tensor]]] = {}
        for layer in self.layers:
            for reg, W in layer.penalized_weights():
                groups.setdefault(id(reg), (reg, []))[1].append(W)
        return list(groups.values())

    def regularization_loss(self, groups: list[tuple[Any, list[Tensor]]] | None = None) -> Tensor | None:
        """Sum of the layers' weight penalties (``kernel_regularizer``), or None.

        Weights that share one regularizer object are penalized in one node. ``groups``,
        from :meth:`penalty_groups`, saves finding them again (the training loop keeps them
        for the whole run).
        """
        total = None
        for reg, weights in self.penalty_groups() if groups is None else groups:
            if reg.active:
                penalty = reg(*weights)
                total = penalty if total is None else total + penalty
        return total

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy weights and buffers from ``state`` (see :meth:`Module.load_state_dict`); the
        model counts as given its weights, so that ``predict`` does not warn about them."""
        super().load_state_dict(state, strict)
        self._initial_weights = None

    def _layer_output_shape(self, layer: Layer) -> tuple[int, ...] | None:
        for node in self._nodes:
            if node.op is layer:
                return node.shape
        return None


def pre_activation(layer: Any, x: Tensor) -> Tensor:
    """z of ``layer`` (built for x if it is not yet) when it splits into z and g(z), else x."""
    return layout.pre_activation(layer, x) if hasattr(layer, "pre_activation") else x


def _resolve(arg: Any, values: dict[int, Any]) -> Any:
    return _resolve_with(arg, lambda sym: values[id(sym)])


def _resolve_with(arg: Any, value_of: Callable[[Symbolic], Any]) -> Any:
    """A node argument with its symbolic tensors (also inside lists and tuples) replaced by values."""
    if isinstance(arg, Symbolic):
        return value_of(arg)
    if isinstance(arg, (list, tuple)):
        return type(arg)(_resolve_with(a, value_of) for a in arg)
    return arg


def _symbolic_inputs(node: Symbolic) -> list[Symbolic]:
    out: list[Symbolic] = []
    for arg in node.inputs:
        if isinstance(arg, Symbolic):
            out.append(arg)
        elif isinstance(arg, (list, tuple)):
            out.extend(a for a in arg if isinstance(a, Symbolic))
    return out


def _per_sample(input_shape: Any) -> Any:
    """A shape without Keras's batch axis: ``(None, 4)`` is ``(4,)``."""
    if isinstance(input_shape, (tuple, list)) and len(input_shape) > 1 and input_shape[0] is None:
        return tuple(input_shape[1:])
    return input_shape
