"""One interpreter lookup for every session: the running Python, PATH, pyenv, asdf, uv."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from nox_support import _compat
from nox_support.ci.noxlist import parse_session_list
from nox_support.discovery import running_python
from nox_support.interpreters import (
    InterpreterNotFoundError,
    Searched,
    find_interpreter,
    require_interpreter,
    without_downloads,
)
from nox_support.sessions import service_params
from tests.repos import monorepo, write


def _fake_python(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_interpreters_are_found_where_pyenv_asdf_and_uv_install_them(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shims = home / ".pyenv/shims"
    _fake_python(shims / "python3.9")  # a pyenv shim of a version that is not selected: never used
    _fake_python(home / ".asdf/shims/python3.7")
    _fake_python(home / ".pyenv/versions/3.9.2/bin/python3.9")
    newest = _fake_python(home / ".pyenv/versions/3.9.18/bin/python3.9")
    uv_managed = _fake_python(home / ".local/share/uv/python/cpython-3.8.20-linux-x86_64-gnu/bin/python3.8")
    asdf = _fake_python(home / ".asdf/installs/python/3.10.4/bin/python3.10")
    _fake_python(home / ".local/share/uv/python/cpython-3.10.19-linux-x86_64-gnu/bin/python3.10")
    environ = {"PATH": f"{shims}:{home / '.asdf/shims'}:{tmp_path / 'empty'}"}
    running = ("3.0", Path("/nowhere/python3.0"))

    assert find_interpreter("3.9", environ=environ, home=home, running=running) == newest
    assert find_interpreter("3.8", environ=environ, home=home, running=running) == uv_managed
    assert find_interpreter("3.10", environ=environ, home=home, running=running) == asdf  # before uv's
    on_path = _fake_python(tmp_path / "bin/python3.8")
    environ["PATH"] += f":{on_path.parent}"
    assert find_interpreter("3.8", environ=environ, home=home, running=running) == on_path
    assert find_interpreter("3.7", environ=environ, home=home, running=running) == Searched(
        "3.7",
        (
            "python3.7 on PATH (shims skipped)",
            f"{home}/.pyenv/versions/3.7.*",
            f"{home}/.asdf/installs/python/3.7.*",
            f"{home}/.local/share/uv/python/cpython-3.7.*",
        ),
    )


def test_the_install_roots_follow_their_tools_variables(tmp_path: Path) -> None:
    pyenv = _fake_python(tmp_path / "pyenv/versions/3.9.1/bin/python3.9")
    asdf = _fake_python(tmp_path / "asdf/installs/python/3.8.3/bin/python3.8")
    uv = _fake_python(tmp_path / "uv/cpython-3.7.9-linux-x86_64-gnu/bin/python3.7")
    environ = {
        "PATH": str(tmp_path / "empty"),
        "PYENV_ROOT": str(tmp_path / "pyenv"),
        "ASDF_DATA_DIR": str(tmp_path / "asdf"),
        "UV_PYTHON_INSTALL_DIR": str(tmp_path / "uv"),
    }
    home = tmp_path / "home"
    running = ("3.0", Path("/nowhere/python3.0"))
    assert find_interpreter("3.9", environ=environ, home=home, running=running) == pyenv
    assert find_interpreter("3.8", environ=environ, home=home, running=running) == asdf
    assert find_interpreter("3.7", environ=environ, home=home, running=running) == uv


def test_the_running_python_is_its_own_version_before_any_other(tmp_path: Path) -> None:
    on_path = _fake_python(tmp_path / "bin" / f"python{running_python()}")
    environ = {"PATH": str(on_path.parent)}
    assert find_interpreter(running_python(), environ=environ, home=tmp_path) == Path(sys.executable)


def test_a_missing_python_is_named_with_the_service_and_how_to_provide_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    for name in ("PYENV_ROOT", "ASDF_DATA_DIR", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(InterpreterNotFoundError) as info:
        require_interpreter("3.99", service="api")
    assert str(info.value) == (
        "service 'api' targets Python 3.99, which is not installed; looked for python3.99 on PATH "
        f"(shims skipped), {tmp_path}/.pyenv/versions/3.99.*, {tmp_path}/.asdf/installs/python/3.99.*, "
        f"{tmp_path}/.local/share/uv/python/cpython-3.99.*\n"
        "  hint: install it (pyenv install 3.99, uv python install 3.99 or the system's package), or set the "
        f"service's target Python to one that is installed (this one is {running_python()}); "
        "nox-support never downloads interpreters"
    )


def test_downloads_are_off_unless_the_user_chose_otherwise() -> None:
    assert without_downloads({"PATH": "/bin"}) == {"PATH": "/bin", "UV_PYTHON_DOWNLOADS": "never"}
    assert without_downloads({"UV_PYTHON_DOWNLOADS": ""})["UV_PYTHON_DOWNLOADS"] == "never"
    chosen = {"UV_PYTHON_DOWNLOADS": "automatic"}
    assert without_downloads(chosen) == chosen


def test_sessions_get_the_path_found_and_a_missing_python_gets_no_venv_instead_of_a_skip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "")
    root = monorepo(tmp_path / "repo", {"api": "alpha\n", "legacy": "alpha\n"})
    write(root / "services/legacy/.python-version", "3.99\n")
    write(root / "services/api/.python-version", f"{running_python()}\n")

    params = service_params(root)

    assert [(p.args, p.id) for p in params] == [  # type: ignore[attr-defined]
        ((sys.executable, "api"), "api"),
        ((False, "legacy"), "legacy"),
    ]
    assert os.environ["UV_PYTHON_DOWNLOADS"] == "never"  # Nox's uv venvs and every uv run after it


def test_nox_is_told_never_to_download_where_it_has_that_option() -> None:
    def newer(envdir: str, download_python: str = "auto") -> None:
        del envdir, download_python

    def older(envdir: str) -> None:
        del envdir

    assert _compat._without_downloads(newer, {"envdir": "x"}) == {"envdir": "x", "download_python": "never"}
    assert _compat._without_downloads(older, {"envdir": "x"}) == {"envdir": "x"}


def test_the_ci_matrix_never_takes_an_interpreter_path_for_a_python_version() -> None:
    listed = [
        {"session": "audit(a)", "name": "audit", "python": "/home/me/.pyenv/versions/3.12.1/bin/python3.12"},
        {"session": "audit(b)", "name": "audit", "python": "C:\\Python312\\python.exe"},
        {"session": "audit(c)", "name": "audit", "python": False},
        {"session": "tests-3.13(a)", "name": "tests", "python": "3.13"},  # forced with -P: kept
    ]
    assert [s.python for s in parse_session_list(json.dumps(listed))] == [None, None, None, "3.13"]
