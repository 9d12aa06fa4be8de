"""Layers: the building blocks of models."""

from glassnet.layers.conv import Conv1D, Conv2D
from glassnet.layers.core import Activation, Dense, Dropout, Flatten, Reshape
from glassnet.layers.module import Layer, Module, Parameter
from glassnet.layers.norm import BatchNormalization
from glassnet.layers.pool import AvgPool2D, GlobalAvgPool2D, MaxPool1D, MaxPool2D

__all__ = ["Module", "Parameter", "Layer", "Dense", "Activation", "Dropout", "Flatten", "Reshape",
           "BatchNormalization",
           "Conv2D", "Conv1D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D", "MaxPool1D"]
