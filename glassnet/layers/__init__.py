"""Layers: the building blocks of models.

Keras's names of the pooling layers are the same classes: ``MaxPooling2D`` is
:class:`MaxPool2D`, ``AveragePooling2D`` :class:`AvgPool2D`, ``GlobalAveragePooling2D``
:class:`GlobalAvgPool2D` and ``MaxPooling1D`` :class:`MaxPool1D`.
"""

from glassnet.layers.conv import Conv1D, Conv2D
from glassnet.layers.core import Activation, Dense, Dropout
from glassnet.layers.module import Layer, Module, Parameter
from glassnet.layers.norm import BatchNormalization
from glassnet.layers.pool import AvgPool2D, GlobalAvgPool2D, MaxPool1D, MaxPool2D
from glassnet.layers.reshaping import Flatten, Reshape

MaxPooling2D = MaxPool2D
AveragePooling2D = AvgPool2D
GlobalAveragePooling2D = GlobalAvgPool2D
MaxPooling1D = MaxPool1D

__all__ = ["Module", "Parameter", "Layer", "Dense", "Activation", "Dropout", "Flatten", "Reshape",
           "BatchNormalization",
           "Conv2D", "Conv1D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D", "MaxPool1D",
           "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "MaxPooling1D"]
