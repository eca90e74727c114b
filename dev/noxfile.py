# /// script
# dependencies = ["nox>=2025.5.1,<2027"]
# ///
"""Sessions for developing nox-support itself; users copy ../noxfile.py, never this file.

Run from the repository root, with the venv installed from the development lock (README, "Two
commands"): ``.venv/bin/nox -f dev/noxfile.py -s lock`` re-locks the development environment,
``-s latest`` runs the suite on the newest releases, ``-s minimums`` on the lowest ones.

Our own environment is a lock, as the services' are: ``dev/requirements.txt`` (everything
``pip install -e '.[test]'`` would bring, hashed, for Python 3.10+ on every platform) and
``dev/requirements-minimums.txt`` (nox-support's direct dependencies at their floors). ``.ci/run``
and the README install from them, so a new release of pip, pip-tools, uv, nox, pip-audit or pytest
reaches the suite only when ``lock`` is run on purpose; ``latest`` finds a breaking release first.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

nox.needs_version = ">=2025.5.1"
nox.options.default_venv_backend = "uv"

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "dev"
DEV_LOCK = DEV / "requirements.txt"
MINIMUMS_LOCK = DEV / "requirements-minimums.txt"
OLDEST_PYTHON = "3.10"  # pyproject.toml's requires-python

# The test tools of the minimums run keep the development lock's versions: the check is about
# nox-support's runtime floors. pip is one of them (pyproject.toml: pip>=23), so the minimums
# run holds the tests to the oldest pip as well as the development lock holds them to the newest.
TEST_TOOLS = (
    "pytest",
    "pytest-xdist",
    "execnet",
    "hypothesis",
    "types-pyyaml",
    "iniconfig",
    "pluggy",
    "pygments",
)

# A subset that exercises every dependency whose floor is declared (nox, pip-tools, pip-audit, uv,
# filelock, packaging, PyYAML): locking with both compilers, freshness, venv sync, the in-process
# audit, the noxfile end to end, the private-API smoke test and the portability probe. The whole
# suite also runs zizmor and actionlint over the workflows (not a runtime dependency) and re-checks
# the committed sample locks, whose digests name the current pip-tools release.
SUBSET = (
    "tests/test_compat.py",
    "tests/test_portability.py",
    "tests/test_reqfile.py",
    "tests/test_digest.py",
    "tests/test_config.py",
    "tests/test_discovery.py",
    "tests/test_lock.py",
    "tests/test_freshness.py",
    "tests/test_compile_output.py",
    "tests/test_uv_compiler.py",
    "tests/test_noxfile.py",
    "tests/audit",
)


def _uv_compile(session: nox.Session, output: Path, *args: str) -> None:
    """``uv pip compile`` of pyproject.toml into a hashed, universal lock (no index URL in it)."""
    session.run(
        sys.executable, "-m", "uv", "pip", "compile", "pyproject.toml",
        "--universal", "--python-version", OLDEST_PYTHON, "--generate-hashes", "--quiet",
        "--custom-compile-command", "nox -f dev/noxfile.py -s lock",
        "--output-file", str(output.relative_to(ROOT)), *args,
        external=True,
    )  # fmt: skip


def _pins(session: nox.Session, lock: Path, names: tuple[str, ...]) -> list[str]:
    """``name==version [; marker]`` of *names* in *lock* (every marker variant), read by the lock grammar."""
    from nox_support.lock.grammar import read_pins  # noqa: PLC0415 - installed next to this Nox

    pins = read_pins(lock.read_text(encoding="utf-8"))
    if not isinstance(pins, tuple):
        session.error(f"{lock.relative_to(ROOT)} is not a lock: line {pins.line}, {pins.reason}")
    wanted = {n.lower() for n in names}
    return [
        f"{pin.name}=={pin.version}" + (f" ; {pin.marker}" if pin.marker else "")
        for pin in pins
        if pin.name in wanted
    ]


@nox.session(venv_backend="none", default=False)
def lock(session: nox.Session) -> None:
    """Re-lock the development and minimums environments from pyproject.toml (-- --upgrade: newest)."""
    session.chdir(ROOT)
    # Pins stay where they are unless asked (`-- --upgrade`, `-- --upgrade-package pip`): a new
    # upstream release enters on purpose, in a commit of its own.
    _uv_compile(session, DEV_LOCK, "--extra", "test", *session.posargs)
    tmp = Path(session.create_tmp())
    tools = tmp / "test-tools.txt"
    tools.write_text("".join(f"{pin}\n" for pin in _pins(session, DEV_LOCK, TEST_TOOLS)), encoding="utf-8")
    extra = tmp / "minimums.in"
    extra.write_text("".join(f"{name}\n" for name in TEST_TOOLS), encoding="utf-8")
    _uv_compile(
        session, MINIMUMS_LOCK, str(extra), "--resolution", "lowest-direct", "--constraint", str(tools),
    )  # fmt: skip


# uv installs without bytecode unless asked; where PYTHONDONTWRITEBYTECODE is set (as on CI
# machines) every Python process of the tests would then compile Nox, pip and pip-tools again.
COMPILE = {"UV_COMPILE_BYTECODE": "1"}


def _install_locked(session: nox.Session, lock: Path) -> None:
    session.install("--require-hashes", "-r", str(lock), env=COMPILE)
    session.install("--no-deps", "-e", ".", env=COMPILE)


@nox.session(default=True)
def minimums(session: nox.Session) -> None:
    """Run the tests on the lowest versions of nox-support's direct dependencies (true floors)."""
    session.chdir(ROOT)
    _install_locked(session, MINIMUMS_LOCK)
    selection = session.posargs or ("-n", "auto", "--dist", "loadfile", *SUBSET)
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *selection)


@nox.session(default=False)
def latest(session: nox.Session) -> None:
    """Run the whole suite on the newest releases of every dependency (no lock): finds breaking releases."""
    session.chdir(ROOT)
    session.install("--upgrade", "--resolution", "highest", "-e", ".[test]", env=COMPILE)
    session.run("uv", "pip", "list", "--python", "python", silent=False)
    selection = session.posargs or ("-n", "auto", "--dist", "loadfile")
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *selection)
