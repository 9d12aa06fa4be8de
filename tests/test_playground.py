"""The playground's library side: settings, data, features, the session's training, the
neuron and edge views (equal to gn.explain.trace) and the exports (model file and script)."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest

import glassnet as gn
from glassnet.activations import ACTIVATIONS as REGISTERED
from glassnet.activations import get as activation
from glassnet.playground import data, export, frames, network
from glassnet.playground.network import Settings, build_model
from glassnet.playground.session import Session

XOR = {"dataset": "xor", "features": ["x1*x2"], "layers": [3], "activations": ["tanh"], "n_samples": 80,
       "learning_rate": 0.1}


def test_the_page_offers_every_activation_of_glassnet():
    offered = {activation(name) for name in network.ACTIVATIONS}
    assert offered == {activation(name) for name in REGISTERED.names()}


@pytest.mark.parametrize("given, field", [
    ({"layers": [4] * 7, "activations": ["tanh"] * 7}, "layers"),
    ({"layers": [9]}, "layers"),
    ({"layers": [0]}, "layers"),
    ({"n_samples": 10**6}, "n_samples"),
    ({"dataset": "mnist"}, "dataset"),
    ({"features": []}, "features"),
    ({"features": ["x1", "x1"]}, "features"),
    ({"features": ["x3"]}, "features"),
    ({"activations": ["tanh", "relu", "elu"]}, "activations"),
    ({"learning_rate": float("nan")}, "learning_rate"),
    ({"batch_size": True}, "batch_size"),
    ({"optimizer": "lbfgs"}, "optimizer"),
    ({"dropout": 0.95}, "dropout"),
    ({"unknown": 1}, "unknown"),
])
def test_settings_refuse_what_is_outside_the_limits_naming_the_field(given, field):
    with pytest.raises(ValueError, match=field):
        Settings.from_dict(given)


def test_settings_refuse_what_is_not_an_object():
    with pytest.raises(ValueError, match="JSON object"):
        Settings.from_dict(["xor"])


@pytest.mark.parametrize("name", list(data.DATASETS))
def test_every_data_set_is_generated_within_the_plotted_square(name):
    made = data.make_data(name, 60, data.DATASETS[name][2], seed=1, n_classes=3 if name == "spiral" else 2)
    assert made.X.shape == (60, 1 if name == "sine" else 2)
    assert np.abs(made.X).max() == pytest.approx(data.SPAN)
    assert made.task == data.DATASETS[name][1]
    if made.task == "classification":
        assert set(np.unique(made.y)) == set(range(made.n_classes))


def test_features_are_the_named_columns():
    X = np.array([[0.5, -2.0], [1.0, 3.0]], dtype=np.float32)
    F = data.features(X, list(data.FEATURES))
    x1, x2 = X[:, 0], X[:, 1]
    expected = np.stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)], axis=1)
    np.testing.assert_allclose(F, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="x2"):
        data.features(X[:, :1], ["x1*x2"])


def test_a_csv_is_read_as_classification_or_regression():
    rows = "\n".join(f"{i},{i % 3},{i % 2}" for i in range(20))
    classes = data.parse_csv("a,b,c\n" + rows, 100)
    assert classes.task == "classification" and classes.n_classes == 2
    values = data.parse_csv("\n".join(f"{i},{-i},{i * 0.37}" for i in range(20)), 100)
    assert values.task == "regression" and values.n_classes is None


@pytest.mark.parametrize("text, match", [
    ("1,2\n" * 20, "three numbers"),
    ("1,2,x\n" * 20, "three numbers"),
    ("1,2,3\n" * 5, "10 to"),
    ("1,2,3\n" * 200, "10 to 100"),
    ("1,2,nan\n" * 20, "finite"),
])
def test_a_wrong_csv_is_refused_with_a_message(text, match):
    with pytest.raises(ValueError, match=match):
        data.parse_csv(text, 100)


@pytest.mark.parametrize("task, classes, units, loss", [
    ("classification", 2, 1, "binary_crossentropy"),
    ("classification", 3, 3, "sparse_categorical_crossentropy"),
    ("regression", None, 1, "mse"),
])
def test_the_output_and_loss_follow_from_the_task(task, classes, units, loss):
    model = build_model(Settings(layers=(2,), activations=("relu",), dropout=0.2, regularization="l2",
                                 regularization_rate=0.01), task, classes)
    assert model.layers[-1].W.shape == (2, units)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "Dense"]
    assert network.output_and_loss(task, classes)[2] == loss


@pytest.fixture
def session():
    opened = Session(Settings.from_dict(XOR))
    yield opened
    opened.close()


def test_a_step_trains_one_epoch_and_publishes_a_frame(session):
    first, _ = session.latest_frame()
    state = session.call(session.step).result(timeout=30)
    number, frame = session.latest_frame()
    assert state["epoch"] == 1 and number > first
    assert frame["epoch"] == 1 and frame["test_loss"] == state["test_loss"]
    assert len(frame["neurons"]) == 2 and len(frame["neurons"][0]) == 3
    assert len(frames.base64.b64decode(frame["output"]["maps"][0])) == frames.OUTPUT_GRID**2
    assert session.last_step is not None


def test_a_step_computes_one_frame_however_recent_the_last(session, monkeypatch):
    from glassnet.playground import session as session_module

    monkeypatch.setattr(session_module, "FRAME_INTERVAL", 0.0)
    first, _ = session.latest_frame()
    session.call(session.step).result(timeout=30)
    assert session.latest_frame()[0] == first + 1


def test_the_neuron_view_is_the_trace_of_the_point(session):
    session.call(session.step).result(timeout=30)
    view = session.call(lambda: session.neuron(1, 2, 5)).result(timeout=30)
    x = data.features(np.array([view["x"]], dtype=np.float32), ["x1*x2"])
    t = gn.explain.trace(session.model, x, [view["target"]], training=False)
    assert view["z"] == float(t.layers[0].z[0, 2]) and view["a"] == float(t.layers[0].a[0, 2])
    assert view["delta"] == float(t.layers[0].delta[0, 2])
    assert view["dW"] == [float(v) for v in t.layers[0].dW[:, 2]]
    assert view["loss"] == t.loss


def test_the_edge_view_has_the_weight_its_gradient_and_last_update(session):
    before = session.model.layers[1].W.data.copy()
    session.call(session.step).result(timeout=30)
    view = session.call(lambda: session.edge(2, 1, 0)).result(timeout=30)
    assert view["weight"] == float(session.model.layers[1].W.data[1, 0])
    assert view["last_update"] == pytest.approx(float(session.model.layers[1].W.data[1, 0] - before[1, 0]))
    rows = session.train_rows
    t = gn.explain.trace(session.model, session.inputs[rows], session.data.y[rows], training=False)
    assert view["gradient"] == float(t.layers[1].dW[1, 0])


@pytest.mark.parametrize("call, match", [
    (lambda s: s.neuron(3, 0, 0), "layer must be 1 to 2"),
    (lambda s: s.neuron(1, 7, 0), "unit must be 0 to 2"),
    (lambda s: s.neuron(1, 0, 10**6), "point must be"),
    (lambda s: s.edge(1, 5, 0), "source must be 0 to 0"),
])
def test_a_wrong_inspection_is_an_error_and_the_session_carries_on(session, call, match):
    with pytest.raises(ValueError, match=match):
        session.call(lambda: call(session)).result(timeout=30)
    assert session.call(session.step).result(timeout=30)["epoch"] == 1


def test_the_exported_model_loads_and_predicts_as_the_session(session, tmp_path):
    session.call(session.step).result(timeout=30)
    raw = session.call(lambda: export.model_bytes(session.model, session.settings, "classification", 2))
    path = tmp_path / "m.safetensors"
    path.write_bytes(raw.result(timeout=30))
    loaded = gn.load(path)
    np.testing.assert_array_equal(loaded.predict(session.inputs), session.model.predict(session.inputs))
    assert loaded.info["features"] == ["x1*x2"]


@pytest.mark.parametrize("changes", [
    {},
    {"dataset": "plane", "features": ["x1", "x2"], "regularization": "l1", "regularization_rate": 0.001},
    {"dataset": "spiral", "n_classes": 3, "features": ["x1", "x2", "sin(x1)"], "dropout": 0.1},
    {"dataset": "sine", "features": ["x1", "sin(x1)"], "optimizer": "adam", "learning_rate": 0.01},
])
def test_the_exported_script_trains_the_same_network(changes, tmp_path):
    settings = Settings.from_dict({**XOR, **changes})
    made = data.make_data(settings.dataset, settings.n_samples, settings.noise, settings.seed,
                          settings.n_classes)
    text = export.script(settings, made.task, made.n_classes, epochs=3)
    (tmp_path / "train.py").write_text(text)
    run = subprocess.run([sys.executable, "train.py"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "test loss" in run.stdout
    trained = gn.load(tmp_path / "playground-model.safetensors")
    assert [layer.W.shape for layer in trained.layers if getattr(layer, "W", None) is not None] == \
        [layer.W.shape for layer in build_model(settings, made.task, made.n_classes).layers
         if getattr(layer, "W", None) is not None]


def test_every_static_file_of_the_page_is_shipped_by_a_non_editable_install():
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    static = sorted(p.relative_to(root / "glassnet" / "playground").as_posix()
                    for p in (root / "glassnet" / "playground" / "static").iterdir())
    assert static and all(any(fnmatch.fnmatch(name, pattern) for pattern in patterns["glassnet.playground"])
                          for name in static)


DIVERGING = {"dataset": "plane", "features": ["x1", "x2"], "layers": [8, 8, 8], "activations": ["relu"] * 3,
             "learning_rate": 10.0, "n_samples": 100}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverging_training_pauses_with_a_message_and_the_session_lives_on():
    session = Session(Settings.from_dict(DIVERGING))
    try:
        session.call(lambda: session.set_playing(True)).result(timeout=30)
        errors = []
        for _ in range(300):
            errors += [reply for reply in session.replies() if reply["type"] == "error"]
            if errors:
                break
            threading.Event().wait(0.1)
        assert errors, "no error message"
        assert "training paused" in errors[0]["message"] and "learning rate" in errors[0]["message"]
        assert session.alive and not session.playing
        assert session.call(session.reset).result(timeout=30)["epoch"] == 0
    finally:
        session.close()


def test_a_reader_that_lags_gets_the_newest_frame_and_no_backlog(session):
    first, _ = session.latest_frame()
    for _ in range(3):
        session.call(session.step).result(timeout=30)
    number, frame = session.latest_frame()
    assert frame["epoch"] == 3 and number > first
    assert session.latest_frame() == (number, frame)  # one slot: the frames in between are gone
