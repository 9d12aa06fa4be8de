"""The parameters of one group and one dtype packed into one data buffer and one gradient buffer."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import _aligned, accel
from glassnet.tensor import Tensor

__all__ = ["FlatGroup"]


class FlatGroup:
    """The parameters of one parameter group and one dtype, packed into flat buffers.

    Attributes
    ----------
    data, grad : numpy.ndarray
        Flat buffers; ``p.data`` and ``p.grad`` of each parameter are views into them.
    options : dict
        The parameter group these parameters belong to (``optimizer.param_groups[i]``):
        the update reads its hyperparameters there at every step.
    steps : int
        Updates made to these parameters (t in the formulas, 1 at the first update).
    state : dict of str to numpy.ndarray
        Optimizer state (moments, accumulators), each of the flat size.
    """

    def __init__(self, params: list[Tensor], dtype: np.dtype, options: dict[str, Any]) -> None:
        self.params = params
        self.dtype = dtype
        self.options = options
        self.steps = 0
        sizes = [p.data.size for p in params]
        self.data = _aligned.empty(sum(sizes), dtype)  # the first weights keep their cache line
        self.grad = _aligned.empty(sum(sizes), dtype)
        self.grad.fill(0)
        self.data_views: list[np.ndarray] = []
        self.grad_views: list[np.ndarray] = []
        offset = 0
        for p, n in zip(params, sizes, strict=True):
            self.data_views.append(self.data[offset : offset + n].reshape(p.data.shape))
            self.grad_views.append(self.grad[offset : offset + n].reshape(p.data.shape))
            offset += n
        self.relink()
        self.state: dict[str, np.ndarray] = {}
        self._scratch: dict[str, np.ndarray] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"params": self.params, "dtype": self.dtype, "options": self.options, "steps": self.steps,
                "state": self.state}

    def __setstate__(self, saved: dict[str, Any]) -> None:
        """Pickling copies the views apart from the flat buffers: pack the unpickled
        parameters into new buffers (their views again) and keep the optimizer state."""
        self.__init__(saved["params"], saved["dtype"], saved["options"])  # type: ignore[misc]
        self.steps, self.state = saved["steps"], saved["state"]

    def relink(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Point every ``p.data`` and ``p.grad`` back at its view and count the coming update in
        the parameter's version; return (view, copy of its values) for each frozen parameter
        (``requires_grad`` False), which the step restores.

        An array that replaced a view is copied into it; a ``None`` gradient becomes zeros.
        Only identity checks run when nothing was replaced.
        """
        frozen = []
        for p, data_view, grad_view in zip(self.params, self.data_views, self.grad_views, strict=True):
            if p.data is not data_view:
                _copy_into(data_view, p.data, p, "data")
                p.data = data_view
            if p.grad is not grad_view:
                if p.grad is None:
                    grad_view.fill(0)
                else:
                    _copy_into(grad_view, p.grad, p, "grad")
                p.grad = grad_view
            if p.requires_grad:
                p._version += 1  # the step changes it in place (see "In-place changes" in Tensor)
            else:
                frozen.append((data_view, data_view.copy()))
        return frozen

    def zero_grad(self) -> None:
        self.grad.fill(0)
        for p, grad_view in zip(self.params, self.grad_views, strict=True):
            p.grad = grad_view

    def state_array(self, name: str, fill: float = 0.0) -> np.ndarray:
        """The state array ``name``, created filled with ``fill`` on first use."""
        array = self.state.get(name)
        if array is None:
            array = self.state[name] = np.full_like(self.data, fill)
        return array

    def kernel(self, name: str) -> Any:
        """The compiled update ``name`` for this group's dtype when it may run, else None."""
        return accel.optimizer_kernel(name, self.dtype)

    def scratch(self, name: str) -> np.ndarray:
        """A work buffer of the flat size, allocated once and reused by every step."""
        array = self._scratch.get(name)
        if array is None:
            array = self._scratch[name] = np.empty_like(self.data)
        return array

    def shapes(self) -> list[list[int]]:
        return [list(p.data.shape) for p in self.params]


def _copy_into(view: np.ndarray, value: Any, p: Tensor, what: str) -> None:
    value = np.asarray(value)
    if value.shape != view.shape:
        raise ValueError(
            f"parameter {p.name or ''} of shape {view.shape} had its .{what} replaced by an "
            f"array of shape {value.shape}; after changing a parameter's shape, create the "
            "optimizer again (or call bind(params))"
        )
    np.copyto(view, value, casting="same_kind")
