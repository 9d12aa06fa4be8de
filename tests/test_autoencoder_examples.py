"""examples/vae_digits.py and examples/autoencoder_anomaly.py, run with few epochs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vae_digits_learns_and_saves_both_figures(tmp_path):
    result = _example("vae_digits").run(epochs=8, seed=0, out=tmp_path)
    losses = result["history"]["loss"]
    assert losses[-1] < 0.9 * losses[0]
    for path in result["figures"]:
        assert path.parent == tmp_path
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_vae_encoder_and_decoder_share_the_trained_layers():
    vae_digits = _example("vae_digits")
    vae, encoder, decoder = vae_digits.build(seed=0)
    X = np.random.default_rng(0).uniform(size=(32, 64)).astype(np.float32)
    vae.fit(X, X, epochs=1, verbose=0, seed=0)
    # In evaluation the Sampling layer passes mu on: the VAE is the decoder of the encoder's mean.
    np.testing.assert_allclose(vae.predict(X), decoder.predict(encoder.predict(X)), rtol=1e-5, atol=1e-6)


def test_autoencoder_flags_anomalies_with_auc_above_0_95():
    result = _example("autoencoder_anomaly").run(epochs=10, seed=0)
    assert result["roc_auc"] >= 0.95
    assert result["false_alarm_rate"] <= 0.05
    assert result["recall"] >= 0.5
