"""Hostile ``pyproject.toml`` settings: one clear message, never a traceback.

Each case goes through the function the noxfile calls while Nox imports it
(:func:`nox_support.sessions.service_names`), which prints the message and exits with 2;
one test runs ``nox -l`` for real to show that no traceback reaches the user.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support import sessions
from tests.noxrun import run_nox
from tests.repos import monorepo, write

NON_UTF8 = b'[tool.nox_support]\nservice_globs = ["caf\xe9/*"]\n'


def _two_services(root: Path) -> Path:
    return monorepo(root, {"orders": "alpha\n", "payments": "beta\n"})


def _exit_message(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        sessions.service_names(root)
    assert info.value.code == 2
    return capsys.readouterr().err


def _non_utf8(root: Path) -> str:
    (root / "pyproject.toml").write_bytes(NON_UTF8)
    offset = NON_UTF8.index(b"\xe9")
    return (
        f"nox-support: {root.resolve() / 'pyproject.toml'}:2: not UTF-8 text (byte 0xe9 at offset {offset})\n"
        "  hint: TOML files must be UTF-8: save pyproject.toml as UTF-8\n"
    )


def _absolute_glob(root: Path) -> str:
    write(root / "pyproject.toml", '[tool.nox_support]\nservice_globs = ["/srv/services/*"]\n')
    return (
        f"nox-support: {root.resolve() / 'pyproject.toml'}: [tool.nox_support] service_globs: "
        "'/srv/services/*' is an absolute path; services must live inside the repository\n"
        '  hint: write globs relative to the repository root with "/", for example "services/*"\n'
    )


def _override_for_no_service(root: Path) -> str:
    write(root / "pyproject.toml", '[tool.nox_support.services.ordrs]\npython = "3.12"\n')
    return (
        f"nox-support: {root.resolve() / 'pyproject.toml'}: "
        "[tool.nox_support.services.ordrs] names no service\n"
        "  hint: did you mean 'orders'?\n"
    )


CASES = {
    "non-utf8-pyproject": _non_utf8,
    "absolute-service-glob": _absolute_glob,
    "override-naming-no-service": _override_for_no_service,
}


@pytest.mark.parametrize("case", CASES)
def test_bad_settings_stop_with_one_message(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _two_services(tmp_path)
    expected = CASES[case](root)
    assert _exit_message(root, capsys) == expected


def test_override_for_no_service_lists_the_services_when_none_is_close(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _two_services(tmp_path)
    write(root / "pyproject.toml", '[tool.nox_support.services.zzz]\ntests = "spec"\n')
    assert _exit_message(root, capsys) == (
        f"nox-support: {root.resolve() / 'pyproject.toml'}: "
        "[tool.nox_support.services.zzz] names no service\n"
        "  hint: services: orders, payments\n"
    )


def test_absolute_windows_glob_is_refused_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _two_services(tmp_path)
    write(root / "pyproject.toml", "[tool.nox_support]\nservice_globs = ['C:\\services\\*']\n")
    assert "'C:\\\\services\\\\*' is an absolute path" in _exit_message(root, capsys)


def test_unreadable_pyproject_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _two_services(tmp_path)
    (root / "pyproject.toml").mkdir()
    assert _exit_message(root, capsys) == (
        "nox-support: pyproject.toml is a directory, not a regular file\n"
        "  hint: replace pyproject.toml with a regular file\n"
    )


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_nox_shows_the_message_without_a_traceback(case: str, tmp_path: Path) -> None:
    root = _two_services(tmp_path)
    expected = CASES[case](root)
    result = run_nox(root, "-l", timeout=120)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
