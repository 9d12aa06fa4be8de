"""The training loop: learning, reproducibility, validation, progress, bad input, divergence."""

import io

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import Dense, Dropout
from glassnet.training.callbacks import ProgressLogger

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([0, 1, 1, 0])


def _classifier(n_in, n_out=2, seed=0, hidden=16):
    model = gn.Sequential([Dense(hidden, activation="relu", input_dim=n_in),
                           Dense(n_out, activation="softmax")], seed=seed)
    model.compile(optimizer=gn.optim.Adam(lr=1e-2), loss="cross_entropy", metrics=["accuracy"])
    return model


def test_xor_with_a_2_4_1_tanh_network_reaches_full_accuracy():
    model = gn.Sequential([Dense(4, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=0.05), loss="binary_cross_entropy", metrics=["accuracy"])
    hist = model.fit(XOR_X, XOR_Y, epochs=300, batch_size=4, verbose=0, seed=0)
    assert hist.history["accuracy"][-1] == 1.0
    assert ((model.predict(XOR_X)[:, 0] > 0.5) == XOR_Y).all()


def test_breast_cancer_reaches_95_percent_test_accuracy():
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=42, stratify=y)
    scaler = StandardScaler().fit(Xtr)
    model = _classifier(30, seed=0)
    model.optimizer.lr = 1e-3
    model.fit(scaler.transform(Xtr), ytr, epochs=30, batch_size=32, verbose=0, seed=0)
    assert model.evaluate(scaler.transform(Xte), yte, return_dict=True)["accuracy"] >= 0.95


def test_diabetes_regression_beats_the_mean_predictor():
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_diabetes(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=42)
    sx, sy = StandardScaler().fit(Xtr), StandardScaler().fit(ytr[:, None])
    model = gn.Sequential([Dense(16, activation="relu", input_dim=10), Dense(1)], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=3e-3), loss="mse", metrics=["r2"])
    model.fit(sx.transform(Xtr), sy.transform(ytr[:, None]), epochs=25, batch_size=32, verbose=0, seed=0)
    r2 = model.evaluate(sx.transform(Xte), sy.transform(yte[:, None]), return_dict=True)["r2"]
    assert r2 > 0.4


def test_same_seed_gives_bitwise_identical_weights_and_history():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(100, 5)), rng.integers(0, 3, 100)

    def run():
        model = gn.Sequential([Dense(8, activation="relu"), Dropout(0.3), Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
        hist = model.fit(X, y, epochs=3, validation_split=0.2, verbose=0, seed=7)
        return hist.history, [p.data.copy() for p in model.parameters()]

    (h1, w1), (h2, w2) = run(), run()
    assert h1 == h2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)


def test_history_has_val_metrics_and_validation_split_is_stratified():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = np.r_[np.zeros(180, int), np.ones(20, int)]
    model = _classifier(4)
    seen = {}

    class Capture(gn.training.Callback):
        def on_train_begin(self, logs=None):
            seen["samples"] = self.params["samples"]

    hist = model.fit(X, y, epochs=2, validation_split=0.1, verbose=0, seed=0, callbacks=[Capture()])
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert seen["samples"] == 180
    assert len(hist.history["val_loss"]) == 2


def test_validation_split_last_keeps_the_ordered_tail():
    from glassnet.training.data import validation_split

    train, val = validation_split(10, 0.3, np.random.default_rng(0), mode="last")
    np.testing.assert_array_equal(val, [7, 8, 9])
    np.testing.assert_array_equal(train, np.arange(7))


class _CountBatches(gn.training.Callback):
    def on_train_begin(self, logs=None):
        self.batches = 0

    def on_batch_end(self, batch, logs=None):
        self.batches += 1


@pytest.mark.parametrize("batch_size, steps", [(None, 1), (1, 10), (4, 3)])
def test_full_batch_and_sgd_batch_sizes(batch_size, steps):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    model = gn.Sequential([Dense(1, input_dim=2)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    counter = _CountBatches()
    model.fit(X, y, epochs=1, batch_size=batch_size, verbose=0, callbacks=[counter])
    assert counter.batches == steps


def test_manual_pytorch_style_loop():
    model = gn.Sequential([Dense(8, activation="tanh", input_dim=2), Dense(2)], seed=0)
    opt = gn.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    loss_fn = gn.losses.CrossEntropy()
    first = None
    for _ in range(100):
        loss = loss_fn(model(gn.tensor(XOR_X)), XOR_Y)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < first / 10


def test_predict_runs_in_eval_mode_without_graph():
    model = gn.Sequential([Dense(4, input_dim=3), Dropout(0.9), Dense(2, activation="softmax")], seed=0)
    X = np.ones((5, 3), dtype=np.float32)
    np.testing.assert_array_equal(model.predict(X), model.predict(X))
    assert model.training
    out = model.predict(X)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-6)


def test_progress_one_line_per_epoch_when_not_a_terminal_and_silent_at_verbose_0(capsys):
    model = _classifier(2)
    stream = io.StringIO()
    model.fit(XOR_X, XOR_Y, epochs=3, verbose=0, callbacks=[ProgressLogger(1, stream=stream)])
    lines = stream.getvalue().strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3") and "loss" in lines[0]
    model.fit(XOR_X, XOR_Y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


def test_divergence_stops_with_epoch_and_batch_and_keeps_finite_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)) * 100
    y = rng.normal(size=(64, 1)) * 100
    model = gn.Sequential([Dense(16, activation="relu", input_dim=3), Dense(1)], seed=0)
    model.compile(optimizer=gn.optim.SGD(lr=10.0), loss="mse")
    with pytest.warns(RuntimeWarning, match=r"epoch \d+, batch \d+"):
        hist = model.fit(X, y, epochs=50, batch_size=8, verbose=0)
    assert hist.stopped_reason is not None
    assert len(hist.history["loss"]) < 50
    assert all(np.isfinite(p.data).all() for p in model.parameters())


@pytest.mark.parametrize("X, y, match", [
    (np.ones((4, 2)), np.ones(3), "different numbers of samples: 4 and 3"),
    (np.array([[np.nan, 1.0], [1.0, np.inf]]), np.ones(2), r"2 NaN or inf value\(s\) at rows \[0, 1\]"),
    (np.ones((0, 2)), np.ones(0), "empty"),
    (np.ones((4, 2)), np.array([0, 1, 2, 5]), r"labels outside the output size.*\[0, 2\)"),
    (np.ones(4), np.ones(4), "1-D"),
])
def test_fit_bad_input_errors(X, y, match):
    model = _classifier(2)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y, verbose=0)


def test_fit_before_compile_and_unknown_names():
    model = gn.Sequential([Dense(2, input_dim=2)])
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(XOR_X, XOR_Y)
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'.*'adam'"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match="unknown metric 'acuracy'.*'accuracy'"):
        model.compile(optimizer="adam", loss="mse", metrics=["acuracy"])
    with pytest.raises(ValueError, match="unknown loss"):
        model.compile(optimizer="adam", loss="msee")


def test_softmax_output_trains_from_logits_stably():
    """Huge logits: a naive softmax then log would give log(0) = -inf."""
    model = gn.Sequential([Dense(2, activation="softmax", input_dim=1)], seed=0)
    model.build()
    model.layers[0].W.data[:] = [[1000.0, -1000.0]]
    model.compile(optimizer="sgd", loss="cross_entropy")
    loss = model.evaluate(np.array([[1.0]]), np.array([1]), verbose=0)
    assert loss == pytest.approx(2000.0)


def test_class_weight_and_sample_weight_change_the_loss():
    X = np.array([[0.0], [1.0]])
    y = np.array([0, 1])
    model = _classifier(1)
    model.build()
    base = model.evaluate(X, y, return_dict=True)["loss"]
    weighted = model.evaluate(X, y, sample_weight=np.array([1.0, 0.0]), return_dict=True)["loss"]
    assert weighted != pytest.approx(base)
    hist = model.fit(X, y, epochs=1, class_weight={0: 1.0, 1: 3.0}, verbose=0)
    assert np.isfinite(hist.history["loss"][0])


def test_inputs_from_pandas_and_bunch():
    import pandas as pd
    from sklearn.datasets import load_iris

    bunch = load_iris()
    model = _classifier(4, n_out=3)
    model.fit(bunch, epochs=1, verbose=0)
    frame = pd.DataFrame(bunch.data, columns=bunch.feature_names)
    model.fit(frame, pd.Series(bunch.target), epochs=1, verbose=0)
    assert model.predict(frame).shape == (150, 3)


def test_track_gradients_records_per_layer_norms():
    model = _classifier(2)
    hist = model.fit(XOR_X, XOR_Y, epochs=3, verbose=0, track_gradients=True)
    assert set(hist.gradient_norms) == {"dense", "dense_1"}
    assert all(len(v) == 3 and all(n > 0 for n in v) for v in hist.gradient_norms.values())
