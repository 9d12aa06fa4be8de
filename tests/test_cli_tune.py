"""``glassnet tune``: a search on digits, its run folder, and the best run repeated by ``glassnet train``."""

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from glassnet.cli import app

RUNNER = CliRunner()


def _invoke(*args):
    return RUNNER.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def _flat(text):
    return " ".join(text.split())


def _only(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_tune_on_digits_keeps_a_best_run_that_glassnet_train_repeats(tmp_path):
    space = tmp_path / "space.yaml"
    space.write_text("hidden: [[16], [32]]\nlr: [0.01, 0.003]\n")
    result = _invoke("tune", "--data", "digits", "--space", space, "--method", "grid", "--epochs", 3,
                     "--out", tmp_path / "runs")
    assert result.exit_code == 0, result.output
    run = _only(tmp_path / "runs", "*-tune-digits")
    trials = pd.read_csv(run / "trials.csv")
    assert len(trials) == 4 and (trials["state"] == "complete").all()
    assert {"scores.png", "heatmap.png", "history.png"} <= {p.name for p in run.glob("*.png")}
    assert (run / "best" / "model.safetensors").is_file()
    best = trials.loc[trials["mean_score"].idxmin()]
    config = yaml.safe_load((run / "best" / "config.yaml").read_text())
    assert config["hidden"] == yaml.safe_load(best["param_hidden"]) and config["lr"] == best["param_lr"]
    assert f"best trial {best['number']}" in _flat(result.output)

    again = _invoke("train", "--config", run / "best" / "config.yaml", "--quiet")
    assert again.exit_code == 0, again.output
    repeated = _only(tmp_path / "runs", "*[0-9]-digits")
    validation_loss = pd.read_csv(repeated / "history.csv")["val_loss"]
    assert validation_loss.min() == pytest.approx(best["mean_score"], rel=1e-12)
    test_metrics = [json.loads((folder / "metrics.json").read_text())["test_metrics"]
                    for folder in (run / "best", repeated)]
    assert test_metrics[0] == test_metrics[1]


def test_tune_without_a_space_searches_the_default_one(tmp_path):
    result = _invoke("tune", "--trials", 2, "--epochs", 1, "--out", tmp_path, "--quiet")
    assert result.exit_code == 0, result.output
    trials = pd.read_csv(_only(tmp_path, "*-tune-digits") / "trials.csv")
    assert len(trials) == 2
    assert {"param_hidden", "param_lr", "param_dropout"} <= set(trials.columns)


@pytest.mark.parametrize("args, message", [
    (["--space", "{space}", "--method", "anneal"], "--method 'anneal' is not available; choose one of"),
    (["--method", "grid"], "method='grid' needs a list of values for each parameter; 'lr' is loguniform"),
    (["--storage", "sqlite:///x.db"], "give --study NAME too"),
    (["--study", "digits"], "give --storage sqlite:///study.db too"),
    (["--workers", "2"], "--workers sizes the worker processes of --backend processes or dask"),
    (["--trials", "0"], "--trials must be an integer >= 1, got '0'"),
    (["--cv", "1"], "--cv must be an integer >= 2, got '1'"),
    (["--address", "tcp://h:8786"], "give --backend dask with it"),
    (["--backend", "dask", "--address", "tcp://h:8786", "--workers", "2"], "leave --workers out"),
    (["--space", "{bad}"], "'width' is not a setting to search; the settings are: model, hidden"),
    (["--space", "{dropout}"], "dropout may be 1.0"),
])
def test_bad_options_are_usage_errors_before_any_training(tmp_path, args, message):
    files = {"space": "hidden: [[4]]\n", "bad": "width: [4, 8]\n", "dropout": "dropout: {uniform: [0, 1]}\n"}
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text)
    args = [a.format(**{name: tmp_path / f"{name}.yaml" for name in files}) for a in args]
    result = _invoke("tune", *args, "--out", tmp_path / "runs")
    assert result.exit_code == 2, result.output
    assert message in _flat(result.output)
    assert not (tmp_path / "runs").exists()


def test_an_interrupted_tune_with_a_storage_resumes_when_run_again(tmp_path, monkeypatch):
    from glassnet.cli import tune

    build = tune.SettingsModel.__call__
    calls = []

    def interrupted(self, params):
        calls.append(params)
        if len(calls) == 3:                       # the first parameters seen, then the second trial
            raise KeyboardInterrupt
        return build(self, params)

    monkeypatch.setattr(tune.SettingsModel, "__call__", interrupted)
    space = tmp_path / "space.yaml"
    space.write_text("hidden: [[8], [16], [32]]\n")
    args = ["tune", "--space", space, "--method", "grid", "--epochs", 1, "--out", tmp_path / "runs",
            "--storage", f"sqlite:///{tmp_path}/study.db", "--study", "digits"]
    first = _invoke(*args)
    assert first.exit_code == 130, first.output
    assert "run the same command again to resume the search" in _flat(first.output)
    again = _invoke(*args)
    assert again.exit_code == 0, again.output
    trials = pd.read_csv(_only(tmp_path / "runs", "*-tune-digits") / "trials.csv")
    assert sorted(trials["state"]) == ["complete", "complete", "complete", "interrupted"]
    assert len(calls) == 3 + 1 + 2               # again: the first parameters seen, then the two trials left


def test_without_optuna_tune_says_how_to_install_it_before_showing_any_trial(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "optuna", None)
    result = _invoke("tune", "--trials", 2, "--out", tmp_path / "runs")
    assert result.exit_code != 0
    assert 'pip install "glassnet[tune]"' in _flat(result.output)
    assert "score" not in result.output and not (tmp_path / "runs").exists()
