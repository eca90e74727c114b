"""The stamp a synced venv keeps (``nox-support-sync.json``): its JSON codec and file I/O."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from nox_support.core import atomic
from nox_support.venv.values import LocalInstall, Stamp

if TYPE_CHECKING:
    from pathlib import Path

STAMP_NAME = "nox-support-sync.json"
STAMP_FORMAT = 2


def to_json(stamp: Stamp) -> str:
    """Serialise *stamp* for the stamp file."""
    data = {
        "format": STAMP_FORMAT,
        "locks": [list(x) for x in stamp.locks],
        "interpreter": stamp.interpreter,
        "python_version": stamp.python_version,
        "local_fingerprint": stamp.local_fingerprint,
        "contents": list(stamp.contents),
        "packages": [list(x) for x in stamp.packages],
        "local_packages": [
            {"name": p.name, "version": p.version, "path": p.path, "lock": p.lock, "line": p.line}
            for p in stamp.local_packages
        ],
        "installer": stamp.installer,
        "records": [list(x) for x in stamp.records],
        "unlisted": [list(x) for x in stamp.unlisted],
        "pin_hashes": [list(x) for x in stamp.pin_hashes],
    }
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def from_json(text: str) -> Stamp | None:
    """Parse a stamp; ``None`` when it is not one this version wrote."""
    try:
        data = json.loads(text)
        if data.get("format") != STAMP_FORMAT:
            return None
        return Stamp(
            locks=_pairs(data["locks"]),
            interpreter=str(data["interpreter"]),
            python_version=str(data["python_version"]),
            local_fingerprint=str(data["local_fingerprint"]),
            contents=tuple(str(x) for x in data["contents"]),
            packages=_pairs(data["packages"]),
            local_packages=tuple(
                LocalInstall(
                    str(p["name"]), str(p["version"]), str(p["path"]), str(p["lock"]), int(p["line"])
                )
                for p in data["local_packages"]
            ),
            installer="uv" if data["installer"] == "uv" else "pip",
            records=_pairs(data["records"]),
            unlisted=_pairs(data["unlisted"]),
            pin_hashes=_pairs(data["pin_hashes"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _pairs(raw: list[list[object]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in raw)


def read_stamp(venv: Path) -> Stamp | None:
    """Read the stamp of a synced venv (``None`` when absent or unreadable)."""
    try:
        return from_json((venv / STAMP_NAME).read_text(encoding="utf-8"))
    except OSError:
        return None


def write_stamp(venv: Path, stamp: Stamp) -> None:
    """Replace the stamp of *venv* atomically."""
    atomic.write_text(venv / STAMP_NAME, to_json(stamp))
