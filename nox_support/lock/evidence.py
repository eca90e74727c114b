"""The file states a freshness verdict rests on, and whether they still hold.

A lock proven fresh stays fresh while every path its check read or looked for is as it was:
a file with the same inode, size, modification and change times (what ``git status`` trusts),
a directory still a directory, a missing file still missing.  The change time (``ctime``) is
set by the kernel on every write, rename and ``chmod`` and cannot be set back by a program, so
a file edited and given its old ``mtime`` again is still seen as changed.

A proof is kept only where it can be one:

- every path is looked up component by component below the repository root, and a symbolic
  link (or a device, FIFO or socket) anywhere makes the verdict unprovable: without links,
  the path as written is the file that was read;
- a file changed less than :data:`SETTLE_NS` before the check is not trusted (a later write in
  the same clock tick could keep its times: git's "racily clean" entries); nor is one dated in
  the future;
- a check that depended on more than the paths it names (a uv workspace's member globs) says
  so (:class:`Lookups`), and is not kept.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from nox_support.core.paths import is_within

Key = tuple[int, ...]
"""A path's state: :data:`ABSENT`, :data:`DIRECTORY` or ``(2, inode, device, size, mtime_ns, ctime_ns)``."""

Observe = Callable[[str], Key]
"""How a path's :data:`Key` is found (:func:`lstat_key`; a fake in tests)."""

ABSENT: Key = (0,)
DIRECTORY: Key = (1,)
FILE = 2
OTHER: Key = (3,)
"""A link, device, FIFO or socket, or a path through a file: never part of a proof."""

SETTLE_NS = 2_000_000_000
"""How old a file's times must be to be trusted: the coarsest common timestamp (FAT's 2 s; HFS+ 1 s)."""


@dataclass
class Lookups:
    """What reading one lock's inputs looked at, as named, and whether that alone decided the result.

    Each path's :data:`Key` is taken when it is first looked at, before it is read: a proof
    needs it unchanged afterwards (:func:`unchanged`), so an edit or a deletion while the
    check ran is never remembered as what the check saw.
    """

    keys: dict[str, Key] = field(default_factory=dict)
    provable: bool = True

    def look(self, path: str | os.PathLike[str]) -> None:
        """Note a path that is about to be read, or looked for."""
        text = os.fspath(path)
        if text not in self.keys:
            self.keys[text] = lstat_key(text)


def key_of(status: os.stat_result) -> Key:
    """The :data:`Key` of an ``lstat`` result (pure)."""
    mode = status.st_mode
    if stat.S_ISREG(mode):
        return (FILE, status.st_ino, status.st_dev, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
    return DIRECTORY if stat.S_ISDIR(mode) else OTHER


def lstat_key(path: str) -> Key:
    """The :data:`Key` of *path* on disk now (a path through a file is :data:`OTHER`)."""
    try:
        return key_of(os.lstat(path))
    except FileNotFoundError:
        return ABSENT
    except OSError:
        return OTHER


def unchanged(before: Iterable[tuple[str, Key]]) -> bool:
    """Whether every path is still as its key taken earlier says."""
    return all(lstat_key(path) == key for path, key in before)


def settled(key: Key, now_ns: int) -> bool:
    """Whether *key* may back a proof at *now_ns* (pure): not a recent or future file, not :data:`OTHER`."""
    if key[0] != FILE:
        return key != OTHER
    oldest = now_ns - SETTLE_NS
    return key[4] < oldest and key[5] < oldest


@functools.lru_cache(maxsize=1 << 16)
def steps(path: str, real_root: str) -> tuple[str, ...] | None:
    """Every path a lookup of *path* visits below *real_root*, in order (pure).

    Component by component, as the kernel walks it: ``..`` goes back to the directory the walk
    came from, which is the parent on disk only because a proof never passes through a link
    (so the directory before each ``..`` is visited, and must be one).  ``None`` when the walk
    leaves the root, or *path* is not absolute.  Remembered: the locks of a run share most paths.
    """
    if not (os.path.isabs(path) and is_within(path, real_root)):  # noqa: PTH117 - hot path
        return None
    root = real_root if real_root.endswith(os.sep) else real_root + os.sep
    rest = path[len(root) :]
    parts = rest.split(os.sep)  # noqa: PTH206 - strings on the hot path
    if "" not in parts and "." not in parts and ".." not in parts:  # the common, clean path
        return tuple(
            itertools.accumulate(parts, lambda walked, part: walked + os.sep + part, initial=root[:-1])
        )[1:]
    chain: list[str] = []  # the directories below the root the walk is in
    visits: list[str] = []
    for part in parts:
        if part in {"", "."}:
            continue
        if part == "..":
            if not chain:
                return None  # above the root
            chain.pop()
            continue
        step = (chain[-1] + os.sep if chain else root) + part
        chain.append(step)
        visits.append(step)
    return tuple(visits)


def evidence(
    paths: Iterable[str], real_root: str, *, now_ns: int, observe: Observe = lstat_key
) -> dict[str, Key] | None:
    """The key of every step of every path in *paths*, or ``None`` when they cannot prove anything.

    Every visit but the last must be a directory (a missing one ends the walk: what lies below
    it is missing too); the last may be missing, a directory or a file; each must be
    :func:`settled`.  *observe* is called once per distinct path.
    """
    keys: dict[str, Key] = {}
    for path in dict.fromkeys(paths):
        visits = steps(path, real_root)
        if visits is None:
            return None
        last = len(visits) - 1
        for position, step in enumerate(visits):
            key = keys.get(step)
            if key is None:
                key = keys[step] = observe(step)
                if not settled(key, now_ns):
                    return None
            if key == ABSENT:
                break
            if key != DIRECTORY and position < last:
                return None  # a file used as a directory: an error the full check reports
    return keys


LOCAL_FILESYSTEMS = frozenset(
    {"ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "ramfs", "overlay", "zfs", "f2fs", "bcachefs", "jfs"}
)
"""Linux filesystems whose change time is the kernel's own, on this machine's clock.

Not NFS or SMB (a server's clock, and attributes answered from a cache while ``open`` sees new
bytes), FAT or exFAT (no change time: Linux reports another time in its place), nor FUSE and 9p
(whatever the program behind them says)."""


_OCTAL = re.compile(r"\\([0-7]{3})")
"""An octal escape of ``/proc/self/mountinfo`` (space, tab, newline and backslash in a path)."""


def mounts(mountinfo: str) -> dict[str, str]:
    """The visible mounts of ``/proc/self/mountinfo`` text: mount point -> filesystem type (pure).

    In mount order: a later mount at or above an earlier one's point hides it.
    """
    visible: dict[str, str] = {}
    for line in mountinfo.split("\n"):  # not splitlines(): a path may hold U+2028 unescaped
        fields, _, rest = line.partition(" - ")
        parts = fields.split(" ")
        if len(parts) < 5 or not rest:  # noqa: PLR2004 - the mount point is the fifth field
            continue
        point = _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), parts[4])  # a space is written \040
        for hidden in [p for p in visible if is_within(p, point)]:
            del visible[hidden]
        visible[point] = rest.split(" ", 1)[0]
    return visible


def mount_type(path: str, mountinfo: str) -> str | None:
    """The filesystem type of the mount holding *path* (absolute), from ``/proc/self/mountinfo`` (pure)."""
    return _holding(path, mounts(mountinfo))


def _holding(path: str, visible: dict[str, str]) -> str | None:
    holding = [point for point in visible if is_within(path, point)]
    return visible[max(holding, key=len)] if holding else None


def trustworthy_filesystem(real_root: str, mountinfo: str | None = None) -> bool:
    """Whether file states below *real_root* can prove anything (:data:`LOCAL_FILESYSTEMS` on Linux).

    On Linux the repository's mount and every mount inside it must be one of those (*mountinfo*:
    ``/proc/self/mountinfo`` unless given); elsewhere on POSIX (macOS: APFS or HFS+ keep a
    change time) yes; on Windows never.
    """
    if not sys.platform.startswith("linux"):
        return os.name == "posix"
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="surrogateescape")
        except OSError:
            return False
    visible = mounts(mountinfo)
    inside = {kind for point, kind in visible.items() if is_within(point, real_root)}
    return _holding(real_root, visible) in LOCAL_FILESYSTEMS and inside <= LOCAL_FILESYSTEMS
