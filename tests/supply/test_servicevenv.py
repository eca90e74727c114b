"""Where the shared audit venv lives and which backend reopens it."""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.venv.shared import audit_venv_location, backend_for


def test_location_is_the_one_nox_gives_the_audit_session(tmp_path: Path) -> None:
    assert audit_venv_location(tmp_path, "orders") == tmp_path / "audit-orders"
    assert audit_venv_location(tmp_path, "Web.API_2") == tmp_path / "audit-web-api_2"


@pytest.mark.parametrize(
    ("cfg", "expected"),
    [
        ("home = /usr/bin\nuv = 0.5.0\n", ("uv",)),
        ("home = /usr/bin\nvirtualenv = 20.0\n", ("virtualenv",)),
        ("home = /usr/bin\nversion = 3.11.7\n", ("venv",)),
    ],
)
def test_an_existing_venv_is_reopened_with_the_backend_that_made_it(
    tmp_path: Path, cfg: str, expected: tuple[str, ...]
) -> None:
    (tmp_path / "pyvenv.cfg").write_text(cfg, encoding="utf-8")
    assert backend_for(tmp_path, "uv|virtualenv") == expected


def test_a_new_venv_uses_the_configured_backends(tmp_path: Path) -> None:
    assert backend_for(tmp_path / "absent", "uv|virtualenv") == ("uv", "virtualenv")
