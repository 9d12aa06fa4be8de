"""Build of the optional compiled kernels (``glassnet._compiled``); everything else is in pyproject.toml.

The extension is optional: where no C compiler is found, the install still succeeds and
glassnet runs its NumPy code (see :mod:`glassnet.accel`). ``GLASSNET_NO_EXTENSION=1`` at
install time leaves the extension out on purpose, as an install without a compiler gets
it (the continuous integration tests that build too); glassnet itself never reads it.
"""

import compileall
import os
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

#: Same rounding as the NumPy path: no contraction into fused multiply-adds, no fast-math.
#: -fno-math-errno lets sqrt vectorize and -fno-trapping-math a comparison (ReLU's
#: backward); neither changes a result.
GCC_FLAGS = ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-std=c11"]
#: MSVC: precise floating point (no reassociation, no fast-math); contraction is off under
#: /fp:precise from Visual Studio 2022 on, and ``#pragma fp_contract(off)`` in the source
#: keeps it off with older versions.
MSVC_FLAGS = ["/O2", "/fp:precise"]


class BuildExt(build_ext):
    def build_extensions(self) -> None:
        flags = MSVC_FLAGS if self.compiler.compiler_type == "msvc" else GCC_FLAGS
        for ext in self.extensions:
            ext.extra_compile_args = flags
        super().build_extensions()


class BuildPy(build_py):
    """An editable install byte-compiles the package in place, as pip does for a regular
    install: Python reads the cached bytecode even where it may not write it
    (``PYTHONDONTWRITEBYTECODE``), and compiling every module at each ``import glassnet``
    would cost more than the rest of the import."""

    def run(self) -> None:
        if self.editable_mode:
            compileall.compile_dir(Path(__file__).resolve().parent / "glassnet", quiet=1)
        super().run()


EXTENSIONS = [] if os.environ.get("GLASSNET_NO_EXTENSION") == "1" else [
    Extension("glassnet._compiled", ["glassnet/_compiled.c", "glassnet/_lstm.c", "glassnet/_windows.c"],
              depends=["glassnet/_compiled.h"], optional=True),
]

setup(ext_modules=EXTENSIONS, cmdclass={"build_ext": BuildExt, "build_py": BuildPy})
