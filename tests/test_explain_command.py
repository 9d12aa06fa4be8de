"""``glassnet explain``: the lectures' examples by name and a saved model's pass on data rows."""

import io

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

import glassnet as gn
from glassnet.cli import app
from glassnet.cli.explain import explain
from glassnet.cli.settings import UsageError

RUNNER = CliRunner()


def _console():
    return Console(file=io.StringIO(), width=300, color_system=None)


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    result = RUNNER.invoke(app, ["train", "--data", "iris", "--epochs", "2", "--hidden", "5", "--quiet",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder / "model.safetensors"


def test_explain_prints_an_example():
    console = _console()
    example = explain("two-layer-sigmoid", console=console)
    text = console.file.getvalue()
    assert example.name == "two-layer-sigmoid"
    for number in ("0.2983711088", "0.08216704056", "0.3589164797", "0.2804714468"):
        assert number in text
    assert "delta^1 = (delta^2 (W^2)^T) * g'(z^1)" in text


def test_explain_a_saved_model_on_one_row(saved_model):
    console = _console()
    t = explain(str(saved_model), data="iris", rows=1, console=console)
    model = gn.load(saved_model)
    assert [r.name for r in t.layers] == [layer.name for layer in model.layers]
    assert t.X.shape[0] == 1 and t.output.shape == (1, 3)
    np.testing.assert_allclose(t.output, model.predict(t.X), rtol=1e-6)
    assert t.loss == pytest.approx(model.evaluate(t.X, t.y, return_dict=True)["loss"], rel=1e-5)
    text = console.file.getvalue()
    assert "delta^2 = J_g(z^2)^T dE/da^2" in text and "delta^1 = (delta^2 (W^2)^T) * g'(z^1)" in text
    assert "sample 0 of 1" in text


def test_explain_several_rows_shows_the_batch_mean(saved_model):
    console = _console()
    t = explain(str(saved_model), data="iris", rows=4, console=console)
    assert t.X.shape[0] == 4 and "batch mean of 4" in console.file.getvalue()


@pytest.mark.parametrize("name,golden", [
    ("chain-rule", ["-12", "-4", "3"]),
    ("two-layer-sigmoid", ["0.7513650696", "0.1384985616", "0.1497807161"]),
    ("one-neuron", ["0.29", "0.5031250516", "9.765947268e-06"]),
    ("simplest-nn", ["0.8448", "1.7448", "0.233928"]),
])
def test_the_command_line_prints_each_example(name, golden):
    result = RUNNER.invoke(app, ["explain", name])
    assert result.exit_code == 0, result.output
    for number in golden:
        assert number in result.output


def test_the_command_line_writes_the_perceptron_bias_as_a_weight_on_request():
    separate = RUNNER.invoke(app, ["explain", "perceptron"])
    as_weight = RUNNER.invoke(app, ["explain", "perceptron", "--bias-as-weight"])
    assert separate.exit_code == 0 and as_weight.exit_code == 0, separate.output + as_weight.output
    assert "w . x + b" in separate.output and "x0" not in separate.output
    assert "w0" in as_weight.output and "x0 = 1" in as_weight.output
    refused = RUNNER.invoke(app, ["explain", "chain-rule", "--bias-as-weight"])
    assert refused.exit_code == 2 and "--bias-as-weight applies to a model file and the examples perceptron" \
        in refused.output


def test_the_command_line_writes_a_models_bias_as_a_weight_on_request(saved_model):
    result = RUNNER.invoke(app, ["explain", str(saved_model), "--data", "iris", "--bias-as-weight"])
    assert result.exit_code == 0, result.output
    assert "z^1 = [1, a^0] [b^1; W^1] = [1, " in result.output
    plain = RUNNER.invoke(app, ["explain", str(saved_model), "--data", "iris"])
    assert "[b^1; W^1]" not in plain.output


def test_the_command_line_explains_a_saved_model_and_reports_usage_errors(saved_model):
    result = RUNNER.invoke(app, ["explain", str(saved_model), "--data", "iris", "--rows", "1"])
    assert result.exit_code == 0, result.output
    assert "layer 1: dense" in result.output and "delta^1 = " in result.output
    unknown = RUNNER.invoke(app, ["explain", "xor"])
    assert unknown.exit_code == 2 and "chain-rule" in unknown.output


def test_explain_rejects_unknown_names_and_bad_rows(saved_model):
    with pytest.raises(UsageError, match="chain-rule, two-layer-sigmoid, one-neuron, simplest-nn"):
        explain("xor", console=_console())
    with pytest.raises(ValueError, match="rows must be a positive integer"):
        explain(str(saved_model), data="iris", rows=0, console=_console())
