"""Files read from the repository stay in the repository: regular, inside it, bounded.

A committed ``.python-version``, ``pyproject.toml``, ``.in`` file or local package metadata is
someone else's text.  Each case names the file and is refused with one message that quotes at
most a short, neutralized excerpt; nothing outside the repository is ever read or shown.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nox_support import sessions
from nox_support.config import load_settings
from nox_support.core import repofiles
from nox_support.discovery import discover
from nox_support.lock.inputs import collect
from tests.noxrun import run_nox
from tests.repos import local_package, monorepo, write

SECRET = "tok-SECRET-4242"  # noqa: S105 - a planted value the output must not show
OUTSIDE_HINT = "(nothing outside the repository is read)"


def _repo(tmp_path: Path) -> Path:
    return monorepo(tmp_path / "repo", {"orders": "alpha\n", "payments": "beta\n"})


def _exit_message(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        sessions.service_names(root)
    assert info.value.code == 2
    return capsys.readouterr().err


def _outside(shown: str) -> str:
    return (
        f"nox-support: {shown} is a link to a file outside the repository\n"
        f"  hint: replace {shown} with a regular file {OUTSIDE_HINT}\n"
    )


def _netrc(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    netrc = home / ".netrc"
    netrc.write_text(f"machine pypi.example.com login ci password {SECRET}\n", encoding="utf-8")
    return netrc


def test_a_python_version_linked_to_the_environment_shows_nothing_of_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path)
    monkeypatch.setenv("CI_DEPLOY_TOKEN", SECRET)
    (root / "services" / "orders" / ".python-version").symlink_to("/proc/self/environ")
    message = _exit_message(root, capsys)
    assert message == _outside("services/orders/.python-version")
    assert SECRET not in message


def test_a_python_version_linked_to_netrc_shows_nothing_of_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    (root / "services" / "payments" / ".python-version").symlink_to(_netrc(tmp_path))
    message = _exit_message(root, capsys)
    assert message == _outside("services/payments/.python-version")
    assert SECRET not in message


def test_a_python_version_linked_inside_the_repository_is_read(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    write(root / ".python-version", "3.12\n")
    (root / "services" / "orders" / ".python-version").symlink_to("../../.python-version")
    (orders, _) = discover(root, load_settings(root))
    assert (orders.python, orders.python_source) == ("3.12", "services/orders/.python-version")


def test_a_bad_python_version_is_quoted_short_and_neutralized(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    line = "\x1b[2J::add-mask::x " + "y" * 30 + SECRET
    write(root / "services" / "orders" / ".python-version", line + "\n")
    assert _exit_message(root, capsys) == (
        "nox-support: services/orders/.python-version:1: cannot read a Python version from "
        '"\\x1b[2J::add-mask::x yyyyyyyyyyyyyyyyyyyyyy..."\n'
        '  hint: write a version such as "3.11" on the first line\n'
    )


def test_a_python_version_that_is_a_fifo_is_refused_not_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    os.mkfifo(root / "services" / "orders" / ".python-version")
    assert _exit_message(root, capsys) == (
        "nox-support: services/orders/.python-version is a FIFO (named pipe), not a regular file\n"
        "  hint: replace services/orders/.python-version with a regular file\n"
    )


def test_a_pyproject_linked_outside_the_repository_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    outside = write(tmp_path / "elsewhere.toml", f'[tool.nox_support]\npython = "{SECRET}"\n')
    (root / "pyproject.toml").symlink_to(outside)
    message = _exit_message(root, capsys)
    assert message == _outside("pyproject.toml")


def test_local_package_metadata_linked_outside_is_refused(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    package = local_package(root / "libs" / "common", "acme-common")
    (package / "setup.cfg").symlink_to(_netrc(tmp_path))
    write(root / "services" / "orders" / "requirements.in", "../../libs/common\n")
    project_settings = load_settings(root)
    orders = discover(root, project_settings)[0]
    with pytest.raises(repofiles.RepoFileError) as info:
        collect(root, orders, orders.main, project_settings)
    assert str(info.value) == (
        "libs/common/setup.cfg is a link to a file outside the repository\n"
        f"  hint: replace libs/common/setup.cfg with a regular file {OUTSIDE_HINT}"
    )


def test_an_oversized_requirements_file_is_refused(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    big = "alpha\n" + "# padding\n" * (repofiles.MAX_BYTES // 10 + 1)
    write(root / "services" / "orders" / "requirements.in", big)
    project_settings = load_settings(root)
    orders = discover(root, project_settings)[0]
    with pytest.raises(repofiles.RepoFileError) as info:
        collect(root, orders, orders.main, project_settings)
    assert str(info.value) == (
        "services/orders/requirements.in is larger than 4096 KiB\n"
        "  hint: a file nox-support reads from the repository is small text; check what it is"
    )


def test_the_excerpt_is_short_and_neutral() -> None:
    assert repofiles.excerpt("::error::3.x\n::error::boom") == '"\\::error::3.x\\n::error::boom"'
    assert repofiles.excerpt("z" * 50) == f'"{"z" * 40}..."'


@pytest.mark.slow
def test_nox_list_shows_one_message_and_not_the_environment(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "services" / "orders" / ".python-version").symlink_to("/proc/self/environ")
    result = run_nox(
        root,
        "-l",
        timeout=120,
        env={**os.environ, "CI_DEPLOY_TOKEN": SECRET},
    )
    assert result.returncode != 0
    assert SECRET not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert _outside("services/orders/.python-version") in result.stderr
