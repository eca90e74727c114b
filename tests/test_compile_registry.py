"""The compiler registry: one line per compiler, and the config accepts exactly those names."""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.config import parse_settings
from nox_support.core.errors import ConfigError
from nox_support.lock.compile.piptools import PipToolsCompiler
from nox_support.lock.compile.registry import COMPILERS, DEFAULT_COMPILER, compiler_for
from nox_support.lock.compile.uv import UvCompiler


def test_each_registered_name_builds_its_compiler_for_the_root(tmp_path: Path) -> None:
    built = {name: compiler_for(tmp_path, name) for name in COMPILERS}
    assert built == {"pip-tools": PipToolsCompiler(tmp_path), "uv": UvCompiler(tmp_path)}
    assert {name: compiler.name for name, compiler in built.items()} == {"pip-tools": "pip-tools", "uv": "uv"}


def test_the_default_compiler_is_pip_tools() -> None:
    assert DEFAULT_COMPILER == "pip-tools"
    assert parse_settings({}).compiler == "pip-tools"


def test_the_config_accepts_registered_names_and_lists_them_for_others() -> None:
    assert parse_settings({"compiler": "uv"}).compiler == "uv"
    with pytest.raises(ConfigError) as caught:
        parse_settings({"compiler": "poetry"}, source="pyproject.toml")
    assert str(caught.value) == (
        "pyproject.toml: [tool.nox_support] compiler = 'poetry' is not supported\n"
        "  hint: use one of: pip-tools, uv"
    )
