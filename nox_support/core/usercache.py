"""A directory of the user's own cache, outside every repository.

What is kept here is trusted the way the user's other files are: it is never restored from a CI
cache or committed, so nothing in a repository can plant it.  A directory is used only when it
is one the user alone can write, as ``ssh`` asks of ``~/.ssh``: a real directory (not a link),
owned by the user (or root, for the cache home), and not writable by group or others (a
group-writable cache home is accepted when the group is the user's own, as ``ssh`` accepts it).  On a
platform without POSIX owners and modes (Windows) there is no such directory.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

APP = "nox-support"


def cache_home(environ: Mapping[str, str]) -> Path | None:
    """Where the user's caches live (pure): ``$XDG_CACHE_HOME``, ``~/Library/Caches``, ``~/.cache``.

    ``None`` where owners and modes cannot be checked (not POSIX) or no home is known.
    """
    if os.name != "posix":
        return None
    xdg = environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # noqa: PTH117 - a relative one is ignored, as the XDG spec says
        return Path(xdg)
    home = environ.get("HOME", "")
    if not os.path.isabs(home):  # noqa: PTH117
        return None
    return Path(home, "Library", "Caches") if sys.platform == "darwin" else Path(home, ".cache")


def private_directory(home: Path, name: str) -> Path | None:
    """``<home>/nox-support/<name>``, created ``0700`` if missing; ``None`` if it cannot be trusted.

    *home* (:func:`cache_home`) must be the user's or root's and not writable by others; the two
    directories below it must be the user's own, real directories, writable by the user alone.
    """
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    if not _trusted(home, owners={os.geteuid(), 0}, private_group=True):
        return None
    directory = home
    for part in (APP, name):
        directory = directory / part
        try:
            directory.mkdir(mode=0o700, exist_ok=True)  # an existing one is checked below
        except OSError:
            return None
        if not _trusted(directory, owners={os.geteuid()}):
            return None
    return directory


def trusted_file(status: os.stat_result) -> bool:
    """Whether an open file (its ``fstat``) is a regular file of the user's.

    Its mode is the umask's: the private directory it is in keeps others out.
    """
    return stat.S_ISREG(status.st_mode) and status.st_uid == os.geteuid()


def _trusted(path: Path, *, owners: set[int], private_group: bool = False) -> bool:
    try:
        status = path.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(status.st_mode) or status.st_uid not in owners or status.st_mode & stat.S_IWOTH:
        return False
    return not status.st_mode & stat.S_IWGRP or (private_group and _users_own_group(status.st_gid))


def _users_own_group(gid: int) -> bool:
    """Whether *gid* is the user's private group (``umask 002`` systems), as ssh accepts it.

    The user's primary group, named after the user, with no other member listed: ``users`` or
    ``nogroup``, primary groups of many accounts, are not.
    """
    import grp  # noqa: PLC0415 - POSIX only, as this module's callers
    import pwd  # noqa: PLC0415

    try:
        group = grp.getgrgid(gid)
        user = pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return False
    return gid == os.getgid() and group.gr_name == user and set(group.gr_mem) <= {user}
