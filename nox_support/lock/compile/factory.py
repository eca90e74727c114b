"""Pick the configured compiler implementation."""

from __future__ import annotations

from pathlib import Path

from nox_support.config import Settings
from nox_support.lock.compile.interface import Compiler
from nox_support.lock.compile.piptools import PipToolsCompiler


def compiler_for(root: Path, settings: Settings) -> Compiler:
    """The compiler named by ``[tool.nox_support] compiler``."""
    if settings.compiler == "uv":
        from nox_support.lock.compile.uv import UvCompiler  # noqa: PLC0415 - optional fast path

        return UvCompiler(root)
    return PipToolsCompiler(root)
