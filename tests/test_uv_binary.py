"""Which uv compiles, and what a lock gets when uv gives no hash: clear errors, nothing invented."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.utils import NormalizedName
from packaging.version import Version

from nox_support import _compat
from nox_support.lock.compile import uv
from nox_support.lock.compile.interface import CompilerError


@pytest.fixture
def fresh_lookup() -> Iterator[None]:
    """The uv lookups are cached per process: forget them around the test."""
    uv._uv.cache_clear()
    yield
    uv._uv.cache_clear()


def _script(directory: Path, output: str) -> str:
    path = directory / "uv"
    path.write_text(f"#!{sys.executable}\nprint({output!r})\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


@pytest.mark.usefixtures("fresh_lookup")
def test_uv_missing_says_how_to_install_it_or_use_pip_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compat, "uv_binary", lambda: None)
    with pytest.raises(CompilerError) as info:
        uv._uv()
    assert str(info.value) == (
        '[tool.nox_support] compiler = "uv", but uv is not installed\n'
        '  hint: pip install "nox-support[uv]" (or uv), or use compiler = "pip-tools"'
    )


@pytest.mark.usefixtures("fresh_lookup")
def test_a_uv_on_path_is_asked_its_version_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = _script(tmp_path, "uv 0.9.1 (a1b2c3 2025-10-01)")
    monkeypatch.setattr(_compat, "uv_binary", lambda: binary)
    assert (uv._uv().binary, uv._uv().version) == (binary, "0.9.1")


@pytest.mark.usefixtures("fresh_lookup")
def test_a_uv_whose_version_cannot_be_read_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary = _script(tmp_path, "ruff 0.6.0")
    monkeypatch.setattr(_compat, "uv_binary", lambda: binary)
    with pytest.raises(CompilerError) as info:
        uv._uv()
    assert str(info.value) == f"cannot read the version of {binary} from 'ruff 0.6.0'\n  hint: reinstall uv"


def test_a_pin_without_any_hash_keeps_a_plain_line() -> None:
    def no_hashes(name: NormalizedName, version: Version) -> frozenset[str]:
        del name, version
        return frozenset()

    text = "alpha==1.0 \\\n    # via -r requirements.in\nodd==not.a.version \\\n    # via alpha\n"
    assert uv.complete_hashes(text, no_hashes) == (
        "alpha==1.0\n    # via -r requirements.in\nodd==not.a.version\n    # via alpha\n"
    )
