"""What ``compile`` chooses: the optimizer, a loss per output and the metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from glassnet import losses as _losses
from glassnet.layers.heads import check_head
from glassnet.layers.module import Layer

__all__ = ["Compiling", "CLASS_LOSSES", "check_output_width"]

#: Losses that train a classifier: their outputs are class probabilities.
CLASS_LOSSES = (_losses.CrossEntropy, _losses.NLL, _losses.BinaryCrossEntropy)


class Compiling:
    """The compile step of :class:`~glassnet.models.Model`, and the per-output views that the
    training loop reads from it (the losses, whether each takes logits, how messages name
    an output)."""

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
            check_head(self.loss_fns[i], self.final_layer(i), self._output_label(i))
        self._compile_metrics(metrics)
        self.compiled = True

    def _compile_metrics(self, metrics: Sequence[Any] | None) -> None:
        """Resolve the metrics; a regression metric for a classification loss is refused here."""
        from glassnet import metrics as _metrics

        if isinstance(metrics, str) or (metrics is not None and not isinstance(metrics, (list, tuple))):
            raise TypeError(f"metrics must be a list of names or functions (['accuracy']), got {metrics!r}")
        classifier = isinstance(self.loss_fns[0], CLASS_LOSSES)
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
        return [None] if self.subclassed else self._outputs

    def _declared_width(self, node: Any) -> int | None:
        """The number of units of an output, when known before any data."""
        shape = self.output_shapes()[0] if self.subclassed and self.built else getattr(node, "shape", None)
        return shape[-1] if shape else None

    def final_layer(self, i: int = 0) -> Layer | None:
        """The layer that makes output ``i``; None for a subclassed model or an output that a
        graph function (``+``, ``gn.concatenate``, ...) makes."""
        if self.subclassed or not self.layers:
            return None
        layer = self._output_layer(i)
        return layer if isinstance(layer, Layer) else None

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



def check_output_width(activation: str | None, width: int | None, label: str = "the output") -> None:
    """Refuse a softmax (log-softmax) over one unit: it always outputs 1.0 (0.0), so nothing
    is ever learned.

    Parameters
    ----------
    activation : str or None
        The output layer's activation.
    width : int or None
        Its number of units.
    label : str, default 'the output'
        How the message names the layer.

    Examples
    --------
    >>> gn.models.check_output_width("softmax", 3)
    >>> try:
    ...     gn.models.check_output_width("softmax", 1)
    ... except ValueError as error:
    ...     print(str(error)[:52])
    ...
    the output is a softmax over 1 unit, which always ou
    """
    if activation in ("softmax", "log_softmax") and width == 1:
        raise ValueError(
            f"{label} is a {activation} over 1 unit, which always outputs the same value and never "
            "learns. For two classes use Dense(1, activation='sigmoid') with loss='binary_crossentropy', or "
            "Dense(2, activation='softmax') with a cross-entropy loss")


