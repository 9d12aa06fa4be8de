"""Model files: bitwise round trips, damaged and hostile files, atomic writes, saved preprocessing."""

import json
import os
import pickle
import struct

import numpy as np
import pandas as pd
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file
from safetensors.numpy import save as safetensors_bytes

import glassnet as gn
from glassnet import io
from glassnet.io import ExtrapolationWarning, ModelFileError, TabularPreprocessor, model_file
from glassnet.layers import (
    Activation,
    AvgPool2D,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool2D,
    MaxPool2D,
    Reshape,
)

RNG = np.random.default_rng(0)
X4 = RNG.normal(size=(40, 4)).astype(np.float32)
Y3 = RNG.integers(0, 3, size=40)


def _classifier(dtype=np.float32, l2=None):
    model = gn.Sequential([
        Dense(8, activation="relu", input_dim=4, kernel_regularizer=l2), Dropout(0.2),
        Dense(6, activation="tanh"), BatchNormalization(), Dense(3, activation="softmax"),
    ], seed=1, dtype=dtype)
    model.compile(optimizer=gn.optim.Adam(lr=0.01), loss="cross_entropy", metrics=["accuracy"])
    model.fit(X4.astype(dtype), Y3, epochs=2, batch_size=8, verbose=0, seed=0)
    return model


def _functional():
    a, b = gn.Input((4,)), gn.Input((3,))
    shared = Dense(5, activation="elu")
    ha, hb = shared(a), shared(Dense(4)(b))
    joined = gn.concatenate([ha * 0.5 + hb, -ha], axis=1)
    out1 = Dense(2, activation="softmax")(joined)
    out2 = Dense(1)(ha - hb / 2.0)
    return gn.Model([a, b], [out1, out2], seed=3).build()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("io") / "model.safetensors"
    model = _classifier(l2=gn.regularizers.L2(0.01))
    gn.save(model, path)
    return model, path


# ------------------------------------------------------------------ round trips
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_is_bitwise(tmp_path, dtype):
    model = _classifier(dtype)
    gn.save(model, tmp_path / "m.safetensors")
    again = gn.load(tmp_path / "m.safetensors")
    X = RNG.normal(size=(17, 4)).astype(dtype)
    assert again.parameters()[0].dtype == dtype
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    for (name, a), (name2, b) in zip(model.state_dict().items(), again.state_dict().items()):
        assert name == name2 and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_loaded_model_is_compiled_and_trains_on(saved):
    model, path = saved
    again = gn.load(path)
    assert again.compiled and type(again.optimizer).__name__ == "Adam" and again.optimizer.lr == 0.01
    assert again.preprocessing is None and again.info == {}
    assert again.metric_names == ["accuracy"]
    assert again.evaluate(X4, Y3) == pytest.approx(model.evaluate(X4, Y3), rel=1e-6)
    assert again.regularization_loss() is not None
    again.fit(X4, Y3, epochs=1, verbose=0, seed=0)


def test_architecture_keeps_every_layer_config(saved):
    model, path = saved
    again = gn.load(path)
    assert [type(layer) for layer in again.layers] == [type(layer) for layer in model.layers]
    for a, b in zip(model.layers, again.layers):
        config_a, config_b = a.get_config(), b.get_config()
        config_a.pop("name"), config_b.pop("name")
        dump = lambda config: json.dumps(config, default=str, sort_keys=True)  # noqa: E731
        assert dump(config_a) == dump(config_b)


def test_functional_graph_round_trip(tmp_path):
    model = _functional()
    xa, xb = RNG.normal(size=(6, 4)), RNG.normal(size=(6, 3))
    gn.save(model, tmp_path / "f.safetensors")
    again = gn.load(tmp_path / "f.safetensors")
    for got, want in zip(again.predict([xa, xb]), model.predict([xa, xb])):
        np.testing.assert_array_equal(got, want)
    assert sum(isinstance(layer, Dense) for layer in again.layers) == 4


def test_shapes_layers_round_trip(tmp_path):
    model = gn.Sequential([Reshape((2, 6)), Flatten(), Dense(3), Activation("gelu")], seed=0)
    model.build((12,))
    gn.save(model, tmp_path / "s.safetensors")
    X = RNG.normal(size=(5, 12)).astype(np.float32)
    np.testing.assert_array_equal(gn.load(tmp_path / "s.safetensors").predict(X), model.predict(X))


def test_conv_layers_round_trip(tmp_path):
    model = gn.Sequential([Reshape((1, 6, 6)), Conv2D(3, 3, padding="same", activation="relu"), MaxPool2D(2),
                           AvgPool2D(1), Conv2D(2, 2), GlobalAvgPool2D(), Dense(2)], seed=0)
    model.build((36,))
    gn.save(model, tmp_path / "c.safetensors")
    X = RNG.normal(size=(4, 36)).astype(np.float32)
    np.testing.assert_array_equal(gn.load(tmp_path / "c.safetensors").predict(X), model.predict(X))


def test_metadata_has_format_version_and_sections(saved):
    _, path = saved
    meta = io.read_metadata(path)
    assert meta["format"] == "glassnet" and meta["format_version"] == str(io.FORMAT_VERSION)
    assert meta["glassnet_version"] == gn.__version__ and meta["kind"] == "model"
    assert meta["architecture"]["class_name"] == "Sequential"
    assert meta["compile"]["optimizer"]["name"] == "adam"
    tensors = load_file(str(path))
    assert all(name.startswith("weights/") for name in tensors)
    assert "weights/layers.3.running_mean" in tensors


def test_save_weights_and_load_weights(tmp_path):
    model = _classifier()
    model.save_weights(tmp_path / "w.safetensors")
    fresh = gn.Sequential([Dense(8, activation="relu", input_dim=4), Dropout(0.2),
                           Dense(6, activation="tanh"), BatchNormalization(),
                           Dense(3, activation="softmax")], seed=9)
    assert fresh.load_weights(tmp_path / "w.safetensors") is fresh
    np.testing.assert_array_equal(fresh.predict(X4), model.predict(X4))
    with pytest.raises(ModelFileError, match="holds weights only"):
        gn.load(tmp_path / "w.safetensors")


def test_load_weights_builds_an_unbuilt_model(tmp_path):
    model = gn.Sequential([Flatten(), Dense(3)], seed=0)
    model.build((2, 2))
    model.save_weights(tmp_path / "w.safetensors")
    fresh = gn.Sequential([Flatten(), Dense(3)])
    fresh.load_weights(tmp_path / "w.safetensors")
    X = RNG.normal(size=(3, 2, 2)).astype(np.float32)
    np.testing.assert_array_equal(fresh.predict(X), model.predict(X))


def test_load_weights_into_another_architecture_names_the_mismatch(tmp_path):
    _classifier().save_weights(tmp_path / "w.safetensors")
    other = gn.Sequential([Dense(9, input_dim=4), Dense(3)])
    with pytest.raises(ModelFileError, match="do not fit the architecture"):
        other.load_weights(tmp_path / "w.safetensors")


# ------------------------------------------------------------------ what cannot be saved
def test_unsaveable_models_are_refused_with_the_reason(tmp_path):
    class Custom(gn.Sequential):
        pass

    with pytest.raises(TypeError, match="only Sequential and functional"):
        gn.save(Custom([Dense(2, input_dim=2)]), tmp_path / "c.safetensors")

    class MyLayer(Dense):
        pass

    with pytest.raises(TypeError, match="cannot be saved"):
        gn.save(gn.Sequential([MyLayer(2, input_dim=2)]), tmp_path / "c.safetensors")
    with pytest.raises(ValueError, match="no weights yet"):
        gn.save(gn.Sequential([Dense(2)]), tmp_path / "c.safetensors")
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------ damaged files
def _rewrite(path, target, metadata_update=None, tensors=None, sign=True):
    """Write a copy of ``path`` with changed metadata texts and/or tensors (valid safetensors),
    its checksum computed again unless ``sign`` is False: a crafted file, not a damaged one."""
    with safe_open(str(path), framework="numpy") as handle:
        meta = dict(handle.metadata())
    meta.update(metadata_update or {})
    tensors = load_file(str(path)) if tensors is None else tensors
    if sign:
        meta["sha256"] = model_file.checksum(meta, tensors)
    target.write_bytes(safetensors_bytes(tensors, metadata=meta))
    return target


@pytest.mark.parametrize("keep", [3, 8, 20, -5])
def test_truncated_file(saved, tmp_path, keep):
    _, path = saved
    data = path.read_bytes()
    (tmp_path / "t.safetensors").write_bytes(data[:keep] if keep > 0 else data[:keep])
    with pytest.raises(ModelFileError, match="truncated"):
        gn.load(tmp_path / "t.safetensors")


def test_corrupted_data_fails_the_checksum(saved, tmp_path):
    _, path = saved
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    (tmp_path / "c.safetensors").write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        gn.load(tmp_path / "c.safetensors")


def test_corrupted_header(saved, tmp_path):
    _, path = saved
    data = bytearray(path.read_bytes())
    data[9] = ord("#")
    (tmp_path / "h.safetensors").write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="not valid JSON"):
        gn.load(tmp_path / "h.safetensors")


def test_oversized_header_is_refused_before_reading(tmp_path):
    (tmp_path / "o.safetensors").write_bytes(struct.pack("<Q", 2**40) + b"{}")
    with pytest.raises(ModelFileError, match="oversized header"):
        gn.load(tmp_path / "o.safetensors")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        gn.load(tmp_path / "none.safetensors")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        gn.load(tmp_path)


@pytest.mark.parametrize(("layer", "units", "message"), [
    (4, 4, r"do not fit the architecture: 'layers.4.W' is stored with shape \(6, 3\).*declares \(6, 4\)"),
    (0, 5, r"do not fit the architecture: 'layers.0.W' is stored with shape \(4, 8\).*declares \(4, 5\)"),
])
def test_wrong_architecture(saved, tmp_path, layer, units, message):
    _, path = saved
    meta = io.read_metadata(path)
    meta["architecture"]["layers"][layer]["config"]["units"] = units
    bad = _rewrite(path, tmp_path / "a.safetensors", {"architecture": json.dumps(meta["architecture"])})
    with pytest.raises(ModelFileError, match=message):
        gn.load(bad)


@pytest.mark.parametrize("name", ["Lambda", "os.system", "builtins.eval", "__import__"])
def test_unknown_layer_type_is_not_imported(saved, tmp_path, name):
    _, path = saved
    meta = io.read_metadata(path)
    meta["architecture"]["layers"][1]["class_name"] = name
    bad = _rewrite(path, tmp_path / "u.safetensors", {"architecture": json.dumps(meta["architecture"])})
    with pytest.raises(ModelFileError, match=r"layer type .* that this glassnet does not have.*Dense"):
        gn.load(bad)


def test_unknown_graph_function_is_refused(tmp_path):
    gn.save(_functional(), tmp_path / "f.safetensors")
    meta = io.read_metadata(tmp_path / "f.safetensors")
    node = next(n for n in meta["architecture"]["graph"]["nodes"] if "function" in n)
    node["function"] = "eval"
    bad = _rewrite(tmp_path / "f.safetensors", tmp_path / "g.safetensors",
                   {"architecture": json.dumps(meta["architecture"])})
    with pytest.raises(ModelFileError, match="'eval', which is not an operation"):
        gn.load(bad)


def test_newer_format_version_is_refused(saved, tmp_path):
    _, path = saved
    bad = _rewrite(path, tmp_path / "v.safetensors", {"format_version": "99", "glassnet_version": "9.0"})
    with pytest.raises(ModelFileError, match="format version 99.*reads format versions 1 to 2.*Upgrade"):
        gn.load(bad)


def test_other_safetensors_files_are_named(tmp_path):
    (tmp_path / "x.safetensors").write_bytes(safetensors_bytes({"w": np.zeros(3, np.float32)}))
    with pytest.raises(ModelFileError, match="not a glassnet model"):
        gn.load(tmp_path / "x.safetensors")


def test_loading_never_unpickles(saved, monkeypatch):
    _, path = saved

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used while loading")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    assert gn.load(path).built


# ------------------------------------------------------------------ atomic writes
def test_failed_save_leaves_the_old_file_and_no_temporary(saved, tmp_path, monkeypatch):
    model, path = saved
    target = tmp_path / "m.safetensors"
    gn.save(model, target)
    before = target.read_bytes()

    def broken(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="disk full"):
        gn.save(_classifier(), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


# ------------------------------------------------------------------ preprocessing
def _table(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "length": rng.normal(10, 2, n), "count": rng.integers(0, 9, n),
        "color": rng.choice(["red", "green", "blue"], n), "flag": rng.choice([True, False], n),
    })


def test_rebuilt_transformer_transforms_identically(tmp_path):
    frame = _table()
    prep = TabularPreprocessor(units={"length": "mm"}).fit(frame)
    config, arrays = prep.to_config()
    rebuilt = TabularPreprocessor.from_config(json.loads(json.dumps(config)), arrays)
    other = _table(25, seed=1)
    np.testing.assert_array_equal(rebuilt.transform(other, warn=False), prep.transform(other, warn=False))
    np.testing.assert_array_equal(rebuilt.transform(frame, dtype=np.float64),
                                  prep.transformer_.transform(prep._prepared(frame)))
    assert rebuilt.feature_names_out == prep.feature_names_out
    assert rebuilt.units == {"length": "mm"} and rebuilt.ranges_ == prep.ranges_


def test_preprocessing_travels_in_the_model_file(tmp_path):
    frame = _table()
    prep = TabularPreprocessor().fit(frame)
    X = prep.transform(frame)
    model = gn.Sequential([Dense(2, input_dim=X.shape[1])], seed=0)
    gn.save(model, tmp_path / "p.safetensors", preprocessing=prep, info={"target": "y"})
    again = gn.load(tmp_path / "p.safetensors")
    assert again.info == {"target": "y"}
    np.testing.assert_array_equal(again.preprocessing.transform(frame), X)
    np.testing.assert_array_equal(again.predict(again.preprocessing.transform(frame)), model.predict(X))


def test_standardizes_and_one_hot_encodes():
    frame = _table()
    prep = TabularPreprocessor().fit(frame)
    X = prep.transform(frame, dtype=np.float64)
    assert prep.numeric_ == ["length", "count"] and prep.categorical_ == ["color", "flag"]
    np.testing.assert_allclose(X[:, :2].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(X[:, :2].std(axis=0), 1, atol=1e-12)
    assert prep.feature_names_out[2:] == ["color_blue", "color_green", "color_red", "flag_False", "flag_True"]
    assert set(np.unique(X[:, 2:])) == {0.0, 1.0}


def test_extrapolation_warning_names_the_columns():
    prep = TabularPreprocessor(units={"length": "mm"}).fit(_table())
    new = _table(5, seed=2)
    new.loc[0, "length"] = 1000.0
    new.loc[1, "color"] = "purple"
    with pytest.warns(ExtrapolationWarning, match=r"extrapolating.*'length'.*1000 mm|'length'.*mm") as record:
        prep.transform(new)
    message = str(record[0].message)
    assert "'length'" in message and "'color'" in message and "purple" in message and "'count'" not in message


def test_columns_that_differ_are_named():
    prep = TabularPreprocessor().fit(_table())
    new = _table(5).drop(columns=["count"]).assign(extra=1.0)
    with pytest.raises(ValueError, match=r"missing \['count'\], extra \['extra'\]"):
        prep.transform(new)


def test_missing_cells_are_counted_per_column():
    frame = _table()
    frame.loc[[1, 2], "length"] = np.nan
    frame.loc[4, "color"] = None
    message = r"3 missing .* 'length' \(2\), 'color' \(1\).*dropna.*SimpleImputer"
    with pytest.raises(ValueError, match=message):
        TabularPreprocessor().fit(frame)


def test_text_in_a_numeric_column_is_named():
    prep = TabularPreprocessor().fit(_table())
    new = _table(3).astype({"length": object})
    new.loc[0, "length"] = "ten"
    with pytest.raises(ValueError, match=r"'length' was numeric in training but holds text .*\['ten'\]"):
        prep.transform(new, warn=False)


@pytest.mark.parametrize("columns", [["length", "count"], ["color"]])
def test_single_kind_tables_round_trip(columns):
    frame = _table()[columns]
    prep = TabularPreprocessor().fit(frame)
    config, arrays = prep.to_config()
    rebuilt = TabularPreprocessor.from_config(config, arrays)
    np.testing.assert_array_equal(rebuilt.transform(frame), prep.transform(frame))


def test_malformed_saved_preprocessing_is_refused():
    config, arrays = TabularPreprocessor().fit(_table()).to_config()
    with pytest.raises(ValueError, match="incomplete or malformed"):
        TabularPreprocessor.from_config({k: v for k, v in config.items() if k != "ranges"}, arrays)
    with pytest.raises(ValueError, match="one value per numeric column"):
        TabularPreprocessor.from_config(config, {"mean": arrays["mean"][:1], "scale": arrays["scale"],
                                                 "var": arrays["var"]})

