"""A venv stamp that is not this version's means a re-sync; a safety database missing a file is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nox_support.audit.sources.interface import SourceUnavailableError
from nox_support.audit.sources.safety_db import SafetyDbSource
from nox_support.venv.stamp import STAMP_NAME, from_json, read_stamp, to_json, write_stamp
from nox_support.venv.values import LocalInstall, Stamp

STAMP = Stamp(
    locks=(("requirements.txt", "aa"),),
    interpreter="3.11.7 /usr/bin/python3.11 1:2",
    python_version="3.11.7",
    local_fingerprint="fp",
    contents=("alpha-1.0.dist-info",),
    packages=(("alpha", "1.0"),),
    local_packages=(LocalInstall("acme-common", "0.3.0", "../../libs/common", "requirements.txt", 9),),
    installer="uv",
)


def test_a_stamp_round_trips_through_the_venv(tmp_path: Path) -> None:
    write_stamp(tmp_path, STAMP)
    assert read_stamp(tmp_path) == STAMP
    assert from_json(to_json(STAMP)) == STAMP


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({**json.loads(to_json(STAMP)), "format": 1}),  # an older nox-support wrote it
        json.dumps({**json.loads(to_json(STAMP)), "packages": [["alpha"]]}),
        "[]",
        "{not json",
    ],
)
def test_a_stamp_of_another_version_or_torn_is_no_stamp(text: str) -> None:
    assert from_json(text) is None


def test_a_venv_without_a_readable_stamp_has_none(tmp_path: Path) -> None:
    assert read_stamp(tmp_path) is None
    (tmp_path / STAMP_NAME).mkdir()
    assert read_stamp(tmp_path) is None


def test_a_safety_database_missing_a_file_is_refused_with_where_to_point(tmp_path: Path) -> None:
    (tmp_path / "insecure.json").write_text("{}", encoding="utf-8")
    with pytest.raises(SourceUnavailableError) as info:
        SafetyDbSource(tmp_path).info()
    assert str(info.value).startswith(f"safety database {tmp_path}: cannot read insecure_full.json: ")
    assert info.value.hint == "point NOX_SUPPORT_SAFETY_DB at a safety-db checkout (data/)"
