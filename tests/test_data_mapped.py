"""Memory-mapped arrays in fit, evaluate and predict: read batch by batch, the same weights as
the array in memory, and a process that stays small on a file larger than what it keeps."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import glassnet as gn


def _model(units=2, activation="softmax"):
    return gn.Sequential(
        [
            gn.layers.Dense(8, activation="relu"),
            gn.layers.Dropout(0.1),
            gn.layers.Dense(units, activation=activation),
        ]
    )


def _weights(model):
    return [p.data.copy() for p in model.parameters()]


@pytest.fixture
def mapped(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "y.npy", y)
    return X, y, np.load(tmp_path / "x.npy", mmap_mode="r"), np.load(tmp_path / "y.npy", mmap_mode="r")


@pytest.mark.parametrize(
    "options",
    [{}, {"validation_split": 0.2}, {"shuffle": False}, {"steps_per_epoch": 4, "class_weight": "balanced"}],
)
def test_memory_mapped_trains_bitwise_as_in_memory(mapped, options):
    X, y, Xm, ym = mapped
    runs = []
    for data, labels in ((X, y), (Xm, ym)):
        model = _model()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(data, labels, epochs=3, batch_size=32, seed=3, verbose=0, **options)
        runs.append((model, history.history))
    (a, ha), (b, hb) = runs
    assert all(np.array_equal(p, q) for p, q in zip(_weights(a), _weights(b)))
    assert ha == hb
    assert np.array_equal(a.predict(X), b.predict(Xm))
    assert np.array_equal(a.predict(X, batch_size=64), b.predict(Xm, batch_size=64))
    assert a.evaluate(X, y, verbose=0) == pytest.approx(b.evaluate(Xm, ym, verbose=0), rel=1e-6)


def test_memory_mapped_rows_are_read_per_batch(mapped):
    """A batch reads its rows from the file: fit never converts the whole array."""
    from glassnet.training import mapped as _mapped

    X, y, Xm, _ = mapped
    rows = _mapped.MappedRows(Xm, np.float32)
    index = np.array([7, 2, 250])
    assert rows[index].dtype == np.float32
    assert np.array_equal(rows[index], X[index].astype(np.float32))
    part = rows.subset(np.arange(10, 20))
    assert part.shape == (10, 5) and np.array_equal(part[2:4], X[12:14].astype(np.float32))


def test_memory_mapped_nan_is_named_with_its_row(tmp_path):
    X = np.ones((50, 3), dtype=np.float32)
    X[37, 1] = np.nan
    np.save(tmp_path / "x.npy", X)
    model = gn.Sequential([gn.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="row 37"):
        model.fit(np.load(tmp_path / "x.npy", mmap_mode="r"), np.zeros(50), verbose=0)


_CHILD = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import glassnet as gn
    x = np.load(sys.argv[1], mmap_mode="r")
    y = np.load(sys.argv[2], mmap_mode="r")
    model = gn.Sequential([gn.layers.Dense(64, activation="relu"), gn.layers.Dense(64, activation="relu"),
                           gn.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=1, batch_size=2048, seed=0, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    # Linux's ru_maxrss keeps the parent's peak across the fork and exec that started this
    # process; VmHWM is the peak of this program alone.
    peak = [int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")]
    print(peak[0] // 1024 if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
""")


def _write_file(path, rows, features):
    """A float32 .npy file written block by block (the test process stays small too)."""
    x = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, features))
    rng = np.random.default_rng(0)
    step = 1 << 16
    y = np.empty(rows, dtype=np.float32)
    for start in range(0, rows, step):
        block = rng.normal(size=(min(step, rows - start), features)).astype(np.float32)
        x[start : start + len(block)] = block
        y[start : start + len(block)] = block[:, 0] - block[:, 1]
    x.flush()
    del x
    return y


def test_memory_mapped_file_trains_in_a_small_process(tmp_path, large):
    """A 50 MB float32 file (2 GB with --large) trains one epoch with a peak RSS well under 600 MB."""
    features = 20
    size = (2 << 30) if large else (50 << 20)
    rows = size // (4 * features)
    y = _write_file(tmp_path / "x.npy", rows, features)
    np.save(tmp_path / "y.npy", y)
    del y
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path / "x.npy"), str(tmp_path / "y.npy")],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert done.returncode == 0, done.stderr
    peak_mb = int(done.stdout.split()[-1])
    assert peak_mb < 600, f"peak RSS {peak_mb} MB"


def test_dataloader_reads_a_memory_mapped_array_from_its_file(mapped):
    X, y, Xm, ym = mapped
    in_memory = gn.data.DataLoader((X, y), batch_size=64, shuffle=True, seed=1)
    from_file = gn.data.DataLoader((Xm, ym), batch_size=64, shuffle=True, seed=1)
    for (xa, ya), (xb, yb) in zip(in_memory, from_file, strict=True):
        assert type(xb) is np.ndarray and np.array_equal(xa, xb) and np.array_equal(ya, yb)


def test_copy_on_write_mapping_is_read_with_its_changes(tmp_path):
    """A copy-on-write mapping holds its changes in memory only: they are read through it."""
    from glassnet.training import mapped as _mapped

    np.save(tmp_path / "x.npy", np.zeros((10, 2)))
    changed = np.load(tmp_path / "x.npy", mmap_mode="c")
    changed[3] = 7.0
    rows = _mapped.MappedRows(changed, np.float64)
    assert rows[np.array([3, 4])].tolist() == [[7.0, 7.0], [0.0, 0.0]]
