"""``[tool.nox_support]`` settings of the monorepo being managed.

Only the core settings are typed here; subsystems (audit, CI) read their own
sub-tables from :func:`load_tool_table` so that this module stays small.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Literal

from nox_support.core import repofiles
from nox_support.core.errors import ConfigError
from nox_support.lock.compile.registry import COMPILERS, DEFAULT_COMPILER

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


ServiceNaming = Literal["directory", "path"]
"""How a service is named: its directory's name, or its path with ``/`` replaced by ``-``."""
SERVICE_NAMINGS: tuple[ServiceNaming, ...] = ("directory", "path")
LockFormat = Literal["requirements", "pylock"]
"""How locks are written: ``requirements.txt`` files, or PEP 751 ``pylock.toml`` files."""

DEFAULT_TEST_LAYERS = ("dev",)
"""The layers ``tests(<service>)`` installs next to the main lock, unless configured."""
DEFAULT_TESTS = "tests"
"""Where a service's tests live, relative to its directory, unless configured."""
_GLOB_CHARS = frozenset("*?[")

_CORE_KEYS = frozenset(
    {
        "service_globs",
        "constraints",
        "compiler",
        "compile_args",
        "python",
        "services",
        "service_names",
        "tests",
        "audit",
        "ci",
        "licenses",
        "drift",
        "test_layers",
        "lock_format",
    }
)
_SERVICE_KEYS = frozenset({"python", "tests", "test_layers"})


@dataclass(frozen=True)
class ServiceOverride:
    """Per-service settings from ``[tool.nox_support.services.<name>]``."""

    python: str | None = None
    tests: str | None = None
    """Where the service's tests live, relative to its directory (a path or a glob)."""
    test_layers: tuple[str, ...] | None = None
    """The layers its tests install; ``None``: the global setting."""


@dataclass(frozen=True)
class Settings:
    """Core settings; every path is relative to the repository root."""

    service_globs: tuple[str, ...] = ("services/*",)
    constraints: tuple[str, ...] = ()
    compiler: str = DEFAULT_COMPILER
    compile_args: tuple[str, ...] = ()
    python: str | None = None
    services: Mapping[str, ServiceOverride] = field(default_factory=dict)
    service_names: ServiceNaming = "directory"
    tests: str = DEFAULT_TESTS
    """Where every service's tests live, relative to its directory (a path or a glob)."""
    test_layers: tuple[str, ...] = DEFAULT_TEST_LAYERS
    """The layers ``tests(<service>)`` installs next to the main lock (``requirements-<layer>.txt``)."""
    lock_format: LockFormat = "requirements"
    """``requirements`` (``requirements.txt``) or ``pylock`` (PEP 751 ``pylock.toml``, uv only)."""


def load_tool_table(root: Path) -> Mapping[str, object]:
    """The raw ``[tool.nox_support]`` table of ``root/pyproject.toml`` (empty when absent)."""
    path = root / "pyproject.toml"
    try:
        raw = repofiles.read_bytes(path, root)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        msg = f"{path}: cannot be read: {exc.strerror or exc}"
        raise ConfigError(msg, hint="make pyproject.toml a readable file") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        msg = f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        raise ConfigError(msg, hint="TOML files must be UTF-8: save pyproject.toml as UTF-8") from None
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
    compiler = _string(
        table, "compiler", defaults.compiler, source, hint=f'for example compiler = "{defaults.compiler}"'
    )
    if compiler not in COMPILERS:
        msg = f"{source}: [tool.nox_support] compiler = {compiler!r} is not supported"
        raise ConfigError(msg, hint=f"use one of: {', '.join(COMPILERS)}")
    python = table.get("python")
    if python is not None:
        python = _python_version(python, f"{source} [tool.nox_support] python")
    naming = _string(table, "service_names", defaults.service_names, source, hint='use "directory" or "path"')
    if naming not in SERVICE_NAMINGS:
        msg = f"{source}: [tool.nox_support] service_names = {naming!r} is not supported"
        raise ConfigError(
            msg,
            hint='use "directory" (default: the directory\'s name) or "path" '
            '(the path from the root with "/" replaced by "-")',
        )
    lock_format = _lock_format(table.get("lock_format", defaults.lock_format), compiler, source)
    globs = _str_tuple(table, "service_globs", defaults.service_globs, source)
    for glob in globs:
        _check_service_glob(glob, source)
    return Settings(
        service_globs=globs,
        constraints=_str_tuple(table, "constraints", (), source),
        compiler=compiler,
        compile_args=_str_tuple(table, "compile_args", (), source),
        python=python,
        services=_service_overrides(table.get("services", {}), source),
        service_names="path" if naming == "path" else "directory",
        tests=_tests_location(table.get("tests", DEFAULT_TESTS), f"{source} [tool.nox_support] tests"),
        test_layers=_test_layers(
            table.get("test_layers", list(DEFAULT_TEST_LAYERS)), f"{source} [tool.nox_support]"
        ),
        lock_format=lock_format,
    )


def _lock_format(value: object, compiler: str, source: str) -> LockFormat:
    """``requirements`` or ``pylock``; pylock only with uv, which writes PEP 751 files."""
    if value not in {"requirements", "pylock"}:
        msg = f"{source}: [tool.nox_support] lock_format = {value!r} is not supported"
        raise ConfigError(
            msg, hint='use "requirements" (default: requirements.txt) or "pylock" (pylock.toml)'
        )
    if value == "pylock" and compiler != "uv":
        where = f"{source}: [tool.nox_support]"
        msg = f'{where} lock_format = "pylock" needs compiler = "uv" (compiler is {compiler!r})'
        raise ConfigError(
            msg,
            hint='pip-compile cannot write PEP 751 files: set compiler = "uv", or remove lock_format to keep '
            "requirements.txt locks",
        )
    return "pylock" if value == "pylock" else "requirements"


def _test_layers(value: object, where: str) -> tuple[str, ...]:
    """A list of layer names (``["dev"]``, ``["test", "docs"]``); never ``main``, always set."""
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() and v != "main" for v in value)
    ):
        msg = f"{where} test_layers = {value!r} is not a list of layer names"
        raise ConfigError(
            msg,
            hint='for example test_layers = ["test"] (requirements-test.in, or a [dependency-groups] test); '
            "the main lock is always installed",
        )
    return tuple(dict.fromkeys(value))


def _check_service_glob(glob: str, source: str) -> None:
    where = f"{source}: [tool.nox_support] service_globs"
    hint = 'write globs relative to the repository root with "/", for example "services/*"'
    if not glob.strip():
        msg = f"{where}: an empty glob matches nothing"
        raise ConfigError(msg, hint=hint)
    if glob.startswith(("/", "\\")) or PureWindowsPath(glob).drive:
        msg = f"{where}: {glob!r} is an absolute path; services must live inside the repository"
        raise ConfigError(msg, hint=hint)
    if ".." in PurePosixPath(glob.replace("\\", "/")).parts:
        msg = f'{where}: {glob!r} leads outside the repository ("..")'
        raise ConfigError(msg, hint=hint)


def is_glob(pattern: str) -> bool:
    """Whether *pattern* holds a glob character (``*``, ``?`` or ``[``)."""
    return any(char in _GLOB_CHARS for char in pattern)


def _tests_location(value: object, where: str) -> str:
    """A tests path or glob relative to a service directory (checked again against each service)."""
    if not isinstance(value, str) or not value.strip():
        msg = f"{where} = {value!r} is not a path"
        raise ConfigError(msg, hint='for example tests = "tests" or tests = "../tests/unit"')
    if value.startswith("/") or "\\" in value or PureWindowsPath(value).drive:
        msg = f'{where} = {value!r} is not a relative path with "/"'
        raise ConfigError(
            msg, hint='write it relative to the service\'s directory, for example "../tests/unit"'
        )
    return value


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
        tests = entry.get("tests")
        layers = entry.get("test_layers")
        overrides[name] = ServiceOverride(
            python=None if python is None else _python_version(python, f"{where} python"),
            tests=None if tests is None else _tests_location(tests, f"{where} tests"),
            test_layers=None if layers is None else _test_layers(layers, where),
        )
    return overrides


def toml_type(value: object) -> str:
    """How TOML calls the type of *value*, for a message ("an array", "a table") (pure)."""
    kinds: tuple[tuple[type | tuple[type, ...], str], ...] = (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        ((list, tuple), "an array"),
        (dict, "a table"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), "a date or time")


def wrong_type(where: str, expected: str, value: object, *, hint: str) -> ConfigError:
    """The error for a setting of the wrong type, naming the key and the type it must have."""
    return ConfigError(f"{where} must be {expected}, not {toml_type(value)}", hint=hint)


def _string(table: Mapping[str, object], key: str, default: str, source: str, *, hint: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise wrong_type(f"{source}: [tool.nox_support] {key}", "a string", value, hint=hint)
    return value


def _str_tuple(
    table: Mapping[str, object], key: str, default: tuple[str, ...], source: str
) -> tuple[str, ...]:
    value = table.get(key, default)
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        msg = f"{source}: [tool.nox_support] {key} must be a list of strings, not {toml_type(value)}"
        raise ConfigError(msg, hint=f'for example {key} = ["..."]')
    if not all(isinstance(v, str) for v in value):
        msg = f"{source}: [tool.nox_support] {key} must contain only strings"
        raise ConfigError(msg)
    return tuple(value)


def reject_unknown_keys(table: Mapping[str, object], known: frozenset[str], where: str) -> None:
    """Raise :class:`ConfigError` for the first key of *table* not in *known*, with a suggestion."""
    for key in table:
        if key not in known:
            close = closest(key, known)
            hint = f"did you mean {close!r}?" if close else f"known keys: {', '.join(sorted(known))}"
            msg = f"{where}: unknown key {key!r}"
            raise ConfigError(msg, hint=hint)


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice most like *word*, when one is close enough to suggest (pure)."""
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return close[0] if close else None
