"""Crafted model files with huge or inconsistent declared sizes and malformed graphs are
refused before anything large is allocated; loading is linear in the number of layers and
builds the weights without running the network."""

import json
import sys
import tracemalloc

import numpy as np
import pytest
from crafted import craft, edit_architecture, metadata_texts
from safetensors.numpy import load_file

import glassnet as gn
from glassnet.io import ModelFileError
from glassnet.layers import Activation, Conv2D, Dense, Flatten, Reshape


def _refused_peak(path, message):
    """Load ``path``, expecting a ModelFileError matching ``message``; the peak traced memory."""
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=message):
            gn.load(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


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

    bad = edit_architecture(path, tmp_path / "h.safetensors", edit)
    assert _refused_peak(bad, message) < 20 * 2**20


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
    bad = edit_architecture(path, tmp_path / "b.safetensors", edit)
    assert _refused_peak(bad, message) < 20 * 2**20


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
    bad = edit_architecture(_graph_file(tmp_path), tmp_path / "b.safetensors", edit)
    assert _refused_peak(bad, message) < 400 * 2**20


def test_broadcast_between_inputs_is_bounded(tmp_path):
    a, b = gn.Input((1, 4)), gn.Input((4, 1))
    model = gn.Model([a, b], Flatten()(a + b)).build()
    path = gn.save(model, tmp_path / "m.safetensors")

    def edit(architecture):
        nodes = architecture["graph"]["nodes"]
        nodes[0]["input"], nodes[1]["input"] = [1, 2**20], [2**20, 1]

    with pytest.raises(ModelFileError, match=r"node 2 \(add\) has per-sample shape \(1048576, 1048576\)"):
        gn.load(edit_architecture(path, tmp_path / "b.safetensors", edit))


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


def test_loading_builds_the_weights_without_running_the_network(tmp_path):
    from glassnet.layers import GlobalAvgPool2D

    path = _sequential_file(tmp_path, [Reshape((1, 8, 8)), Conv2D(1, 3), GlobalAvgPool2D(), Dense(2)], (64,))

    def edit(architecture):
        architecture["input_shape"] = [2048 * 2048]
        architecture["layers"][0]["config"]["target_shape"] = [1, 2048, 2048]
        architecture["layers"][1]["config"]["kernel_size"] = [64, 64]

    tensors = load_file(str(path))
    tensors["weights/layers.1.W"] = np.ones((1, 1, 64, 64), np.float32)
    architecture = json.loads(metadata_texts(path)["architecture"])
    edit(architecture)
    wide = craft(path, tmp_path / "wide.safetensors", {"architecture": json.dumps(architecture)}, tensors)
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

    bad = edit_architecture(path, tmp_path / "d.safetensors", edit)
    assert _refused_peak(bad, "declared with input_dim=1000000000 but receives 4") < 20 * 2**20
