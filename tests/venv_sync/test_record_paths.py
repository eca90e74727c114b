"""The RECORD path shortcut of venv/record.py against its general formula (pure, no subprocess)."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

import pytest

from nox_support.venv import record

SITE = Path(sysconfig.get_paths()["purelib"])


def _record_paths() -> list[str]:
    paths: list[str] = []
    for dist_info in sorted(SITE.glob("*.dist-info")):
        if (dist_info / "RECORD").is_file():
            hashed, bare = record.parse_record((dist_info / "RECORD").read_text(encoding="utf-8"))
            paths += [entry.path for entry in hashed] + list(bare)
    return paths


@pytest.mark.skipif(os.sep != "/", reason="the shortcut is taken on POSIX only")
def test_every_record_path_of_this_venv_is_relative_as_the_general_formula_says() -> None:
    paths = _record_paths()
    assert len(paths) > 1000  # the dev venv: pip, nox, pip-audit, uv, pytest and their dependencies
    assert any(path.startswith("..") for path in paths)  # console scripts live in ../../../bin
    for path in paths:
        assert record._relative(SITE, path) == record._relative_general(SITE, path), path


@pytest.mark.parametrize(
    "path",
    ["a/b.py", "./a/./b.py", "a//b.py", "a/../b.py", "../../../bin/tool", "a/b/..", "", ".", "/abs/file.py"],
)
def test_odd_record_paths_are_relative_as_the_general_formula_says(path: str) -> None:
    assert record._relative(SITE, path) == record._relative_general(SITE, path)
