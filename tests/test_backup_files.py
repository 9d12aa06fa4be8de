"""Backup files of BackupAndRestore: a checksum over the metadata and the arrays, checked
headers, weights of the model's float type; a damaged backup is named, never used."""

import json

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file
from safetensors.numpy import save as safetensors_bytes

import glassnet as gn
from glassnet import callbacks
from glassnet.io import _header
from glassnet.layers import Dense
from glassnet.training import checkpoint
from glassnet.training.checkpoint import load_arrays

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3)).astype(np.float32)
Y = (X[:, 0] > 0).astype(np.int64)


class _Interrupt(callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt


def _model():
    model = gn.Sequential([Dense(4, activation="relu", input_dim=3), Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="cross_entropy")
    return model


def _fit(folder, extra=()):
    return _model().fit(X, Y, epochs=4, batch_size=8, verbose=0, seed=0,
                        callbacks=[*extra, callbacks.BackupAndRestore(folder)])


@pytest.fixture
def backup(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        _fit(tmp_path, extra=[_Interrupt()])
    return tmp_path / "backup.safetensors"


def _rewrite(path, update=None, tensors=None, sign=True):
    with safe_open(str(path), framework="numpy") as handle:
        meta = {**handle.metadata(), **(update or {})}
    tensors = load_file(str(path)) if tensors is None else tensors
    if sign:
        meta["sha256"] = _header.checksum(meta, tensors, checkpoint._FORMAT)
    path.write_bytes(safetensors_bytes(tensors, metadata=meta))


def test_a_backup_round_trips(backup):
    arrays, meta = load_arrays(backup)
    assert meta["epoch"] == 1 and any(k.startswith("model/") for k in arrays)


def test_edited_metadata_fails_the_checksum(backup, tmp_path):
    with safe_open(str(backup), framework="numpy") as handle:
        meta = json.loads(handle.metadata()["glassnet"])
    meta["epoch"] = 3
    _rewrite(backup, {"glassnet": json.dumps(meta)}, sign=False)
    with pytest.raises(ValueError, match="do not match the checksum.*Delete it to start afresh"):
        _fit(tmp_path)


def test_flipped_byte_in_the_arrays_fails_the_checksum(backup, tmp_path):
    data = bytearray(backup.read_bytes())
    data[-2] ^= 0x01
    backup.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="do not match the checksum"):
        _fit(tmp_path)


def test_backup_without_a_checksum_is_named(backup, tmp_path):
    arrays, meta = load_arrays(backup)
    backup.write_bytes(safetensors_bytes(arrays, metadata={"glassnet": json.dumps(meta)}))
    with pytest.raises(ValueError, match="no checksum .*older glassnet.*Delete it"):
        _fit(tmp_path)


@pytest.mark.parametrize("change", [lambda w: w.astype(np.int32), lambda w: w.astype(np.float64),
                                    lambda w: np.full_like(w, np.nan)])
def test_weights_of_another_type_or_not_finite_are_refused(backup, tmp_path, change):
    tensors = load_file(str(backup))
    tensors["model/layers.0.W"] = change(tensors["model/layers.0.W"])
    _rewrite(backup, tensors=tensors)
    with pytest.raises(ValueError, match="does not fit this model.*'layers.0.W'.*delete it"):
        _fit(tmp_path)


@pytest.mark.parametrize(("field", "value"), [("epoch", -1), ("epoch", "2"), ("epoch", True),
                                              ("rng", "x"), ("history", []), ("callbacks", 3)])
def test_malformed_metadata_is_refused(backup, tmp_path, field, value):
    with safe_open(str(backup), framework="numpy") as handle:
        meta = json.loads(handle.metadata()["glassnet"])
    meta[field] = value
    _rewrite(backup, {"glassnet": json.dumps(meta)})
    with pytest.raises(ValueError, match="does not fit this model or optimizer"):
        _fit(tmp_path)


def test_deeply_nested_backup_metadata_is_refused(backup, tmp_path):
    _rewrite(backup, {"glassnet": "[" * 100_000 + "]" * 100_000})
    with pytest.raises(ValueError, match="nests 100000 levels deep"):
        _fit(tmp_path)
