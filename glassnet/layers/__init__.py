"""Layers: the building blocks of models."""

from glassnet.layers.module import Layer, Module, Parameter

__all__ = ["Module", "Parameter", "Layer"]
