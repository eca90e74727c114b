"""The lock compilers nox-support knows, by the name ``[tool.nox_support] compiler`` uses.

Adding a compiler is one module implementing :class:`~nox_support.lock.compile.interface.Compiler`
(a class taking the project root) plus one line in :data:`COMPILERS`.  Implementations are
imported only when chosen, which keeps ``nox -l`` light.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from collections.abc import Callable

    from nox_support.lock.compile.interface import Compiler

COMPILERS: dict[str, str] = {
    "pip-tools": "nox_support.lock.compile.piptools:PipToolsCompiler",
    "uv": "nox_support.lock.compile.uv:UvCompiler",
}
"""Compiler name -> ``module:class`` of its implementation; the first one is the default."""

DEFAULT_COMPILER = next(iter(COMPILERS))


def compiler_for(root: Path, name: str) -> Compiler:
    """The compiler called *name* (``[tool.nox_support] compiler``, validated by the config)."""
    module, _, attribute = COMPILERS[name].partition(":")
    factory = cast("Callable[[Path], Compiler]", getattr(importlib.import_module(module), attribute))
    return factory(root)
