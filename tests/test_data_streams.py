"""fit, evaluate and predict on batches: Parquet and CSV files, Dask collections, DataLoaders
and generators give the weights of the same rows given as arrays in the same order; the
chunked shuffle is seeded; bad batches are refused in glassnet's words."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import glassnet as gn

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

ROWS, FEATURES = 200, 4


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(ROWS, FEATURES)).astype(np.float32)
    y = (X[:, 0] - X[:, 1] > 0).astype(np.int64)
    return X, y


@pytest.fixture(scope="module")
def parquet(data, tmp_path_factory):
    X, y = data
    path = tmp_path_factory.mktemp("parquet") / "table.parquet"
    columns = {f"f{i}": X[:, i] for i in range(FEATURES)}
    pq.write_table(pa.table({**columns, "y": y}), path, row_group_size=45)
    return path


def _model(metrics=("accuracy",)):
    model = gn.Sequential([gn.layers.Dense(8, activation="relu"), gn.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=list(metrics))
    return model


def _trained(data, **options):
    model = _model()
    history = model.fit(data, epochs=2, seed=0, verbose=0, **options)
    return model, history.history


def _same(a, b):
    return all(np.array_equal(p.data, q.data) for p, q in zip(a.parameters(), b.parameters()))


@pytest.fixture(scope="module")
def in_memory(data):
    X, y = data
    model = _model()
    history = model.fit(X, y, epochs=2, batch_size=32, shuffle=False, seed=0, verbose=0)
    return model, history.history


def test_parquet_trains_as_the_arrays(parquet, in_memory):
    model, history = _trained(gn.data.from_parquet(parquet, target="y", batch_size=32, shuffle=False))
    assert _same(model, in_memory[0]) and history == in_memory[1]


def test_csv_trains_as_the_arrays(data, tmp_path, in_memory):
    import pandas as pd

    X, y = data
    frame = pd.DataFrame({f"f{i}": X[:, i] for i in range(FEATURES)} | {"y": y})
    frame.to_csv(tmp_path / "table.csv", index=False, float_format="%.9g")
    source = gn.data.from_csv(tmp_path / "table.csv", target="y", batch_size=32, shuffle=False, block_rows=50)
    assert source.n_rows == ROWS and len(source) == 7
    model, history = _trained(source)
    assert _same(model, in_memory[0]) and history == in_memory[1]


def test_dask_array_and_dataframe_train_as_the_arrays(data, in_memory):
    da = pytest.importorskip("dask.array")
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    X, y = data
    for Xd, yd in (
        (da.from_array(X, chunks=(70, FEATURES)), da.from_array(y, chunks=50)),
        (dd.from_pandas(pd.DataFrame(X), npartitions=3), dd.from_pandas(pd.Series(y), npartitions=3)),
    ):
        model = _model()
        history = model.fit(Xd, yd, epochs=2, batch_size=32, shuffle=False, seed=0, verbose=0)
        assert _same(model, in_memory[0]) and history.history == in_memory[1]
    assert np.array_equal(
        in_memory[0].predict(X), in_memory[0].predict(da.from_array(X, chunks=(70, FEATURES)))
    )


def test_dataloader_and_generator_with_steps_train_as_the_arrays(data, in_memory):
    X, y = data
    model, history = _trained(gn.data.DataLoader((X, y), batch_size=32))
    assert _same(model, in_memory[0]) and history == in_memory[1]

    def forever():
        while True:
            for start in range(0, ROWS, 32):
                yield X[start : start + 32], y[start : start + 32]

    model, history = _trained(forever(), steps_per_epoch=7)
    assert _same(model, in_memory[0]) and history == in_memory[1]


def test_convergence_stop_leaves_the_batches_of_a_generator_to_training(data, in_memory):
    X, y = data

    def two_epochs():
        for _ in range(2):
            for start in range(0, ROWS, 32):
                yield X[start : start + 32], y[start : start + 32]

    stop = gn.callbacks.ConvergenceStop(tol=1e-12)
    model, history = _trained(two_epochs(), steps_per_epoch=7, callbacks=[stop])
    assert _same(model, in_memory[0]) and history == in_memory[1]


def test_steps_per_epoch_of_a_whole_pass_restarts_a_re_iterable_source(data, in_memory):
    X, y = data
    model, history = _trained(gn.data.DataLoader((X, y), batch_size=32), steps_per_epoch=7)
    assert _same(model, in_memory[0]) and history == in_memory[1]


def test_evaluate_and_predict_read_batches(parquet, data, in_memory):
    X, y = data
    model = in_memory[0]
    source = gn.data.from_parquet(parquet, target="y", batch_size=64, shuffle=False)
    assert model.evaluate(source, verbose=0) == pytest.approx(model.evaluate(X, y, verbose=0), rel=1e-6)
    np.testing.assert_allclose(model.predict(source), model.predict(X), rtol=1e-6)
    features = gn.data.from_parquet(
        parquet, target=None, features=[f"f{i}" for i in range(FEATURES)], batch_size=64, shuffle=False
    )
    np.testing.assert_allclose(model.predict(features), model.predict(X), rtol=1e-6)
    assert model.predict(source, steps=2).shape == (128, 2)


def _order(source):
    return np.concatenate([xb[:, 0] for xb, _ in source])


def test_chunked_shuffle_is_seeded_and_visits_every_row_once(parquet, data):
    X, _ = data
    first = gn.data.from_parquet(parquet, target="y", batch_size=16, seed=5, buffer_rows=60)
    again = gn.data.from_parquet(parquet, target="y", batch_size=16, seed=5, buffer_rows=60)
    other = gn.data.from_parquet(parquet, target="y", batch_size=16, seed=6, buffer_rows=60)
    passes = [_order(first), _order(first)]
    assert np.array_equal(passes[0], _order(again)) and np.array_equal(passes[1], _order(again))
    assert not np.array_equal(passes[0], passes[1])  # a new order every pass
    assert not np.array_equal(passes[0], _order(other))
    for order in passes:
        assert np.array_equal(np.sort(order), np.sort(X[:, 0]))
    model_a, history_a = _trained(gn.data.from_parquet(parquet, target="y", batch_size=16, seed=5))
    model_b, history_b = _trained(gn.data.from_parquet(parquet, target="y", batch_size=16, seed=5))
    assert _same(model_a, model_b) and history_a == history_b


def test_validation_split_of_chunked_data_holds_out_rows_by_seeded_hash(parquet, data):
    X, _ = data
    train, held = gn.data.from_parquet(parquet, target="y", batch_size=16, seed=1).split(0.25, seed=3)
    rows_train, rows_held = _order(train), _order(held)
    assert len(rows_train) + len(rows_held) == ROWS and not set(rows_train) & set(rows_held)
    assert 0.1 < len(rows_held) / ROWS < 0.4
    assert np.array_equal(rows_held, _order(gn.data.from_parquet(parquet, "y", seed=9).split(0.25, 3)[1]))
    _, history = _trained(
        gn.data.from_parquet(parquet, target="y", batch_size=16, seed=1), validation_split=0.25
    )
    assert len(history["val_loss"]) == 2 and np.isfinite(history["val_loss"]).all()


def test_validation_data_may_be_batches(data):
    X, y = data
    _, history = _trained(
        gn.data.DataLoader((X, y), batch_size=32),
        validation_data=gn.data.DataLoader((X[:50], y[:50]), batch_size=20),
        validation_steps=2,
    )
    assert len(history["val_accuracy"]) == 2


def test_a_generator_without_steps_per_epoch_trains_one_epoch_only(data):
    X, y = data
    batches = ((X[s : s + 32], y[s : s + 32]) for s in range(0, ROWS, 32))
    with pytest.raises(ValueError, match="steps_per_epoch"):
        _model().fit(batches, epochs=3, verbose=0)
    history = _model().fit(((X[s : s + 32], y[s : s + 32]) for s in range(0, ROWS, 32)), epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1


def test_a_generator_that_runs_out_stops_training_with_a_warning(data):
    X, y = data
    batches = ((X[s : s + 32], y[s : s + 32]) for s in range(0, ROWS, 32))
    with pytest.warns(RuntimeWarning, match="ran out of batches"):
        history = _model().fit(batches, epochs=5, steps_per_epoch=3, verbose=0)
    assert len(history.history["loss"]) == 3
    assert "ran out" in history.stopped_reason


def _bad(batches, match, error=ValueError, **options):
    with pytest.raises(error, match=match):
        _model().fit(batches, verbose=0, **options)


def test_bad_batches_are_refused(data):
    X, y = data
    _bad(iter([]), "gave no batches")
    _bad(iter([(X[:10], y[:9])]), "different numbers of samples")
    _bad(iter([(X[:10], y[:10]), (X[:10, :3], y[:10])]), r"shape \(3,\).*first batch had \(4,\)")
    _bad(iter([(X[:10], y[:10] + 5)]), "labels outside")
    bad = X[:10].copy()
    bad[3, 1] = np.nan
    _bad(iter([(bad, y[:10])]), "NaN or inf")
    _bad(iter([X[:10]]), "tuple \\(x, y\\)")
    _bad(iter([(X[:10], y[:10], np.ones(10), 1)]), "tuple \\(x, y\\)")
    _bad(iter([(X[:10].astype(str), y[:10])]), "dtype", TypeError)
    with pytest.raises(ValueError, match="y must not be given"):
        _model().fit(iter([(X, y)]), y, verbose=0)
    _bad(iter([(X, y)]), "validation_split needs data read in chunks", validation_split=0.2)
    _bad(iter([(X, y)]), "batches carry their weights", class_weight="balanced")


def test_parquet_errors_name_the_column_and_the_extra(parquet, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="no column 'nope'"):
        gn.data.from_parquet(parquet, target="nope")
    pq.write_table(pa.table({"a": [1.0, 2.0], "text": ["x", "y"], "y": [0, 1]}), tmp_path / "t.parquet")
    with pytest.raises(TypeError, match="'text' holds string"):
        gn.data.from_parquet(tmp_path / "t.parquet", target="y")
    with pytest.raises(ValueError, match="batch_size"):
        gn.data.from_parquet(parquet, target="y", batch_size=0)
    with pytest.raises(ValueError, match="no file"):
        gn.data.from_parquet(tmp_path / "missing.parquet", target="y")
    monkeypatch.setitem(sys.modules, "pyarrow.dataset", None)
    with pytest.raises(ImportError, match=r'pip install "glassnet\[data\]"'):
        gn.data.from_parquet(parquet, target="y")


@pytest.mark.parametrize("block_rows", [0, True, 1.5])
def test_from_csv_refuses_a_block_size_that_is_not_a_positive_integer(tmp_path, block_rows):
    (tmp_path / "t.csv").write_text("a,y\n1,0\n2,1\n")
    with pytest.raises(ValueError, match=f"block_rows must be a positive integer, got {block_rows!r}"):
        gn.data.from_csv(tmp_path / "t.csv", target="y", block_rows=block_rows)


def test_weighted_batches_train_as_sample_weight(data):
    X, y = data
    w = np.linspace(0.5, 2.0, ROWS).astype(np.float32)
    model_a = _model()
    model_a.fit(X, y, sample_weight=w, epochs=2, batch_size=32, shuffle=False, seed=0, verbose=0)
    model_b, _ = _trained(gn.data.DataLoader((X, y, w), batch_size=32))
    assert _same(model_a, model_b)
    scores = model_b.evaluate(gn.data.DataLoader((X, y, w), batch_size=50), verbose=0, return_dict=True)
    assert scores["loss"] == pytest.approx(model_b.evaluate(X, y, sample_weight=w, verbose=0)[0], rel=1e-5)


def test_predict_reads_chunked_data_in_file_order(parquet, data, in_memory):
    X, _ = data
    shuffled = gn.data.from_parquet(parquet, target="y", batch_size=16, seed=2, buffer_rows=50)
    np.testing.assert_allclose(in_memory[0].predict(shuffled), in_memory[0].predict(X), rtol=1e-6)


def test_dask_validation_split_uses_the_batch_size(data):
    da = pytest.importorskip("dask.array")
    X, y = data
    sizes = []
    model = _model()
    model.fit(
        da.from_array(X, chunks=(70, FEATURES)),
        da.from_array(y, chunks=70),
        epochs=1,
        batch_size=10,
        validation_split=0.2,
        seed=0,
        verbose=0,
        callbacks=[gn.callbacks.LambdaCallback(on_batch_end=lambda b, logs: sizes.append(logs["size"]))],
    )
    assert max(sizes) == 10 and 0.7 * ROWS < sum(sizes) < 0.9 * ROWS


def _csv_folder(X, y, tmp_path, parts=4):
    for k, rows in enumerate(np.array_split(np.arange(len(X)), parts)):
        lines = "".join(f"{float(X[i, 0])!r},{y[i]}\n" for i in rows)
        (tmp_path / f"part{k}.csv").write_text("a,y\n" + lines)
    return tmp_path


def test_a_shuffled_pass_never_trains_on_held_out_rows(data, tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    X, y = data
    sources = [
        gn.data.from_csv(_csv_folder(X, y, tmp_path), target="y", batch_size=16, seed=0),
        gn.training.sources.dask_batches(
            dd.from_pandas(pd.DataFrame(X[:, :1]), npartitions=4),
            dd.from_pandas(pd.Series(y), npartitions=4), 16, True, 0),
    ]
    for source in sources:
        train, held = source.split(0.3, seed=1)
        held_rows = set(_order(held).tolist())
        assert held_rows
        for _ in range(4):  # every pass draws a new order of the files or partitions
            rows = _order(train)
            assert len(rows) + len(held_rows) == ROWS and not set(rows.tolist()) & held_rows


def test_arrays_validate_on_a_source_of_batches(data):
    X, y = data
    model = _model()
    validation = gn.data.DataLoader((X[:50], y[:50]), batch_size=20)
    history = model.fit(X, y, epochs=2, seed=0, verbose=0, validation_data=validation, validation_steps=2)
    expected = model.evaluate(validation, steps=2, verbose=0, return_dict=True)
    assert history.history["val_loss"][-1] == expected["loss"]
    assert history.history["val_accuracy"][-1] == expected["accuracy"]


def test_steps_that_would_count_batches_of_arrays_are_refused(data):
    X, y = data
    model = _model()
    model.fit(X, y, epochs=1, verbose=0)
    loader = gn.data.DataLoader((X, y), batch_size=32)
    for train in ((X, y), (loader,)):
        with pytest.raises(ValueError, match=r"validation_steps counts the batches .* validation_data"):
            model.fit(*train, epochs=1, verbose=0, validation_data=(X, y), validation_steps=2)
    with pytest.raises(ValueError, match=r"steps counts the batches .* X"):
        model.evaluate(X, y, steps=2, verbose=0)
    with pytest.raises(ValueError, match=r"steps counts the batches .* X"):
        model.predict(X, steps=2)


def test_evaluating_a_shuffled_source_leaves_its_order_to_training(parquet, in_memory):
    def source():
        return gn.data.from_parquet(parquet, target="y", batch_size=16, seed=5)

    evaluated = source()
    in_memory[0].evaluate(evaluated, verbose=0)
    assert np.array_equal(_order(evaluated), _order(source()))
    stop = gn.callbacks.ConvergenceStop(tol=1e-12)
    model_a, history_a = _trained(source(), callbacks=[stop])
    model_b, history_b = _trained(source())
    assert _same(model_a, model_b) and history_a == history_b


def test_a_validation_generator_for_several_epochs_needs_validation_steps(data):
    X, y = data

    def batches(passes=1):
        for _ in range(passes):
            for start in range(0, 64, 32):
                yield X[start : start + 32], y[start : start + 32]

    for train in ((X, y), (gn.data.DataLoader((X, y), batch_size=32),)):
        with pytest.raises(ValueError, match=r"validation_data is a generator.*validation_steps"):
            _model().fit(*train, epochs=2, verbose=0, validation_data=batches())
        history = _model().fit(*train, epochs=2, verbose=0, validation_data=batches(2), validation_steps=2)
        assert len(history.history["val_loss"]) == 2
        history = _model().fit(*train, epochs=1, verbose=0, validation_data=batches())
        assert len(history.history["val_loss"]) == 1
