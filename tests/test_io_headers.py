"""Hostile, nested or oversized headers are refused in glassnet's words, and every field of
the architecture, every section and every tensor of a model file is checked."""

import struct

import numpy as np
import pytest
from crafted import craft, edit_architecture, metadata_texts, raw_file
from safetensors.numpy import load_file

import glassnet as gn
from glassnet.io import ModelFileError


# ------------------------------------------------------------------ hostile headers
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
    path = raw_file(tmp_path / "h.safetensors", header)
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
    bad = craft(path, tmp_path / "d.safetensors", {"info": "[" * 100_000 + "]" * 100_000})
    with pytest.raises(ModelFileError, match="info section nests 100000 levels deep"):
        gn.load(bad)


def test_cli_reports_a_nested_header_without_a_traceback(tmp_path):
    from typer.testing import CliRunner

    from glassnet.cli.commands import app

    path = raw_file(tmp_path / "n.safetensors", '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}")
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
    (_set(0, use_bias="yes"), "use_bias must be True or False, got 'yes'"),
    (_set(0, input_dim=True), "input_dim must be a positive integer, got True"),
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
        gn.load(edit_architecture(path, tmp_path / "f.safetensors", edit))


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
        gn.load(craft(path, tmp_path / "s.safetensors", {key: value}))


def test_extra_or_missing_tensors_are_named(saved, tmp_path):
    _, path = saved
    tensors = load_file(str(path))
    tensors["weights/layers.9.W"] = np.zeros(2, np.float32)
    with pytest.raises(ModelFileError, match=r"unexpected \['layers.9.W'\]"):
        gn.load(craft(path, tmp_path / "x.safetensors", tensors=tensors))
    tensors = load_file(str(path))
    tensors["other"] = np.zeros(2, np.float32)
    with pytest.raises(ModelFileError, match="neither weights nor preprocessing"):
        gn.load(craft(path, tmp_path / "y.safetensors", tensors=tensors))


def test_a_key_repeated_in_one_object_is_refused(saved, tmp_path):
    _, path = saved
    text = metadata_texts(path)["architecture"].replace('"units": 8', '"units": 8, "units": 8', 1)
    with pytest.raises(ModelFileError, match=r"key\(s\) \['units'\] appear twice"):
        gn.load(craft(path, tmp_path / "k.safetensors", {"architecture": text}))
