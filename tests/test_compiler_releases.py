"""Two real pip-tools releases agree that a lock is fresh (needs PyPI to install them).

Each release is installed from PyPI into a throw-away venv that sees nox-support and its
other dependencies through a ``.pth`` file appended after the venv's own site-packages,
so the venv's pip-tools wins.  The lock itself resolves over the hermetic wheelhouse.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.repos import monorepo

OLD_RELEASE = "7.4.1"

DRIVER = r"""
import json, sys
from pathlib import Path
from nox_support.lock import freshness, lockfile
from nox_support.lock.orchestrate import LockArgs, KeepPins, lock_service
from nox_support.project import Project

root, action = Path(sys.argv[1]), sys.argv[2]
project = Project.load(root)
service = project.service("api")
result = {"identity": project.compiler.identity()}
if action == "lock":
    (outcome,) = lock_service(project, service, LockArgs(KeepPins(), False))
    result["outcome"] = type(outcome).__name__
else:
    result["offline"] = freshness.describe(
        freshness.check_layer(project, service, service.main)
    )
    result["deep"] = freshness.describe(
        freshness.deep_check_layer(project, service, service.main)
    ).splitlines()[0]
print(json.dumps(result))
"""


def _venv_with_pip_tools(directory: Path, requirement: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True)
    python = directory / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--index-url",
            "https://pypi.org/simple",
            requirement,
        ],
        check=True,
        env={**os.environ, "PIP_NO_INDEX": "", "PIP_FIND_LINKS": ""},
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = sysconfig.get_path("purelib")
    # addsitedir appends: the venv's own pip-tools stays first on sys.path.
    (Path(site) / "zz-nox-support-test.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    return python


def _run(python: Path, root: Path, action: str) -> dict[str, str]:
    done = subprocess.run(
        [str(python), "-c", DRIVER, str(root), action], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, str] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.network
@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_two_pip_tools_releases_agree_that_a_lock_is_fresh(tmp_path: Path) -> None:
    old = _venv_with_pip_tools(tmp_path / "old", f"pip-tools=={OLD_RELEASE}")
    new = _venv_with_pip_tools(tmp_path / "new", "pip-tools")
    root = monorepo(tmp_path / "repo", {"api": "beta\n"})

    written = _run(old, root, "lock")
    assert written == {"identity": f"pip-tools=={OLD_RELEASE}", "outcome": "Written"}
    lock = root / "services/api/requirements.txt"
    assert " compiler=pip-tools==7.* options=" in lock.read_text()
    assert f" compiled-by=pip-tools=={OLD_RELEASE} " in lock.read_text()

    checked = _run(new, root, "check")
    assert checked["identity"] != f"pip-tools=={OLD_RELEASE}"
    assert checked["identity"].startswith("pip-tools==7.")
    assert checked["offline"] == "api: services/api/requirements.txt is fresh"
    # The newer release would also write the same lock: --deep finds nothing to change.
    assert checked["deep"] == "api: services/api/requirements.txt is fresh"
