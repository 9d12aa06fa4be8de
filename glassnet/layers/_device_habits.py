"""PyTorch's device and dtype methods of a module (``.cpu()``, ``.to()``, ``.double()``, ...):
the ones with the same meaning in glassnet work, the others fail at once naming glassnet's way.

glassnet computes on the CPU, so ``.cpu()`` and ``.to("cpu")`` return the module itself. A
model's floating type is chosen when it is built (``gn.Sequential([...], dtype=np.float64)``);
converting a built module in place is refused rather than half done.
"""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np

_DTYPE_WAY = ("a model's floating type is chosen when it is built: give dtype= to the model, e.g. "
              "gn.Sequential([...], dtype=np.float64) (float32 is the default); to compute one tensor in "
              "another type use x.double() / x.float() on the Tensor")


def _refuse_dtype(module: Any, call: str) -> NoReturn:
    raise TypeError(f"{type(module).__name__}.{call}: glassnet does not convert a module's weights in place; "
                    f"{_DTYPE_WAY}")


def _is_cpu(device: Any) -> bool:
    text = str(device)
    return text == "cpu" or text.startswith("cpu:")


def _is_dtype(value: Any) -> bool:
    if isinstance(value, str):
        return value in {"float16", "float32", "float64", "half", "float", "double", "bfloat16"}
    if "dtype" in type(value).__name__.lower():  # a NumPy or torch dtype object
        return True
    return value in (float, int) or isinstance(value, type) and issubclass(value, np.generic)


_TORCH_NAMES = {"weight": "weights W (layer.W, a Parameter) and its bias b",
                "bias": "bias b (layer.b, a Parameter) and its weights W"}


class DeviceHabits:
    """PyTorch's ``Module`` device and dtype methods, with glassnet's meaning or a clear refusal;
    PyTorch's ``weight`` and ``bias`` attributes are refused naming glassnet's ``W`` and ``b``."""

    def __getattr__(self, name: str) -> NoReturn:
        """Reached only for an attribute the module does not have: PyTorch's ``weight`` and
        ``bias`` (of a glassnet layer) are refused naming glassnet's ``W`` and ``b``; a
        module of your own that sets ``self.weight`` keeps it."""
        if name in _TORCH_NAMES:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}: glassnet calls a layer's "
                                 f"{_TORCH_NAMES[name]}; layer.W.data and layer.b.data are the arrays")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def cpu(self) -> Any:
        """The module itself: glassnet computes on the CPU (PyTorch's ``model.cpu()``).

        Examples
        --------
        >>> layer = gn.layers.Dense(2)
        >>> layer.cpu() is layer
        True
        """
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Refused: glassnet computes on the CPU only; remove ``.cuda()``."""
        raise RuntimeError(f"{type(self).__name__}.cuda(): glassnet computes on the CPU only (NumPy); "
                           "remove .cuda() / .to('cuda'), the module already runs where glassnet runs")

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """PyTorch's ``model.to(device)``: ``"cpu"`` returns the module itself; another device
        or a dtype is refused with glassnet's way of doing it.

        Examples
        --------
        >>> layer = gn.layers.Dense(2)
        >>> layer.to("cpu") is layer
        True
        """
        values = list(args) + [kwargs[k] for k in ("device", "dtype") if k in kwargs]
        unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format"}
        if unknown or not values:
            raise TypeError(f"{type(self).__name__}.to() takes a device ('cpu'), as PyTorch's; got "
                            f"args {args!r} and keywords {sorted(kwargs)!r}")
        for value in values:
            if _is_dtype(value):
                _refuse_dtype(self, f"to({value!r})")
            if not _is_cpu(value):
                raise RuntimeError(f"{type(self).__name__}.to({value!r}): glassnet computes on the CPU only; "
                                   "use .to('cpu') or leave the call out")
        return self

    def double(self) -> NoReturn:
        """Refused: a model's dtype is chosen when it is built (``dtype=np.float64``)."""
        _refuse_dtype(self, "double()")

    def float(self) -> NoReturn:
        """Refused: a model's dtype is chosen when it is built (float32 is the default)."""
        _refuse_dtype(self, "float()")

    def half(self) -> NoReturn:
        """Refused: glassnet computes in float32 or float64."""
        _refuse_dtype(self, "half()")

    def bfloat16(self) -> NoReturn:
        """Refused: glassnet computes in float32 or float64."""
        _refuse_dtype(self, "bfloat16()")
