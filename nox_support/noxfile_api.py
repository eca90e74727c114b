"""Which sessions each version of the copied ``noxfile.py`` has, and what an older copy lacks.

Users copy ``noxfile.py`` once and upgrade nox-support later; a session added since then is
silently absent from their copy.  The noxfile states the API version it was written for
(``NOX_SUPPORT_API``, passed to :func:`nox_support.sessions.service_names`); a copy that states
none predates the versioning and is version 1.  Pure: the caller decides where the message goes.
"""

from __future__ import annotations

API_VERSION = 2
"""The version of the ``noxfile.py`` shipped with this nox-support."""

ADDED_SESSIONS: dict[int, tuple[str, ...]] = {
    1: (
        "lock",
        "freshness",
        "audit",
        "audit_summary",
        "tests",
        "lock_diff",
        "sbom",
        "licenses",
        "drift",
        "conflicts",
    ),
    2: ("report",),
}
"""The sessions each API version added to the shipped ``noxfile.py``."""

UNVERSIONED = 1
"""The version of a copy that states none (written before the versioning)."""


def sessions_of(version: int) -> tuple[str, ...]:
    """Every session a noxfile of API *version* has."""
    return tuple(name for v in sorted(ADDED_SESSIONS) if v <= version for name in ADDED_SESSIONS[v])


def api_message(declared: int) -> str | None:
    """What to tell the user about a noxfile written for API *declared*; ``None`` when it is current."""
    if declared == API_VERSION:
        return None
    if declared > API_VERSION:
        return (
            f"noxfile.py was written for nox-support API {declared}, but the installed nox-support "
            f"has API {API_VERSION}: upgrade nox-support (sessions newer than it fail when run)"
        )
    lacking = [name for name in sessions_of(API_VERSION) if name not in sessions_of(declared)]
    return (
        f"noxfile.py was written for nox-support API {declared} (the installed nox-support has "
        f"API {API_VERSION}); it lacks these sessions: {', '.join(lacking)}. Copy the noxfile.py "
        "of the installed nox-support over it (README: Adopting it) to get them"
    )
