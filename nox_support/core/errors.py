"""The one error root of nox-support and its direct descendants.

Every failure the user can act on is a :class:`NoxSupportError`.  Messages say
*what* failed, *where* (service, file, line) and *how* to fix it; the Nox
boundary (:mod:`nox_support.sessions`) turns them into ``session.error()``.
"""

from __future__ import annotations

from collections.abc import Sequence


class NoxSupportError(Exception):
    """Root of every error nox-support raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class ConfigError(NoxSupportError):
    """``[tool.nox_support]`` or a service layout is invalid."""


class DiscoveryError(NoxSupportError):
    """A service directory cannot be used (bad name, duplicate, escaping symlink)."""


class RequirementsFileError(NoxSupportError):
    """A requirements file cannot be read or parsed."""

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line


class CommandError(NoxSupportError):
    """An external command failed; carries the command, exit code and stderr."""

    def __init__(
        self,
        command: Sequence[str],
        returncode: int,
        stderr: str,
        stdout: str = "",
        *,
        hint: str | None = None,
    ) -> None:
        self.command = tuple(command)
        self.returncode = returncode
        self.stderr = stderr
        self.stdout = stdout
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        message = f"command failed with exit code {returncode}: {_quote(command)}"
        if tail:
            message += "\n" + tail
        super().__init__(message, hint=hint)


class CommandNotFoundError(NoxSupportError):
    """An executable is not on the PATH that was searched."""


class ResolutionError(NoxSupportError):
    """The compiler could not find versions satisfying the requirements."""


class LockValidationError(NoxSupportError):
    """A freshly compiled lock is unsafe to write (unpinned, unhashed, leaking paths)."""


class StaleLockError(NoxSupportError):
    """A committed lock no longer matches its inputs."""


def _quote(command: Sequence[str]) -> str:
    import shlex  # noqa: PLC0415 - only needed when formatting an error

    return shlex.join(command)
