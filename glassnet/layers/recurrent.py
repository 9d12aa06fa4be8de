"""Recurrent layers: SimpleRNN, LSTM and GRU over sequences (N, T, F).

Keras's arguments, PyTorch's numbers: the gates are stacked in PyTorch's order and each
layer holds PyTorch's two biases, so weights copied from ``torch.nn.RNN/LSTM/GRU`` give
the same outputs, states and gradients (W is PyTorch's ``weight_ih_l0`` transposed, U its
``weight_hh_l0`` transposed, b its ``bias_ih_l0``, b_U its ``bias_hh_l0``). The whole
sequence, forward and backward through time, is one node of the graph
(:mod:`glassnet.ops.recurrent`).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet import _aligned
from glassnet._checks import check_flag
from glassnet.layers import _sequence_args as args
from glassnet.layers._modes import layer_mode
from glassnet.layers.core import _DropoutMask
from glassnet.layers.module import Layer, Parameter
from glassnet.ops.recurrent import GRUSequence, LSTMSequence, SimpleRNNSequence
from glassnet.symbolic import Symbolic
from glassnet.tensor import Tensor

__all__ = ["Recurrent", "SimpleRNN", "LSTM", "GRU"]


class Recurrent(Layer):
    """Base of SimpleRNN, LSTM and GRU: the arguments, weights, states and calls they share.

    A subclass names its whole-sequence Function, its number of gates G (W is (F, G H))
    and of states S (the LSTM has h and c), and the activations it takes.
    """

    function: Any = None
    gates = 1
    n_states = 1
    #: A call takes the inputs x, initial_state and mask (a functional graph records all three).
    call_inputs = 3

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = False, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, seed: int | None = None, name: str | None = None,
                 input_shape: Any = None, others: dict[str, Any] | None = None) -> None:
        from glassnet.layers._arguments import declare_input

        kind = type(self).__name__
        super().__init__(name or kind.lower())
        args.refuse_others(kind, others or {})
        declare_input(self, input_shape)
        self.units = args.positive_int(kind, "units", units)
        self.activation = args.cell_activation(kind, "activation", activation)
        self.recurrent_activation = None if recurrent_activation is None else \
            args.cell_activation(kind, "recurrent_activation", recurrent_activation)
        self.use_bias = check_flag("use_bias", use_bias)
        self.kernel_initializer = args.initializer(kernel_initializer)
        self.recurrent_initializer = args.initializer(recurrent_initializer)
        self.bias_initializer = args.initializer(bias_initializer)
        self.unit_forget_bias = check_flag("unit_forget_bias", unit_forget_bias)
        self.dropout = args.rate(kind, "dropout", dropout)
        self.recurrent_dropout = args.rate(kind, "recurrent_dropout", recurrent_dropout)
        self.return_sequences = check_flag("return_sequences", return_sequences)
        self.return_state = check_flag("return_state", return_state)
        self.go_backwards = check_flag("go_backwards", go_backwards)
        self.stateful = check_flag("stateful", stateful)
        self.seed = args.seed(kind, seed)
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.states: list[np.ndarray] = []  # a stateful layer's carried states, changed in place
        self.W: Parameter | None = None
        self.U: Parameter | None = None
        self.b: Parameter | None = None
        self.b_U: Parameter | None = None

    # ------------------------------------------------------------ recording
    @property
    def static_graph(self) -> bool:  # type: ignore[override]
        """The same calls on every pass, unless dropout draws masks or states are carried."""
        return not self.stateful and self.dropout == 0 and self.recurrent_dropout == 0

    @property
    def static_in_evaluation(self) -> bool:  # type: ignore[override]
        """Dropout is off in evaluation; carried states still change from call to call."""
        return not self.stateful

    @property
    def single_output(self) -> bool:
        """Whether a call returns one Tensor (not ``[output, *states]``)."""
        return not self.return_state

    # --------------------------------------------------------------- weights
    def weight_shapes(self, input_shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
        """W (F, G H), U (H, G H), and with ``use_bias`` b and b_U (G H,)."""
        if len(input_shape) != 2:
            return {}
        width = self.gates * self.units
        shapes = {"W": (input_shape[1], width), "U": (self.units, width)}
        return {**shapes, "b": (width,), "b_U": (width,)} if self.use_bias else shapes

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        from glassnet import initializers

        args.check_sequence_shape(self, input_shape)
        shapes = self.weight_shapes(input_shape)
        init = {"W": self.kernel_initializer, "U": self.recurrent_initializer}
        for key in ("W", "U"):
            values = initializers.get(init[key])(shapes[key], rng, self.dtype, for_weights=True)
            setattr(self, key, Parameter(_aligned.copy(values), name=key))
        if self.use_bias:
            b = initializers.get(self.bias_initializer)(shapes["b"], rng, self.dtype)
            if self.unit_forget_bias:
                b[self.units:2 * self.units] = 1
            self.b = Parameter(_aligned.copy(b), name="b")
            self.b_U = Parameter(_aligned.copy(np.zeros(shapes["b_U"], self.dtype)), name="b_U")

    def check_input_shape(self, input_shape: tuple[int, ...]) -> None:
        """Any number of time steps; the features F must be those the weights were built for."""
        args.check_sequence_shape(self, input_shape)
        if input_shape[1] != self.input_shape[1]:
            raise ValueError(
                f"layer {self.name!r} ({type(self).__name__}) was built for {self.input_shape[1]} features "
                f"per time step but received inputs (N, T, F) = (N, {input_shape[0]}, {input_shape[1]})")

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """(T, H) with ``return_sequences``, else (H,) (the first output with ``return_state``)."""
        args.check_sequence_shape(self, tuple(input_shape))
        return (input_shape[0], self.units) if self.return_sequences else (self.units,)

    # ----------------------------------------------------------------- calls
    def forward(self, x: Any, initial_state: Any = None, mask: Any = None,
                training: bool | None = None) -> Any:
        """The outputs for x (N, T, F): one Tensor, or ``[output, *final_states]`` with
        ``return_state``. ``initial_state``: h_0 (the LSTM: ``[h_0, c_0]``), each (N, H);
        ``mask`` (N, T): False marks a padded step (see :class:`~glassnet.layers.Masking`)."""
        if training is not None:
            with layer_mode(self, training):
                return self.forward(x, initial_state, mask)
        if any(isinstance(v, Symbolic) for v in args.flat(x, initial_state, mask)):
            return self._symbolic(x, initial_state, mask)
        return args.call_on(self, x, initial_state, mask)

    def call(self, x: Tensor, initial_state: Any = None, mask: Any = None) -> Any:
        T = x.shape[1]
        mask = args.mask_tensor(self, mask, x)
        packed = self.sequence(x, initial_state, mask, self.go_backwards)
        kept = self.n_states if self.return_state or self.stateful else 1
        states = [packed[:, T + k] for k in range(kept)]
        if self.stateful:
            self.states[:] = [s.data.copy() for s in states]
        if not self.return_sequences:
            y = states[0]
        else:
            y = packed[:, T - 1::-1] if self.go_backwards else packed[:, :T]
            if mask is not None and not self.go_backwards:
                args.attach_mask(y, mask)
        return [y, *states] if self.return_state else y

    def sequence(self, x: Tensor, initial_state: Any, mask: Tensor | None, reverse: bool) -> Tensor:
        """The Function's packed result (N, T + S, H): the outputs at their time positions,
        then the final states (:mod:`glassnet.ops.recurrent`)."""
        n = x.shape[0]
        states = args.initial_states(self, initial_state, n, x.dtype)
        options: dict[str, Any] = {"activation": self.activation, "reverse": reverse, "bias": self.use_bias,
                                   "masked": mask is not None}
        if self.recurrent_activation is not None:
            options["recurrent_activation"] = self.recurrent_activation
        if self.training and self.dropout:
            drop = args.dropout_mask(self.rng, (n, 1, x.shape[2]), self.dropout, x.dtype)
            x = _DropoutMask.apply(x, mask=drop)
        if self.training and self.recurrent_dropout:
            options["recurrent_mask"] = args.dropout_mask(self.rng, (n, self.units), self.recurrent_dropout,
                                                          x.dtype)
        inputs = [x, *states, self.W, self.U]
        if self.use_bias:
            inputs += [self.b, self.b_U]
        if mask is not None:
            inputs.append(mask)
        return self.function.apply(*inputs, **options)

    def _symbolic(self, x: Any, initial_state: Any, mask: Any) -> Any:
        """The node of a functional graph; with ``return_state``, one node per output."""
        if not isinstance(x, Symbolic):
            raise TypeError(f"layer {self.name!r}: in a functional model, x must be a gn.Input or a layer's "
                            f"output, got {type(x).__name__}")
        args.check_sequence_shape(self, x.shape)
        if initial_state is not None:
            args.check_state_shapes(self, [s.shape for s in args.as_list(self, initial_state)])
        inputs = (x,) if initial_state is None and mask is None else (x, initial_state, mask)
        node = Symbolic(self.compute_output_shape(x.shape), self, inputs)
        if not self.return_state:
            return node
        return [Symbolic(shape, operator.getitem, (node, i)) for i, shape in
                enumerate([node.shape] + [(self.units,)] * self.n_states)]

    def reset_states(self, states: Sequence[Any] | None = None) -> None:
        """Forget the states a ``stateful`` layer carries (the next batch starts from zeros), or
        set them to ``states`` (h, and c for the LSTM; each (N, H))."""
        if not self.stateful:
            raise ValueError(f"layer {self.name!r} is not stateful: it carries no states between calls; "
                             f"create it with stateful=True for truncated backpropagation through time")
        if states is None:
            self.states.clear()
            return
        arrays = [np.asarray(s.data if isinstance(s, Tensor) else s, dtype=self.dtype or np.float32)
                  for s in args.as_list(self, states)]
        args.check_state_shapes(self, [a.shape[1:] for a in arrays])
        self.states[:] = arrays

    # ---------------------------------------------------------------- config
    def get_config(self) -> dict[str, Any]:
        config = {
            "units": self.units, "activation": self.activation, "use_bias": self.use_bias,
            "kernel_initializer": args.describe(self.kernel_initializer),
            "recurrent_initializer": args.describe(self.recurrent_initializer),
            "bias_initializer": args.describe(self.bias_initializer),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
            "return_sequences": self.return_sequences, "return_state": self.return_state,
            "go_backwards": self.go_backwards, "stateful": self.stateful, "seed": self.seed,
            "name": self.name,
        }
        if self.recurrent_activation is not None:
            config["recurrent_activation"] = self.recurrent_activation
        if self.declared_input_shape is not None:
            config["input_shape"] = list(self.declared_input_shape)
        return config


class SimpleRNN(Recurrent):
    """A fully connected recurrent layer (Elman network; PyTorch's ``nn.RNN``).

    .. math::

        z_t = x_t W + b + h_{t-1} U + b_U, \\qquad h_t = g(z_t)

    Shape: input (N, T, F) -> output (N, H), or (N, T, H) with ``return_sequences``.
    W (F, H) starts glorot_uniform, U (H, H) orthogonal, b and b_U zeros (Keras's defaults).

    Parameters
    ----------
    units : int
        H, the size of the hidden state.
    activation : {"tanh", "relu", "sigmoid", "linear"}, default "tanh"
        g (PyTorch's ``nonlinearity``).
    use_bias : bool, default True
    kernel_initializer, recurrent_initializer, bias_initializer : initializer or name
        Of W, U and b (b_U starts at zero). Defaults: "glorot_uniform", "orthogonal", "zeros".
    dropout, recurrent_dropout : float in [0, 1), default 0
        In training, the fraction of input features (of h_{t-1} entering U) dropped, with one
        mask per sample for the whole sequence (Keras's meaning; PyTorch's ``dropout`` acts
        between stacked layers instead).
    return_sequences : bool, default False
        Every step's h_t (N, T, H) rather than the last one.
    return_state : bool, default False
        Return ``[output, h_T]``.
    go_backwards : bool, default False
        Read the sequence from its last step; the output sequence is in that order (Keras's).
    stateful : bool, default False
        Each batch starts from the previous batch's final states (truncated backpropagation
        through time), until :meth:`reset_states`; train with ``fit(..., shuffle=False)`` and
        batches of one size, so that row i of a batch continues row i of the previous one.
    seed : int, optional
        Seeds the dropout masks (otherwise the model's seed does).

    Examples
    --------
    >>> rnn = SimpleRNN(4)
    >>> rnn(np.zeros((2, 5, 3))).shape
    (2, 4)
    """

    function = SimpleRNNSequence

    #: Declared by each class (see Layer.static_graph): it depends on the instance's arguments.
    static_graph = Recurrent.static_graph
    static_in_evaluation = Recurrent.static_in_evaluation

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, seed: int | None = None, name: str | None = None, *,
                 input_shape: Any = None, **others: Any) -> None:
        super().__init__(units, activation, None, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, False, dropout, recurrent_dropout, return_sequences, return_state,
                         go_backwards, stateful, seed, name, input_shape, others)


class LSTM(Recurrent):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997; PyTorch's ``nn.LSTM``).

    .. math::

        z_t &= x_t W + b + h_{t-1} U + b_U = [z^i_t, z^f_t, z^g_t, z^o_t] \\\\
        i_t &= \\sigma(z^i_t), \\quad f_t = \\sigma(z^f_t), \\quad g_t = \\tanh(z^g_t),
              \\quad o_t = \\sigma(z^o_t) \\\\
        c_t &= f_t \\odot c_{t-1} + i_t \\odot g_t, \\qquad h_t = o_t \\odot \\tanh(c_t)

    Shape: input (N, T, F) -> output (N, H), or (N, T, H) with ``return_sequences``;
    ``return_state`` returns ``[output, h_T, c_T]``. W is (F, 4 H), U (H, 4 H), gates in
    PyTorch's order i, f, g, o.

    Parameters
    ----------
    units : int
    activation : default "tanh"
        Replaces tanh (for g_t and in h_t).
    recurrent_activation : default "sigmoid"
        Replaces sigma (the gates i, f, o).
    unit_forget_bias : bool, default True
        Start the forget gate's bias b^f at 1 (Keras's default; PyTorch draws it at random).
    others
        As :class:`SimpleRNN`.

    Examples
    --------
    >>> h, h_T, c_T = LSTM(4, return_sequences=True, return_state=True)(np.zeros((2, 5, 3)))
    >>> h.shape, c_T.shape
    ((2, 5, 4), (2, 4))
    """

    function = LSTMSequence

    #: Declared by each class (see Layer.static_graph): it depends on the instance's arguments.
    static_graph = Recurrent.static_graph
    static_in_evaluation = Recurrent.static_in_evaluation
    gates = 4
    n_states = 2

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, seed: int | None = None, name: str | None = None, *,
                 input_shape: Any = None, **others: Any) -> None:
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, unit_forget_bias, dropout,
                         recurrent_dropout, return_sequences, return_state, go_backwards, stateful, seed,
                         name, input_shape, others)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRU(Recurrent):
    """Gated recurrent unit (Cho et al., 2014) as PyTorch's ``nn.GRU`` (Keras's
    ``reset_after=True``, its default): the reset gate scales h_{t-1} U_n + b_{U,n}.

    .. math::

        r_t &= \\sigma(x_t W_r + b_r + h_{t-1} U_r + b_{U,r}), \\qquad
        z_t = \\sigma(x_t W_z + b_z + h_{t-1} U_z + b_{U,z}) \\\\
        n_t &= \\tanh\\big(x_t W_n + b_n + r_t \\odot (h_{t-1} U_n + b_{U,n})\\big), \\qquad
        h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}

    Shape: input (N, T, F) -> output (N, H), or (N, T, H) with ``return_sequences``.
    W is (F, 3 H), U (H, 3 H), gates in PyTorch's order r, z, n.

    Parameters
    ----------
    units : int
    activation : default "tanh"
    recurrent_activation : default "sigmoid"
    others
        As :class:`SimpleRNN`. Keras's ``reset_after=False`` (the reset gate before U) is refused.

    Examples
    --------
    >>> GRU(4)(np.zeros((2, 5, 3))).shape
    (2, 4)
    """

    function = GRUSequence

    #: Declared by each class (see Layer.static_graph): it depends on the instance's arguments.
    static_graph = Recurrent.static_graph
    static_in_evaluation = Recurrent.static_in_evaluation
    gates = 3

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 seed: int | None = None, name: str | None = None, *, input_shape: Any = None,
                 **others: Any) -> None:
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, False, dropout, recurrent_dropout,
                         return_sequences, return_state, go_backwards, stateful, seed, name, input_shape,
                         others)
