"""Build of the optional compiled kernels; everything else is in pyproject.toml.

The extension is optional: where no C compiler is found, the install still succeeds and
glassnet uses its NumPy code paths (``glassnet.optim.fused_kernels()`` tells which).
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

#: Same rounding as the NumPy path: no contraction into fused multiply-adds, no fast-math.
#: -fno-math-errno lets sqrt vectorize and -fno-trapping-math a comparison (ReLU's
#: backward); neither changes a result.
GCC_FLAGS = ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-std=c11"]


class BuildExt(build_ext):
    def build_extensions(self) -> None:
        if self.compiler.compiler_type == "unix":
            for ext in self.extensions:
                ext.extra_compile_args = GCC_FLAGS
        super().build_extensions()


setup(
    ext_modules=[
        Extension("glassnet.optim._fused", ["glassnet/optim/_fused.c"], optional=True),
        Extension("glassnet._kernels", ["glassnet/_kernels.c"], optional=True),
    ],
    cmdclass={"build_ext": BuildExt},
)
