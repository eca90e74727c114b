"""``[tool.nox_support.drift]``: packages that must be at one version across services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from nox_support.config import reject_unknown_keys
from nox_support.core.errors import ConfigError

_KEYS = frozenset({"same_version"})


@dataclass(frozen=True)
class DriftSettings:
    """``same_version`` holds canonical package names."""

    same_version: frozenset[str] = frozenset()


def parse_drift_settings(table: Mapping[str, object], *, source: str = "pyproject.toml") -> DriftSettings:
    """Validate the ``drift`` sub-table of a ``[tool.nox_support]`` table (pure)."""
    where = f"{source} [tool.nox_support.drift]"
    value = table.get("drift", {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table", hint='for example: same_version = ["django"]')
    reject_unknown_keys(value, _KEYS, where)
    names = value.get("same_version", [])
    if isinstance(names, str) or not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(
            f"{where} same_version must be a list of package names", hint='same_version = ["django"]'
        )
    return DriftSettings(frozenset(canonicalize_name(n) for n in names))
