"""The floating-point arrays a Tensor holds: user data and dtypes converted, or refused in
glassnet's words."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__: list[str] = []

DEFAULT_DTYPE = np.float32


def _float_dtype(dtype: Any, name: str = "dtype") -> np.dtype:
    """``dtype`` as a NumPy floating type, or an error in glassnet's words naming ``name``."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.kind != "f":
        raise TypeError(
            f"{name} must be a floating-point type such as 'float32' or 'float64' (np.float32, "
            f"np.float64), got {dtype!r}"
        )
    return resolved


def _to_array(data: Any, dtype: Any) -> np.ndarray:
    """``data`` (numbers, nested lists, an array) as a floating-point array of ``dtype``."""
    if dtype is not None:
        dtype = _float_dtype(dtype)
    if data is None:
        raise TypeError("a Tensor needs numbers: got None")
    try:
        complex_values = np.iscomplexobj(data)
        array = None if complex_values else np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"a Tensor holds an array of real numbers; could not convert the {type(data).__name__} "
            f"given ({exc}). Pass numbers, nested lists of equal lengths or a NumPy array."
        ) from None
    if complex_values:
        raise TypeError("a Tensor holds real numbers; got complex values. Pass the real part (x.real) "
                        "and the imaginary part (x.imag) as separate features, or np.abs(x)")
    if array.dtype.kind != "f":
        raise TypeError(
            f"a Tensor holds floating-point numbers; got dtype {array.dtype}. "
            "Pass dtype=np.float32 or np.float64."
        )
    return array
