"""Where the shared audit venv lives and which backend reopens it."""

from __future__ import annotations

from pathlib import Path

import pytest
from nox.sessions import _normalize_path

from nox_support.venv.shared import backend_for, nox_env_dir

DEEP = "/home/runner/work/acme-monorepo/acme-monorepo/jobs/audit-1/workspace/checkout/.nox"


@pytest.mark.parametrize(
    ("envdir", "signature", "expected"),
    [
        (".nox", "audit(orders)", ".nox/audit-orders"),
        (".nox", "audit(Web.API_2)", ".nox/audit-web-api_2"),
        # Nox measures the envdir as given: a relative .nox never hashes, the resolved path does.
        (DEEP, "audit(web)", f"{DEEP}/a53abf98"),
        ("/short/.nox", "audit(web)", "/short/.nox/audit-web"),
        (".nox", "audit(\u00e9\u00e9)", ".nox/audit-ee"),
        (".nox", "\u6f22", ".nox/4f9f9d6e"),
    ],
)
def test_the_venv_dir_is_named_as_nox_names_it(envdir: str, signature: str, expected: str) -> None:
    assert nox_env_dir(envdir, signature) == expected


@pytest.mark.parametrize("depth", range(0, 120, 7))
@pytest.mark.parametrize(
    "signature", ["audit(web)", "audit(a-very-long-service-name_with.dots)", "audit-3.12(x)"]
)
def test_the_naming_rule_agrees_with_nox_at_every_envdir_length(depth: int, signature: str) -> None:
    envdir = "/" + "d" * depth + "/.nox"
    assert nox_env_dir(envdir, signature) == _normalize_path(envdir, signature)


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
