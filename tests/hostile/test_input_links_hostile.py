"""Inputs that are symlink loops: one clear error naming the file, never a traceback.

``Path.resolve()`` raised ``RuntimeError`` on a loop (Python 3.10 and 3.11), which no session
boundary catches; the collector now resolves with ``os.path.realpath`` and refuses the loop when
it reads, names or looks for the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.config import Settings
from nox_support.core.errors import ConfigError, RequirementsFileError
from nox_support.discovery import discover
from nox_support.lock.inputs import collect
from tests.repos import write


def _collect(root: Path, settings: Settings) -> None:
    (service,) = discover(root, settings)
    collect(root, service, service.main, settings)


def test_an_included_file_that_is_a_symlink_loop_is_named(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "alpha\n-r loop.in\n")
    (tmp_path / "services/api/loop.in").symlink_to("loop.in")
    with pytest.raises(RequirementsFileError) as info:
        _collect(tmp_path, Settings())
    assert str(info.value) == (
        "services/api/loop.in: is a symlink loop\n  hint: replace the link with a regular file"
    )


def test_a_local_path_that_is_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "../../libs/loop\n")
    (tmp_path / "libs").mkdir()
    (tmp_path / "libs/loop").symlink_to("loop")
    with pytest.raises(RequirementsFileError) as info:
        _collect(tmp_path, Settings())
    assert str(info.value).startswith(
        "services/api/requirements.in:1: local path '../../libs/loop' does not exist (looked in libs/loop)"
    )


def test_a_shared_constraints_file_that_is_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "alpha\n")
    (tmp_path / "constraints").mkdir()
    (tmp_path / "constraints/shared.txt").symlink_to("shared.txt")
    with pytest.raises(ConfigError) as info:
        _collect(tmp_path, Settings(constraints=("constraints/shared.txt",)))
    assert str(info.value).startswith("shared constraints file 'constraints/shared.txt' does not exist")
