from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.config import Settings
from nox_support.core.errors import ConfigError, RequirementsFileError
from nox_support.discovery import discover
from nox_support.lock.inputs import collect
from tests.repos import local_package, write


def _collect(root: Path, settings: Settings | None = None, layer: int = 0) -> dict[str, bytes]:
    settings = settings or Settings()
    (service,) = discover(root, settings)
    collected = collect(root, service, service.layers[layer], settings)
    return {f.name: f.content for f in collected.files}


def test_nested_includes_constraints_and_local_packages(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "-r base.in\n-c ../../constraints/pins.txt\n")
    write(tmp_path / "services/api/base.in", "-r ../../libs/http.in\n../../libs/common\n")
    write(tmp_path / "libs/http.in", "-c http-pins.txt\nbeta\n")
    write(tmp_path / "libs/http-pins.txt", "beta<2\n")
    write(tmp_path / "constraints/pins.txt", "alpha<3\n")
    write(tmp_path / "constraints/shared.txt", "gamma<9\n")
    local_package(tmp_path / "libs/common", "common", requires=("alpha",))

    files = _collect(tmp_path, Settings(constraints=("constraints/shared.txt",)))

    assert sorted(files) == [
        "../../constraints/pins.txt",
        "../../constraints/shared.txt",
        "../../libs/common/pyproject.toml",
        "../../libs/http-pins.txt",
        "../../libs/http.in",
        "base.in",
        "requirements.in",
    ]


def test_a_shared_include_is_not_a_cycle(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "-r a.in\n-r b.in\n")
    write(tmp_path / "services/api/a.in", "-r common.in\n")
    write(tmp_path / "services/api/b.in", "-r common.in\n")
    write(tmp_path / "services/api/common.in", "alpha\n")
    assert sorted(_collect(tmp_path)) == ["a.in", "b.in", "common.in", "requirements.in"]


def test_missing_include_names_the_including_line(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "alpha\n-r missing.in\n")
    with pytest.raises(RequirementsFileError) as info:
        _collect(tmp_path)
    assert str(info.value).startswith(
        "services/api/requirements.in:2: services/api/missing.in does not exist"
    )


def test_include_outside_the_repository_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(tmp_path / "outside.in", "alpha\n")
    write(repo / "services/api/requirements.in", "-r ../../../outside.in\n")
    with pytest.raises(RequirementsFileError, match="outside the repository"):
        _collect(repo)


def test_local_path_must_exist_and_stay_inside(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "alpha\n../../libs/nope\n")
    with pytest.raises(
        RequirementsFileError, match=r"requirements.in:2: local path '../../libs/nope' does not exist"
    ):
        _collect(tmp_path)


def test_missing_shared_constraints_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "alpha\n")
    with pytest.raises(ConfigError, match=r"shared constraints file 'nope\.txt' does not exist"):
        _collect(tmp_path, Settings(constraints=("nope.txt",)))


def test_layer_includes_the_main_lock(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "alpha\n")
    write(tmp_path / "services/api/requirements-dev.in", "beta\n")
    write(tmp_path / "services/api/requirements.txt", "alpha==1.0\n")
    assert sorted(_collect(tmp_path, layer=1)) == ["requirements-dev.in", "requirements.txt"]


def test_layer_without_main_lock_says_to_lock_first(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "alpha\n")
    write(tmp_path / "services/api/requirements-dev.in", "beta\n")
    with pytest.raises(RequirementsFileError, match=r'lock the main layer first: nox -s "lock\(api\)"'):
        _collect(tmp_path, layer=1)
