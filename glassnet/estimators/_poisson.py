"""Half the Poisson deviance with a log link: MLPRegressor(loss="poisson")."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.losses.base import Loss, _Reduce

__all__ = ["HalfPoissonDeviance"]


class _HalfPoissonDeviance(_Reduce):
    name = "half_poisson_deviance"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray, target: np.ndarray, weights: Any, reduction: str,
                scale: float) -> np.ndarray:
        mu = np.exp(z)
        with np.errstate(divide="ignore", invalid="ignore"):
            y_log_y = np.where(target > 0, target * np.log(np.where(target > 0, target, 1.0)), 0.0)
        ctx.diff, ctx.scale = mu - target, scale
        return scale * _Reduce.reduce(ctx, y_log_y - target * z - target + mu, weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (ctx.scale * _Reduce.upstream(ctx, grad, ctx.diff.shape) * ctx.diff,)


class HalfPoissonDeviance(Loss):
    r"""Half the Poisson deviance of the prediction :math:`\mu = e^z` from the output z:

    .. math::

        l = y \ln \frac{y}{\mu} - y + \mu, \qquad \frac{\partial l}{\partial z} = \mu - y

    (:math:`y \ln y = 0` at y = 0), averaged over the samples and multiplied by ``scale``
    (scikit-learn sums it over the outputs: ``scale`` = the number of outputs). The network's
    output is z = ln mu; the estimator predicts mu.
    """

    function = _HalfPoissonDeviance

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__("mean")
        self.scale = scale

    def _options(self) -> dict[str, Any]:
        return {"scale": self.scale}

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "scale": self.scale}
