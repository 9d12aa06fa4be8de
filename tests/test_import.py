"""`import glassnet` stays light: the heavy libraries are imported lazily, where they are used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HEAVY = ("matplotlib", "pandas", "sklearn", "scipy", "torch", "optuna", "dask", "distributed", "mapie",
         "threadpoolctl")


def test_import_glassnet_loads_none_of_the_heavy_libraries():
    code = (
        "import json, sys; import glassnet; "
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == [], f"import glassnet loaded {result.stdout.strip()}"


def test_import_glassnet_loads_no_json_or_path_module():
    """The modules only the model files use come with them. Checked without ``site`` (``-S``),
    whose startup (an editable install's finder) may import them itself."""
    import glassnet

    paths = [str(Path(glassnet.__file__).resolve().parents[1]), *filter(None, sys.path)]
    code = (f"import sys; sys.path[:0] = {paths!r}; import glassnet; "
            "print(sorted({'json', 'pathlib'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stderr


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
    "glassnet.optim": "gn.optim.Adam",
    "glassnet.metrics": "gn.metrics.get",
    "glassnet.schedules": "gn.schedules.StepDecay",
    "glassnet.initializers": "gn.initializers.Zeros",
    "glassnet.regularizers": "gn.regularizers.L2",
    "glassnet.functional": "gn.concatenate",
    "glassnet.layers.conv": "gn.layers.Conv2D",
    "glassnet.layers.pool": "gn.layers.MaxPooling2D",
    "glassnet.layers.norm": "gn.layers.BatchNormalization",
    "glassnet.layers.reshaping": "gn.layers.Flatten",
    "glassnet.layers.rbf": "gn.layers.RBF",
    "glassnet.layers.recurrent": "gn.layers.LSTM",
    "glassnet.layers.sequences": "gn.layers.Masking",
    "glassnet.layers.sampling": "gn.layers.Sampling",
    "glassnet.layers.upsampling": "gn.layers.UpSampling2D",
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


def test_import_glassnet_leaves_every_first_use_module_unloaded():
    code = f"import json, sys, glassnet; print(json.dumps(sorted(set({list(LAZY)!r}) & set(sys.modules))))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_every_layer_name_resolves_to_one_object_and_is_listed():
    import glassnet as gn
    from glassnet import layers

    for name in layers.__all__:
        namespace: dict[str, object] = {}
        exec(f"from glassnet.layers import {name}", namespace)
        assert namespace[name] is getattr(gn.layers, name) is getattr(gn.layers, name), name
        assert name in dir(gn.layers), name
    assert set(layers._LAZY) <= set(layers.__all__)


def test_the_layer_modules_stay_attributes_of_glassnet_layers():
    code = ("import glassnet as gn; print('recurrent' in dir(gn.layers), "
            "gn.layers.recurrent.LSTM is gn.layers.LSTM, gn.layers.pool.MaxPool2D is gn.layers.MaxPooling2D)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "True", "True"], result.stderr


def test_every_top_level_name_is_listed_and_resolves_to_one_object():
    import glassnet as gn

    assert set(gn.__all__) <= set(dir(gn))
    assert all(getattr(gn, name) is getattr(gn, name) for name in gn.__all__)


def test_a_star_import_gives_every_layer():
    namespace: dict[str, object] = {}
    exec("from glassnet.layers import *", namespace)
    from glassnet import layers

    assert [name for name in layers.__all__ if name not in namespace] == []


#: Models made of first-use layers: the code that makes ``m``, its input's shape, its layers.
FIRST_USE_MODELS = {
    "recurrent": ("x = gn.Input((5, 3)); "
                  "h = gn.layers.Bidirectional(gn.layers.GRU(4))(gn.layers.Masking()(x)); "
                  "y = gn.layers.Dense(2)(gn.layers.RBF(3, centers=np.zeros((3, 8)))(h)); m = gn.Model(x, y)",
                  (5, 3), ["Masking", "Bidirectional", "RBF", "Dense"]),
    "images": ("m = gn.Sequential([gn.Input((1, 6, 6)), gn.layers.Conv2D(2, 3, padding='same'), "
               "gn.layers.BatchNormalization(), gn.layers.MaxPooling2D(2), gn.layers.UpSampling2D(2), "
               "gn.layers.Conv2DTranspose(1, 3), gn.layers.Flatten(), gn.layers.Dense(2)])",
               (1, 6, 6), ["Conv2D", "BatchNormalization", "MaxPool2D", "UpSampling2D", "Conv2DTranspose",
                           "Flatten", "Dense"]),
}


@pytest.mark.parametrize("kind", FIRST_USE_MODELS)
def test_a_model_file_with_first_use_layers_loads_in_a_fresh_process(kind, tmp_path):
    """A file naming layers of the first-use modules is read by a process that has not imported
    them: the loaded layers, and those of its JSON architecture, are the classes that
    ``gn.layers`` gives, and the loaded model predicts as the saved one."""
    make, shape, layers = FIRST_USE_MODELS[kind]
    path = tmp_path / "model.safetensors"
    x = f"np.linspace(-1, 1, {int(np.prod(shape))}, dtype='float32').reshape(1, *{shape!r})"
    save = (f"import json, numpy as np, glassnet as gn; {make}; "
            f"print(json.dumps(m.predict({x}).tolist())); m.save({str(path)!r})")
    saved = subprocess.run([sys.executable, "-c", save], capture_output=True, text=True, check=True)
    load = (f"import json, numpy as np, glassnet as gn; m = gn.load({str(path)!r}); "
            f"print(json.dumps(m.predict({x}).tolist())); twin = gn.models.model_from_json(m.to_json()); "
            "print(json.dumps([type(k).__name__ for k in m.layers])); "
            "print(all(type(k) is getattr(gn.layers, type(k).__name__) is type(t) "
            "for k, t in zip(m.layers, twin.layers, strict=True)))")
    loaded = subprocess.run([sys.executable, "-c", load], capture_output=True, text=True, check=True)
    prediction, names, same_classes = loaded.stdout.splitlines()
    assert json.loads(prediction) == json.loads(saved.stdout)
    assert (json.loads(names), same_classes) == (layers, "True")
