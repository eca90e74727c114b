"""Benchmark-only noxfile: sync each service's venv to its main lock and nothing else.

Copied next to the synthetic monorepo's noxfile; run with ``-db uv`` or ``-db virtualenv``
to pick the installer (uv pip sync, or pip) the way nox-support does.
"""

from __future__ import annotations

from pathlib import Path

import nox

from nox_support import sessions
from nox_support.venv import sync as venv_sync

ROOT = Path(__file__).resolve().parent


@nox.session(reuse_venv=True)
@nox.parametrize(("python", "service"), sessions.service_params(ROOT))
def sync(session: nox.Session, service: str) -> None:
    """Sync the service's venv to its main lock."""
    with sessions.boundary(session):
        svc = sessions.project(ROOT).service(service)
        result = venv_sync.sync_venv(session, svc, (svc.main.lock,), purpose="bench")
        session.log(f"{service}: {type(result).__name__}")


@nox.session(reuse_venv=True)
@nox.parametrize(("python", "service"), sessions.service_params(ROOT))
def reinstall(session: nox.Session, service: str) -> None:
    """The naive path: install the lock into the venv every time (local path lines left out)."""
    lock = ROOT / "services" / service / "requirements.txt"
    named = Path(session.virtualenv.location) / "named-only.txt"
    named.write_text("".join(line + "\n" for line in _named_lines(lock)), encoding="utf-8")
    session.install("-r", str(named))


def _named_lines(lock: Path) -> list[str]:
    from nox_support.lock import reqfile  # noqa: PLC0415

    entries = reqfile.parse(lock.read_text(encoding="utf-8"), path=str(lock))
    return [
        f"{e.text} " + " ".join(f"--hash={h}" for h in e.hashes)
        for e in entries
        if isinstance(e, reqfile.NamedRequirement)
    ]
