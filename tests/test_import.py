"""`import glassnet` stays light: the heavy libraries are imported lazily, where they are used."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("matplotlib", "pandas", "sklearn", "scipy", "torch", "optuna", "dask", "distributed", "mapie")


def test_import_glassnet_loads_none_of_the_heavy_libraries():
    code = (
        "import json, sys; import glassnet; "
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == [], f"import glassnet loaded {result.stdout.strip()}"


def test_model_files_are_imported_on_first_use():
    code = ("import sys, glassnet as gn; before = 'glassnet.io' in sys.modules; gn.load; "
            "print(before, 'glassnet.io' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]


def test_every_public_name_exists():
    import glassnet

    assert [name for name in glassnet.__all__ if not hasattr(glassnet, name)] == []


LAZY = {
    "glassnet.training": "gn.callbacks.EarlyStopping",
    "glassnet.plot": "gn.plot.history",
    "glassnet.datasets": "gn.datasets.load",
    "glassnet.utils": "gn.utils.to_categorical",
    "glassnet.optim.lr_scheduler": "gn.optim.lr_scheduler.StepLR",
    "glassnet.training.loader": "gn.data.DataLoader",
    "glassnet.training.checkpoint": "gn.callbacks.ModelCheckpoint",
    "glassnet.training.resume": "gn.callbacks.BackupAndRestore",
}


def test_the_less_used_modules_are_imported_on_first_use():
    for module, name in LAZY.items():
        code = (f"import sys, glassnet as gn; before = {module!r} in sys.modules; {name}; "
                f"print(before, {module!r} in sys.modules)")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert result.stdout.split() == ["False", "True"], (module, result.stdout, result.stderr)


def test_a_model_trains_right_after_import_glassnet():
    code = ("import sys, numpy as np, glassnet as gn; assert 'glassnet.training' not in sys.modules; "
            "m = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=0); m.compile(loss='mse'); "
            "h = m.fit(np.ones((4, 2), 'float32'), np.ones((4, 1), 'float32'), epochs=2, verbose=0); "
            "print(len(h.history['loss']), m.predict(np.ones((1, 2), 'float32')).shape)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["2", "(1,", "1)"]
