"""Attacks on the venv sync (and uv's compile): repository configuration tries to switch verification off.

The threat model: a contributor commits a ``uv.toml`` (or a ``[tool.uv]`` table) that uv finds from
the sync's working directory, with ``verify-hashes = false``, ``no-index`` and ``find-links`` to a
directory holding a wheel of a locked package's name and version with other bytes (and a ``.pth``
that runs at every interpreter start).  Before the fix the sync installed that wheel: freshness said
fresh and the audit said clean.  Where packages come from is the user's configuration (here pip's,
as the pip-tools compiler read it); whether they are verified never comes from anywhere.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from nox_support.core.errors import NoxSupportError
from nox_support.core.redact import redact
from nox_support.lock.compile.interface import KeepPins
from nox_support.lock.orchestrate import LockArgs, lock_service
from nox_support.lock.toolenv import python_for
from nox_support.project import Project
from nox_support.venv import sync as venv_sync
from nox_support.venv import values as venv_values
from tests.audit.conftest import FakeSession, make_repo, wheel_hash
from tests.repos import monorepo, write
from tests.wheels import Dist, build_all, build_wheel, write_wheel

pytestmark = pytest.mark.slow

PLANTED_UV_TOML = """
no-index = true
find-links = ["{evil}"]

[pip]
verify-hashes = false
no-index = true
find-links = ["{evil}"]
"""


def evil_wheelhouse(directory: Path) -> Path:
    """``alpha-1.0`` with other bytes than the locked one, and a ``.pth`` that leaves a mark."""
    wheel = build_wheel(Dist("alpha", "1.0", license_expression="LicenseRef-Evil"), directory)
    with zipfile.ZipFile(wheel) as archive:
        files = {name: archive.read(name) for name in archive.namelist() if not name.endswith("/RECORD")}
    files["alpha_evil.pth"] = b"import pathlib; pathlib.Path(__file__).with_name('PWNED').touch()\n"
    write_wheel(wheel, files)
    return directory


@pytest.fixture
def repo(tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A service locked (by pip-tools) to ``alpha==1.0``; the index is configured for pip only."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    monkeypatch.delenv("UV_NO_CONFIG")  # the test suite's own guard; users do not set it
    return make_repo(tmp_path / "repo", wheelhouse, {"svc": {"alpha": "1.0"}}, common=False)


def sync(root: Path) -> venv_values.SyncResult:
    svc = Project.load(root).service("svc")
    session = FakeSession(root / ".nox" / "audit-svc")
    return venv_sync.sync_venv(session.as_nox(), svc, (svc.main.lock,), purpose="audit")


def assert_the_locked_wheel_is_installed(result: venv_values.SyncResult) -> None:
    site = next(result.venv.glob("lib/*/site-packages"))
    assert not (site / "alpha_evil.pth").exists()
    assert not (site / "PWNED").exists()
    metadata = (site / "alpha-1.0.dist-info" / "METADATA").read_text(encoding="utf-8")
    assert "Evil" not in metadata  # the locked wheel, not the planted one


@pytest.mark.parametrize(
    "planted",
    [
        pytest.param("uv.toml", id="uv.toml-at-the-root"),
        pytest.param("services/svc/uv.toml", id="uv.toml-in-the-service-directory"),
        pytest.param("pyproject.toml", id="tool.uv-in-the-root-pyproject"),
        pytest.param("services/svc/pyproject.toml", id="tool.uv-in-the-service-pyproject"),
    ],
)
def test_uv_configuration_in_the_repository_never_applies_to_the_sync(
    repo: Path, tmp_path: Path, planted: str
) -> None:
    evil = evil_wheelhouse(tmp_path / "evil")
    text = PLANTED_UV_TOML.format(evil=evil.as_posix())
    if planted.endswith("pyproject.toml"):
        text = text.replace("\n[pip]", "\n[tool.uv.pip]")
        text = "[tool.uv]" + text
    write(repo / planted, text)

    result = sync(repo)

    assert isinstance(result, venv_values.Synced)
    assert_the_locked_wheel_is_installed(result)


def test_the_environment_cannot_switch_hash_checking_off_either(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pip's and uv's configuration find only the other bytes, and uv is told not to verify hashes.
    evil = evil_wheelhouse(tmp_path / "evil")
    monkeypatch.setenv("PIP_FIND_LINKS", str(evil))
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_FIND_LINKS", str(evil))
    monkeypatch.setenv("UV_NO_VERIFY_HASHES", "1")

    with pytest.raises(NoxSupportError, match=r"[Hh]ash") as raised:
        sync(repo)

    assert "alpha" in str(raised.value)
    site = next((repo / ".nox" / "audit-svc").glob("lib/*/site-packages"))
    assert not (site / "alpha_evil.pth").exists()


# --- The uv compiler reads the same configuration as the sync ----------------------------------


def test_a_uv_toml_in_the_repository_never_reaches_a_lock_compiled_by_uv(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The user's own uv.toml finds the wheelhouse; the repository's points at other bytes.
    monkeypatch.delenv("UV_NO_CONFIG")
    config_home = tmp_path / "config"
    write(config_home / "uv" / "uv.toml", f'no-index = true\nfind-links = ["{wheelhouse.as_posix()}"]\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    evil = evil_wheelhouse(tmp_path / "evil")
    root = monorepo(
        tmp_path / "repo", {"svc": "alpha==1.0\n"}, pyproject='[tool.nox_support]\ncompiler = "uv"\n'
    )
    write(root / "uv.toml", PLANTED_UV_TOML.format(evil=evil.as_posix()))
    project = Project.load(root)

    lock_service(project, project.service("svc"), LockArgs(KeepPins(), force=False))

    lock = (root / "services/svc/requirements.txt").read_text(encoding="utf-8")
    assert wheel_hash(wheelhouse, "alpha", "1.0") in lock
    assert wheel_hash(evil, "alpha", "1.0") not in lock


# --- Credentials in the index configuration ----------------------------------------------------


def test_a_credential_in_pips_index_url_reaches_no_log_line_nor_error(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An index nobody answers on: the sync fails, and says so without the token.
    monkeypatch.delenv("PIP_NO_INDEX")
    monkeypatch.delenv("PIP_FIND_LINKS")
    monkeypatch.setenv("PIP_INDEX_URL", "http://deploy:tok3n-value@127.0.0.1:9/simple?key=k3y-value")
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    svc = Project.load(repo).service("svc")
    session = FakeSession(repo / ".nox" / "audit-svc")

    with pytest.raises(NoxSupportError) as raised:
        venv_sync.sync_venv(session.as_nox(), svc, (svc.main.lock,), purpose="audit")

    shown = "\n".join([*session.logs, redact(str(raised.value))])
    # The machine's index settings are summarised in the command shown, never spelled out.
    assert "uv pip sync --no-config '(index settings of pip)' --python" in shown
    assert "127.0.0.1:9/simple" not in session.logs[-1]
    assert "tok3n-value" not in shown
    assert "k3y-value" not in shown


# --- The tool environment of another target Python ---------------------------------------------


def test_a_uv_toml_in_the_repository_never_chooses_the_compiler_a_tool_venv_installs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Python "3.99" is this interpreter under another name, so lock needs a tool venv for it; the
    # user's pip finds the real pip-tools series, the repository's uv.toml a newer one of its own.
    bindir = tmp_path / "pyenv" / "versions" / "3.99.0" / "bin"
    bindir.mkdir(parents=True)
    (bindir / "python3.99").symlink_to(Path(sys.executable).resolve())
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setattr("nox_support.lock.toolenv.distribution_version", lambda _name: "7.7.0")
    tools = build_all((Dist("pip-tools", "7.6.0", ("click>=8",)), Dist("click", "8.1.0")), tmp_path / "tools")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tools))
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.delenv("UV_NO_CONFIG")
    evil = build_all((Dist("pip-tools", "7.9.9", ("click>=8",)), Dist("click", "8.1.0")), tmp_path / "evil")
    root = tmp_path / "repo"
    write(root / "uv.toml", PLANTED_UV_TOML.format(evil=evil.as_posix()))
    monkeypatch.chdir(root)

    tool = python_for(root, "3.99", purpose="pip-tools", packages=("pip-tools",))

    assert tool.releases == ("pip-tools==7.6.0",)
