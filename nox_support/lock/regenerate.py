"""The one spelling of the command that regenerates a service's locks (pure).

Lock headers, error hints and reports all name it; they call :func:`regenerate_command`
so that the session name is written in one place.
"""

from __future__ import annotations


def regenerate_command(service: str, *, force: bool = False) -> str:
    """``nox -s "lock(<service>)"`` (with ``-- --force`` when *force*)."""
    command = f'nox -s "lock({service})"'
    return f"{command} -- --force" if force else command
