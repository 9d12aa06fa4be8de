"""Models: Sequential stacks and functional graphs, with compile / fit / evaluate / predict.

The lectures' recipe: choose the architecture, the activations, the loss, the optimizer
and its hyperparameters and the epochs; then repeat forward, backward, update while
keeping track of the loss. ``compile`` makes the choices, ``fit`` repeats the steps.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassnet import losses as _losses
from glassnet._checks import check_model_dtype, check_seed
from glassnet._graph import topological_order
from glassnet.layers import layout
from glassnet.layers.core import final_activation
from glassnet.layers.module import Layer, Module, evaluating
from glassnet.symbolic import Input, Symbolic
from glassnet.tensor import Tensor

__all__ = ["Model", "Sequential", "Input", "attach_runner"]

# Losses that train a classifier: their outputs are class probabilities.
_CLASS_LOSSES = (_losses.CrossEntropy, _losses.NLL, _losses.BinaryCrossEntropy)


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


class Model(Module):
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
        self._layout: str | None = None
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

    def forward(self, *xs: Any, logits: bool | Sequence[bool] = False) -> Any:
        """Run the network. ``logits=True`` (or one flag per output) skips the final
        activation of those outputs, for a loss fused with it (softmax/sigmoid +
        cross-entropy): the training loop asks for it through :meth:`training_losses`."""
        if len(xs) != len(self._inputs):
            raise ValueError(f"model {self.name!r} takes {len(self._inputs)} input(s), got {len(xs)}")
        tensors = [x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32)) for x in xs]
        flags = logits if isinstance(logits, (list, tuple)) else [logits] * len(self._outputs)
        final = {id(o) for o, flag in zip(self._outputs, flags) if flag}

        def call(node: Symbolic, args: list[Any]) -> Any:
            if id(node) in final and final_activation(node.op) is not None:
                return _pre_activation(node.op, args[0])
            return node.op(*args, **node.options)

        if self._layout == layout.CHANNELS_LAST:
            ends = {id(o) for o in self._outputs if id(o) in final and final_activation(o.op) is not None}
            outs = layout.walk_channels_last(self._nodes, self._inputs, self._outputs, tensors, call, ends,
                                             _resolve_with)
        else:
            outs = self.walk(tensors, call)
        return outs[0] if self._single_output else outs

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
        shapes = self._input_shapes(input_shape)
        dummies = [Tensor(np.zeros((1, *s), dtype=dtype)) for s in shapes]
        from glassnet.tensor import no_grad

        with no_grad(), evaluating():
            self.forward(*dummies)
        if not was_built:
            self._initial_weights = self._weights_fingerprint()
        return self

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

    # -------------------------------------------------------------- compile
    def compile(self, optimizer: Any = "adam", loss: Any = "mse",
                metrics: Sequence[Any] | None = None) -> None:
        """Choose the optimizer, the loss and the metrics (objects or names).

        A softmax (sigmoid) output followed by cross-entropy (binary cross-entropy) is
        trained from the logits through one fused, stable node.
        """
        from glassnet import optim

        self.optimizer = optim.get(optimizer)
        loss_list = list(loss) if isinstance(loss, (list, tuple)) else [loss] * len(self._output_list())
        if len(loss_list) != len(self._output_list()):
            raise ValueError(f"{len(loss_list)} losses given for {len(self._output_list())} outputs")
        self.loss_fns = [_losses.get(item) for item in loss_list]
        for i, (act, node) in enumerate(zip(self.output_activations, self._output_list())):
            check_output_width(act, self._declared_width(node), self._output_label(i))
        self._compile_metrics(metrics)
        self.compiled = True

    def _compile_metrics(self, metrics: Sequence[Any] | None) -> None:
        """Resolve the metrics; a regression metric for a classification loss is refused here."""
        from glassnet import metrics as _metrics

        if isinstance(metrics, str) or (metrics is not None and not isinstance(metrics, (list, tuple))):
            raise TypeError(f"metrics must be a list of names or functions (['accuracy']), got {metrics!r}")
        classifier = isinstance(self.loss_fns[0], _CLASS_LOSSES)
        self.metric_names = []
        self._metric_fns = []
        for m in metrics or []:
            fn = _metrics.get(m)
            _metrics.check_task(m, classifier, type(self.loss_fns[0]).__name__)
            self.metric_names.append(m if isinstance(m, str) else getattr(m, "__name__", "metric"))
            self._metric_fns.append(fn)

    @property
    def metrics_names(self) -> list[str]:
        """``["loss", *metrics]``: the order of the list that :meth:`evaluate` returns (Keras's name)."""
        return ["loss", *self.metric_names]

    def _output_list(self) -> list[Any]:
        return self._outputs

    def _declared_width(self, node: Any) -> int | None:
        """The number of units of an output, when known before any data."""
        shape = getattr(node, "shape", None)
        return shape[-1] if shape else None

    def _output_label(self, i: int) -> str:
        """How messages name output ``i``: "the output" for one, else its index and layer name."""
        outputs = self._output_list()
        if len(outputs) == 1:
            return "the output"
        op = getattr(outputs[i], "op", None)
        return f"output {i}" + (f" ({op.name!r})" if isinstance(op, Layer) else "")

    def training_losses(self) -> list[tuple[Any, bool]]:
        """For each output: the loss to apply during training and whether it takes logits."""
        return [loss.for_activation(act) if isinstance(loss, _losses.Loss) else (loss, False)
                for act, loss in zip(self.output_activations, self.loss_fns)]

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

    # -------------------------------------------------------------- summary
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


class Sequential(Model):
    """A stack of layers, each feeding the next.

    Parameters
    ----------
    layers : list of Layer
        Or the layers as arguments, PyTorch's ``Sequential(l1, l2, ...)``.
    seed : int >= 0, optional
        Seeds weight initialization and dropout.
    dtype : float32 or float64, default float32
    name : str, optional
    data_format : "channels_first", "channels_last" or None, default None
        The layout of the images (or signals) the model takes and returns: (N, C, H, W),
        as PyTorch, or (N, H, W, C), as Keras. It applies to every convolution and pooling
        layer that does not say otherwise (a layer that does must agree); a layer's own
        ``data_format`` sets it too. Keras's global ``image_data_format`` has no
        equivalent: the layout belongs to the model. A channels-last model transposes its
        input once, computes channels first, and Flatten orders the features (H, W, C) as
        Keras does (:mod:`glassnet.layers.layout`); BatchNormalization normalizes each
        channel, as Keras's ``axis=-1``. None: channels first, and data that looks channels
        last, such as (N, 28, 28, 1), is refused
        (:func:`glassnet.layers.layout.check_input_layout`).

    The weights are created at once when the first layer has ``input_dim`` (so that
    ``model.parameters()`` is ready for a manual loop) and they do not exist yet,
    otherwise from the first data.

    Examples
    --------
    >>> model = Sequential([Dense(4, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")])
    >>> model.compile(optimizer="adam", loss="binary_cross_entropy", metrics=["accuracy"])
    """

    def __init__(self, layers: Sequence[Layer] | Layer | None = None, *more: Layer, seed: int | None = None,
                 dtype: Any = np.float32, name: str | None = None, data_format: str | None = None) -> None:
        super().__init__(seed=seed, dtype=dtype, name=name or "sequential")
        self.layers = []
        seen: set[int] = set()
        for layer in _layer_list(layers, more):
            self._check_new(layer, seen)
            seen.add(id(layer))
            self.layers.append(layer)
        self._name_layers()
        self.data_format = layout.check_data_format(data_format, "Sequential")
        self._layout = layout.resolve(self.layers, self.data_format, "Sequential")
        self.seed = seed
        self._seed_layers(seed)
        if self.layers and getattr(self.layers[0], "input_dim", None) is not None and not self.built:
            self.build()

    def add(self, layer: Layer) -> None:
        """Append a layer to the stack."""
        self._check_new(layer, {id(existing) for existing in self.layers})
        self._layout = layout.resolve([*self.layers, layer], self.data_format, "Sequential")
        self.layers.append(layer)
        self._name_layers()

    @staticmethod
    def _check_new(layer: Any, present: set[int]) -> None:
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential takes glassnet layers, got {type(layer).__name__}")
        if id(layer) in present:
            raise ValueError(f"layer {layer.name!r} is already in this Sequential model")

    def forward(self, x: Any, logits: bool | Sequence[bool] = False) -> Any:
        if isinstance(logits, (list, tuple)):
            logits = bool(logits[0])
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x, dtype=np.float32))
        if not self.layers:
            raise ValueError("this Sequential model has no layers; add some first")
        if self._layout == layout.CHANNELS_LAST:
            return layout.forward_channels_last(self.layers, x, bool(logits), self._step)
        *body, last = self.layers
        for i, layer in enumerate(body):
            x = self._call_checked(layer, x, i)
        if logits and final_activation(last) is not None:
            self._check_fit(last, x, len(body))
            return _pre_activation(last, x)
        return self._call_checked(last, x, len(body))

    def _call_checked(self, layer: Layer, x: Tensor, i: int) -> Tensor:
        self._check_fit(layer, x, i)
        return layer(x)

    def _step(self, layer: Layer, x: Tensor, i: int, logits: bool) -> Tensor:
        """Layer ``i`` on ``x``, checked; its pre-activation when ``logits`` and it has an activation."""
        if logits and final_activation(layer) is not None:
            self._check_fit(layer, x, i)
            return _pre_activation(layer, x)
        return self._call_checked(layer, x, i)

    def _check_fit(self, layer: Layer, x: Tensor, i: int) -> None:
        """A clear error when a built layer receives a shape other than the one it was built for."""
        if layer.built and layer.input_shape is not None and tuple(x.shape[1:]) != layer.input_shape:
            source = f"the output of layer {self.layers[i - 1].name!r}" if i else "the model input"
            raise ValueError(
                f"layer {layer.name!r} ({type(layer).__name__}) expects inputs of shape "
                f"(N, {', '.join(map(str, layer.input_shape))}) but {source} has shape "
                f"(N, {', '.join(map(str, x.shape[1:]))}){layout.channels_hint(layer, x.shape[1:])}"
            )

    @property
    def output_activations(self) -> list[str | None]:
        return [final_activation(self.layers[-1])] if self.layers else [None]

    def output_shapes(self) -> list[tuple[int, ...]]:
        """The per-sample shape of the output of the built model, from each layer's
        ``compute_output_shape``."""
        shape = self.layers[0].input_shape
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return [tuple(shape)]

    @property
    def n_inputs(self) -> int:
        return 1

    def _output_list(self) -> list[Any]:
        return [None]

    def _declared_width(self, node: Any) -> int | None:
        if not self.layers:
            return None
        shape = self._layer_output_shape(self.layers[-1])
        return shape[-1] if shape else getattr(self.layers[-1], "units", None)

    def _input_shapes(self, input_shape: Any) -> list[tuple[int, ...]]:
        if input_shape is None:
            first = self.layers[0] if self.layers else None
            dim = getattr(first, "input_dim", None)
            if first is not None and first.input_shape is not None:
                return [first.input_shape]
            if dim is None:
                raise ValueError(
                    "build() needs input_shape (per sample) unless the first layer has input_dim")
            return [(dim,)]
        return [(input_shape,) if isinstance(input_shape, int) else tuple(input_shape)]

    def _layer_output_shape(self, layer: Layer) -> tuple[int, ...] | None:
        shape = self.layers[0].input_shape
        if shape is None:
            return None
        for current in self.layers:
            shape = current.compute_output_shape(shape)
            if current is layer:
                return tuple(shape)
        return None


def check_output_width(activation: str | None, width: int | None, label: str = "the output") -> None:
    """Refuse a softmax (log-softmax) over one unit: it always outputs 1.0 (0.0), so nothing
    is ever learned."""
    if activation in ("softmax", "log_softmax") and width == 1:
        raise ValueError(
            f"{label} is a {activation} over 1 unit, which always outputs the same value and never "
            "learns. For two classes use Dense(1, activation='sigmoid') with loss='binary_crossentropy', or "
            "Dense(2, activation='softmax') with a cross-entropy loss")


def _layer_list(first: Any, more: tuple[Any, ...]) -> list[Any]:
    """The layers of ``Sequential([l1, l2])`` or of PyTorch's ``Sequential(l1, l2)``."""
    if isinstance(first, Module):
        return [first, *more]
    if more:
        raise TypeError(
            f"Sequential takes the layers as one list, Sequential([l1, l2]), or as arguments, "
            f"Sequential(l1, l2); got {type(first).__name__} then {type(more[0]).__name__}. seed, dtype "
            "and name are keyword arguments")
    if first is None:
        return []
    if isinstance(first, (str, bytes, dict)) or not hasattr(first, "__iter__"):
        raise TypeError(f"Sequential takes a list of glassnet layers (or layers as arguments), got "
                        f"{type(first).__name__}")
    return list(first)


def _pre_activation(layer: Any, x: Tensor) -> Tensor:
    if hasattr(layer, "pre_activation"):
        return layout.pre_activation(layer, x)
    return x


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
