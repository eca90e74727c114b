"""What a lock compiler must provide.

A compiler turns one requirements input into a pinned, hashed lock at a
given output path.  It must not emit index URLs or find-links, must honour
the existing output file as pin preferences (unless upgrading), and must put
``custom_command`` in its header as the regenerate command.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from nox_support.core.errors import NoxSupportError


@dataclass(frozen=True)
class KeepPins:
    """Prefer the pins already in the output file."""


@dataclass(frozen=True)
class UpgradeAll:
    """Ignore existing pins and take the newest allowed versions."""


@dataclass(frozen=True)
class UpgradePackages:
    """Prefer existing pins except for these packages."""

    names: tuple[str, ...]


Upgrade = KeepPins | UpgradeAll | UpgradePackages


@dataclass(frozen=True)
class CompileRequest:
    """One compilation, with every path relative to ``cwd`` (the service directory)."""

    service: str
    cwd: Path
    source: str
    output: str
    constraints: tuple[str, ...]
    python: str
    upgrade: Upgrade
    extra_args: tuple[str, ...]
    custom_command: str
    env: Mapping[str, str] | None = None
    reuse_hashes: bool = True
    """``False`` recomputes every hash instead of trusting the ones in the output file."""

    def pin_args(self) -> tuple[str, ...]:
        """``--constraint`` and ``--upgrade``/``--upgrade-package`` options (pip-compile and uv agree)."""
        args: list[str] = []
        for constraint in self.constraints:
            args += ["--constraint", constraint]
        match self.upgrade:
            case UpgradeAll():
                args.append("--upgrade")
            case UpgradePackages(names=names):
                for name in names:
                    args += ["--upgrade-package", name]
            case KeepPins():
                pass
        return tuple(args)


class CompilerError(NoxSupportError):
    """Base of compiler failures."""


class Compiler(Protocol):
    """A lock compiler (pip-tools, uv)."""

    @property
    def name(self) -> str:
        """Short name shown to users (``pip-tools``, ``uv``)."""
        ...

    def identity(self) -> str:
        """``name==version``; cheap (no subprocess when avoidable), recorded in the digest."""
        ...

    def release_for(self, python: str) -> str:
        """``name==version`` of the release that compiles for target *python* (``compiled-by``).

        The digest records :meth:`identity`'s series only; a compiler that runs under the
        target Python (pip-tools) may use another release of that series there.
        """
        ...

    def options(self, extra_args: tuple[str, ...]) -> tuple[str, ...]:
        """The options that shape the output, recorded in the digest."""
        ...

    def compile(self, request: CompileRequest) -> None:
        """Write the lock for *request* to ``request.output``.

        Raises :class:`~nox_support.core.errors.ResolutionError` when no set of
        versions satisfies the inputs, and other :class:`CompilerError` s
        for other failures.
        """
        ...
