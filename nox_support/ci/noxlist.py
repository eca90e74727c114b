"""Nox's own session list (``nox -l --json``): the only source of the matrix's services."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from nox_support.core import cmd
from nox_support.core.errors import CommandError, NoxSupportError

MATRIX_SESSIONS = ("audit", "tests", "lock_diff")
"""The per-service sessions the workflows run."""


class NoxListError(NoxSupportError):
    """``nox -l --json`` failed or printed something that is not a session list."""


@dataclass(frozen=True)
class NoxSession:
    """One entry of ``nox -l --json``."""

    session: str
    """The name to pass to ``nox -s`` (``"audit(orders)"``)."""
    name: str
    """The function name (``"audit"``)."""
    python: str | None
    service: str | None
    """``call_spec["service"]`` for per-service sessions."""


def list_sessions(root: Path, names: tuple[str, ...] = MATRIX_SESSIONS) -> tuple[NoxSession, ...]:
    """Ask Nox (one process) for the sessions called *names* in ``root/noxfile.py``."""
    noxfile = root / "noxfile.py"
    if not noxfile.is_file():
        msg = f"no noxfile.py in {root}"
        raise NoxListError(msg, hint="run from the monorepo root, or pass --root")
    command = (sys.executable, "-m", "nox", "-f", str(noxfile), "-l", "--json", "-s", *names)
    try:
        result = cmd.run(command, cwd=root)
    except CommandError as exc:
        msg = f"`{cmd.display(command)}` failed, so the matrix cannot be built:\n{exc.stderr.strip()}"
        raise NoxListError(
            msg,
            hint=f"the noxfile must declare the sessions {', '.join(names)} (copy nox-support's noxfile.py)",
        ) from exc
    return parse_session_list(result.stdout)


def parse_session_list(text: str) -> tuple[NoxSession, ...]:
    """Parse the JSON that ``nox -l --json`` prints (pure)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"`nox -l --json` printed something that is not JSON: {exc}"
        raise NoxListError(msg, hint="is another noxfile printing to stdout at import time?") from exc
    if not isinstance(data, list):
        msg = "`nox -l --json` did not print a list of sessions"
        raise NoxListError(msg)
    return tuple(_session(item) for item in data)


def _session(item: object) -> NoxSession:
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("session"), str)
        or not isinstance(item.get("name"), str)
    ):
        msg = f"unexpected entry in `nox -l --json`: {item!r}"
        raise NoxListError(msg, hint="use nox >= 2025.5.1")
    call_spec = item.get("call_spec")
    service = call_spec.get("service") if isinstance(call_spec, dict) else None
    python = item.get("python")
    return NoxSession(
        session=item["session"],
        name=item["name"],
        # A path is the interpreter nox-support found for the service's own Python (not a forced one).
        python=python if isinstance(python, str) and not _is_path(python) else None,
        service=service if isinstance(service, str) else None,
    )


def _is_path(python: str) -> bool:
    return "/" in python or "\\" in python
