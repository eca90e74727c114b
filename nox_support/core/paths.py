"""How nox-support names a file to users, and the string forms of path checks on hot paths.

The string helpers work on paths from :func:`os.path.realpath` (absolute and normalized): one
``realpath`` instead of a chain of :class:`~pathlib.Path` objects, which a no-op run over a
thousand services would otherwise build tens of thousands of.
"""

from __future__ import annotations

import functools
import os
import stat
from pathlib import Path


def display_path(path: Path, base: Path) -> str:
    """*path* relative to *base* as a POSIX string, or *path* itself when it lies outside.

    The path as given is tried first (cheap, and it keeps the names a user sees when a
    directory is a symlink); only then both sides are resolved.
    """
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def is_within(real: str, real_root: str) -> bool:
    """Whether *real* is *real_root* or lies below it (both from :func:`os.path.realpath`).

    What :meth:`pathlib.PurePath.is_relative_to` answers, component by component: ``/a/bc``
    does not lie below ``/a/b``.  Compared in the platform's case (:func:`os.path.normcase`).
    """
    path, root = os.path.normcase(real), os.path.normcase(real_root)
    return path == root or path.startswith(root if root.endswith(os.sep) else root + os.sep)


def relative_posix(path: str, base: str) -> str:
    """:func:`os.path.relpath` of *path* from *base*, with ``/`` separators.

    Both must be absolute and normalized (as :func:`os.path.realpath` and :class:`~pathlib.Path`
    give them); a path below *base* is cut without the general algorithm.
    """
    relative = path[len(base) + 1 :]
    if base.endswith(os.sep) or not path.startswith(base + os.sep) or is_dotted(relative):
        if os.path.isabs(path) and os.path.isabs(base):  # noqa: PTH117 - strings, see the module
            relative = _relpath(path, base)
        else:  # pragma: no cover - callers pass absolute paths; a relative one depends on the cwd
            relative = os.path.relpath(path, base)
    return relative if os.sep == "/" else relative.replace(os.sep, "/")


def is_dotted(relative: str) -> bool:
    """Whether a relative path may not be normalized (``.``, ``..``, ``//``, a leading or trailing ``/``)."""
    wrapped = os.sep + relative + os.sep
    return not relative or any(f"{os.sep}{part}{os.sep}" in wrapped for part in (".", "..", ""))


@functools.lru_cache(maxsize=4096)
def _relpath(path: str, base: str) -> str:
    # Pure string arithmetic for absolute paths (no filesystem), so remembering it is safe: the
    # shared constraints file is named from every service directory of the same depth.
    return os.path.relpath(path, base)


def real_path(path: str | os.PathLike[str], real_base: str | None = None) -> str:
    """:func:`os.path.realpath` of *path*, cheaper when no component is a symbolic link.

    A normalized absolute path none of whose components is a link is its own real path: one
    ``lstat`` per component says so, without the general algorithm (three times slower in pure
    Python).  Anything else (a link, a missing component, ``..``, not POSIX) takes the general one.
    *real_base*, a directory just resolved, spares the ``lstat`` of the components *path* shares
    with it.
    """
    text = os.fspath(path)
    if (
        os.name != "posix"
        or not text.startswith("/")
        or text.startswith("//")
        or os.path.normpath(text) != text
    ):
        return os.path.realpath(text)
    prefix, rest = "", text[1:]
    if real_base is not None and real_base != "/" and text.startswith(real_base + "/"):
        prefix, rest = real_base, text[len(real_base) + 1 :]
    for part in rest.split("/"):
        prefix += "/" + part
        try:
            is_link = stat.S_ISLNK(os.lstat(prefix).st_mode)
        except OSError:
            return os.path.realpath(text)
        if is_link:
            return os.path.realpath(text)
    return text


Listing = dict[str, bool]
"""The names in a directory, each with whether it is a file (:func:`files_in`)."""


def files_in(directory: str | os.PathLike[str]) -> Listing:
    """The names in *directory*, each with whether it is a file (:func:`os.path.isfile`); none if unlistable.

    One listing answers what a ``stat`` per name would: a directory's entries carry their type.
    """
    try:
        with os.scandir(directory) as entries:
            return {entry.name: _is_file(entry) for entry in entries}
    except OSError:
        return {}


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:  # a link loop: not a file, as os.path.isfile says
        return False
