"""ONNX forms of the autoencoder layers: Conv2DTranspose (ConvTranspose), UpSampling2D
(Resize) and Sampling (its evaluation-mode output, mu).

ConvTranspose takes glassnet's W as it is (both use PyTorch's (in, out, kh, kw)); the crops of
:func:`glassnet.ops.conv_transpose.transpose_geometry` become its ``pads`` and the positions a
grid adds past the full output its ``output_padding``. Resize reproduces nearest-neighbour
repetition (``asymmetric`` coordinates, ``floor``) and PyTorch's bilinear interpolation
(``half_pixel`` coordinates, edges clamped).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.io.onnx_graph import activation
from glassnet.layers.layout import to_channels_first

__all__ = ["emit_conv_transpose", "emit_upsampling", "emit_sampling"]


def emit_conv_transpose(g: Any, layer: Any, x: str) -> str:
    """ConvTranspose over (N, C, H, W), then the layer's activation."""
    from glassnet.ops.conv_transpose import transpose_geometry

    spatial = tuple(to_channels_first(layer.input_shape, layer.layout)[1:])
    geo, out = transpose_geometry(spatial, layer.kernel_size, layer.stride, layer.padding,
                                  layer.output_padding, layer.dilation, layer.name)
    full = [(size - 1) * s + d * (k - 1) + 1
            for size, s, d, k in zip(spatial, geo.stride, geo.dilation, geo.kernel, strict=True)]
    grid = [lo + n + hi for (lo, hi), n in zip(geo.pads, out, strict=True)]
    inputs = [x, g.const(layer.W.data, f"{layer.name}.W")]
    if layer.b is not None:
        inputs.append(g.const(layer.b.data, f"{layer.name}.b"))
    z = g.op("ConvTranspose", inputs, f"{layer.name}.z", kernel_shape=list(geo.kernel),
             strides=list(geo.stride), dilations=list(geo.dilation),
             pads=[p[0] for p in geo.pads] + [p[1] for p in geo.pads],
             output_padding=[n - f for n, f in zip(grid, full, strict=True)])
    if layer.activation in (None, "identity", "linear"):
        return z
    return activation(g, layer.activation, z, layer)


def emit_upsampling(g: Any, layer: Any, x: str) -> str:
    """Resize by the layer's integer factors over the two spatial axes."""
    scales = g.const([1.0, 1.0, *map(float, layer.size)], f"{layer.name}.scales", np.float32)
    if layer.interpolation == "nearest":
        options = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    else:
        options = {"mode": "linear", "coordinate_transformation_mode": "half_pixel"}
    return g.op("Resize", [x, "", scales], layer.name, **options)


def emit_sampling(g: Any, layer: Any, node: Any, names: dict[int, str]) -> str:
    """The evaluation-mode output: mu (a layer that draws in evaluation has no ONNX form)."""
    if layer.sample_in_evaluation:
        raise ValueError(f"layer {layer.name!r} (Sampling) draws random codes in evaluation "
                         "(sample_in_evaluation=True), which has no ONNX form here; export a copy with "
                         "sample_in_evaluation=False, whose output is mu")
    return g.op("Identity", [names[id(node.inputs[0])]], layer.name)
