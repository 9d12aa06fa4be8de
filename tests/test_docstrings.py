"""Every public name has a numpydoc docstring with an example, and the examples run with the suite.

Public, in one place (:func:`public_names`): the classes and functions named in ``__all__`` of
``glassnet`` and of each public module, which is

- every module or package directly under ``glassnet`` whose name does not start with ``_``
  (``glassnet.layers``, ``glassnet.losses``, ``glassnet.data``, ``glassnet.timeseries``, ...), and
- every package inside one of those, again without a leading ``_`` (``glassnet.optim.lr_scheduler``);

except the modules of :data:`NOT_API`, whose reference lives elsewhere. Plain modules inside a
package (``glassnet.layers.core``) are where the code lives: their public names are the ones their
package lists. Constants in ``__all__`` (``ACTIVATIONS``, ``DPI``, ...) are documented by their
module. A name listed in several places (``gn.Sequential`` and ``gn.models.Sequential``) is
checked once.

A docstring in numpydoc form has

- a summary: its first line is text;
- a ``Parameters`` section when the callable has a named parameter besides ``self``/``cls``
  (a class: its constructor's; ``*args``/``**kwargs`` alone need none); a class may keep it in
  ``__init__``'s docstring, and a record (a dataclass, a NamedTuple) whose ``Attributes``
  section lists every constructor parameter needs none;
- an ``Examples`` section with at least one ``>>>`` line.

The examples run as doctests: ``pyproject.toml`` puts ``glassnet`` in ``testpaths`` with
``--doctest-modules`` (``pytest --doctest-modules glassnet`` runs them alone); ``conftest.py``
gives them ``np``, ``gn`` and 4-decimal NumPy printing.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import glassnet

#: Public-looking modules that are not Python API, with where their reference is.
NOT_API = {
    "glassnet.cli": "the command line; its reference is `glassnet --help`, generated from the Typer app",
    "glassnet.ops": "the primitives behind glassnet.functional and the Tensor methods",
}

SECTION = r"^\s*{}\s*\n\s*-{{3,}}\s*$"


def public_modules() -> list[str]:
    """``glassnet``, the public modules directly under it and the public packages inside those."""
    names = ["glassnet"]
    for top in pkgutil.iter_modules(glassnet.__path__, "glassnet."):
        if top.name.rpartition(".")[2].startswith("_") or top.name in NOT_API:
            continue
        names.append(top.name)
        if top.ispkg:
            names += [sub.name for sub in pkgutil.iter_modules(importlib.import_module(top.name).__path__,
                                                               top.name + ".")
                      if sub.ispkg and not sub.name.rpartition(".")[2].startswith("_")]
    return names


def public_names() -> dict[str, object]:
    """Each public class and function once, by its first public spelling (``"glassnet.layers.Dense"``)."""
    found: dict[int, tuple[str, object]] = {}
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isroutine(obj):
                found.setdefault(id(obj), (f"{module_name}.{name}", obj))
    return dict(found.values())


def where(obj: object) -> str:
    """The file and line that define ``obj``, relative to the repository, for the failure message."""
    try:
        path = Path(inspect.getsourcefile(obj)).relative_to(Path(glassnet.__file__).parents[1])
        return f"{path}:{inspect.getsourcelines(obj)[1]}"
    except (TypeError, OSError, ValueError):
        return "source not found"


def has_section(doc: str | None, title: str) -> bool:
    return bool(doc) and re.search(SECTION.format(title), doc, re.MULTILINE) is not None


def section_entries(doc: str | None, title: str) -> set[str]:
    """The names a section documents: ``name : type`` or ``a, b : type`` lines at its margin."""
    if not doc:
        return set()
    lines = inspect.cleandoc(doc).splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.strip() == title and set(lines[i + 1].strip()) == {"-"}:
            names: set[str] = set()
            for entry, below in zip(lines[i + 2:], [*lines[i + 3:], ""]):
                if set(below.strip()) == {"-"}:
                    break
                if entry and not entry[0].isspace():
                    names.update(n.strip().lstrip("*") for n in entry.partition(" : ")[0].split(","))
            return names
    return set()


def named_parameters(obj: object) -> list[str]:
    """The parameters a ``Parameters`` section documents: named ones, without ``self``/``cls``."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    return [p.name for p in signature.parameters.values() if p.name not in ("self", "cls")
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def docstring_problems(obj: object) -> list[str]:
    """What keeps ``obj``'s docstring from the numpydoc form above; empty when nothing."""
    doc = obj.__doc__
    if not doc or not doc.strip():
        return ["no docstring"]
    problems = []
    if not inspect.cleandoc(doc).splitlines()[0].strip():
        problems.append("no summary line")
    init_doc = getattr(obj, "__init__", None).__doc__ if inspect.isclass(obj) else None
    parameters = named_parameters(obj)
    as_attributes = inspect.isclass(obj) and set(parameters) <= section_entries(doc, "Attributes")
    if (parameters and not has_section(doc, "Parameters") and not has_section(init_doc, "Parameters")
            and not as_attributes):
        problems.append("no Parameters section")
    examples = re.search(SECTION.format("Examples"), doc, re.MULTILINE)
    if examples is None:
        problems.append("no Examples section")
    elif not re.search(r"^\s*>>> ", doc[examples.end():], re.MULTILINE):
        problems.append("an Examples section with no >>> line")
    return problems


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"  {name}: {', '.join(what)}" for name, what in sorted(problems.items()))


def test_every_public_module_lists_its_public_names_in___all__():
    missing = [name for name in public_modules() if not hasattr(importlib.import_module(name), "__all__")]
    assert not missing, f"public modules without __all__: {missing}"


def test_every_public_name_has_a_numpydoc_docstring_with_an_example():
    problems = {f"{name} ({where(obj)})": found for name, obj in public_names().items()
                if (found := docstring_problems(obj))}
    assert not problems, f"{len(problems)} public names to document:\n{report(problems)}"


def test_the_public_names_include_the_api_of_every_public_module():
    names = public_names()
    checked = [id(obj) for obj in names.values()]
    for module, name in (("glassnet", "Sequential"), ("glassnet.layers", "Dense"), ("glassnet.losses", "MSE"),
                         ("glassnet.optim.lr_scheduler", "StepLR"), ("glassnet.timeseries", "WalkForward"),
                         ("glassnet.tune", "search"), ("glassnet.uncertainty", "MCDropout")):
        assert id(getattr(importlib.import_module(module), name)) in checked, f"{module}.{name} unchecked"
    assert not any(name.startswith(tuple(NOT_API)) for name in names)
    assert "glassnet.layers.MaxPooling2D" not in names  # the same class as MaxPool2D, checked once


def _documented(x: int) -> int:
    """Double a number.

    Parameters
    ----------
    x : int
        The number.

    Examples
    --------
    >>> _documented(2)
    4
    """
    return 2 * x


def _without_example(x: int) -> int:
    """Double a number.

    Parameters
    ----------
    x : int
        The number.
    """
    return 2 * x


def _without_parameters(x: int) -> int:
    """Double a number.

    Examples
    --------
    The doubled number.
    """
    return 2 * x


@dataclass
class _Record:
    """Two numbers.

    Attributes
    ----------
    a, b : int
        The numbers.

    Examples
    --------
    >>> _Record(1, 2).b
    2
    """

    a: int
    b: int


def test_the_checks_name_each_missing_part():
    assert docstring_problems(_documented) == []
    assert docstring_problems(_without_example) == ["no Examples section"]
    assert docstring_problems(_without_parameters) == ["no Parameters section",
                                                       "an Examples section with no >>> line"]
    assert docstring_problems(lambda: None) == ["no docstring"]
    assert docstring_problems(_Record) == []  # its Attributes document the constructor's parameters


def test_the_suite_runs_the_docstring_examples():
    settings = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    pytest_settings = settings["tool"]["pytest"]["ini_options"]
    assert "glassnet" in pytest_settings["testpaths"]
    assert "--doctest-modules" in pytest_settings["addopts"].split()
