"""What ``glassnet explain`` prints: a lecture example by name, or a saved model's pass on data rows.

::

    glassnet explain chain-rule
    glassnet explain two-layer-sigmoid
    glassnet explain perceptron --bias-as-weight
    glassnet explain rnn-through-time --steps 50 --activation tanh
    glassnet explain runs/<run>/model.safetensors --data iris --rows 1
"""

from __future__ import annotations

from typing import Any

from glassnet.cli import use
from glassnet.cli.settings import UsageError
from glassnet.explain import examples
from glassnet.explain._util import check_positive_int
from glassnet.explain.through_time import through_time
from glassnet.explain.trace import Trace, trace
from glassnet.ops.recurrent import CELL_ACTIVATIONS

__all__ = ["explain"]


#: The view of backpropagation through time in a tiny recurrent network.
THROUGH_TIME = "rnn-through-time"


def explain(what: str, data: str | None = None, target: str | None = None, rows: int = 1,
            console: Any = None, steps: int = 50, activation: str = "tanh",
            bias_as_weight: bool = False) -> Any:
    """Print a worked example, or one forward/backward pass of a saved model on ``rows`` rows.

    Parameters
    ----------
    what : str
        An example name (``chain-rule``, ``two-layer-sigmoid``, ``one-neuron``,
        ``simplest-nn``, ``perceptron``), ``rnn-through-time`` (a tiny SimpleRNN's h_t and dE/dh_t at each
        step, see :func:`glassnet.explain.through_time`) or the path of a model file written
        by ``glassnet train``.
    data : str, optional
        For a model: a data set name or a CSV file with the input and target columns.
    target : str, optional
        The target column, if its name differs from training.
    rows : int, default 1
        How many rows form the batch; one row shows that sample's numbers, several rows
        the batch mean.
    console : rich.console.Console, optional
    steps, activation : int, str
        For ``rnn-through-time``: the sequence's length and the layer's activation.
    bias_as_weight : bool, default False
        For ``perceptron`` and a model: write the bias as the weight w0 on a constant input
        x0 = 1 (for a model, z = [1, a_prev] [b; W] beside z = a_prev W + b).

    Returns
    -------
    Example or Trace
        What was printed.

    Raises
    ------
    UsageError
        For a name that is neither an example nor, with ``data``, a model file (the command
        exits with code 2).
    """
    from rich.console import Console

    console = Console(highlight=False) if console is None else console
    if bias_as_weight and (what == THROUGH_TIME or what in examples.EXAMPLES) \
            and what not in examples.BIAS_AS_WEIGHT:
        raise UsageError(f"--bias-as-weight applies to a model file and the examples "
                         f"{', '.join(examples.BIAS_AS_WEIGHT)}, not {what!r}")
    if what == THROUGH_TIME:
        if activation not in CELL_ACTIVATIONS:
            raise UsageError(f"--activation must be one of {', '.join(CELL_ACTIVATIONS)} (what a recurrent "
                             f"cell computes), got {activation!r}")
        result = through_time(steps=check_positive_int("steps", steps), activation=activation)
        result.print(console)
        return result
    if what in examples.EXAMPLES:
        example = examples.run(what, bias_as_weight=bias_as_weight)
        example.print(console)
        return example
    if data is None:
        raise UsageError(
            f"{what!r} is not one of the examples ({', '.join([*examples.EXAMPLES, THROUGH_TIME])}); to "
            "explain a saved "
            "model, give its file and --data with the rows to run"
        )
    rows = check_positive_int("rows", rows)
    model, X, y = _saved_rows(what, data, target, rows)
    result = trace(model, X, y, optimizer=model.optimizer if getattr(model, "compiled", False) else None)
    result.table(sample=0 if rows == 1 else None, console=console)
    _print_equations(result, console, bias_as_weight)
    return result


def _saved_rows(path: str, data: str, target: str | None, rows: int) -> tuple[Any, Any, Any]:
    """The model in ``path`` and the first ``rows`` rows of ``data``, preprocessed as in training."""
    model = use.load_model(path)
    table = use._labelled(model, data, target)
    return model, model.preprocessing.transform(table.X.iloc[:rows]), table.y[:rows]


def _print_equations(result: Trace, console: Any, bias_as_weight: bool = False) -> None:
    for record in result.layers:
        if record.z is not None and record.W is not None and record.W.ndim == 2:
            console.print(result.equations(record.index, bias_as_weight=bias_as_weight), markup=False,
                          soft_wrap=True)
            console.print()
