"""Element-wise operations with NumPy broadcasting: add, sub, mul, div, neg, pow, exp, log,
sqrt, abs, sin, cos, maximum, minimum, clip, where."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.function import Function, unbroadcast

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "Exp", "Log", "Sqrt", "Abs", "Sin", "Cos",
    "Maximum", "Minimum", "Clip", "Where",
]


# The IEEE results are the answers, as in PyTorch: ln 0 = -inf, 1/0 = inf, 0/0 and sqrt(-1)
# NaN, computed without NumPy's RuntimeWarning (a loss that becomes NaN or inf is reported
# by glassnet itself).
IEEE = {"divide": "ignore", "invalid": "ignore"}


def _broadcast_error(name: str, a: np.ndarray, b: np.ndarray) -> ValueError:
    return ValueError(
        f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast together; trailing "
        "dimensions must be equal or 1 (reshape one operand, e.g. x.reshape(-1, 1))"
    )


class _Binary(Function):
    """Shared forward checks of the broadcasting binary ops."""

    @classmethod
    def _run(cls, ufunc: np.ufunc, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            return ufunc(a, b)
        except ValueError:
            raise _broadcast_error(cls.name, a, b) from None


class Add(_Binary):
    """z = a + b;  dz/da = 1, dz/db = 1."""

    name = "add"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.shapes = (a.shape, b.shape)
        return Add._run(np.add, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return unbroadcast(grad, ctx.shapes[0]), unbroadcast(grad, ctx.shapes[1])


class Sub(_Binary):
    """z = a - b;  dz/da = 1, dz/db = -1."""

    name = "sub"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.shapes = (a.shape, b.shape)
        return Sub._run(np.subtract, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad, ctx.shapes[0]) if need_a else None,
            unbroadcast(-grad, ctx.shapes[1]) if need_b else None,
        )


class Mul(_Binary):
    """z = a b;  dz/da = b, dz/db = a."""

    name = "mul"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.a, ctx.b = a, b
        return Mul._run(np.multiply, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad * ctx.b, ctx.a.shape) if need_a else None,
            unbroadcast(grad * ctx.a, ctx.b.shape) if need_b else None,
        )


class Div(_Binary):
    """z = a / b;  dz/da = 1/b, dz/db = -a/b^2."""

    name = "div"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.a, ctx.b = a, b
        with np.errstate(**IEEE):
            return Div._run(np.divide, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(**IEEE):
            ga = grad / ctx.b
            return (
                unbroadcast(ga, ctx.a.shape) if need_a else None,
                unbroadcast(-ga * ctx.a / ctx.b, ctx.b.shape) if need_b else None,
            )


class Pow(_Binary):
    """z = a^b;  dz/da = b a^(b-1), dz/db = a^b ln a.

    At the special points the gradients are PyTorch's: dz/da = 0 wherever b = 0 (a^0 = 1 is
    constant in a, also at a = 0, where b a^(b-1) would be 0 * inf); dz/db = 0 where a = 0
    and b >= 0 (0^b is constant there), and otherwise a^b ln a as computed, so NaN for a < 0
    (ln a is undefined) and -inf or NaN where it diverges.
    """

    name = "pow"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(**IEEE):
            out = Pow._run(np.power, a, b)
        ctx.a, ctx.b, ctx.out = a, b, out
        return out

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        need_a, need_b = ctx.needs_input_grad
        a, b = ctx.a, ctx.b
        ga = gb = None
        with np.errstate(**IEEE):
            if need_a:
                d_a = np.where(b == 0, 0, grad * b * np.power(a, b - 1))
                ga = unbroadcast(d_a.astype(grad.dtype, copy=False), a.shape)
            if need_b:
                d_b = np.where((a == 0) & (b >= 0), 0, grad * ctx.out * np.log(a))
                gb = unbroadcast(d_b.astype(grad.dtype, copy=False), b.shape)
        return ga, gb


class Neg(Function):
    """z = -a;  dz/da = -1."""

    name = "neg"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray) -> np.ndarray:
        return np.negative(a)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (np.negative(grad),)


class Exp(Function):
    """z = e^a;  dz/da = e^a (the saved output is reused)."""

    name = "exp"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # e^a beyond the float type's range is inf
            ctx.out = np.exp(a)
        return ctx.out

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * ctx.out,)


class Log(Function):
    """z = ln a;  dz/da = 1/a."""

    name = "log"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray) -> np.ndarray:
        ctx.a = a
        with np.errstate(**IEEE):
            return np.log(a)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        with np.errstate(**IEEE):
            return (grad / ctx.a,)


class Sqrt(Function):
    """z = sqrt(a);  dz/da = 1 / (2 sqrt(a))."""

    name = "sqrt"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray) -> np.ndarray:
        with np.errstate(**IEEE):
            ctx.out = np.sqrt(a)
        return ctx.out

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        with np.errstate(**IEEE):
            return (grad / (2 * ctx.out),)


class Abs(Function):
    """z = |a|;  dz/da = sign(a) (0 at a = 0, as PyTorch)."""

    name = "abs"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray) -> np.ndarray:
        ctx.a = a
        return np.abs(a)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * np.sign(ctx.a),)


class Sin(Function):
    """z = sin a;  dz/da = cos a."""

    name = "sin"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray) -> np.ndarray:
        ctx.a = a
        return np.sin(a)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * np.cos(ctx.a),)


class Cos(Function):
    """z = cos a;  dz/da = -sin a."""

    name = "cos"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray) -> np.ndarray:
        ctx.a = a
        return np.cos(a)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * -np.sin(ctx.a),)


class Maximum(_Binary):
    """z = max(a, b);  the gradient goes to the larger input, split evenly on ties (as PyTorch)."""

    name = "maximum"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.a, ctx.b = a, b
        return Maximum._run(np.maximum, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        share = ((ctx.a > ctx.b) + 0.5 * (ctx.a == ctx.b)).astype(grad.dtype, copy=False)
        return (
            unbroadcast(grad * share, ctx.a.shape),
            unbroadcast(grad * (1 - share), ctx.b.shape),
        )


class Minimum(_Binary):
    """z = min(a, b);  the gradient goes to the smaller input, split evenly on ties."""

    name = "minimum"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.a, ctx.b = a, b
        return Minimum._run(np.minimum, a, b)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        share = ((ctx.a < ctx.b) + 0.5 * (ctx.a == ctx.b)).astype(grad.dtype, copy=False)
        return (
            unbroadcast(grad * share, ctx.a.shape),
            unbroadcast(grad * (1 - share), ctx.b.shape),
        )


class Clip(Function):
    """z = min(max(a, low), high);  dz/da = 1 inside [low, high] (bounds included), else 0."""

    name = "clip"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
        ctx.mask = np.ones(a.shape, dtype=bool)
        if low is not None:
            ctx.mask &= a >= low
        if high is not None:
            ctx.mask &= a <= high
        return np.clip(a, low, high)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * ctx.mask,)


class Where(Function):
    """z = a where condition else b;  the gradient flows to the chosen input."""

    name = "where"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray, condition: np.ndarray) -> np.ndarray:
        ctx.condition, ctx.shapes = condition, (a.shape, b.shape)
        try:
            return np.where(condition, a, b)
        except ValueError:
            raise ValueError(
                f"where: condition {np.shape(condition)}, a {a.shape} and b {b.shape} cannot be "
                "broadcast together"
            ) from None

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        zero = np.zeros((), dtype=grad.dtype)
        return (
            unbroadcast(np.where(ctx.condition, grad, zero), ctx.shapes[0]),
            unbroadcast(np.where(ctx.condition, zero, grad), ctx.shapes[1]),
        )
