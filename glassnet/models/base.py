"""The Model class: a functional graph of layers, its forward pass, weights and modes."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassnet._checks import check_model_dtype, check_seed
from glassnet._graph import topological_order
from glassnet.layers.core import final_activation
from glassnet.layers.module import Layer, Module
from glassnet.models.compiling import Compiling
from glassnet.symbolic import Symbolic
from glassnet.tensor import Tensor

__all__ = ["Model", "attach_runner", "pre_activation"]


#: The functions behind Model.fit, evaluate and predict, by name. The training package, one
#: level up, gives them (:func:`attach_runner`) when it is imported, which ``import glassnet``
#: does: a model is trained by the loop without this module importing it.
_RUNNERS: dict[str, Callable[..., Any]] = {}


def attach_runner(fit: Callable[..., Any], evaluate: Callable[..., Any], predict: Callable[..., Any]) -> None:
    """Install the functions that ``Model.fit``, ``evaluate`` and ``predict`` call, each with
    the model first and the method's arguments after it."""
    _RUNNERS.update(fit=fit, evaluate=evaluate, predict=predict)


def _runner(name: str) -> Callable[..., Any]:
    runner = _RUNNERS.get(name)
    if runner is None:
        raise RuntimeError(
            f"Model.{name}() needs the training loop: import glassnet (or glassnet.training) first")
    return runner


class Model(Compiling, Module):
    """A network of layers with the training loop attached.

    Two ways to build one:

    - ``gn.Sequential([layer, layer, ...])``: each layer feeds the next;
    - functional: ``x = gn.Input((4,)); h = Dense(8, activation="relu")(x);
      y = Dense(1)(h); model = gn.Model(x, y)`` (several inputs and outputs, shared
      layers, ``a + b`` and ``gn.concatenate([a, b])`` between symbolic tensors).

    Parameters
    ----------
    inputs, outputs : Symbolic or list of Symbolic
        The graph's ends (functional form).
    seed : int >= 0, optional
        Seeds weight initialization and dropout, so that the model is reproducible.
    dtype : float32 or float64, default float32
        Type of the weights and of the computation (float64 for gradient checks).
    name : str, optional
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
        self.layers: list[Layer] = []
        if inputs is not None or outputs is not None:
            self._init_graph(inputs, outputs)
        self._seed_layers(seed)

    # ----------------------------------------------------------- functional
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

    def forward(self, *xs: Any) -> Any:
        """Run the network: each output's final activation applied to :meth:`logits`."""
        return self.activate(self.logits(*xs))

    def logits(self, *xs: Any) -> Any:
        """The outputs before their final activation: z = a_prev W + b of each output layer
        that splits into z and g(z) (see :func:`~glassnet.layers.final_activation`), the
        other outputs as they are. A loss fused with the final activation (softmax/sigmoid
        + cross-entropy) takes these. One Tensor for a single-output model, else a list."""
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

        outs = [zs.get(id(o), value) for o, value in zip(self._outputs, self.walk(tensors, call))]
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
        for node in self._nodes:
            if node.op is not None:
                values[id(node)] = call(node, [_resolve(a, values) for a in node.inputs])
        return [values[id(o)] for o in self._outputs]

    @property
    def output_activations(self) -> list[str | None]:
        return [final_activation(o.op) for o in self._outputs]

    def output_shapes(self) -> list[tuple[int, ...]]:
        """The per-sample shape of each output, from the layers' ``compute_output_shape``."""
        return [o.shape for o in self._outputs]

    @property
    def n_inputs(self) -> int:
        return len(self._inputs)

    # ---------------------------------------------------------------- build
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
        self._build_layers(self._input_shapes(input_shape), dtype)
        if not was_built:
            self._initial_weights = self._weights_fingerprint()
        return self

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

    # ---------------------------------------------------------- train/infer
    def fit(self, X: Any = None, y: Any = None, **kwargs: Any) -> Any:
        """Train; see :func:`glassnet.training.loop.fit` for every argument (``x=`` is
        accepted for ``X``, as in Keras).

        Returns the :class:`~glassnet.training.callbacks.History` of the run.
        """
        return _runner("fit")(self, X, y, **kwargs)

    def evaluate(self, X: Any = None, y: Any = None, batch_size: int | None = None, verbose: Any = 1,
                 sample_weight: Any = None, return_dict: bool = False, *, x: Any = None) -> Any:
        """Loss and metrics on data, in evaluation mode, as Keras returns them.

        The loss (a float) for a model compiled without metrics, else the list
        ``[loss, *metrics]`` in :attr:`metrics_names` order, so that ``loss, acc =
        model.evaluate(X, y)`` works; ``return_dict=True`` gives ``{"loss": ..., "accuracy":
        ...}``. ``verbose=1`` or ``2`` (default 1, as in Keras) prints them as one line, ``0``
        prints nothing; ``x=`` is accepted for ``X``. A model that carries its preprocessing
        (``model.preprocessing``, from ``glassnet train``) takes X as in :meth:`predict`. See
        :func:`glassnet.training.evaluation.evaluate`.
        """
        return _runner("evaluate")(self, X, y, batch_size, verbose, sample_weight, return_dict, x)

    def predict(self, X: Any = None, batch_size: int | None = None, verbose: Any = 0, *,
                x: Any = None) -> Any:
        """The network's outputs as NumPy arrays (probabilities for softmax/sigmoid outputs),
        computed in evaluation mode without recording a graph, ``batch_size`` rows at a time
        (None: all at once).

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
        """
        return _runner("predict")(self, X, batch_size, verbose, x)

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy weights and buffers from ``state`` (see :meth:`Module.load_state_dict`); the
        model counts as given its weights, so that ``predict`` does not warn about them."""
        super().load_state_dict(state, strict)
        self._initial_weights = None

    def save_weights(self, path: Any) -> Any:
        """Write the weights and buffers to a ``.safetensors`` file; see :func:`glassnet.io.save_weights`."""
        from glassnet import io

        return io.save_weights(self, path)

    def load_weights(self, path: Any) -> Model:
        """Copy the weights of a file into this model; see :func:`glassnet.io.load_weights`."""
        from glassnet import io

        return io.load_weights(self, path)

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

    def _layer_output_shape(self, layer: Layer) -> tuple[int, ...] | None:
        for node in self._nodes:
            if node.op is layer:
                return node.shape
        return None


def pre_activation(layer: Any, x: Tensor) -> Tensor:
    """z of ``layer`` (built for x if it is not yet) when it splits into z and g(z), else x."""
    if hasattr(layer, "pre_activation"):
        layer.ensure_built(x.shape[1:], x.dtype)
        return layer.pre_activation(x)
    return x


def _resolve(arg: Any, values: dict[int, Any]) -> Any:
    if isinstance(arg, Symbolic):
        return values[id(arg)]
    if isinstance(arg, (list, tuple)):
        return type(arg)(_resolve(a, values) for a in arg)
    return arg


def _symbolic_inputs(node: Symbolic) -> list[Symbolic]:
    out: list[Symbolic] = []
    for arg in node.inputs:
        if isinstance(arg, Symbolic):
            out.append(arg)
        elif isinstance(arg, (list, tuple)):
            out.extend(a for a in arg if isinstance(a, Symbolic))
    return out
