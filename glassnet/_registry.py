"""Name registries: map strings such as ``"relu"`` or ``"adam"`` to objects.

One registry per kind (activation, loss, optimizer, initializer, regularizer, metric).
An unknown name raises an error that lists every valid name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Registry", "Configurable"]


class Registry:
    """A named table of objects of one kind.

    Parameters
    ----------
    kind : str
        What the registry holds, used in error messages ("activation", "loss", ...).

    Examples
    --------
    >>> ACTIVATIONS = Registry("activation")
    >>> @ACTIVATIONS.register("identity")
    ... def identity(z):
    ...     return z
    >>> ACTIVATIONS.get("identity") is identity
    True
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, Any] = {}

    def register(self, *names: str) -> Callable[[Any], Any]:
        """Decorator that registers an object under one or more names."""

        def decorate(obj: Any) -> Any:
            for name in names:
                key = name.lower()
                if key in self._items:
                    raise ValueError(f"{self.kind} name {name!r} is registered twice")
                self._items[key] = obj
            return obj

        return decorate

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def resolve(self, value: Any, base: type, examples: str, **overrides: Any) -> Any:
        """An object of class ``base`` from a registered name (made with ``overrides``), a
        ``get_config()`` dict with its ``"name"``, a subclass of ``base``, or an instance
        (returned as is).

        Raises
        ------
        ValueError
            For an unknown name (the valid ones are listed) or a dict without ``"name"``.
        TypeError
            For any other value, or ``overrides`` given with an instance.
        """
        if isinstance(value, base):
            if overrides:
                settings = "; ".join(f"{self.kind[:3]}.{k} = {v!r}" for k, v in overrides.items())
                raise TypeError(f"settings {sorted(overrides)} can only be given with a {self.kind} "
                                f"name; set them on the instance instead ({settings})")
            return value
        if isinstance(value, type) and issubclass(value, base):
            return value(**overrides)
        if isinstance(value, dict):
            config = dict(value)
            name = config.pop("name", None)
            if name is None:
                raise ValueError(f"a {self.kind} config needs a 'name' entry, got keys {sorted(value)}")
            return self.get(name)(**{**config, **overrides})
        if isinstance(value, str):
            return self.get(value)(**overrides)
        raise TypeError(f"{self.kind} must be a name such as {examples}, a config dict or a "
                        f"{base.__name__} (subclass it for your own), got {type(value).__name__}")

    def get(self, name: str) -> Any:
        """The object registered under ``name`` (case-insensitive).

        Raises
        ------
        ValueError
            If ``name`` is not registered; the message lists the valid names.
        TypeError
            If ``name`` is not a string.
        """
        if not isinstance(name, str):
            raise TypeError(f"{self.kind} must be given by name (a str), got {type(name).__name__}")
        try:
            return self._items[name.lower()]
        except KeyError:
            valid = ", ".join(repr(n) for n in self.names())
            raise ValueError(f"unknown {self.kind} {name!r}; valid names are: {valid}") from None


class Configurable:
    """An object described by its registry ``name`` and constructor arguments.

    Subclasses list the constructor arguments in ``config_keys`` and store each as an
    attribute of the same name; ``get_config`` / ``from_config`` round-trip them (the
    form that model files save and the registries' ``get`` accept).
    """

    name = ""
    config_keys: tuple[str, ...] = ()

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, JSON-serializable, with the registry ``name``."""
        return {"name": self.name, **{key: getattr(self, key) for key in self.config_keys}}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """A new object with the arguments of ``config``."""
        config = dict(config)
        config.pop("name", None)
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={getattr(self, key)!r}" for key in self.config_keys)
        return f"{type(self).__name__}({args})"
