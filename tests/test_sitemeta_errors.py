"""A damaged venv's metadata: one error saying what is missing and to delete the venv."""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.venv.sitemeta import (
    MetadataError,
    dist_info_index,
    parse_metadata,
    read_dist_info,
    site_packages,
)
from tests.repos import write


def test_a_venv_without_site_packages_is_to_be_deleted(tmp_path: Path) -> None:
    with pytest.raises(MetadataError) as info:
        site_packages(tmp_path)
    assert str(info.value) == f"{tmp_path} has no site-packages\n  hint: delete {tmp_path} and run again"


def test_unreadable_or_nameless_metadata_says_the_venv_is_damaged(tmp_path: Path) -> None:
    with pytest.raises(MetadataError) as info:
        read_dist_info(tmp_path / "alpha-1.0.dist-info")
    assert str(info.value).startswith(f"cannot read {tmp_path / 'alpha-1.0.dist-info' / 'METADATA'}: ")
    assert info.value.hint == "the venv is damaged: delete it and run again"

    with pytest.raises(MetadataError) as info:
        parse_metadata("Metadata-Version: 2.1\nName: alpha\n", where="alpha-1.0.dist-info/METADATA")
    assert str(info.value) == (
        "alpha-1.0.dist-info/METADATA: no Name or Version in the metadata\n"
        "  hint: the venv is damaged: delete it and run again"
    )


def test_an_egg_info_is_read_from_pkg_info(tmp_path: Path) -> None:
    write(
        tmp_path / "Legacy_Pkg-2.0.egg-info/PKG-INFO",
        "Metadata-Version: 1.1\nName: Legacy_Pkg\nVersion: 2.0\n",
    )
    meta = read_dist_info(tmp_path / "Legacy_Pkg-2.0.egg-info")
    assert (meta.name, meta.version) == ("legacy-pkg", "2.0")


def test_the_index_keeps_the_first_dist_info_of_a_name_and_ignores_other_entries() -> None:
    contents = ("alpha-1.0.dist-info", "Alpha-2.0.dist-info", "alpha", "README.txt")
    assert dist_info_index(contents) == {"alpha": "alpha-1.0.dist-info"}
