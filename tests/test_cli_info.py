"""A model file whose info section was edited (with a fresh checksum) is refused by the
commands in one message naming the field, never by an error from deep inside pandas."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import glassnet as gn
from glassnet.cli import app

RUNNER = CliRunner()
COMMANDS = [["summary"], ["predict", "--data", "iris"], ["evaluate", "--data", "iris"]]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    result = RUNNER.invoke(app, ["train", "--data", "iris", "--epochs", "2", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (path,) = out.glob("*/model.safetensors")
    return path


def _edited(tmp_path, trained, **fields):
    model = gn.load(trained)
    path = tmp_path / "edited.safetensors"
    gn.save(model, path, info={**model.info, **fields}, preprocessing=model.preprocessing)
    return path


@pytest.mark.parametrize(("fields", "message"), [
    ({"classes": 5}, "classes is 5, not a list of class names"),
    ({"classes": ["a"]}, "classes names 1 classes, but the network has 3 outputs"),
    ({"classes": ["a", "a", "b"]}, "classes names a class twice"),
    ({"classes": [["a"], "b", "c"]}, "not a list of class names"),
    ({"task": "clustering"}, "task is 'clustering'"),
    ({"target": 3}, "target is 3, not a column name"),
    ({"training": "x"}, "training is x, not a table of settings"),
    ({"training": {"seed": "abc"}}, "training.seed is 'abc', not an integer >= 0"),
    ({"training": {"seed": 1, "data": 7}}, "training.data is 7"),
    ({"test_metrics": [1, 2]}, "test_metrics is [1, 2], not a table of numbers"),
    ({"task": "classification", "classes": None}, "a classification has no classes"),
])
@pytest.mark.parametrize("command", COMMANDS)
def test_an_edited_info_section_is_refused_naming_the_field(tmp_path, trained, fields, message, command):
    path = _edited(tmp_path, trained, **fields)
    result = RUNNER.invoke(app, [command[0], str(path), *command[1:]])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "info section is not what glassnet train writes" in text
    assert message in text
    assert "Traceback" not in result.output


def test_the_info_section_glassnet_train_writes_is_accepted(trained):
    for command in COMMANDS:
        result = RUNNER.invoke(app, [command[0], str(trained), *command[1:]])
        assert result.exit_code == 0, result.output
