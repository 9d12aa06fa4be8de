"""What the Export buttons download: the trained model file and a script that trains it again.

The model file is written by :func:`glassnet.save` (into a private temporary folder, read back
and deleted), so ``gn.load`` reads it; its info section names the features the inputs are.
The script rebuilds the data, the features and the network with glassnet and trains them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from glassnet.playground.data import FEATURES, SPAN, TOYS
from glassnet.playground.network import Settings, output_and_loss

__all__ = ["model_bytes", "script"]


def model_bytes(model: Any, settings: Settings, task: str, classes: int | None) -> bytes:
    """The ``.safetensors`` file of ``model`` as bytes (see :func:`glassnet.save`).

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.playground.network import build_model
    >>> settings = Settings(layers=(2,), activations=("tanh",))
    >>> raw = model_bytes(build_model(settings, "classification", 2), settings, "classification", 2)
    >>> raw[8:9]
    b'{'
    """
    from glassnet.io import save

    info = {"task": task, "features": list(settings.features), "playground": settings.to_dict()}
    if classes is not None:
        info["classes"] = [str(k) for k in range(classes)]
    with tempfile.TemporaryDirectory(prefix="glassnet-playground-") as folder:
        path = save(model, Path(folder) / "model.safetensors", info=info)
        return path.read_bytes()


_DATA = {
    "plane": ("rng = np.random.default_rng({seed})\n"
              "X = rng.uniform(-1.0, 1.0, ({n_samples}, 2)).astype(np.float32)\n"
              "y = 0.7 * X[:, 0] - 0.5 * X[:, 1] + {noise!r} * rng.standard_normal({n_samples})\n"
              "y = y.astype(np.float32)\n"),
    "csv": ("# the uploaded CSV: three columns x1, x2, target (a header row is skipped)\n"
            "table = np.genfromtxt(sys.argv[1] if len(sys.argv) > 1 else 'data.csv', delimiter=',')\n"
            "table = table[~np.isnan(table).any(axis=1)]\n"
            "X, y = table[:, :2].astype(np.float32), table[:, 2]\n"
            "{target}"),
}


def _data_lines(settings: Settings, task: str) -> str:
    s = settings
    if s.dataset in TOYS:
        classes = f", n_classes={s.n_classes}" if s.dataset in ("gaussians", "spiral") else ""
        return (f"data = gn.datasets.load({TOYS[s.dataset]!r}, n_samples={s.n_samples}, noise={s.noise!r}, "
                f"seed={s.seed}{classes})\nX, y = data.X, data.y\n")
    target = ("y = np.searchsorted(np.unique(y), y)\n" if task == "classification"
              else "y = y.astype(np.float32)\n")
    return _DATA[s.dataset].format(seed=s.seed, n_samples=s.n_samples, noise=s.noise, target=target)


def _layer_lines(settings: Settings, task: str, classes: int | None) -> str:
    s = settings
    penalty = ""
    if s.regularization != "none" and s.regularization_rate > 0:
        kind = s.regularization.upper()
        penalty = f", kernel_regularizer=gn.regularizers.{kind}({s.regularization_rate!r})"
    lines = [f"    gn.Input(shape=({len(s.features)},)),"]
    for units, activation in zip(s.layers, s.activations):
        lines.append(f"    gn.layers.Dense({units}, activation={activation!r}{penalty}),")
        if s.dropout > 0:
            lines.append(f"    gn.layers.Dropout({s.dropout!r}),")
    units, activation, _ = output_and_loss(task, classes)
    lines.append(f"    gn.layers.Dense({units}, activation={activation!r}{penalty}),")
    return "\n".join(lines)


def script(settings: Settings, task: str, classes: int | None, epochs: int) -> str:
    """A Python script that rebuilds the data, the features and the network and trains it ``epochs`` epochs.

    Examples
    --------
    >>> text = script(Settings(dataset="xor", features=("x1*x2",), layers=(), activations=()),
    ...               "classification", 2, epochs=10)
    >>> "gn.datasets.load('xor'" in text and "model.fit(" in text
    True
    """
    s = settings
    columns = ", ".join(FEATURES[name][1] for name in s.features)
    loss = output_and_loss(task, classes)[2]
    return f'''"""Train the network built in the glassnet playground: {s.dataset}, features {columns}."""
import sys

import numpy as np

import glassnet as gn

{_data_lines(s, task)}X = X * np.float32({SPAN!r} / float(np.abs(X).max()))  # the playground's scale

# the features the network sees
x1 = X[:, 0]
x2 = X[:, 1] if X.shape[1] > 1 else None
F = np.stack([{columns}], axis=1).astype(np.float32)

# the train/test split
order = np.random.default_rng({s.seed}).permutation(len(y))
n_train = min(max(int(round(len(y) * {s.train_ratio!r})), 1), len(y) - 1)
train, test = order[:n_train], order[n_train:]

model = gn.Sequential([
{_layer_lines(s, task, classes)}
])
model.compile(optimizer=gn.optim.get({s.optimizer!r}, lr={s.learning_rate!r}), loss={loss!r})
model.build(seed={s.seed})
for epoch in range({max(epochs, 1)}):
    model.fit(F[train], y[train], epochs=1, batch_size=min({s.batch_size}, len(train)), verbose=0,
              seed={s.seed} + epoch)
print(f"train loss {{model.evaluate(F[train], y[train], verbose=0):.4f}}, "
      f"test loss {{model.evaluate(F[test], y[test], verbose=0):.4f}}")
model.save("playground-model.safetensors")
'''
