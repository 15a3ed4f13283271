"""Lazy attributes of a package (PEP 562): heavy submodules load on first use, keeping the package import light."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_attributes(package: str, attributes: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose ``attributes`` live in submodules.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    attributes : dict of str to str
        Attribute name -> relative module that defines it (a module name equal to the attribute imports the
        submodule itself, e.g. ``{"datasets": ".datasets"}``).

    Returns
    -------
    (__getattr__, __dir__)
    """

    def __getattr__(name: str) -> Any:
        if name not in attributes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(attributes[name], package)
        value = module if module.__name__.rsplit(".", 1)[-1] == name else getattr(module, name)
        globals_of_package = importlib.import_module(package).__dict__
        globals_of_package[name] = value  # later look-ups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(set(attributes) | set(importlib.import_module(package).__dict__))

    return __getattr__, __dir__
