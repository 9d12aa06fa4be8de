"""Layers: the building blocks of models.

The layers every model's code uses (:class:`Layer`, :class:`Dense`, :class:`Activation`,
:class:`Dropout`, the output heads) come with ``import glassnet``; each other family
(convolutions, pooling, normalization, reshaping, recurrent, radial basis, sampling,
upsampling) is imported on first use, so that ``import glassnet`` stays quick. Every name of
``__all__`` resolves as usual: ``gn.layers.LSTM``, ``from glassnet.layers import LSTM``.

Keras's names of the pooling layers are the same classes: ``MaxPooling2D`` is
:class:`MaxPool2D`, ``AveragePooling2D`` :class:`AvgPool2D`, ``GlobalAveragePooling2D``
:class:`GlobalAvgPool2D` and ``MaxPooling1D`` :class:`MaxPool1D`.
"""

from typing import TYPE_CHECKING

from glassnet.layers.core import Activation, Dense, Dropout
from glassnet.layers.heads import GaussianHead, QuantileHead
from glassnet.layers.module import Layer, Module, Parameter

if TYPE_CHECKING:  # imported on first use (see __getattr__); named here for type checkers and the docs
    from glassnet.layers.conv import Conv1D, Conv2D
    from glassnet.layers.norm import BatchNormalization
    from glassnet.layers.pool import AvgPool2D, GlobalAvgPool2D, MaxPool1D, MaxPool2D
    from glassnet.layers.rbf import RBF
    from glassnet.layers.recurrent import GRU, LSTM, SimpleRNN
    from glassnet.layers.reshaping import Flatten, Reshape
    from glassnet.layers.sampling import Sampling
    from glassnet.layers.sequences import Bidirectional, Masking
    from glassnet.layers.upsampling import Conv2DTranspose, UpSampling2D

    MaxPooling2D = MaxPool2D
    AveragePooling2D = AvgPool2D
    GlobalAveragePooling2D = GlobalAvgPool2D
    MaxPooling1D = MaxPool1D

__all__ = ["Module", "Parameter", "Layer", "Dense", "Activation", "Dropout", "Flatten", "Reshape",
           "BatchNormalization", "GaussianHead", "QuantileHead", "RBF",
           "SimpleRNN", "LSTM", "GRU", "Bidirectional", "Masking",
           "Conv2D", "Conv1D", "Conv2DTranspose", "UpSampling2D", "Sampling",
           "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D", "MaxPool1D",
           "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "MaxPooling1D"]


#: Keras layer names with no glassnet class yet: asking for one says what there is.
_NOT_IN_GLASSNET = (
    "AveragePooling1D", "AvgPool1D", "GlobalMaxPooling2D", "GlobalMaxPool2D", "GlobalMaxPooling1D",
    "GlobalAveragePooling1D", "GlobalAvgPool1D", "MaxPooling3D", "Conv3D",
    "SeparableConv2D", "DepthwiseConv2D", "LayerNormalization", "Embedding",
    "ZeroPadding2D", "Cropping2D", "Concatenate", "Add", "InputLayer", "Normalization",
    "Rescaling", "RandomFlip", "SpatialDropout2D", "GaussianNoise", "LeakyReLU", "PReLU", "ReLU", "Softmax",
)


#: PyTorch's module names -> how glassnet spells the layer.
_TORCH_NAMES = {
    "Conv2d": "Conv2D(out_channels, kernel_size): the input channels come from the data",
    "Conv1d": "Conv1D(out_channels, kernel_size): the input channels come from the data",
    "ConvTranspose2d": "Conv2DTranspose(out_channels, kernel_size): the input channels come from the data",
    "MaxPool2d": "MaxPool2D(kernel_size)", "AvgPool2d": "AvgPool2D(kernel_size)",
    "MaxPool1d": "MaxPool1D(kernel_size)",
    "Linear": "Dense(out_features, input_dim=in_features)",
    "BatchNorm1d": "BatchNormalization()", "BatchNorm2d": "BatchNormalization()",
    "AdaptiveAvgPool2d": "GlobalAvgPool2D() for an output size of 1",
    "RNN": "SimpleRNN(units)",
}


#: The layers imported on first use: name -> the module that defines it.
_LAZY = {
    "Flatten": "glassnet.layers.reshaping",
    "Reshape": "glassnet.layers.reshaping",
    "BatchNormalization": "glassnet.layers.norm",
    "Conv2D": "glassnet.layers.conv",
    "Conv1D": "glassnet.layers.conv",
    "MaxPool2D": "glassnet.layers.pool",
    "AvgPool2D": "glassnet.layers.pool",
    "GlobalAvgPool2D": "glassnet.layers.pool",
    "MaxPool1D": "glassnet.layers.pool",
    "RBF": "glassnet.layers.rbf",
    "SimpleRNN": "glassnet.layers.recurrent",
    "LSTM": "glassnet.layers.recurrent",
    "GRU": "glassnet.layers.recurrent",
    "Bidirectional": "glassnet.layers.sequences",
    "Masking": "glassnet.layers.sequences",
    "Sampling": "glassnet.layers.sampling",
    "Conv2DTranspose": "glassnet.layers.upsampling",
    "UpSampling2D": "glassnet.layers.upsampling",
}

#: Keras's names of the pooling layers -> glassnet's name of the same class.
_KERAS_NAMES = {"MaxPooling2D": "MaxPool2D", "AveragePooling2D": "AvgPool2D",
                "GlobalAveragePooling2D": "GlobalAvgPool2D", "MaxPooling1D": "MaxPool1D"}


def __getattr__(name: str) -> object:
    """The layers of :data:`_LAZY` (and their Keras names) and the modules that define them,
    imported on first use; Keras's names glassnet lacks explained."""
    import importlib

    own = _KERAS_NAMES.get(name, name)
    if own in _LAZY:
        layer = getattr(importlib.import_module(_LAZY[own]), own)
        globals()[name] = layer
        return layer
    if f"{__name__}.{name}" in _LAZY.values():
        return importlib.import_module(f"{__name__}.{name}")
    if name in _NOT_IN_GLASSNET:
        raise AttributeError(
            f"glassnet.layers has no {name} (Keras's name). Its layers are {', '.join(__all__[2:])}; "
            "an activation such as ReLU or Softmax is Activation('relu') or activation='relu' on a layer, "
            "and gn.concatenate / + join functional tensors")
    if name in _TORCH_NAMES:
        raise AttributeError(f"glassnet.layers has no {name} (PyTorch's name); glassnet writes "
                             f"{_TORCH_NAMES[name]}")
    raise AttributeError(f"module 'glassnet.layers' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, the layers and layer modules not imported yet included."""
    modules = {module.rsplit(".", 1)[1] for module in _LAZY.values()}
    return sorted(set(globals()) | set(_LAZY) | set(_KERAS_NAMES) | modules)
