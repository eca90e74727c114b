"""What an SBOM is built from: its timestamp, the direct requirements, and a cache that may fail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nox_support.core.errors import ConfigError
from nox_support.project import Project
from nox_support.sbom.session import SbomError, direct_requirements, document_time, read_cache, write_cache
from tests.repos import local_package, monorepo, write


def test_source_date_epoch_fixes_the_timestamp_and_a_bad_one_is_a_config_error() -> None:
    assert document_time({"SOURCE_DATE_EPOCH": " 1700000000 "}) == (
        dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.timezone.utc),
        "1700000000",
    )
    now, epoch = document_time({})
    assert (now.microsecond, now.tzinfo, epoch) == (0, dt.timezone.utc, "")
    with pytest.raises(ConfigError) as info:
        document_time({"SOURCE_DATE_EPOCH": "yesterday"})
    assert str(info.value) == (
        "SOURCE_DATE_EPOCH='yesterday' is not a number of seconds since 1970\n"
        "  hint: unset it or set it to an integer, e.g. SOURCE_DATE_EPOCH=1700000000"
    )


def test_direct_requirements_follow_includes_once_but_not_constraints(tmp_path: Path) -> None:
    root = monorepo(
        tmp_path,
        {"api": "-r base.in\n-c constraints.txt\nAlpha_Pkg>=1\n../../libs/common\n"},
        copy_noxfile=False,
    )
    local_package(root / "libs/common", "acme-common")
    write(root / "services/api/base.in", "beta\n-r requirements.in\n")  # a cycle back
    write(root / "services/api/constraints.txt", "gamma==1.0\n")
    service = Project.load(root).service("api")
    assert direct_requirements(service, root) == (
        "alpha-pkg",
        "beta",
        f"path:{(root / 'libs/common').resolve()}",
    )


def test_an_include_that_cannot_be_read_is_one_error_naming_it(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "alpha\n"}, copy_noxfile=False)
    service = Project.load(root).service("api")
    write(root / "services/api/requirements.in", "alpha\n-r missing.in\n")
    with pytest.raises(SbomError) as info:
        direct_requirements(service, root)
    missing = (root / "services/api/missing.in").resolve()
    assert str(info.value).startswith(f"api: cannot read {missing}: ")


def test_a_cache_that_cannot_be_written_only_means_a_rebuild(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory should be\n", encoding="utf-8")
    write_cache(blocked / "api.json", "key-1", "{}")
    assert read_cache(blocked / "api.json", "key-1") is None

    write_cache(tmp_path / "cache/api.json", "key-1", '{"components": []}')
    assert read_cache(tmp_path / "cache/api.json", "key-1") == '{"components": []}'
    assert read_cache(tmp_path / "cache/api.json", "key-2") is None
