"""Crafted and edited model files: the checksum covers everything that sets the predictions,
declared shapes are checked before anything is built, hostile headers are refused in
glassnet's words, and custom objects save without making the file unloadable."""

import json
import math
import struct
import sys
import tracemalloc
import warnings

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file
from safetensors.numpy import save as safetensors_bytes

import glassnet as gn
from glassnet.io import ModelFileError, TabularPreprocessor, model_file
from glassnet.layers import Activation, BatchNormalization, Conv2D, Dense, Flatten, Reshape

RNG = np.random.default_rng(0)
X4 = RNG.normal(size=(30, 4)).astype(np.float32)
Y3 = RNG.integers(0, 3, size=30)


def _model(dtype=np.float32):
    model = gn.Sequential([Dense(8, activation="relu", input_dim=4), BatchNormalization(),
                           Dense(3, activation="softmax")], seed=1, dtype=dtype)
    model.compile(optimizer=gn.optim.Adam(lr=0.01), loss="cross_entropy", metrics=["accuracy"])
    model.fit(X4.astype(dtype), Y3, epochs=1, batch_size=8, verbose=0, seed=0)
    return model


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("crafted") / "model.safetensors"
    model = _model()
    frame = {"a": RNG.normal(size=20), "b": RNG.normal(size=20), "c": RNG.normal(size=20),
             "d": RNG.normal(size=20)}
    import pandas as pd

    gn.save(model, path, preprocessing=TabularPreprocessor().fit(pd.DataFrame(frame)), info={"target": "y"})
    return model, path


def _texts(path):
    with safe_open(str(path), framework="numpy") as handle:
        return dict(handle.metadata())


def _craft(path, target, update=None, tensors=None, sign=True):
    """A copy of ``path`` with metadata texts and/or tensors replaced; with ``sign`` its
    checksum is computed again (a file crafted with knowledge of the format)."""
    meta = {**_texts(path), **(update or {})}
    tensors = load_file(str(path)) if tensors is None else tensors
    if sign:
        meta["sha256"] = model_file.checksum(meta, tensors)
    target.write_bytes(safetensors_bytes(tensors, metadata=meta))
    return target


def _edit_architecture(path, target, edit):
    architecture = json.loads(_texts(path)["architecture"])
    edit(architecture)
    return _craft(path, target, {"architecture": json.dumps(architecture)})


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
    text = _texts(path)[key]
    assert old in text
    bad = _craft(path, tmp_path / "e.safetensors", {key: text.replace(old, new, 1)}, sign=False)
    with pytest.raises(ModelFileError, match="checksum"):
        gn.load(bad)
    with pytest.raises(ModelFileError, match="checksum"):
        gn.io.read_metadata(bad)


def test_preprocessing_arrays_are_covered(saved, tmp_path):
    _, path = saved
    tensors = load_file(str(path))
    tensors["preprocessing/mean"] = tensors["preprocessing/mean"] + 1.0
    with pytest.raises(ModelFileError, match="checksum"):
        gn.load(_craft(path, tmp_path / "p.safetensors", tensors=tensors, sign=False))


def test_format_1_file_needs_trust_then_loads(saved, tmp_path):
    model, path = saved
    tensors = load_file(str(path))
    meta = {**_texts(path), "format_version": "1", "sha256": model_file.checksum_v1(tensors)}
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
    bad = _craft(path, tmp_path / "w.safetensors", tensors=tensors)
    with pytest.raises(ModelFileError, match=message):
        gn.load(bad)
    fresh = gn.Sequential([Dense(8, activation="relu", input_dim=4), BatchNormalization(), Dense(3)])
    with pytest.raises(ModelFileError, match=message):
        fresh.load_weights(bad)


def test_float64_model_refuses_float32_weights(tmp_path):
    gn.save(_model(), tmp_path / "m32.safetensors")
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


# ------------------------------------------------------------------ declared shapes, before building
@pytest.mark.parametrize(("units", "message"), [
    (1_000_000, r"'layers.0.W' is stored with shape \(4, 8\) but the architecture declares \(4, 1000000\)"),
    (25_000_000, r"layer 0 \(Dense 'dense'\) has per-sample shape \(25000000,\).*more than the 16,777,216"),
    (10**9, r"per-sample shape \(1000000000,\).*more than the 16,777,216"),
    (10**15, r"per-sample shape \(1000000000000000,\).*more than the 16,777,216"),
])
def test_huge_declared_layer_is_refused_before_allocating(saved, tmp_path, units, message):
    _, path = saved

    def edit(architecture):
        architecture["layers"][0]["config"]["units"] = units

    bad = _edit_architecture(path, tmp_path / "h.safetensors", edit)
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=message):
            gn.load(bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20


def _sequential_file(tmp_path, layers, input_shape, name="s.safetensors"):
    model = gn.Sequential(layers, seed=0)
    model.build(input_shape)
    return gn.save(model, tmp_path / name)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda a: a.update(input_shape=[10**6, 10**6]), r"more than the 16,777,216"),
    (lambda a: a.update(input_shape=[4096, 4096, 2]), r"more than the 16,777,216"),
    (lambda a: a["layers"][0]["config"].update(target_shape=[10**5, 10**5]), "cannot take inputs"),
    (lambda a: a["layers"][1]["config"].update(kernel_size=[10**9, 10**9]), "cannot take inputs"),
    (lambda a: a["layers"][1]["config"].update(filters=10**9), r"shape \(1000000000, 3, 3\).*more than"),
    (lambda a: a["layers"][1]["config"].update(filters=3), r"declares \(3, 1, 2, 2\)"),
])
def test_big_shapes_anywhere_are_refused_before_allocating(tmp_path, edit, message):
    path = _sequential_file(tmp_path, [Reshape((1, 4, 4)), Conv2D(2, 2), Flatten(), Dense(2)], (16,))
    bad = _edit_architecture(path, tmp_path / "b.safetensors", edit)
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=message):
            gn.load(bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20


def _graph_file(tmp_path):
    a, b = gn.Input((4,)), gn.Input((3,))
    out = Dense(2)(gn.concatenate([Dense(3)(a), b], axis=1) * 2.0)
    return gn.save(gn.Model([a, b], out, seed=0).build(), tmp_path / "g.safetensors")


def _nodes(edit):
    def apply(architecture):
        edit(architecture["graph"]["nodes"])
    return apply


@pytest.mark.parametrize(("edit", "message"), [
    (_nodes(lambda n: n[0].update(input=[2**20, 2**20])), "more than the 16,777,216"),
    (_nodes(lambda n: (n[2].update(input=[4096]), n[3]["args"][0].update(list=[{"node": 2}] * 5000))),
     r"node 3 \(concatenate\) has per-sample shape \(20480000,\)"),
    (_nodes(lambda n: n[1].update(args=[{"node": 99}])), "refers to node 99, which is not an earlier node"),
    (_nodes(lambda n: n[1].update(args=[{"node": 1}])), "refers to node 1, which is not an earlier node"),
    (_nodes(lambda n: n[3]["args"][0].update(list=[{"node": 5}])), "refers to node 5, which is not"),
    (_nodes(lambda n: n[1].update(args=[{"node": True}])), "refers to node True"),
    (_nodes(lambda n: n[1].update(layer=7)), "calls layer 7, which is not listed"),
    (_nodes(lambda n: n[1].update(layer=False)), "calls layer False, which is not listed"),
    (_nodes(lambda n: n[3].update(function="eval")), "'eval', which is not an operation"),
    (_nodes(lambda n: n[4].update(function="add", args=[{"node": 3}, {"node": 0}])), "cannot be rebuilt"),
    (_nodes(lambda n: n[1].update(args="x")), "malformed arguments"),
    (_nodes(lambda n: n[1].update(args=[{"node": 0}, {"node": 0}])), "must call its layer on one"),
    (_nodes(lambda n: n[0].update(input=[0])), "input node 0 has no valid shape"),
    (_nodes(lambda n: n[0].update(input="4")), "input node 0 has no valid shape"),
    (lambda a: a["graph"].update(outputs=[42]), "name node 42"),
    (lambda a: a["graph"].update(inputs=[]), "lists no inputs"),
    (lambda a: a["graph"].update(inputs=[1, 2]), "Model inputs must be gn.Input"),
    (lambda a: a["graph"].update(single_output="yes"), "single_output is not true or false"),
])
def test_malformed_graphs_are_refused(tmp_path, edit, message):
    bad = _edit_architecture(_graph_file(tmp_path), tmp_path / "b.safetensors", edit)
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=message):
            gn.load(bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 400 * 2**20


def test_broadcast_between_inputs_is_bounded(tmp_path):
    a, b = gn.Input((1, 4)), gn.Input((4, 1))
    model = gn.Model([a, b], Flatten()(a + b)).build()
    path = gn.save(model, tmp_path / "m.safetensors")

    def edit(architecture):
        nodes = architecture["graph"]["nodes"]
        nodes[0]["input"], nodes[1]["input"] = [1, 2**20], [2**20, 1]

    with pytest.raises(ModelFileError, match=r"node 2 \(add\) has per-sample shape \(1048576, 1048576\)"):
        gn.load(_edit_architecture(path, tmp_path / "b.safetensors", edit))


def _line_events(function):
    """The number of Python lines run by ``function()``: a count of work, not a time."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        function()
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_loading_is_linear_in_the_number_of_layers(tmp_path, kind):
    def file(n):
        if kind == "sequential":
            model = gn.Sequential([Dense(2, input_dim=2)] + [Activation("relu") for _ in range(n)])
        else:
            x = gn.Input((2,))
            h = Dense(2)(x)
            for _ in range(n):
                h = Activation("relu")(h)
            model = gn.Model(x, h).build()
        return gn.save(model, tmp_path / f"{kind}{n}.safetensors")

    small, large = file(200), file(800)
    ratio = _line_events(lambda: gn.load(large)) / _line_events(lambda: gn.load(small))
    assert ratio < 4.5          # linear: about 4; quadratic: about 16


def test_naming_many_layers_of_one_name_is_linear():
    def build(n):
        return lambda: gn.Sequential([Activation("relu") for _ in range(n)])

    assert _line_events(build(800)) / _line_events(build(200)) < 4.5
    names = [layer.name for layer in gn.Sequential([Activation("relu", name="a") for _ in range(4)]).layers]
    assert names == ["a", "a_1", "a_2", "a_3"]
    taken = gn.Sequential([Dense(1, name="d_1"), Dense(1, name="d"), Dense(1, name="d"), Dense(1, name="d")])
    assert [layer.name for layer in taken.layers] == ["d_1", "d", "d_2", "d_3"]


# ------------------------------------------------------------------ hostile headers
def _raw_file(path, header_text, data=b""):
    raw = header_text.encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)
    return path


@pytest.mark.parametrize(("header", "message"), [
    ('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nests 100001 levels deep"),
    ("{" + '"a": {' * 70_000 + "}" * 70_000 + "}", "nests 70001 levels deep"),
    ("[1, 2, 3]", "not a JSON object"),
    ('"text"', "not a JSON object"),
    ("{", "not valid JSON"),
    ('{"__metadata__": {"format": 3}}', "metadata is not a JSON object of texts"),
    ('{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}}', "malformed"),
    ('{"w": {"dtype": "F32", "shape": [true], "data_offsets": [0, 4]}}', "malformed"),
    ('{"w": {"dtype": "F32", "shape": "ab", "data_offsets": [0, 8]}}', "malformed"),
    ('{"w": {"dtype": "X9", "shape": [2], "data_offsets": [0, 8]}}', "malformed"),
    ('{"w": {"dtype": "F32", "shape": [1000000000000], "data_offsets": [0, 8]}}', "inconsistent offsets"),
])
def test_hostile_headers_are_refused(tmp_path, header, message):
    path = _raw_file(tmp_path / "h.safetensors", header)
    with pytest.raises(ModelFileError, match=message):
        gn.load(path)
    with pytest.raises(ModelFileError, match=message):
        gn.io.read_metadata(path)


def test_header_size_is_bounded(tmp_path):
    path = tmp_path / "big.safetensors"
    path.write_bytes(struct.pack("<Q", 17 * 2**20) + b"{" + b" " * 100)
    with pytest.raises(ModelFileError, match="more than the 16,777,216 allowed"):
        gn.load(path)


def test_deeply_nested_section_is_refused(saved, tmp_path):
    _, path = saved
    bad = _craft(path, tmp_path / "d.safetensors", {"info": "[" * 100_000 + "]" * 100_000})
    with pytest.raises(ModelFileError, match="info section nests 100000 levels deep"):
        gn.load(bad)


def test_cli_reports_a_nested_header_without_a_traceback(tmp_path):
    from typer.testing import CliRunner

    from glassnet.cli.commands import app

    path = _raw_file(tmp_path / "n.safetensors", '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = CliRunner().invoke(app, ["summary", str(path)])
    assert result.exit_code == 1 and "nests" in result.output and "Traceback" not in result.output


def _set(layer, **values):
    def edit(architecture):
        architecture["layers"][layer]["config"].update(values)
    return edit


@pytest.mark.parametrize(("edit", "message"), [
    (_set(0, units="8"), "units must be a positive integer, got '8'"),
    (_set(0, units=-8), "units must be a positive integer, got -8"),
    (_set(0, units=True), "units must be a positive integer, got True"),
    (_set(0, use_bias="yes"), 'use_bias="yes", which the layer reads as true'),
    (_set(0, input_dim=True), "input_dim=true, which the layer reads as 4|input_dim=true"),
    (_set(0, activation="swish"), "unknown activation 'swish'"),
    (_set(0, activation=["relu"]), "activation"),
    (_set(0, name=5), "has no name"),
    (_set(2, name="dense"), "are both named 'dense'"),
    (_set(0, bogus=1), "unexpected keyword argument 'bogus'"),
    (_set(1, epsilon=-1), "epsilon must be a positive number"),
    (lambda a: a["layers"][1].update(class_name="Lambda"), "layer type 'Lambda'"),
    (lambda a: a["layers"][1].update(class_name=["Dense"]), r"layer type \['Dense'\]"),
    (lambda a: a["layers"].append("Dense"), "layer 3 must be"),
    (lambda a: a.update(layers="Dense"), "layer list is missing"),
    (lambda a: a.update(input_shape="4"), "input_shape '4' is not a list"),
    (lambda a: a.update(input_shape=[-4]), r"input_shape \[-4\] is not a list"),
    (lambda a: a.update(input_shape=[True]), r"input_shape \[True\] is not a list"),
    (lambda a: a.update(seed=-1), "seed -1"),
    (lambda a: a.update(seed=True), "seed True"),
    (lambda a: a.update(dtype="int32"), "dtype 'int32'"),
    (lambda a: a.update(class_name="os.system"), "unknown model type"),
    (lambda a: a.update(extra=1), r"fields this glassnet does not read: \['extra'\]"),
    (lambda a: a.update(name=None), "model name is not text"),
])
def test_every_field_of_the_architecture_is_checked(saved, tmp_path, edit, message):
    _, path = saved
    with pytest.raises(ModelFileError, match=message):
        gn.load(_edit_architecture(path, tmp_path / "f.safetensors", edit))


@pytest.mark.parametrize(("key", "value", "message"), [
    ("architecture", "[1, 2]", "architecture in the file is malformed: it is not a JSON object"),
    ("architecture", '"Sequential"', "architecture in the file is malformed: it is not a JSON object"),
    ("compile", '{"optimizer": "adam", "loss": "x", "metrics": [], "custom": {}}', "compile settings"),
    ("compile", '{"optimizer": {"name": "adam"}, "loss": [], "metrics": [1], "custom": {}}', "compile"),
    ("compile", "[]", "compile settings .* are malformed"),
    ("preprocessing", "[]", "preprocessing is malformed"),
    ("format_version", "two", "format_version 'two' is not a number"),
    ("format_version", "99999999999999999999", "is not a number"),
    ("surprise", "1", r"fields this glassnet does not read: \['surprise'\]"),
    ("kind", "program", "its kind 'program' is neither 'model' nor 'weights'"),
    ("info", "[1]", "its info section is not a JSON object"),
])
def test_sections_of_the_wrong_type_are_refused(saved, tmp_path, key, value, message):
    _, path = saved
    with pytest.raises(ModelFileError, match=message):
        gn.load(_craft(path, tmp_path / "s.safetensors", {key: value}))


def test_extra_or_missing_tensors_are_named(saved, tmp_path):
    _, path = saved
    tensors = load_file(str(path))
    tensors["weights/layers.9.W"] = np.zeros(2, np.float32)
    with pytest.raises(ModelFileError, match=r"unexpected \['layers.9.W'\]"):
        gn.load(_craft(path, tmp_path / "x.safetensors", tensors=tensors))
    tensors = load_file(str(path))
    tensors["other"] = np.zeros(2, np.float32)
    with pytest.raises(ModelFileError, match="neither weights nor preprocessing"):
        gn.load(_craft(path, tmp_path / "y.safetensors", tensors=tensors))


# ------------------------------------------------------------------ custom objects
def _my_metric(y_true, y_pred):
    return 0.5


def test_custom_metric_saves_and_loads_without_it_with_a_warning(tmp_path):
    model = _model()
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
    ({"optimizer": "adam", "loss": lambda y_pred, y_true: (y_pred - y_true).sum()}, r"custom loss"),
    ({"optimizer": _MyAdam(), "loss": "mse"}, r"custom optimizer \['_MyAdam'\]"),
])
def test_custom_loss_or_optimizer_loads_uncompiled_with_a_warning(tmp_path, compile_args, part):
    model = _model()
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
    model = _model()
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
    model = _model()
    gn.save(model, tmp_path / "m.safetensors")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gn.load(tmp_path / "m.safetensors").metric_names == ["accuracy"]


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
    config = edit(json.loads(_texts(path)["preprocessing"]))
    bad = _craft(path, tmp_path / "p.safetensors", {"preprocessing": json.dumps(config)})
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
        gn.load(_craft(path, tmp_path / "s.safetensors", tensors=tensors))


def test_a_key_repeated_in_one_object_is_refused(saved, tmp_path):
    _, path = saved
    text = _texts(path)["architecture"].replace('"units": 8', '"units": 8, "units": 8', 1)
    with pytest.raises(ModelFileError, match=r"key\(s\) \['units'\] appear twice"):
        gn.load(_craft(path, tmp_path / "k.safetensors", {"architecture": text}))


def test_other_io_arguments_are_checked(saved, tmp_path):
    model, path = saved
    with pytest.raises(TypeError, match="trust_format_1 must be True or False"):
        gn.load(path, trust_format_1="yes")
    with pytest.raises(TypeError, match="units must map column names to unit texts"):
        TabularPreprocessor(units="cm")
    with pytest.raises(ValueError, match="not fitted yet"):
        TabularPreprocessor().transform(X4)
    prep = gn.load(path).preprocessing
    with pytest.raises(TypeError, match="dtype must be a NumPy float type"):
        prep.transform(X4, dtype=np.int32)
    with pytest.raises(TypeError, match="warn must be True or False"):
        prep.transform(X4, warn="no")
    with pytest.raises(TypeError, match="model must be a glassnet Model"):
        gn.io.export_onnx("model", tmp_path / "m.onnx")


def test_loading_builds_the_weights_without_running_the_network(tmp_path):
    from glassnet.layers import GlobalAvgPool2D

    path = _sequential_file(tmp_path, [Reshape((1, 8, 8)), Conv2D(1, 3), GlobalAvgPool2D(), Dense(2)], (64,))

    def edit(architecture):
        architecture["input_shape"] = [2048 * 2048]
        architecture["layers"][0]["config"]["target_shape"] = [1, 2048, 2048]
        architecture["layers"][1]["config"]["kernel_size"] = [64, 64]

    tensors = load_file(str(path))
    tensors["weights/layers.1.W"] = np.ones((1, 1, 64, 64), np.float32)
    architecture = json.loads(_texts(path)["architecture"])
    edit(architecture)
    wide = _craft(path, tmp_path / "wide.safetensors", {"architecture": json.dumps(architecture)}, tensors)
    tracemalloc.start()
    try:
        model = gn.load(wide)        # a forward pass would need about 2**34 values for the kernel windows
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert model.built and model.layers[1].W.shape == (1, 1, 64, 64)
    assert peak < 100 * 2**20


def test_first_layer_input_dim_must_agree_with_the_input_shape(saved, tmp_path):
    _, path = saved

    def edit(architecture):
        architecture["layers"][0]["config"]["input_dim"] = 10**9

    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match="declared with input_dim=1000000000 but receives 4"):
            gn.load(_edit_architecture(path, tmp_path / "d.safetensors", edit))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20
