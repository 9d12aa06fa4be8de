"""Layers around the recurrent ones: Masking (padded steps) and Bidirectional."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.function import Function
from glassnet.layers import _sequence_args as args
from glassnet.layers._arguments import declare_input, input_config
from glassnet.layers._modes import layer_mode
from glassnet.layers.module import Layer
from glassnet.layers.recurrent import GRU, LSTM, Recurrent, SimpleRNN
from glassnet.ops.shape import Concatenate
from glassnet.symbolic import Symbolic
from glassnet.tensor import Tensor

__all__ = ["Masking", "Bidirectional", "MERGE_MODES"]

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class _StepMask(Function):
    """m_t = [x_t != v for some feature]: which steps of x (N, T, F) hold data (N, T); no gradient."""

    name = "step_mask"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, mask_value: float) -> np.ndarray:
        return np.any(x != mask_value, axis=-1)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[None]:
        return (None,)


class _MaskSteps(Function):
    """a_t = m_t x_t: padded steps set to zero;  da_t/dx_t = m_t."""

    name = "mask_steps"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        ctx.m = m[..., None]
        return x * ctx.m

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, None]:
        return grad * ctx.m, None


class Masking(Layer):
    """Marks the time steps whose features all equal ``mask_value`` as padding (Keras's
    ``Masking``; PyTorch packs sequences instead).

    The next recurrent layer skips those steps: its states pass over them unchanged and its
    outputs there are zeros, so a batch padded to one length gives each sequence the outputs,
    final states and gradients of that sequence alone. The output is x with the padded steps
    set to zero (Keras's). The mask travels with the output to the recurrent layer that
    receives it (and on through one with ``return_sequences``); an explicit ``mask=`` argument
    of a recurrent layer does the same.

    .. math::

        m_t = [\\exists f: x_{t,f} \\neq v], \\qquad a_t = m_t x_t

    Shape: (N, T, F) -> (N, T, F).

    Parameters
    ----------
    mask_value : float, default 0.0
        The value of every feature of a padded step.
    name : str, optional
        The layer's name.
    input_shape : tuple of int, optional
        Keras's per-sample input shape of a first layer.

    Examples
    --------
    >>> x = np.array([[[1.0], [2.0], [0.0]]], dtype=np.float32)   # one sequence of 2 steps, padded to 3
    >>> model = gn.Sequential([gn.Input((3, 1)), Masking(0.0), gn.layers.SimpleRNN(2)], seed=0)
    >>> rnn = model.layers[-1]
    >>> np.allclose(model(gn.tensor(x)).numpy(), rnn(gn.tensor(x[:, :2])).numpy())   # as if unpadded
    True
    """

    static_graph = True

    def __init__(self, mask_value: float = 0.0, name: str | None = None, *,
                 input_shape: tuple[int, ...] | None = None) -> None:
        super().__init__(name or "masking")
        declare_input(self, input_shape)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float, np.integer, np.floating)):
            raise TypeError(f"Masking: mask_value must be a number, got {mask_value!r}")
        self.mask_value = float(mask_value)

    def call(self, x: Tensor) -> Tensor:
        args.check_sequence_shape(self, x.shape[1:])
        m = _StepMask.apply(x, mask_value=self.mask_value)
        out = _MaskSteps.apply(x, m)
        args.attach_mask(out, m)
        return out

    def check_input_shape(self, input_shape: tuple[int, ...]) -> None:
        """Sequences of any length (N, T, F)."""
        args.check_sequence_shape(self, input_shape)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        args.check_sequence_shape(self, tuple(input_shape))
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {"mask_value": self.mask_value, "name": self.name, **input_config(self)}


_RECURRENT = {cls.__name__: cls for cls in (SimpleRNN, LSTM, GRU)}


class Bidirectional(Layer):
    """Runs a recurrent layer over the sequence forward and a copy of it backward, and
    merges their outputs (Keras's ``Bidirectional``; PyTorch's ``bidirectional=True``).

    The backward copy reads x_T ... x_1; its output for step t is kept at position t, so
    the two directions line up. Without ``return_sequences`` the outputs are the forward
    direction's h_T and the backward one's final state (after x_1), as PyTorch's h_n.

    Parameters
    ----------
    layer : SimpleRNN, LSTM or GRU
        The forward direction (used as it is); the backward one is a copy of its arguments,
        named ``backward_<name>``, with weights of its own.
    merge_mode : {"concat", "sum", "mul", "ave", None}, default "concat"
        How the directions' outputs join: side by side (N, ..., 2 H), summed, multiplied,
        averaged, or None for the list [forward, backward].

    Notes
    -----
    Shape: (N, T, F) -> as the layer, with 2 H features for "concat". With the layer's
    ``return_state``: ``[*outputs, *forward_states, *backward_states]``; ``initial_state``
    is given in that order too.

    Examples
    --------
    >>> Bidirectional(gn.layers.LSTM(4))(np.zeros((2, 5, 3))).shape
    (2, 8)
    """

    call_inputs = 3

    def __init__(self, layer: Recurrent, merge_mode: str | None = "concat", name: str | None = None) -> None:
        if type(layer) not in _RECURRENT.values():
            raise TypeError(f"Bidirectional wraps a SimpleRNN, LSTM or GRU, got {type(layer).__name__}")
        if layer.go_backwards or layer.stateful:
            raise ValueError("Bidirectional: give it a layer with go_backwards=False and stateful=False; it "
                             "runs the backward direction itself")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {MERGE_MODES}, got {merge_mode!r}")
        super().__init__(name or f"bidirectional_{layer.name}")
        self.merge_mode = merge_mode
        self.forward_layer = layer
        config = {**layer.get_config(), "name": f"backward_{layer.name}"}
        self.backward_layer = type(layer).from_config(config)

    @property
    def static_graph(self) -> bool:  # type: ignore[override]
        return self.forward_layer.static_graph

    @property
    def static_in_evaluation(self) -> bool:  # type: ignore[override]
        return True

    @property
    def single_output(self) -> bool:
        """Whether a call returns one Tensor."""
        return self.merge_mode is not None and not self.forward_layer.return_state

    @property
    def n_states(self) -> int:
        return 2 * self.forward_layer.n_states

    @property
    def units(self) -> int:
        return self.forward_layer.units

    def weight_shapes(self, input_shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
        return {f"{side}.{key}": shape for side in ("forward_layer", "backward_layer")
                for key, shape in self.forward_layer.weight_shapes(input_shape).items()}

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        args.check_sequence_shape(self, input_shape)
        for layer, child in zip((self.forward_layer, self.backward_layer), rng.spawn(2)):
            if layer.rng is None or layer.seed is None:
                layer.rng = child
            layer.ensure_built(input_shape, self.dtype)

    def check_input_shape(self, input_shape: tuple[int, ...]) -> None:
        self.forward_layer.check_input_shape(input_shape)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        *lead, units = self.forward_layer.compute_output_shape(input_shape)
        return (*lead, 2 * units if self.merge_mode == "concat" else units)

    def forward(self, x: Any, initial_state: Any = None, mask: Any = None,
                training: bool | None = None) -> Any:
        """The merged outputs (a list with ``return_state`` or ``merge_mode=None``)."""
        if training is not None:
            with layer_mode(self, training):
                return self.forward(x, initial_state, mask)
        if isinstance(x, Symbolic):
            return self._symbolic(x, initial_state, mask)
        return args.call_on(self, x, initial_state, mask)

    def call(self, x: Tensor, initial_state: Any = None, mask: Any = None) -> Any:
        T, S = x.shape[1], self.forward_layer.n_states
        mask = args.mask_tensor(self, mask, x)
        states = [None, None] if initial_state is None else _halves(self, initial_state, S)
        packed = [layer.sequence(x, s, mask, reverse) for layer, s, reverse in
                  zip((self.forward_layer, self.backward_layer), states, (False, True))]
        finals = [p[:, T + k] for p in packed for k in range(S)]
        if self.forward_layer.return_sequences:
            ys = [p[:, :T] for p in packed]
        else:
            ys = [finals[0], finals[S]]
        out = self._merge(ys)
        if mask is not None and self.forward_layer.return_sequences and isinstance(out, Tensor):
            args.attach_mask(out, mask)
        outs = out if isinstance(out, list) else [out]
        return [*outs, *finals] if self.forward_layer.return_state else out

    def _merge(self, ys: list[Tensor]) -> Any:
        if self.merge_mode == "concat":
            return Concatenate.apply(*ys, axis=ys[0].ndim - 1)
        if self.merge_mode == "sum":
            return ys[0] + ys[1]
        if self.merge_mode == "mul":
            return ys[0] * ys[1]
        if self.merge_mode == "ave":
            return (ys[0] + ys[1]) * 0.5
        return ys

    def _symbolic(self, x: Symbolic, initial_state: Any, mask: Any) -> Any:
        import operator

        args.check_sequence_shape(self, x.shape)
        inputs = (x,) if initial_state is None and mask is None else (x, initial_state, mask)
        shape = self.compute_output_shape(x.shape)
        outputs = [shape] if self.merge_mode is not None else [shape] * 2
        if not self.forward_layer.return_state and self.merge_mode is not None:
            return Symbolic(shape, self, inputs)
        if self.forward_layer.return_state:
            outputs += [(self.units,)] * self.n_states
        node = Symbolic(shape, self, inputs)
        return [Symbolic(s, operator.getitem, (node, i)) for i, s in enumerate(outputs)]

    def get_config(self) -> dict[str, Any]:
        layer = self.forward_layer
        return {"layer": {"class_name": type(layer).__name__, "config": layer.get_config()},
                "merge_mode": self.merge_mode, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Bidirectional:
        config = dict(config)
        entry = config.pop("layer")
        if not isinstance(entry, dict) or entry.get("class_name") not in _RECURRENT:
            raise ValueError(f"Bidirectional wraps one of {', '.join(_RECURRENT)}, got {entry!r}")
        return cls(_RECURRENT[entry["class_name"]].from_config(entry["config"]), **config)


def _halves(layer: Bidirectional, states: Any, per_direction: int) -> list[list[Any]]:
    items = list(states) if isinstance(states, (list, tuple)) else [states]
    if len(items) != 2 * per_direction:
        raise ValueError(f"layer {layer.name!r} (Bidirectional) takes {2 * per_direction} initial states, "
                         f"the forward direction's then the backward one's, each (N, {layer.units}); "
                         f"got {len(items)}")
    return [items[:per_direction], items[per_direction:]]
