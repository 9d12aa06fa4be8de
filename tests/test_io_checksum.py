"""Crafted and edited model files: the checksum covers every metadata text and array that
sets the predictions, format-1 files load only when trusted, weights of another dtype or
not finite are refused, and every field of the saved preprocessing is checked."""

import json

import numpy as np
import pytest
from crafted import X4, craft, metadata_texts, trained_model
from safetensors.numpy import load_file
from safetensors.numpy import save as safetensors_bytes

import glassnet as gn
from glassnet.io import ModelFileError, model_file
from glassnet.layers import BatchNormalization, Dense


# ------------------------------------------------------------------ the checksum covers the header
def test_one_flipped_bit_in_the_architecture_is_refused(saved, tmp_path):
    _, path = saved
    data = path.read_bytes()
    assert data.count(b"relu") == 1
    (tmp_path / "b.safetensors").write_bytes(data.replace(b"relu", b"selu"))
    with pytest.raises(ModelFileError, match="architecture, settings or arrays do not match the checksum"):
        gn.load(tmp_path / "b.safetensors")


@pytest.mark.parametrize(("key", "old", "new"), [
    ("architecture", '"units": 3', '"units": 3 '),
    ("compile", '"lr": 0.01', '"lr": 0.02'),
    ("preprocessing", '"n_samples": 20', '"n_samples": 21'),
    ("info", '"target": "y"', '"target": "z"'),
    ("glassnet_version", ".", "_"),
    ("kind", "model", "weights"),
])
def test_every_metadata_text_is_covered(saved, tmp_path, key, old, new):
    _, path = saved
    text = metadata_texts(path)[key]
    assert old in text
    bad = craft(path, tmp_path / "e.safetensors", {key: text.replace(old, new, 1)}, sign=False)
    with pytest.raises(ModelFileError, match="checksum"):
        gn.load(bad)
    with pytest.raises(ModelFileError, match="checksum"):
        gn.io.read_metadata(bad)


def test_preprocessing_arrays_are_covered(saved, tmp_path):
    _, path = saved
    tensors = load_file(str(path))
    tensors["preprocessing/mean"] = tensors["preprocessing/mean"] + 1.0
    with pytest.raises(ModelFileError, match="checksum"):
        gn.load(craft(path, tmp_path / "p.safetensors", tensors=tensors, sign=False))


def test_format_1_file_needs_trust_then_loads(saved, tmp_path):
    model, path = saved
    tensors = load_file(str(path))
    meta = {**metadata_texts(path), "format_version": "1", "sha256": model_file.checksum_v1(tensors)}
    old = tmp_path / "old.safetensors"
    old.write_bytes(safetensors_bytes(tensors, metadata=meta))
    message = r"format version 1 .*covers only the weights.*trust_format_1=True"
    with pytest.raises(ModelFileError, match=message):
        gn.load(old)
    again = gn.load(old, trust_format_1=True)
    np.testing.assert_array_equal(again.predict(X4), model.predict(X4))
    fresh = gn.Sequential([Dense(8, activation="relu", input_dim=4), BatchNormalization(),
                           Dense(3, activation="softmax")])
    np.testing.assert_array_equal(fresh.load_weights(old).predict(X4), model.predict(X4))
    gn.save(again, old)
    assert gn.load(old).info == {"target": "y"}


# ------------------------------------------------------------------ the weights' dtype and values
@pytest.mark.parametrize(("change", "message"), [
    (lambda w: w.astype(np.int32), r"stored as I32, but the float32 model needs F32"),
    (lambda w: w.astype(np.float64), r"stored as F64, but the float32 model needs F32"),
    (lambda w: np.where(w == w.flat[0], np.nan, w).astype(w.dtype), "NaN or infinite"),
    (lambda w: np.where(w == w.flat[0], np.inf, w).astype(w.dtype), "NaN or infinite"),
])
def test_weights_of_another_type_or_not_finite_are_refused(saved, tmp_path, change, message):
    _, path = saved
    tensors = load_file(str(path))
    tensors["weights/layers.0.W"] = change(tensors["weights/layers.0.W"])
    bad = craft(path, tmp_path / "w.safetensors", tensors=tensors)
    with pytest.raises(ModelFileError, match=message):
        gn.load(bad)
    fresh = gn.Sequential([Dense(8, activation="relu", input_dim=4), BatchNormalization(), Dense(3)])
    with pytest.raises(ModelFileError, match=message):
        fresh.load_weights(bad)


def test_float64_model_refuses_float32_weights(tmp_path):
    gn.save(trained_model(), tmp_path / "m32.safetensors")
    model64 = gn.Sequential([Dense(8, activation="relu", input_dim=4), BatchNormalization(), Dense(3)],
                            dtype=np.float64)
    with pytest.raises(ModelFileError, match="stored as F32, but the float64 model needs F64"):
        model64.load_weights(tmp_path / "m32.safetensors")


def test_non_finite_weights_are_refused_at_save(tmp_path):
    model = gn.Sequential([Dense(2, input_dim=2)])
    model.layers[0].W.data[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite weights \(layers.0.W\)"):
        gn.save(model, tmp_path / "n.safetensors")
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------ the saved preprocessing
def _prep(edit):
    def apply(config):
        edit(config)
        return config
    return apply


@pytest.mark.parametrize("edit", [
    _prep(lambda c: c.update(columns="abcd")),
    _prep(lambda c: c.update(columns=["a", "b", "c", "d", "e"])),
    _prep(lambda c: c.update(numeric=["a", "a", "b", "c"])),
    _prep(lambda c: c["ranges"].update(a=[1.0])),
    _prep(lambda c: c["ranges"].update(a=[2.0, 1.0])),
    _prep(lambda c: c["ranges"].update(a=["0", "1"])),
    _prep(lambda c: c["ranges"].update(a=[True, 2])),
    _prep(lambda c: c.update(ranges=[[0, 1]])),
    _prep(lambda c: c.update(units=["cm"])),
    _prep(lambda c: c.update(units={"zz": "cm"})),
    _prep(lambda c: c.update(n_samples=-1)),
    _prep(lambda c: c.update(n_samples=True)),
    _prep(lambda c: c.update(class_name="StandardScaler")),
    _prep(lambda c: c.pop("categories")),
])
def test_every_field_of_the_preprocessing_is_checked(saved, tmp_path, edit):
    _, path = saved
    config = edit(json.loads(metadata_texts(path)["preprocessing"]))
    bad = craft(path, tmp_path / "p.safetensors", {"preprocessing": json.dumps(config)})
    with pytest.raises(ModelFileError, match="saved preprocessing is incomplete or malformed"):
        gn.load(bad)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("scale", lambda a: -a, "scale is not positive"),
    ("var", lambda a: a.astype(np.float32), "float64 statistics"),
])
def test_preprocessing_statistics_are_checked(saved, tmp_path, name, value, message):
    _, path = saved
    tensors = load_file(str(path))
    tensors[f"preprocessing/{name}"] = value(tensors[f"preprocessing/{name}"])
    with pytest.raises(ModelFileError, match=message):
        gn.load(craft(path, tmp_path / "s.safetensors", tensors=tensors))
