"""``[tool.nox_support.ci]``: how the GitHub Actions matrix is built (pure parsing)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from nox_support.config import load_tool_table, reject_unknown_keys
from nox_support.core.errors import ConfigError

MissingTests = Literal["fail", "skip"]

GITHUB_MATRIX_LIMIT = 256
"""GitHub refuses a matrix with more jobs than this."""

ALWAYS_AFFECTS_ALL = (
    "noxfile.py",
    "pyproject.toml",
    "nox_support/",
    ".github/workflows/",
    ".github/tools/",
    ".github/actions/",
)
"""Changes here affect every service (a trailing ``/`` means the whole directory).

The workflows, their local actions (``.github/actions/``, which install the tools) and the
pinned tool environment (``.github/tools/``) decide how every service is checked, so a pull
request changing them must run every check.  Test configuration above the services
(``conftest.py``, ``pytest.ini``, ``tox.ini``, ``setup.cfg``) is handled in
:mod:`nox_support.ci.affected`: it affects the services below it.
"""

_KEYS = ("shard_size", "max_jobs", "missing_tests", "affects_all")


@dataclass(frozen=True)
class CiSettings:
    """Validated ``[tool.nox_support.ci]``."""

    shard_size: int = 1
    """Services per matrix job (raised automatically when ``max_jobs`` would be exceeded)."""
    max_jobs: int = GITHUB_MATRIX_LIMIT
    """Most jobs one matrix may have (at most GitHub's 256)."""
    missing_tests: MissingTests = "skip"
    """A service without tests: ``"skip"`` (reported as "no tests", never as passed) or ``"fail"``."""
    affects_all: tuple[str, ...] = ()
    """Extra paths whose change affects every service (added to :data:`ALWAYS_AFFECTS_ALL`)."""

    @property
    def global_paths(self) -> tuple[str, ...]:
        """Every path whose change affects all services."""
        return ALWAYS_AFFECTS_ALL + tuple(p for p in self.affects_all if p not in ALWAYS_AFFECTS_ALL)


def load_ci_settings(root: Path) -> CiSettings:
    """Read ``[tool.nox_support.ci]`` of ``root/pyproject.toml``."""
    table = load_tool_table(root).get("ci", {})
    return parse_ci_settings(table, source=str(root / "pyproject.toml"))


def parse_ci_settings(table: object, *, source: str = "pyproject.toml") -> CiSettings:
    """Validate the ``ci`` sub-table strictly: unknown keys and wrong types are errors."""
    where = f"{source} [tool.nox_support.ci]"
    if not isinstance(table, Mapping):
        msg = f"{where} must be a table"
        raise ConfigError(msg, hint="write it as [tool.nox_support.ci] with key = value lines")
    reject_unknown_keys(table, frozenset(_KEYS), where)
    defaults = CiSettings()
    missing_tests = table.get("missing_tests", defaults.missing_tests)
    if missing_tests not in ("fail", "skip"):
        msg = f"{where}: missing_tests = {missing_tests!r} is not 'fail' or 'skip'"
        raise ConfigError(msg, hint='missing_tests = "skip" (default) or "fail"')
    return CiSettings(
        shard_size=positive_int(table.get("shard_size", defaults.shard_size), f"{where} shard_size"),
        max_jobs=max_jobs(table.get("max_jobs", defaults.max_jobs), f"{where} max_jobs"),
        missing_tests="skip" if missing_tests == "skip" else "fail",
        affects_all=_paths(table.get("affects_all", ()), f"{where} affects_all"),
    )


def positive_int(value: object, where: str) -> int:
    """*value* as an integer >= 1 (``bool`` is refused although it is an ``int``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{where} = {value!r} is not a whole number of at least 1"
        raise ConfigError(msg, hint="for example 4")
    return value


def max_jobs(value: object, where: str) -> int:
    """*value* as a job count between 1 and GitHub's limit."""
    number = positive_int(value, where)
    if number > GITHUB_MATRIX_LIMIT:
        msg = f"{where} = {number} is above GitHub's matrix limit of {GITHUB_MATRIX_LIMIT} jobs"
        raise ConfigError(msg, hint=f"use at most {GITHUB_MATRIX_LIMIT}")
    return number


def _paths(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        msg = f"{where} must be a list of repository-relative paths"
        raise ConfigError(msg, hint='for example affects_all = [".github/workflows/ci.yml", "tools/"]')
    out = []
    for item in value:
        if not isinstance(item, str) or not item or item.startswith(("/", "../")) or "\\" in item:
            msg = f"{where}: {item!r} is not a repository-relative path"
            raise ConfigError(msg, hint='use forward slashes relative to the root; end directories with "/"')
        out.append(item.removeprefix("./"))
    return tuple(out)
