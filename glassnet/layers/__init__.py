"""Layers: the building blocks of models."""

from glassnet.layers.core import Activation, Dense, Dropout, Flatten, Reshape
from glassnet.layers.module import Layer, Module, Parameter
from glassnet.layers.norm import BatchNormalization

__all__ = ["Module", "Parameter", "Layer", "Dense", "Activation", "Dropout", "Flatten", "Reshape",
           "BatchNormalization"]
