"""nox-support's own environment is a lock: dev/requirements*.txt cover pyproject.toml, hashed."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the suite runs on 3.11 in CI
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
DEV_LOCK = ROOT / "dev/requirements.txt"
MINIMUMS_LOCK = ROOT / "dev/requirements-minimums.txt"

_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)(?:\s*;\s*(?P<marker>[^\\]+?))?\s*\\$"
)
_HASH = re.compile(r"^    --hash=sha256:[0-9a-f]{64}(?: \\)?$")
_VIA = re.compile(r"^    #( .*)?$")


def _pins(lock: Path) -> dict[str, list[tuple[Version, str | None]]]:
    """Every pin of *lock*, read against the grammar uv writes; any other line fails the test."""
    pins: dict[str, list[tuple[Version, str | None]]] = {}
    hashes_of: str | None = None
    for number, line in enumerate(lock.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{lock.name}:{number}: {line!r}"
        if not line or line.startswith("#") or _VIA.match(line):
            hashes_of = None
            continue
        if match := _PIN.match(line):
            name = canonicalize_name(match["name"])
            pins.setdefault(name, []).append((Version(match["version"]), match["marker"]))
            hashes_of = name
            continue
        assert _HASH.match(line), f"not a pin, hash or comment: {where}"
        assert hashes_of is not None, f"a hash without a pin: {where}"
    return pins


def _requirements(*, extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [Requirement(text) for text in project["dependencies"]]
    if extra is not None:
        found += [Requirement(text) for text in project["optional-dependencies"][extra]]
    return found


def _applies(marker: str | None) -> bool:
    return marker is None or Marker(marker).evaluate()


@pytest.mark.parametrize(("lock", "extra"), [(DEV_LOCK, "test"), (MINIMUMS_LOCK, None)])
def test_every_declared_requirement_is_pinned_within_its_bounds(lock: Path, extra: str | None) -> None:
    pins = _pins(lock)
    for requirement in _requirements(extra=extra):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        here = [version for version, marker in pins.get(name, []) if _applies(marker)]
        assert len(here) == 1, f"{lock.name} pins {name} {len(here)} times for this Python: re-lock it"
        assert requirement.specifier.contains(here[0], prereleases=True), (
            f"{lock.name} pins {name}=={here[0]}, outside pyproject.toml's {requirement}: "
            "run nox -f dev/noxfile.py -s lock"
        )


def test_the_development_lock_holds_the_tools_that_move_under_us() -> None:
    # The releases that turned the suite red (pip 26.2, pip-tools 7.7) reach it only through here.
    pins = _pins(DEV_LOCK)
    for name in ("pip", "pip-tools", "uv", "nox", "pip-audit", "pytest", "setuptools"):
        assert name in pins, f"{name} is not pinned in dev/requirements.txt"


def test_the_minimums_lock_holds_the_floors_of_what_moves() -> None:
    pins = {
        name: [str(v) for v, marker in found if _applies(marker)]
        for name, found in _pins(MINIMUMS_LOCK).items()
    }
    assert pins["pip"] == ["23.0"]
    assert pins["pip-tools"] == ["7.6.1"]
    assert pins["nox"] == ["2025.5.1"]
    assert pins["pip-audit"] == ["2.10.0"]
    assert pins["uv"] == ["0.7.0"]


def test_ci_runs_the_readmes_test_command_which_installs_from_the_lock() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Two commands", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.startswith("python3 -m venv")]
    assert len(commands) == 2
    install = "pip install --require-hashes -r dev/requirements.txt"
    assert all(install in command for command in commands)
    assert all("pip install -e" not in command and "'.[test]'" not in command for command in commands)
    ci_run = (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci_run
    assert shlex.split(commands[1])[-7:] == [
        ".venv/bin/python",
        "-m",
        "pytest",
        "-n",
        "auto",
        "--dist",
        "loadfile",
    ]
