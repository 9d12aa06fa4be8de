"""Imports go one way, down the data flow:
tensor/function <- ops <- activations/losses <- layers <- models <- training <- estimators/explain <- cli.

The import statements of every file in glassnet/ are parsed (module level and inside
functions alike: a lazy import is still a dependency); a module may import its own layer
or lower ones, never a higher one. Imports under ``if TYPE_CHECKING:`` are type hints only
and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "glassnet"

# Lowest first. Each name is a module or subpackage directly under glassnet/.
LAYER_ORDER: tuple[tuple[str, ...], ...] = (
    ("_compiled", "_graph", "_grad_mode", "_gradient", "_backward", "_dtypes", "_checks", "_aligned",
     "_files", "accel", "_parallel", "_saved", "tensor", "function", "errors", "_registry", "symbolic",
     "_random", "_backends"),
    ("ops",),
    ("activations", "_tensor_methods", "losses", "functional", "initializers", "regularizers", "metrics",
     "datasets"),
    ("layers", "optim", "schedules"),
    ("models", "_model_keras", "_subclassed"),
    ("training", "callbacks", "data", "timeseries", "io"),
    ("estimators", "plot", "explain", "tune", "uncertainty", "playground", "utils"),
    ("cli",),  # the command line calls the library, the glass-box tools included
)
LEVEL = {name: level for level, names in enumerate(LAYER_ORDER) for name in names}
ROOT = len(LAYER_ORDER)  # glassnet/__init__.py gathers the public API from every layer

# The upward imports the design asks for, each with its reason.
SANCTIONED = {
    ("tensor", "ops"),  # Tensor's operators (+, @, .sum, ...) dispatch to the ops, which import Tensor
    ("models", "io"),  # Model.save_weights / load_weights delegate to the model files
    ("_model_keras", "io"),  # Keras's model.save, to_json and load_model delegate to the model files
}
ROOT_CONSTANTS = {"__version__"}


def _component(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _package_parts(path: Path) -> list[str]:
    """The package that this file's relative imports start from."""
    return ["glassnet", *path.relative_to(PACKAGE).parent.parts]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _nodes(tree: ast.AST):
    """Every node except the bodies of ``if TYPE_CHECKING:`` blocks."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield other
                yield from _nodes(other)
            continue
        yield child
        yield from _nodes(child)


def imported_components(source: str, package: list[str]) -> list[tuple[int, str]]:
    """(line, component) of every glassnet import; the component "" is the package root."""
    found = []
    for node in _nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = base + (node.module.split(".") if node.module else [])
            if target == ["glassnet"]:
                names = [["glassnet", alias.name] for alias in node.names if alias.name not in ROOT_CONSTANTS]
                names = [n if n[1] in LEVEL else ["glassnet"] for n in names]
            else:
                names = [target]
        else:
            continue
        found += [(node.lineno, n[1] if len(n) > 1 else "") for n in names if n[0] == "glassnet"]
    return found


def violations(path: Path, source: str) -> list[str]:
    component = _component(path)
    level = LEVEL[component]
    found = []
    for line, imported in imported_components(source, _package_parts(path)):
        imported_level = LEVEL.get(imported, ROOT)
        if imported_level > level and (component, imported) not in SANCTIONED:
            found.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({component}, layer {level}) imports "
                         f"glassnet.{imported or '__init__'} (layer {imported_level})")
    return found


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def test_every_module_has_a_place_in_the_layer_order():
    unplaced = sorted({_component(p) for p in _sources()} - set(LEVEL))
    assert not unplaced, f"add these to LAYER_ORDER in tests/test_layering.py: {unplaced}"


def test_lower_modules_do_not_import_higher_ones():
    found = [v for p in _sources() if _component(p) in LEVEL for v in violations(p, p.read_text())]
    assert not found, "imports against the data flow:\n" + "\n".join(found)


@pytest.mark.parametrize("source, upward", [
    ("from glassnet.models import Model", True),
    ("def f():\n    from glassnet.training import loop", True),
    ("import glassnet.layers.core", True),
    ("from glassnet import layers", True),
    ("from glassnet import Tensor", True),
    ("from .. import models", True),
    ("from glassnet import __version__", False),
    ("from glassnet.tensor import Tensor", False),
    ("from .reduce import Sum", False),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from glassnet.models import Model", False),
])
def test_the_checker_sees_upward_imports(source, upward):
    assert bool(violations(PACKAGE / "ops" / "example.py", source)) is upward


@pytest.mark.parametrize("library", ["explain", "estimators", "plot"])
def test_the_libraries_do_not_import_the_command_line(library):
    path = PACKAGE / library / "example.py"
    assert violations(path, "from glassnet.cli import use")
    assert violations(path, "def f():\n    from glassnet.cli.settings import UsageError")
