"""The outputs of ``predict`` and ``evaluate``: the graph in evaluation mode, recorded per input shape.

Prediction needs no gradients, so on a small network the graph's bookkeeping (a Tensor per
node, the layers' call chain, the mode switches) costs more than the arithmetic. For a
model whose layers record the same calls on every pass
(:func:`~glassnet.training.replay.static_model`), the first prediction of each input shape
runs the graph while recording its ``Function.apply`` calls; later predictions of that
shape call the same ``forward`` functions, in the same order, on the new inputs and on the
weights' current values. The arithmetic is the graph's, so the outputs are the same bits.

A recording stays valid while no attribute of any module is assigned (a layer added, a
weight or buffer replaced: see :func:`glassnet.layers.module.structure_version`); changes
of values in place (training, ``load_weights``) are read at each replay. Inside
``with glassnet.reference():`` every prediction runs the graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet import accel
from glassnet.function import Function, recording
from glassnet.layers.module import evaluating, structure_version
from glassnet.tensor import Tensor, no_grad
from glassnet.training import replay as _replay

__all__ = ["outputs", "ForwardTape", "MAX_RECORDINGS"]

#: Recordings kept per model, one per input signature (the batch size is part of it):
#: predictions on ever new shapes replace the oldest instead of piling up.
MAX_RECORDINGS = 32


class ForwardTape:
    """The ``Function.apply`` calls of one recorded forward pass, replayed on new inputs.

    The calls become one Python function, written out as its source (``tape.source``):
    one line per call, ``v3 = F3(C3(), v2, w2, w3)``, where ``F3`` is the recorded class's
    ``forward``, ``C3()`` a fresh context, ``x0, x1, ...`` the inputs, ``w0, w1, ...`` the
    current data of the leaves (weights, buffers: ``tape.leaves``) and ``v0, v1, ...`` the
    calls' outputs. Reading it shows what a prediction computes, in order.

    Parameters
    ----------
    calls : list
        ``(cls, inputs, options, output)`` per call, from :class:`glassnet.function.recording`.
    xs : list of arrays
        The recorded pass's inputs.
    outs : list of Tensor
        Its outputs.
    """

    __slots__ = ("leaves", "source", "run")

    def __init__(self, calls: list[tuple[type[Function], tuple[Tensor, ...], dict[str, Any], Tensor]],
                 xs: list[np.ndarray], outs: list[Tensor]) -> None:
        self.leaves, position = _replay.layout(calls, xs)
        names = [f"x{k}" for k in range(len(xs))] + [f"w{k}" for k in range(len(self.leaves))]
        names += [f"v{k}" for k in range(len(calls))]
        scope: dict[str, Any] = {f"L{k}": t for k, t in enumerate(self.leaves)}
        lines = [f"def run(xs):\n    {', '.join(names[:len(xs)])}, = xs"]
        lines += [f"    w{k} = L{k}.data" for k in range(len(self.leaves))]
        for k, (cls, args, options, _) in enumerate(calls):
            scope[f"F{k}"], scope[f"C{k}"], scope[f"o{k}"] = cls.forward, cls, dict(options)
            arguments = ", ".join([names[position[id(t)]] for t in args] + ([f"**o{k}"] if options else []))
            lines.append(f"    v{k} = F{k}(C{k}(), {arguments})  # {cls.__name__}")
        lines.append(f"    return [{', '.join(names[position[id(o)]] for o in outs)}]")
        self.source = "\n".join(lines)
        exec(compile(self.source, f"<forward tape of {len(calls)} calls>", "exec"), scope)  # noqa: S102
        self.run: Any = scope["run"]

    @staticmethod
    def can_record(calls: list[tuple[type[Function], tuple[Tensor, ...], dict[str, Any], Tensor]],
                   outs: list[Any]) -> bool:
        """Whether a pass can be replayed: outputs that are graph nodes, and no call
        with a 0-d result (NumPy gives a scalar there, which the replay would not wrap)."""
        return (all(isinstance(o, Tensor) for o in outs)
                and all(out.data.ndim for *_, out in calls))


def outputs(model: Any, xs: list[np.ndarray], fused: Sequence[bool]) -> list[np.ndarray]:
    """The outputs of ``model`` for the arrays ``xs`` in evaluation mode, without a graph:
    logits where ``fused[i]`` (a loss fused with output i's activation takes them), the
    final outputs elsewhere. Replayed from a recording where the model allows it."""
    cache = vars(model).get("_forward_tapes")
    if cache is None or cache[0] != structure_version():
        cache = _renew(model)
    tapes = cache[1] if accel.replay_allowed() else None
    if tapes is None:
        return [o.data for o in _run_graph(model, xs, fused)]
    key = (xs[0].shape if len(xs) == 1 else tuple(x.shape for x in xs), xs[0].dtype, *fused)
    tape = tapes.get(key)
    if tape is not None:
        return tape.run(xs)
    with recording() as calls:
        outs = _run_graph(model, xs, fused)
    if ForwardTape.can_record(calls, outs):
        if len(tapes) >= MAX_RECORDINGS:  # inputs of ever new shapes: forget the oldest
            del tapes[next(iter(tapes))]
        tapes[key] = ForwardTape(calls, xs, outs)
    return [o.data for o in outs]


def _run_graph(model: Any, xs: list[np.ndarray], fused: Sequence[bool]) -> list[Any]:
    inputs = [Tensor._make(x, False, None) for x in xs]
    with no_grad(), evaluating():
        out = model.activate(model.logits(*inputs), fused) if True in fused else model(*inputs)
    return out if isinstance(out, list) else [out]


def _renew(model: Any) -> tuple[int, dict[Any, ForwardTape] | None]:
    """A new, empty store of the model's recordings by input signature (None when the model
    cannot be replayed), valid until a module's attribute is assigned."""
    cache = (structure_version(), {} if _replay.static_model(model, training=False) else None)
    vars(model)["_forward_tapes"] = cache
    return cache
