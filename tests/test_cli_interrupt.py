"""Ctrl-C after training (while the test metrics, the files and the figures are made) keeps
the saved model and whatever else is complete, says where, and exits with code 130."""

import json
import os
import subprocess
import sys

import pytest

import glassnet as gn

# Replaces one step of ``glassnet train`` by the same step preceded by a Ctrl-C (SIGINT sent
# by the process to itself), then runs the command with the arguments given.
RUNNER = """
import importlib, os, signal, sys
module = importlib.import_module(sys.argv[1])
step = getattr(module, sys.argv[2])

def pressed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)
    return step(*args, **kwargs)

setattr(module, sys.argv[2], pressed)
from glassnet.cli import main
sys.argv = ["glassnet", *sys.argv[3:]]
main()
"""


def _train_pressing_ctrl_c_in(module, step, out):
    command = [sys.executable, "-c", RUNNER, module, step, "train", "--data", "iris", "--epochs", "2",
               "--quiet", "--out", str(out)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "1000"})


@pytest.mark.parametrize("module, step, unfinished, written", [
    ("glassnet.io", "save", "computing the test metrics", set()),
    ("glassnet.cli.report", "score", "computing the test metrics", set()),
    ("glassnet.plot", "history", "drawing the figures", {"metrics.json"}),
    ("glassnet.plot", "confusion_matrix", "drawing the figures", {"metrics.json", "history.png"}),
])
def test_ctrl_c_after_training_keeps_the_saved_model(tmp_path, module, step, unfinished, written):
    done = _train_pressing_ctrl_c_in(module, step, tmp_path)
    assert done.returncode == 130, done.stdout + done.stderr
    (folder,) = tmp_path.iterdir()
    files = {p.name for p in folder.iterdir()}
    assert {"model.safetensors", "history.csv", "config.yaml", "metrics.json"} | written == files
    model = gn.load(folder / "model.safetensors")
    assert model.predict(model.preprocessing.transform([[5.0, 3.0, 1.5, 0.2]], warn=False)).shape == (1, 3)
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["interrupted"] is True and metrics["unfinished"] == unfinished
    assert bool(metrics["test_metrics"]) == ("metrics.json" in written)
    assert bool(model.info["test_metrics"]) == ("metrics.json" in written)
    said = " ".join(done.stdout.split())
    assert f"interrupted (Ctrl-C) while {unfinished}; the trained model is saved in {folder}" in said


def test_a_run_without_ctrl_c_says_nothing_is_unfinished(tmp_path):
    done = subprocess.run([sys.executable, "-c", "from glassnet.cli import main; main()", "train", "--data",
                           "iris", "--epochs", "1", "--quiet", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (folder,) = tmp_path.iterdir()
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["interrupted"] is False and metrics["unfinished"] is None
