from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from nox_support.core import atomic
from nox_support.core.redact import has_credentials, redact, redact_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pw@host/simple", "https://***@host/simple"),
        ("https://token@host/p.whl", "https://***@host/p.whl"),
        ("http://host/x?token=abc&plain=1", "http://host/x?token=***&plain=***"),
        ("https://host/x#sha256=abc", "https://host/x#sha256=***"),
        ("https://host/simple/", "https://host/simple/"),
        ("git+https://a:b@github.com/o/r@v1#egg=x", "git+https://***@github.com/o/r@v1#egg=***"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_finds_urls_in_text() -> None:
    text = "failed: GET https://u:secret@idx.example/simple/x/?key=k1 (status 401)"
    assert redact(text) == "failed: GET https://***@idx.example/simple/x/?key=*** (status 401)"
    assert "secret" not in redact(text)
    assert redact("no url here") == "no url here"


def test_has_credentials() -> None:
    assert has_credentials("pkg @ https://${GH_TOKEN}@host/pkg.whl")
    assert has_credentials("pkg @ https://host/pkg.whl?token=x")
    assert not has_credentials("pkg @ https://host/pkg.whl")
    assert not has_credentials("pkg==1.0")


def test_write_text_replaces_a_planted_symlink_instead_of_its_target(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    target = tmp_path / "report.md"
    target.symlink_to(victim)
    atomic.write_text(target, "report")
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not target.is_symlink()
    assert target.read_text(encoding="utf-8") == "report"


def test_write_text_uses_the_umask_for_new_files_and_keeps_old_modes(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        new = tmp_path / "new.txt"
        atomic.write_text(new, "x")
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        kept = tmp_path / "kept.txt"
        kept.write_text("x", encoding="utf-8")
        kept.chmod(0o600)
        atomic.write_text(kept, "y")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    finally:
        os.umask(old)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(atomic.TEMP_PREFIX)] == []
