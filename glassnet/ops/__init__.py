"""Primitive differentiable operations; each op's forward and backward side by side."""
