"""A restored venv is verified whole: ``pyvenv.cfg``, ``bin/`` and every start-up hook.

Before, only ``site-packages`` was checked: ``home`` pointed into the venv loaded a planted
``sitecustomize.py`` during ``tests(orders)``, ``include-system-site-packages = true`` passed,
a script planted in ``bin/`` (first on ``PATH``) passed, and a hook listed in the stamp (which is
inside the venv too) passed.  Each case restores the venv as ``actions/cache`` does, tampers with
it, and expects the venv rebuilt with the reason logged.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from nox_support.venv import integrity, record
from nox_support.venv import values as venv_values
from nox_support.venv.stamp import STAMP_NAME
from tests.audit.conftest import make_repo
from tests.audit.test_venv_record import restore, site, sync

pytestmark = pytest.mark.slow


@pytest.fixture
def repo(tmp_path: Path, offline_index: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NOX_SUPPORT_VENV_TIMEOUT", "60")
    return make_repo(tmp_path / "repo", offline_index, {"svc": {"alpha": "1.0"}})


def _restored(repo: Path) -> tuple[Path, Path]:
    first, _ = sync(repo)
    restore(first.venv)
    return first.venv, site(first)


def _rebuilt_because(repo: Path, problem: str) -> venv_values.Rebuilt:
    result, logs = sync(repo)
    assert isinstance(result, venv_values.Rebuilt), logs
    assert result.reason.startswith(f"it is not the venv that was synced ({problem!r}"), result.reason
    assert f"svc: rebuilding the audit venv of service 'svc': {result.reason}" in logs
    fingerprint = record.Fingerprint(result.stamp.records, result.stamp.unlisted)
    assert integrity.verify(result.venv, site(result), fingerprint) == ()
    return result


def _set_cfg(venv: Path, **values: str) -> None:
    cfg = venv / "pyvenv.cfg"
    lines = [line for line in cfg.read_text().splitlines() if line.partition("=")[0].strip() not in values]
    cfg.write_text("\n".join([*lines, *(f"{key} = {value}" for key, value in values.items())]) + "\n")


def test_home_pointed_into_the_venv_is_rebuilt_before_its_sitecustomize_runs(repo: Path) -> None:
    venv, _ = _restored(repo)
    fake_home = venv / "evil" / "bin"
    fake_home.mkdir(parents=True)
    planted = venv / "evil" / "lib" / "python3.11" / "sitecustomize.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("raise SystemExit('planted sitecustomize ran')\n")
    _set_cfg(venv, home=str(fake_home))
    result = _rebuilt_because(
        repo,
        f"pyvenv.cfg: home = {fake_home} points into the venv "
        "(the standard library would come from the venv)",
    )
    assert not (result.venv / "evil").exists()


def test_home_naming_another_interpreter_directory_is_rebuilt(repo: Path, tmp_path: Path) -> None:
    venv, _ = _restored(repo)
    other = tmp_path / "other-python" / "bin"
    other.mkdir(parents=True)
    _set_cfg(venv, home=str(other))
    _rebuilt_because(repo, f"pyvenv.cfg: home = {other} is not the directory of the interpreter of the venv")


@pytest.mark.parametrize(
    ("key", "value"),
    [("include-system-site-packages", "true"), ("Include-System-Site-Packages ", "TRUE")],
    ids=["true", "other-case"],
)
def test_system_site_packages_switched_on_is_rebuilt(repo: Path, key: str, value: str) -> None:
    venv, _ = _restored(repo)
    cfg = venv / "pyvenv.cfg"
    cfg.write_text(cfg.read_text() + f"{key}= {value}\n")  # Python reads the last one, in any case
    _rebuilt_because(
        repo,
        f"pyvenv.cfg: include-system-site-packages = {value} (must be false: the site-packages "
        "of the machine would join sys.path)",
    )


@pytest.mark.parametrize("name", ["uv", "pytest", "python3.99"])
def test_a_script_planted_in_bin_is_rebuilt(repo: Path, name: str) -> None:
    venv, _ = _restored(repo)
    script = venv / "bin" / name
    script.write_text("#!/bin/sh\necho pwned\n")
    script.chmod(0o755)
    result = _rebuilt_because(repo, f"bin/{name} is neither listed in a RECORD nor made by the venv tool")
    assert not (result.venv / "bin" / name).exists()


@pytest.mark.parametrize(
    "relative",
    ["usercustomize.py", "sitecustomize/__init__.py", "zzz-evil.pth"],
    ids=["user", "package", "pth"],
)
def test_a_start_up_hook_the_stamp_vouches_for_is_still_refused(repo: Path, relative: str) -> None:
    venv, site_packages = _restored(repo)
    hook = site_packages / relative
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("import os\n")
    # The stamp lives in the venv too: the attacker adds the hook to its list of unlisted files.
    stamp_path = venv / STAMP_NAME
    stamp = json.loads(stamp_path.read_text())
    stamp["unlisted"].append([relative, hashlib.sha256(b"import os\n").hexdigest()])
    stamp_path.write_text(json.dumps(stamp))
    top = relative.split("/", 1)[0]
    _rebuilt_because(
        repo, f"{site_packages.relative_to(venv).as_posix()}/{top} runs at every start and no RECORD lists it"
    )


def test_an_intact_restored_venv_passes_and_its_interpreter_runs(repo: Path) -> None:
    venv, _ = _restored(repo)
    result, logs = sync(repo)
    assert isinstance(result, venv_values.AlreadySynced), logs
    output = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sys; print(sys.prefix != sys.base_prefix)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert output.stdout == "True\n"
