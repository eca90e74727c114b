"""``[tool.nox_support] compiler`` picks the compiler implementation."""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.compile.factory import compiler_for
from nox_support.compile.piptools import PipToolsCompiler
from nox_support.compile.uv import UvCompiler
from nox_support.config import Settings, parse_settings


@pytest.mark.parametrize(("name", "kind"), [("pip-tools", PipToolsCompiler), ("uv", UvCompiler)])
def test_the_configured_compiler_is_built_for_the_root(tmp_path: Path, name: str, kind: type) -> None:
    compiler = compiler_for(tmp_path, parse_settings({"compiler": name}))
    assert type(compiler) is kind
    assert compiler.identity().startswith(f"{name}==")


def test_pip_tools_is_the_default(tmp_path: Path) -> None:
    assert type(compiler_for(tmp_path, Settings())) is PipToolsCompiler
