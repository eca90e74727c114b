"""``audit`` and ``tests`` find interpreters as ``lock`` does; a missing one is an error, not a skip."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from packaging.version import Version

from nox_support.ci.noxlist import parse_session_list
from nox_support.discovery import running_python
from tests.audit.conftest import make_repo, osv_record, write_osv_db
from tests.noxrun import run_nox
from tests.repos import stamp_lock, write

pytestmark = pytest.mark.slow

CLOSED_PORT = "http://127.0.0.1:9"


def _other_installed_python() -> tuple[str, Path]:
    """A CPython under ~/.pyenv/versions whose X.Y is not the running one (3.12.1 on the dev machine)."""
    installs = Path.home().glob(".pyenv/versions/3.*.*")
    for install in sorted(
        installs, key=lambda p: Version(p.name) if p.name[-1].isdigit() else Version("0"), reverse=True
    ):
        version = ".".join(install.name.split(".")[:2])
        if version != running_python() and (install / "bin" / f"python{version}").exists():
            return version, install
    pytest.fail("this test needs a second CPython under ~/.pyenv/versions (pyenv install 3.12)")


@pytest.fixture
def setup(
    tmp_path: Path, offline_env: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, dict[str, str], str]:
    """Service ``shop`` on a Python found only in a fake pyenv root; ``legacy`` on one found nowhere."""
    version, install = _other_installed_python()
    pyenv = tmp_path / "pyenv"
    (pyenv / "versions").mkdir(parents=True)
    (pyenv / "versions" / install.name).symlink_to(install)
    root = make_repo(
        tmp_path / "repo", offline_env, {"shop": {"alpha": "1.1"}, "legacy": {"alpha": "1.1"}}, common=False
    )
    write(root / "services/shop/.python-version", f"{version}\n")
    write(root / "services/legacy/.python-version", "3.99\n")
    for service in ("shop", "legacy"):
        stamp_lock(root, service)
    monkeypatch.setenv(
        "NOX_SUPPORT_OSV_DB",
        str(write_osv_db(tmp_path / "db", [osv_record("PYSEC-2099-7", "alpha", fixed="1.1")])),
    )
    env = {
        **os.environ,
        # The running Python's directory and the system's, never pyenv's shims.
        "PATH": os.pathsep.join((str(Path(sys.executable).parent), "/usr/bin", "/bin")),
        "PYENV_ROOT": str(pyenv),
        "ASDF_DATA_DIR": str(tmp_path / "no-asdf"),
        "UV_PYTHON_INSTALL_DIR": str(tmp_path / "uv-pythons"),
        "HTTP_PROXY": CLOSED_PORT,
        "HTTPS_PROXY": CLOSED_PORT,
        "ALL_PROXY": CLOSED_PORT,
        "NO_PROXY": "",
    }
    env.pop("CI", None)
    (tmp_path / "uv-pythons").mkdir()
    return root, env, version


def test_audit_uses_the_interpreter_lock_finds_and_a_missing_one_fails_the_run(
    setup: tuple[Path, dict[str, str], str], tmp_path: Path
) -> None:
    root, env, version = setup

    listed = json.loads(run_nox(root, "-l", "--json", "-s", "audit", env=env).stdout)
    pythons = {entry["call_spec"]["service"]: entry["python"] for entry in listed}
    assert pythons == {
        "legacy": False,
        "shop": str(tmp_path / "pyenv" / "versions" / _install(tmp_path) / "bin" / f"python{version}"),
    }
    # The CI matrix takes the service's own Python, never this machine's path.
    assert {s.service: s.python for s in parse_session_list(json.dumps(listed))} == {
        "legacy": None,
        "shop": None,
    }

    result = run_nox(root, "-s", "audit", env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert ": skipped" not in output
    assert "shop: clean (0 vulnerable, 0 ignored, 0 errors, 0 not audited)" in output
    assert "legacy: error" in output
    assert "Session audit_summary aborted: audit: 1 of 2 services are not clean: legacy" in output
    report = json.loads((root / "reports/audit/legacy.json").read_text(encoding="utf-8"))
    assert report["status"] == "error"
    assert (
        "service 'legacy' targets Python 3.99, which is not installed; looked for python3.99 on PATH"
        in json.dumps(report)
    )
    shop_venv = (root / ".nox/audit-shop/pyvenv.cfg").read_text(encoding="utf-8")
    assert (
        f"version_info = {_install(tmp_path)}" in shop_venv or f"version = {_install(tmp_path)}" in shop_venv
    )
    assert list((tmp_path / "uv-pythons").iterdir()) == []  # nothing was downloaded

    with_ci = run_nox(root, "-s", "audit(legacy)", "tests(legacy)", "sbom(legacy)", env={**env, "CI": "true"})
    output = with_ci.stdout + with_ci.stderr
    assert with_ci.returncode != 0, output
    assert ": skipped" not in output
    assert "Session audit(legacy) aborted: audit of legacy: error" in output
    assert (
        "Session tests(legacy) aborted: service 'legacy' targets Python 3.99, which is not installed"
    ) in output
    assert (
        "Session sbom(legacy) aborted: service 'legacy' targets Python 3.99, which is not installed" in output
    )
    assert list((tmp_path / "uv-pythons").iterdir()) == []


def _install(tmp_path: Path) -> str:
    (install,) = (tmp_path / "pyenv" / "versions").iterdir()
    return install.name
