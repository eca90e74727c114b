"""Parsing ``session.posargs`` (what follows ``nox -s NAME --``)."""

from __future__ import annotations

import argparse

from nox_support.core.errors import ConfigError


class PosargsParser(argparse.ArgumentParser):
    """An argument parser that raises :class:`ConfigError` (with a usage hint) instead of exiting."""

    def __init__(self, session: str, *, usage_hint: str, allow_abbrev: bool = True) -> None:
        super().__init__(prog=f"nox -s {session} --", add_help=False, allow_abbrev=allow_abbrev)
        self._session = session
        self._usage_hint = usage_hint

    def error(self, message: str) -> None:  # type: ignore[override]
        """Raise instead of printing usage and exiting the Nox process."""
        msg = f"nox -s {self._session}: {message}"
        raise ConfigError(msg, hint=self._usage_hint)
