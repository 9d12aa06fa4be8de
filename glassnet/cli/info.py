"""The info section that ``glassnet train`` writes into a model file, checked before use.

The checksum of a model file catches damage, not intent: a file edited on purpose can
carry a new checksum. The commands that use a saved model therefore read its info section
(task, target, classes, training settings, test metrics) through :func:`checked_info`,
which refuses values of the wrong type or size with one message instead of failing deep
inside pandas or NumPy.
"""

from __future__ import annotations

from typing import Any

from glassnet.cli.settings import CliError

__all__ = ["checked_info"]

_TASKS = ("classification", "regression")


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _problems(info: dict[str, Any], outputs: int | None) -> list[str]:
    problems = []
    task, classes = info.get("task"), info.get("classes")
    if task is not None and task not in _TASKS:
        problems.append(f"task is {task!r}, not one of {', '.join(map(repr, _TASKS))}")
    if info.get("target") is not None and not isinstance(info["target"], str):
        problems.append(f"target is {info['target']!r}, not a column name")
    if classes is not None:
        if not isinstance(classes, list) or not classes or not all(map(_scalar, classes)):
            problems.append(f"classes is {str(classes)[:60]}, not a list of class names")
        elif len(set(map(str, classes))) != len(classes):
            problems.append("classes names a class twice")
        elif task == "classification" and outputs is not None and len(classes) != outputs \
                and not (outputs == 1 and len(classes) == 2):
            problems.append(f"classes names {len(classes)} classes, but the network has {outputs} outputs")
    if task == "classification" and classes is None:
        problems.append("a classification has no classes")
    training = info.get("training")
    if training is not None and not isinstance(training, dict):
        problems.append(f"training is {str(training)[:60]}, not a table of settings")
    elif training:
        seed = training.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            problems.append(f"training.seed is {seed!r}, not an integer >= 0")
        if training.get("data") is not None and not isinstance(training["data"], str):
            problems.append(f"training.data is {training['data']!r}, not a data set name or path")
    metrics = info.get("test_metrics")
    if metrics is not None and not (isinstance(metrics, dict) and all(
            v is None or (_scalar(v) and not isinstance(v, str)) for v in metrics.values())):
        problems.append(f"test_metrics is {str(metrics)[:60]}, not a table of numbers")
    return problems


def checked_info(model: Any, path: str) -> dict[str, Any]:
    """The info section of the model loaded from ``path``, after its fields are checked.

    Raises
    ------
    CliError
        Naming every field that is not what ``glassnet train`` writes.
    """
    info = getattr(model, "info", None) or {}
    last = model.layers[-1] if getattr(model, "layers", None) else None
    shape = last.compute_output_shape(last.input_shape) if getattr(last, "input_shape", None) else None
    outputs = shape[-1] if shape else None
    problems = _problems(info, outputs)
    if problems:
        raise CliError(f"{path}: the model file's info section is not what glassnet train writes ("
                       + "; ".join(problems) + "). The file was edited or written by another program; "
                       "train the model again, or use it from Python with gn.load")
    return info
