"""A lock asked for with an extra installs with the pip a plain ``python3 -m venv`` seeds (pip 23.x).

Both compilers write pins without extras (``--strip-extras``): the extra's dependencies are pinned on
their own lines anyway, and ``name[extra]==version`` lines are what older pips refused in
hash-checking mode (a real lock with ``google-api-core[grpc]==...`` failed under pip 23.2.1).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from nox_support.lock.compile.interface import KeepPins
from nox_support.lock.orchestrate import LockArgs, lock_service
from nox_support.project import Project
from tests.repos import monorepo
from tests.wheels import Dist, build_all

pytestmark = pytest.mark.slow

OLD_PYTHON = Path.home() / ".pyenv" / "versions" / "3.11.7" / "bin" / "python3"
WHEELS = (
    Dist("withextra", "1.0", ("grpc-ish>=1; extra == 'grpc'",), extras=("grpc",)),
    Dist("grpc-ish", "1.5"),
    # Like google-cloud-storage, which asks for google-api-core[grpc] itself.
    Dist("storage-ish", "3.0", ("withextra[grpc]>=1",)),
)


@pytest.fixture(scope="module")
def pip_23_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv seeded by ``python3 -m venv`` of this machine's 3.11 (pip 23.2.1), made once (~4 s)."""
    if not OLD_PYTHON.exists():  # pragma: no cover - this machine has it; CI runners may not
        pytest.fail(f"{OLD_PYTHON} is missing: install CPython 3.11.7 with pyenv")
    venv = tmp_path_factory.mktemp("old-pip") / "venv"
    subprocess.run([str(OLD_PYTHON), "-m", "venv", str(venv)], check=True)
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "--version"], check=True, capture_output=True, text=True
    ).stdout
    assert version.startswith("pip 23."), version
    return venv


@pytest.fixture
def old_pip_venv(pip_23_venv: Path) -> Path:
    """:func:`pip_23_venv` without the distributions a test before installed into it."""
    names = sorted({dist.name for dist in WHEELS})
    subprocess.run(
        [str(pip_23_venv / "bin" / "python"), "-m", "pip", "uninstall", "-y", "-q", *names],
        check=True,
        capture_output=True,
    )
    return pip_23_venv


@pytest.mark.parametrize("compiler", ["pip-tools", "uv"])
def test_a_requirement_with_an_extra_locks_without_it_and_installs_with_pip_23(
    tmp_path: Path, old_pip_venv: Path, monkeypatch: pytest.MonkeyPatch, compiler: str
) -> None:
    wheels = build_all(WHEELS, tmp_path / "wheels")
    for name, value in {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels), "UV_NO_INDEX": "1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("UV_FIND_LINKS", str(wheels))
    settings = f'[tool.nox_support]\ncompiler = "{compiler}"\n'
    services = {"api": "withextra[grpc]\nstorage-ish\n"}
    project = Project.load(monorepo(tmp_path / "repo", services, pyproject=settings))
    lock_service(project, project.service("api"), LockArgs(KeepPins(), force=False))
    lock = project.root / "services" / "api" / "requirements.txt"

    lines = lock.read_text(encoding="utf-8").splitlines()
    pins = [line.split(" ")[0] for line in lines if line[:1].isalnum()]
    assert pins == ["grpc-ish==1.5", "storage-ish==3.0", "withextra==1.0"]

    installed = subprocess.run(
        [str(old_pip_venv / "bin" / "python"), "-m", "pip", "install", "--require-hashes", "-r", str(lock)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "Successfully installed grpc-ish-1.5 storage-ish-3.0 withextra-1.0" in installed.stdout
