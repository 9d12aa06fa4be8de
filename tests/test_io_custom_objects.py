"""Custom metrics, losses, optimizers and functions save without making the file unloadable
(or are refused at save), and the arguments of the io functions are checked."""

import math
import warnings

import numpy as np
import pytest
from crafted import X4, trained_model

import glassnet as gn
from glassnet.io import TabularPreprocessor
from glassnet.layers import Dense


# ------------------------------------------------------------------ custom objects
def _my_metric(y_true, y_pred):
    return 0.5


def test_custom_metric_saves_and_loads_without_it_with_a_warning(tmp_path):
    model = trained_model()
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy", _my_metric])
    gn.save(model, tmp_path / "m.safetensors")
    with pytest.warns(UserWarning, match=r"custom metrics \['_my_metric'\].*compiled without it"):
        again = gn.load(tmp_path / "m.safetensors")
    assert again.compiled and again.metric_names == ["accuracy"]
    np.testing.assert_array_equal(again.predict(X4), model.predict(X4))


class _MyLoss(gn.losses.MSE):
    pass


class _MyAdam(gn.optim.Adam):
    pass


@pytest.mark.parametrize(("compile_args", "part"), [
    ({"optimizer": "adam", "loss": _MyLoss()}, r"custom loss \['_MyLoss'\]"),
    ({"optimizer": "adam", "loss": lambda y_true, y_pred: (y_pred - y_true).sum()}, r"custom loss"),
    ({"optimizer": _MyAdam(), "loss": "mse"}, r"custom optimizer \['_MyAdam'\]"),
])
def test_custom_loss_or_optimizer_loads_uncompiled_with_a_warning(tmp_path, compile_args, part):
    model = trained_model()
    model.compile(**compile_args)
    gn.save(model, tmp_path / "m.safetensors")
    with pytest.warns(UserWarning, match=part + ".*loaded uncompiled"):
        again = gn.load(tmp_path / "m.safetensors")
    assert not again.compiled
    np.testing.assert_array_equal(again.predict(X4), model.predict(X4))


def test_python_function_in_a_layer_is_refused_at_save(tmp_path):
    model = gn.Sequential([Dense(2, activation=lambda z: z, input_dim=2)])
    with pytest.raises(TypeError, match="cannot be saved whole.*not Python functions.*save_weights"):
        gn.save(model, tmp_path / "m.safetensors")
    assert not list(tmp_path.iterdir())
    model.save_weights(tmp_path / "w.safetensors")


# ------------------------------------------------------------------ arguments of the io functions
def test_paths_are_checked_before_anything_is_written(tmp_path):
    model = trained_model()
    with pytest.raises(IsADirectoryError, match="is a folder; give a file name inside it"):
        gn.save(model, tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        gn.save(model, tmp_path / "file" / "m.safetensors")
    with pytest.raises(PermissionError, match="cannot be created|is not writable"):
        gn.save(model, "/proc/glassnet-test/m.safetensors")
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        gn.save(model, 3)
    with pytest.raises(ValueError, match="path is empty"):
        model.save_weights("")
    with pytest.raises(TypeError, match="info must be a dict"):
        gn.save(model, tmp_path / "m.safetensors", info=["x"])
    with pytest.raises(ValueError, match="info cannot be written as JSON"):
        gn.save(model, tmp_path / "m.safetensors", info={"x": math.nan})
    with pytest.raises(TypeError, match="preprocessing must be a fitted TabularPreprocessor"):
        gn.save(model, tmp_path / "m.safetensors", preprocessing="standard")
    with pytest.raises(TypeError, match="model must be a glassnet Model"):
        gn.save("model", tmp_path / "m.safetensors")
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        gn.load(None)
    with pytest.raises(TypeError, match="model must be a glassnet Model"):
        gn.io.load_weights(None, tmp_path / "m.safetensors")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
    gn.save(model, tmp_path / "new" / "folder" / "m.safetensors")
    assert gn.load(tmp_path / "new" / "folder" / "m.safetensors").built


def test_no_warning_on_a_plain_round_trip(tmp_path):
    model = trained_model()
    gn.save(model, tmp_path / "m.safetensors")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gn.load(tmp_path / "m.safetensors").metric_names == ["accuracy"]


def test_other_io_arguments_are_checked(saved, tmp_path):
    model, path = saved
    with pytest.raises(TypeError, match="trust_format_1 must be True or False"):
        gn.load(path, trust_format_1="yes")
    with pytest.raises(TypeError, match="units must map column names to unit texts"):
        TabularPreprocessor(units="cm")
    with pytest.raises(ValueError, match="not fitted yet"):
        TabularPreprocessor().transform(X4)
    prep = gn.load(path).preprocessing
    with pytest.raises(TypeError, match="dtype must be one of float32, float64"):
        prep.transform(X4, dtype=np.int32)
    with pytest.raises(TypeError, match="warn must be True or False"):
        prep.transform(X4, warn="no")
    with pytest.raises(TypeError, match="model must be a glassnet Model"):
        gn.io.export_onnx("model", tmp_path / "m.onnx")
