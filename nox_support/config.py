"""``[tool.nox_support]`` settings of the monorepo being managed.

Only the core settings are typed here; subsystems (audit, CI) read their own
sub-tables from :func:`load_tool_table` so that this module stays small.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from nox_support.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CompilerName = Literal["pip-tools", "uv"]
COMPILERS: tuple[CompilerName, ...] = ("pip-tools", "uv")

_CORE_KEYS = frozenset(
    {
        "service_globs",
        "constraints",
        "compiler",
        "compile_args",
        "python",
        "services",
        "audit",
        "ci",
        "drift",
    }
)
_SERVICE_KEYS = frozenset({"python"})


@dataclass(frozen=True)
class ServiceOverride:
    """Per-service settings from ``[tool.nox_support.services.<name>]``."""

    python: str | None = None


@dataclass(frozen=True)
class Settings:
    """Core settings; every path is relative to the repository root."""

    service_globs: tuple[str, ...] = ("services/*",)
    constraints: tuple[str, ...] = ()
    compiler: CompilerName = "pip-tools"
    compile_args: tuple[str, ...] = ()
    python: str | None = None
    services: Mapping[str, ServiceOverride] = field(default_factory=dict)


def load_tool_table(root: Path) -> Mapping[str, object]:
    """The raw ``[tool.nox_support]`` table of ``root/pyproject.toml`` (empty when absent)."""
    path = root / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: invalid TOML: {exc}"
        raise ConfigError(msg, hint="fix the syntax error in pyproject.toml") from exc
    tool = data.get("tool", {})
    table = tool.get("nox_support", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        msg = f"{path}: [tool.nox_support] must be a table"
        raise ConfigError(msg)
    return table


def load_settings(root: Path) -> Settings:
    """Parse and validate the core settings of the repository at *root*."""
    return parse_settings(load_tool_table(root), source=str(root / "pyproject.toml"))


def parse_settings(table: Mapping[str, object], *, source: str = "pyproject.toml") -> Settings:
    """Validate a ``[tool.nox_support]`` table (pure)."""
    reject_unknown_keys(table, _CORE_KEYS, f"{source} [tool.nox_support]")
    defaults = Settings()
    compiler = table.get("compiler", defaults.compiler)
    if compiler not in COMPILERS:
        msg = f"{source}: [tool.nox_support] compiler = {compiler!r} is not supported"
        raise ConfigError(msg, hint=f"use one of: {', '.join(COMPILERS)}")
    python = table.get("python")
    if python is not None:
        python = _python_version(python, f"{source} [tool.nox_support] python")
    return Settings(
        service_globs=_str_tuple(table, "service_globs", defaults.service_globs, source),
        constraints=_str_tuple(table, "constraints", (), source),
        compiler=compiler,
        compile_args=_str_tuple(table, "compile_args", (), source),
        python=python,
        services=_service_overrides(table.get("services", {}), source),
    )


def normalize_python_version(text: str) -> str | None:
    """``"3.11.7"``, ``"cpython-3.11"`` or ``"3.11"`` -> ``"3.11"``; ``None`` when not a version."""
    value = text.strip()
    for prefix in ("cpython-", "python", "py"):
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
    parts = value.split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):  # noqa: PLR2004
        return None
    return f"{int(parts[0])}.{int(parts[1])}"


def _python_version(value: object, where: str) -> str:
    version = normalize_python_version(str(value)) if isinstance(value, str) else None
    if version is None:
        msg = f"{where} = {value!r} is not a Python version"
        raise ConfigError(msg, hint='write it as "3.11"')
    return version


def _service_overrides(value: object, source: str) -> dict[str, ServiceOverride]:
    if not isinstance(value, dict):
        msg = f"{source}: [tool.nox_support.services] must be a table of tables"
        raise ConfigError(msg)
    overrides: dict[str, ServiceOverride] = {}
    for name, entry in value.items():
        where = f"{source} [tool.nox_support.services.{name}]"
        if not isinstance(entry, dict):
            msg = f"{where} must be a table"
            raise ConfigError(msg)
        reject_unknown_keys(entry, _SERVICE_KEYS, where)
        python = entry.get("python")
        overrides[name] = ServiceOverride(
            python=None if python is None else _python_version(python, f"{where} python")
        )
    return overrides


def _str_tuple(
    table: Mapping[str, object], key: str, default: tuple[str, ...], source: str
) -> tuple[str, ...]:
    value = table.get(key, default)
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        msg = f"{source}: [tool.nox_support] {key} must be a list of strings"
        raise ConfigError(msg, hint=f'for example {key} = ["..."]')
    if not all(isinstance(v, str) for v in value):
        msg = f"{source}: [tool.nox_support] {key} must contain only strings"
        raise ConfigError(msg)
    return tuple(value)


def reject_unknown_keys(table: Mapping[str, object], known: frozenset[str], where: str) -> None:
    """Raise :class:`ConfigError` for the first key of *table* not in *known*, with a suggestion."""
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(known))}"
            msg = f"{where}: unknown key {key!r}"
            raise ConfigError(msg, hint=hint)
