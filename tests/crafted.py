"""Helpers of the crafted model-file tests (tests/test_io_*.py): a small trained model, the
model file the ``saved`` fixture of tests/conftest.py writes, and ways of copying a model
file with its metadata texts, architecture or tensors replaced, or of writing a raw header."""

import json
import struct

import numpy as np
import pandas as pd
from safetensors import safe_open
from safetensors.numpy import load_file
from safetensors.numpy import save as safetensors_bytes

import glassnet as gn
from glassnet.io import TabularPreprocessor, model_file
from glassnet.layers import BatchNormalization, Dense

RNG = np.random.default_rng(0)
X4 = RNG.normal(size=(30, 4)).astype(np.float32)
Y3 = RNG.integers(0, 3, size=30)
FRAME = {"a": RNG.normal(size=20), "b": RNG.normal(size=20), "c": RNG.normal(size=20),
         "d": RNG.normal(size=20)}


def trained_model(dtype=np.float32):
    model = gn.Sequential([Dense(8, activation="relu", input_dim=4), BatchNormalization(),
                           Dense(3, activation="softmax")], seed=1, dtype=dtype)
    model.compile(optimizer=gn.optim.Adam(lr=0.01), loss="cross_entropy", metrics=["accuracy"])
    model.fit(X4.astype(dtype), Y3, epochs=1, batch_size=8, verbose=0, seed=0)
    return model


def save_trained_model(path):
    """A trained model saved to ``path`` with a fitted preprocessing and an info section:
    ``(model, path)``, the value of the ``saved`` fixture."""
    model = trained_model()
    gn.save(model, path, preprocessing=TabularPreprocessor().fit(pd.DataFrame(FRAME)), info={"target": "y"})
    return model, path


def metadata_texts(path):
    with safe_open(str(path), framework="numpy") as handle:
        return dict(handle.metadata())


def craft(path, target, update=None, tensors=None, sign=True):
    """A copy of ``path`` with metadata texts and/or tensors replaced; with ``sign`` its
    checksum is computed again (a file crafted with knowledge of the format)."""
    meta = {**metadata_texts(path), **(update or {})}
    tensors = load_file(str(path)) if tensors is None else tensors
    if sign:
        meta["sha256"] = model_file.checksum(meta, tensors)
    target.write_bytes(safetensors_bytes(tensors, metadata=meta))
    return target


def edit_architecture(path, target, edit):
    architecture = json.loads(metadata_texts(path)["architecture"])
    edit(architecture)
    return craft(path, target, {"architecture": json.dumps(architecture)})


def raw_file(path, header_text, data=b""):
    raw = header_text.encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)
    return path
