"""The ``glassnet`` command (Typer): train, tune, evaluate, predict, summary, export.

Exit codes: 0 success, 2 usage error (an unknown name, option value, column or file),
1 any other error (unreadable data, a damaged model file, ...), 130 interrupted (Ctrl-C).
Errors are printed as one paragraph that says how to fix them; ``--debug`` shows the Python
traceback instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from glassnet.cli.paths import check_given
from glassnet.cli.settings import CliError, UsageError
from glassnet.io.onnx import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET, check_opset

__all__ = ["app", "main"]

app = typer.Typer(
    name="glassnet",
    help="Train, evaluate and use neural networks whose every quantity can be seen and checked.\n\n"
         "Start with [bold]glassnet train[/bold]: it trains a network on the bundled digits images.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

Debug = Annotated[bool, typer.Option("--debug", help="Show the Python traceback of an error.")]
ModelPath = Annotated[str, typer.Argument(help="A model file written by glassnet train (model.safetensors).",
                                          show_default=False, metavar="MODEL")]
Force = Annotated[bool, typer.Option("--force", help="Replace the output file if it exists (never an "
                                                    "input file).")]
_TRAIN = "Training"


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _exit_code(err: BaseException) -> int:
    """2 for usage errors, 1 for any other error."""
    if isinstance(err, (UsageError, FileNotFoundError, IsADirectoryError)):
        return 2
    return 1


def _message(err: BaseException) -> str:
    """The error in one paragraph: its own words for the errors glassnet raises, the kind of
    error too for those it did not foresee (out of memory, a bug)."""
    from glassnet.io import ModelFileError

    if isinstance(err, (CliError, ModelFileError, ValueError, TypeError, OSError, ImportError)):
        return str(err)
    if isinstance(err, MemoryError):
        return f"not enough memory for this ({err or 'MemoryError'})"
    return f"{type(err).__name__}: {err} (an error glassnet did not foresee; please report it)"


@contextmanager
def _reporting(ctx: typer.Context, debug: bool) -> Iterator[None]:
    """Turn an error into one red paragraph and an exit code, and the warnings raised into
    one line each (unless --debug, which shows the traceback); Ctrl-C into one line and
    exit code 130."""
    from rich.markup import escape

    from glassnet.cli.report import reported_warnings

    debug = debug or bool((ctx.obj or {}).get("debug"))
    try:
        with reported_warnings():
            yield
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        if debug:
            raise
        _console(stderr=True).print("[bold red]Interrupted[/bold red] (Ctrl-C): stopped at once; what was "
                                    "being written may be incomplete")
        raise typer.Exit(130) from None
    except Exception as err:
        if debug:
            raise
        code = _exit_code(err)
        hint = "" if code == 2 else " (run with --debug for the traceback)"
        _console(stderr=True).print(f"[bold red]Error:[/bold red] {escape(_message(err))}{hint}")
        raise typer.Exit(code) from None


def _version(value: bool) -> None:
    if value:
        from glassnet import __version__

        typer.echo(f"glassnet {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Debug = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    ctx.obj = {"debug": debug}


def _opt(*names: str, help: str, default: str | None = None, panel: str = _TRAIN,  # noqa: A002
         metavar: str | None = None) -> Any:
    """An option of ``train``. Numbers are taken as text and checked by glassnet's settings,
    so that a bad value gets the same message on the command line and in a config file."""
    return typer.Option(*names, help=help, show_default=default if default is not None else False,
                        rich_help_panel=panel, metavar=metavar)


_Str = str | None
_Data = Annotated[_Str, _opt("--data", "-d", default="digits", panel="Data",
                             help="A data set (digits, iris, wine, breast_cancer, diabetes, circles, moons, "
                                  "xor, gaussians, spiral, sine) or a CSV file.")]
_Target = Annotated[_Str, _opt("--target", "-t", panel="Data",
                               help="The column to predict (CSV files only).")]
_Task = Annotated[_Str, _opt("--task", default="inferred from the target", panel="Data",
                             help="classification or regression.")]
_Units = Annotated[_Str, _opt("--units", panel="Data",
                              help="Units of input columns, kept with the model: length=cm,mass=kg.")]
_Features = Annotated[_Str, _opt("--features", default="every column", panel="Data",
                                 help="The feature columns to use, comma-separated: col1,col2 (the others "
                                      "are ignored, here and by glassnet predict).")]
_Scale = Annotated[_Str, _opt("--scale", default="standard", panel="Data", metavar="standard|minmax|none",
                              help="How numeric features are scaled: mean 0 and std 1, to [0, 1], or not.")]
_Polynomial = Annotated[_Str, _opt("--polynomial", panel="Data", metavar="DEGREE",
                                   help="Add the products of the numeric features up to this degree (feature "
                                        "crosses: x1*x2, x1^2, ...).")]
_ClassWeight = Annotated[_Str, _opt("--class-weight", panel="Data", metavar="balanced",
                                    help="Weigh each class by n / (classes * rows of the class) in the loss "
                                         "(classification).")]
_Model = Annotated[_Str, _opt("--model", default="mlp", panel="Network",
                              help="mlp, cnn for image data sets (digits), or lstm for sequences (rows of "
                                   "windows, or --window).")]
_Window = Annotated[_Str, _opt("--window", panel="Data", metavar="INTEGER",
                               help="Read the CSV as a time series (rows in time order): each sample is the "
                                    "last W steps of every column, its target the --target column "
                                    "--horizon steps later; the test rows are the latest.")]
_Horizon = Annotated[_Str, _opt("--horizon", default="1", panel="Data", metavar="INTEGER",
                                help="With --window: how many steps ahead to forecast (>= 1).")]
_Hidden = Annotated[_Str, _opt("--hidden", default="128,64", panel="Network",
                               help="Hidden layer widths, comma-separated ('' for none).")]
_Activation = Annotated[_Str, _opt("--activation", default="relu", panel="Network",
                                   help="Activation of the hidden layers (relu, tanh, gelu, ...).")]
_Dropout = Annotated[_Str, _opt("--dropout", default="0", panel="Network", metavar="NUMBER",
                                help="Dropout rate after each hidden layer, in [0, 1).")]
_Uncertainty = Annotated[_Str, _opt("--uncertainty", panel="Network",
                                    metavar="ensemble|mc-dropout|gaussian|quantile",
                                    help="Error bars of a regression: an ensemble of 5 networks, "
                                         "dropout kept on at prediction (needs --dropout), a Gaussian "
                                         "output (mean and variance per row) or quantile outputs (2.5%, "
                                         "50%, 97.5%). glassnet predict then writes std, lower and upper "
                                         "(95%) columns.")]
_L2 = Annotated[_Str, _opt("--l2", default="0", panel="Network", metavar="NUMBER",
                           help="L2 penalty on the weights (>= 0).")]
_Optimizer = Annotated[_Str, _opt("--optimizer", default="adam",
                                  help="adam, adamw, sgd, momentum, nesterov, rmsprop, adagrad.")]
_Lr = Annotated[_Str, _opt("--lr", default="0.001", metavar="NUMBER|auto",
                           help="Learning rate (> 0), or 'auto' to pick it by the learning-rate range test.")]
_Epochs = Annotated[_Str, _opt("--epochs", default="100", metavar="INTEGER",
                               help="Most epochs to train (>= 1).")]
_Batch = Annotated[_Str, _opt("--batch-size", default="32", metavar="INTEGER",
                              help="Samples per update (>= 1).")]
_Validation = Annotated[_Str, _opt("--validation-split", default="0.1", metavar="NUMBER",
                                   help="Fraction of the training rows held out for validation (early "
                                        "stopping), in [0, 1).")]
_Test = Annotated[_Str, _opt("--test-split", default="0.2", metavar="NUMBER",
                             help="Fraction of the rows held out for the final test, in (0, 1).")]
_Patience = Annotated[_Str, _opt("--patience", default="10", metavar="INTEGER",
                                 help="Stop when the validation loss has not improved for this many epochs "
                                      "in a row, and keep the weights of the best epoch (0: never stop "
                                      "early).")]
_Seed = Annotated[_Str, _opt("--seed", default="0", metavar="INTEGER",
                             help="Seeds the splits, weights and shuffling (0 to 4294967295).")]
_Out = Annotated[_Str, _opt("--out", "-o", default="runs", panel="Output",
                            help="Folder in which the run folder <date-time>-<name> is made.")]
_Name = Annotated[_Str, _opt("--name", default="the data's name", panel="Output",
                             help="Name of the run folder made inside --out (a folder name, not a path).")]
_Config = Annotated[_Str, _opt("--config", "-c", panel="Output",
                                      help="A YAML file of settings (a run's config.yaml repeats it); "
                                           "options given here override it.")]
_Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the results, no progress.",
                                      rich_help_panel="Output")]


@app.command()
def train(
    ctx: typer.Context, data: _Data = None, target: _Target = None, task: _Task = None, units: _Units = None,
    features: _Features = None, scale: _Scale = None, polynomial: _Polynomial = None,
    class_weight: _ClassWeight = None,
    window: _Window = None, horizon: _Horizon = None, model: _Model = None, hidden: _Hidden = None,
    activation: _Activation = None, dropout: _Dropout = None, uncertainty: _Uncertainty = None,
    l2: _L2 = None, optimizer: _Optimizer = None, lr: _Lr = None, epochs: _Epochs = None,
    batch_size: _Batch = None, validation_split: _Validation = None, test_split: _Test = None,
    patience: _Patience = None, seed: _Seed = None, out: _Out = None, name: _Name = None,
    config: _Config = None, quiet: _Quiet = False, debug: Debug = False,
) -> None:
    """Train a network and report honest test metrics.

    With no options: a 64-128-64-10 network on the bundled 8x8 digits. The run folder
    holds model.safetensors, history.csv, metrics.json, config.yaml and figures.
    """
    from glassnet.cli import settings as _settings
    from glassnet.cli import train as _train

    options = {k: v for k, v in locals().items() if k not in ("ctx", "config", "debug", "quiet")}
    options["quiet"] = True if quiet else None
    with _reporting(ctx, debug):
        check_given({"--config": config, "--data": data, "--out": out})
        resolved = _settings.resolve(config, options)
        console = _console()
        run = _train.train(resolved, console)
        _show_run(console, run)
    if run.interrupted:
        raise typer.Exit(130)


def _show_run(console: Any, run: Any) -> None:
    from glassnet.cli import report
    from glassnet.cli.network import describe

    history = run.history
    console.print(f"network {describe(run.model)}; {len(history.epoch)} epochs in {run.fit_seconds:.1f} s")
    if history.stopped_reason:
        console.print(f"[bold]stopped:[/bold] {history.stopped_reason}", highlight=False)
    rows = run.model.info["rows"]
    if run.ignored:
        console.print(f"ignored columns (not in --features): {', '.join(run.ignored)}", highlight=False)
    if run.scores:
        report.show_scores(console, run.scores,
                           f"test metrics ({rows['test']} held-out rows; trained on {rows['train']}, "
                           f"validated on {rows['validation']})")
    files = ", ".join(run.files)
    if run.unfinished:
        console.print(f"[bold]interrupted (Ctrl-C) while {run.unfinished}; the trained model is saved in "
                      f"{run.folder}[/bold]: {files} (metrics.json says what was not done)")
    elif run.interrupted:
        console.print(f"[bold]training interrupted (Ctrl-C); the model as it stands is saved in {run.folder}"
                      f"[/bold]: {files}")
    else:
        console.print(f"[bold]run saved in {run.folder}[/bold]: {files}")
    console.print(f"repeat it: glassnet train --config {run.folder / 'config.yaml'}")


_TUNE = "Search"
_Space = Annotated[_Str, _opt("--space", "-s", panel=_TUNE, default="hidden, lr and dropout",
                              help="A YAML file of the settings to search, each a list of choices or "
                                   "{uniform: \\[low, high]}, {loguniform: ...}, {intuniform: ...}.")]
_Method = Annotated[str, typer.Option("--method", "-m", rich_help_panel=_TUNE,
                                      help="grid, random or bayes (Optuna's TPE with pruning).")]
_Trials = Annotated[_Str, _opt("--trials", "-n", panel=_TUNE, default="20; grid: every combination",
                               metavar="INTEGER", help="Trials to run.")]
_Cv = Annotated[_Str, _opt("--cv", panel=_TUNE, default="the validation split", metavar="INTEGER",
                           help="Score each trial by k-fold cross-validation of the training rows.")]
_Backend = Annotated[str, typer.Option("--backend", rich_help_panel=_TUNE,
                                       help="Where trials run: local, processes or dask.")]
_Workers = Annotated[_Str, _opt("--workers", panel=_TUNE, default="one per core", metavar="INTEGER",
                                help="Trials run at once (processes and dask backends).")]
_Address = Annotated[_Str, _opt("--address", panel=_TUNE, metavar="URL",
                                help="A Dask scheduler (tcp://host:8786) for --backend dask.")]
_Storage = Annotated[_Str, _opt("--storage", panel=_TUNE, metavar="URL",
                                help="Keep the search in a database (sqlite:///study.db) to resume it.")]
_TuneName = Annotated[_Str, _opt("--name", default="tune-<the data's name>", panel="Output",
                                 help="Name of the run folder made inside --out (a folder name, not a "
                                      "path).")]
_Study = Annotated[_Str, _opt("--study", panel=_TUNE, metavar="NAME",
                              help="The search's name in --storage; run again with it to resume.")]


@app.command()
def tune(
    ctx: typer.Context, data: _Data = None, target: _Target = None, task: _Task = None, space: _Space = None,
    method: _Method = "bayes", trials: _Trials = None, cv: _Cv = None, backend: _Backend = "local",
    workers: _Workers = None, address: _Address = None, storage: _Storage = None, study: _Study = None,
    epochs: _Epochs = None, batch_size: _Batch = None, patience: _Patience = None, seed: _Seed = None,
    out: _Out = None, name: _TuneName = None, config: _Config = None, quiet: _Quiet = False,
    debug: Debug = False,
) -> None:
    """Search the training settings (grid, random or Bayesian) and train the best.

    With no options: 20 Bayesian trials over the hidden layers, learning rate and dropout on
    digits. The run folder holds trials.csv, the search's figures and best/, the glassnet
    train run of the best settings (its config.yaml repeats it).
    """
    from glassnet.cli import settings as _settings
    from glassnet.cli import tune as _tune

    options = {"data": data, "target": target, "task": task, "epochs": epochs, "batch_size": batch_size,
               "patience": patience, "seed": seed, "out": out, "name": name, "quiet": True if quiet else None}
    with _reporting(ctx, debug):
        check_given({"--config": config, "--data": data, "--out": out, "--space": space})
        base = _settings.resolve(config, options)
        console = _console()
        search = _tune.TuneOptions(space, method, trials, cv, backend, workers, address, storage, study)
        run = _tune.tune(base, search, console)
        _show_tune(console, run)


def _show_tune(console: Any, run: Any) -> None:
    result = run.result
    best = ", ".join(f"{k}={v}" for k, v in result.best_params.items())
    console.print(f"[bold]best trial {result.best_trial}[/bold]: {best}; score {result.best_score:.4g} "
                  "(lower is better)")
    _show_run(console, run.best)
    console.print(f"[bold]search saved in {run.folder}[/bold]: {', '.join(run.files)}")


@app.command()
def evaluate(
    ctx: typer.Context,
    model: ModelPath,
    data: Annotated[str, typer.Option("--data", "-d", show_default=False,
                                      help="A data set name or a CSV file with the target column.")],
    target: Annotated[str | None, typer.Option("--target", "-t", show_default=False,
                                               help="The target column, if its name differs from "
                                                    "training.")] = None,
    split: Annotated[str, typer.Option("--split", help="all: every row; test: the rows held out in training "
                                       "(same data only).")] = "all",
    debug: Debug = False,
) -> None:
    """Loss and metrics of a saved model on labelled data."""
    from glassnet.cli import use

    with _reporting(ctx, debug):
        check_given({"MODEL": model, "--data": data})
        if split not in ("all", "test"):
            raise UsageError(f"--split must be 'all' or 'test', got {split!r}")
        use.evaluate(model, data, target, split, _console())


@app.command()
def predict(
    ctx: typer.Context,
    model: ModelPath,
    data: Annotated[str, typer.Option("--data", "-d", help="A CSV file with the training's input columns "
                                      "(or a data set name).", show_default=False)],
    out: Annotated[str | None, typer.Option("--out", "-o", show_default=False,
                                            help="The CSV to write (default: the terminal); not an existing "
                                                 "file unless --force.")] = None,
    force: Force = False,
    debug: Debug = False,
) -> None:
    """Predictions for new rows: the class probabilities and label, or the value.

    Warns, naming the columns, when inputs lie outside the training range.
    """
    from glassnet.cli import use

    with _reporting(ctx, debug):
        check_given({"MODEL": model, "--data": data, "--out": out})
        use.predict(model, data, out, _console(stderr=out is None), force=force)


@app.command()
def summary(ctx: typer.Context, model: ModelPath, debug: Debug = False) -> None:
    """Layers, inputs (units, training ranges), target, settings and test metrics of a model."""
    from glassnet.cli import use

    with _reporting(ctx, debug):
        check_given({"MODEL": model})
        use.summary(model, _console())


@app.command()
def export(
    ctx: typer.Context,
    model: ModelPath,
    onnx: Annotated[str, typer.Option("--onnx", help="The ONNX file to write (not an existing file unless "
                                      "--force).", show_default=False)],
    opset: Annotated[int, typer.Option(
        "--opset", help=f"ONNX opset version, from {MIN_OPSET} to {MAX_OPSET}.")] = DEFAULT_OPSET,
    force: Force = False,
    debug: Debug = False,
) -> None:
    """Export the network to ONNX (for onnxruntime and other tools)."""
    from glassnet.cli import use

    with _reporting(ctx, debug):
        check_given({"MODEL": model, "--onnx": onnx})
        try:
            check_opset(opset)
        except ValueError as err:
            raise UsageError(f"--{err}") from None
        use.export(model, onnx, opset, _console(), force=force)


@app.command()
def explain(
    ctx: typer.Context,
    what: Annotated[str, typer.Argument(help="A lecture example (chain-rule, two-layer-sigmoid, one-neuron, "
                                             "simplest-nn, perceptron), rnn-through-time (backpropagation "
                                             "through time in a tiny RNN) or a model file.",
                                        show_default=False,
                                        metavar="EXAMPLE|MODEL")],
    data: Annotated[str | None, typer.Option("--data", "-d", help="For a model: a data set name or a CSV "
                                             "file with the target column.", show_default=False)] = None,
    target: Annotated[str | None, typer.Option("--target", "-t", help="The target column, if its name "
                                               "differs from training.", show_default=False)] = None,
    rows: Annotated[str, typer.Option("--rows", metavar="INTEGER", help="Rows in the batch (1: that sample's "
                                      "numbers; more: the batch mean).")] = "1",
    steps: Annotated[str, typer.Option("--steps", metavar="INTEGER", help="For rnn-through-time: the "
                                       "sequence's time steps.")] = "50",
    activation: Annotated[str, typer.Option("--activation", help="For rnn-through-time: the RNN's activation "
                                            "(tanh, relu, sigmoid, linear).")] = "tanh",
    bias_as_weight: Annotated[bool, typer.Option(
        "--bias-as-weight", help="For perceptron or a model: write the bias as the weight w0 on a constant "
                                 "input x0 = 1.")] = False,
    debug: Debug = False,
) -> None:
    """Every number of one forward and backward pass: a lecture's worked example, or a model on data rows."""
    from glassnet.cli.explain import explain as show

    with _reporting(ctx, debug):
        check_given({"EXAMPLE|MODEL": what, "--data": data})
        if not rows.strip().isdigit() or int(rows) < 1:
            raise UsageError(f"--rows must be an integer >= 1 (the rows of the batch shown), got {rows!r}")
        if not steps.strip().isdigit() or int(steps) < 1:
            raise UsageError(f"--steps must be an integer >= 1 (the sequence's time steps), got {steps!r}")
        show(what, data, target, int(rows), _console(), int(steps), activation, bias_as_weight)


@app.command()
def playground(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port", help="The port to listen on (0: a free one).", min=0,
                                      max=65535)] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the URL only; do not open a "
                                             "browser.")] = False,
    host: Annotated[str, typer.Option("--host", help="The interface to listen on; other than 127.0.0.1 "
                                      "only with --allow-remote.")] = "127.0.0.1",
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Allow a --host reachable from other "
                                               "machines (anyone with the URL can then use it).")] = False,
    debug: Debug = False,
) -> None:
    """A web page where networks train live: data sets, features, layers, and every neuron's numbers.

    Starts a local server, prints its URL (with a random token) and opens it in the browser;
    Ctrl-C stops it. Needs the playground extra: pip install "glassnet[playground]".
    """
    with _reporting(ctx, debug):
        from glassnet.playground.serve import check_host, serve

        try:
            check_host(host, allow_remote)
        except ValueError as err:
            raise UsageError(str(err)) from None
        serve(port=port, host=host, open_browser=not no_browser, allow_remote=allow_remote,
              say=lambda text: _console().print(text, soft_wrap=True))


def main() -> None:
    """Entry point of the ``glassnet`` console script."""
    app(prog_name="glassnet")
