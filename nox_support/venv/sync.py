"""Make a service's Nox venv hold exactly the packages of its locks.

:func:`sync_venv` gives *sync* semantics (packages no longer locked are
removed), installs named packages with hash checking, and installs the local
path packages a lock names (``../../libs/common``, ``-e ./pkg``) separately:
pip and uv cannot hash-check a directory, so those are installed without
``--require-hashes`` and with ``--no-deps`` (their dependencies are pinned,
and hash-checked, in the same lock).

A stamp inside the venv (``nox-support-sync.json``) records the digests of
the locks, the interpreter, a fingerprint of the local packages and the list
of installed distributions.  When everything matches, nothing runs: the
no-op path is a handful of small file reads and one directory listing.  A
venv without a stamp that holds more than a new venv's seed (an earlier
creation or sync was interrupted), with a changed interpreter, or broken, is
recreated, and the reason is logged on one line.  The decision needs nothing
from Nox but the venv's location.

Installer: ``uv pip sync`` (uv is a dependency of nox-support; it verifies
every hash the lock gives and syncs whatever backend created the venv; the
seed packages it keeps in a venv that virtualenv created are uninstalled).  pip,
from the tool environment and pointed at the venv with ``pip --python``, is
the fallback only where no uv binary can be found (a platform without a uv
wheel, where installing nox-support skipped or failed to build it): pip has
no sync, so the extras are computed here and uninstalled.  The venv
itself therefore needs no pip, and keeps none unless the lock pins it.

:func:`sync_venv` returns one of three frozen variants (``SyncResult``):
:class:`AlreadySynced` (stamp matched, nothing ran), :class:`Synced` (installed
in place; ``reason``: ``new venv``, ``lock changed (...)``, ``a local path
package changed``, ``packages were installed or removed outside nox-support``)
and :class:`Rebuilt` (venv recreated through Nox's ``create()``, see :mod:`nox_support._compat`;
``reason``: ``no stamp (...)``, ``interpreter changed (...)``, ``broken venv
(...)``).  Each carries the new :class:`Stamp` (installed packages, local
packages).  Failures raise :class:`VenvError` (:class:`VenvMismatchError` when
the venv still differs from the lock after syncing).

Two runs on the same venv are serialised by a file lock next to it; the
second waits up to ``NOX_SUPPORT_VENV_TIMEOUT`` seconds (default 600) and then
fails with a "busy" message.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from nox_support import _compat
from nox_support.core.errors import ConfigError
from nox_support.core.filelock import exclusive
from nox_support.core.paths import display_path
from nox_support.lock import digest, lockfile, lockformat
from nox_support.lock.model import LocalFile, ParsedLock
from nox_support.lock.regenerate import regenerate_command
from nox_support.venv import integrity, record
from nox_support.venv.fingerprint import local_fingerprint
from nox_support.venv.inspect import contents, inspect_venv
from nox_support.venv.install import install
from nox_support.venv.plan import changed_pins, pin_hashes, plan_locks, rebuild_reason, resync_reason
from nox_support.venv.stamp import STAMP_NAME, read_stamp, write_stamp
from nox_support.venv.values import AlreadySynced, Rebuilt, Stamp, Synced, SyncResult, VenvError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    import nox

    from nox_support.discovery import Service
    from nox_support.venv.inspect import VenvInfo

TIMEOUT_ENV = "NOX_SUPPORT_VENV_TIMEOUT"
DEFAULT_TIMEOUT = 600.0


def sync_venv(session: nox.Session, service: Service, locks: tuple[Path, ...], *, purpose: str) -> SyncResult:
    """Make ``session.virtualenv`` contain exactly the packages of *locks*.

    *locks* are absolute paths (e.g. ``service.main.lock``); local paths inside
    them are relative to ``service.directory``.  *purpose* names the venv in
    messages (``"audit"``, ``"tests"``).  Holds the venv's file lock while syncing.
    """
    with synced(session, service, locks, purpose=purpose) as result:
        return result


@contextlib.contextmanager
def synced(
    session: nox.Session, service: Service, locks: tuple[Path, ...], *, purpose: str
) -> Iterator[SyncResult]:
    """Like :func:`sync_venv`, but keep holding the venv's lock while the block runs.

    Use it when the block reads the venv (a scanner) so that a concurrent run
    cannot re-sync the venv underneath it.
    """
    location = _venv_location(session, service, purpose)
    what = f"the {purpose} venv of service {service.name!r}"
    with exclusive(location.with_name(location.name + ".sync-lock"), timeout=lock_timeout(), what=what):
        yield _sync_locked(session, service, locks, location, what=what)


def lock_timeout(environ: Mapping[str, str] | None = None) -> float:
    """Seconds a run waits for a busy venv (``NOX_SUPPORT_VENV_TIMEOUT``, default 600)."""
    raw = (os.environ if environ is None else environ).get(TIMEOUT_ENV, "")
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0:
        msg = f"{TIMEOUT_ENV}={raw!r} is not a number of seconds"
        raise ConfigError(msg, hint=f"for example {TIMEOUT_ENV}=600")
    return value


def _sync_locked(
    session: nox.Session, service: Service, locks: tuple[Path, ...], location: Path, *, what: str
) -> SyncResult:
    # Each lock is read once into the lock model, with the local packages file next to it
    # (nox_support.lock.localfile): the installer is given what the model holds, nothing else.
    # A lock's text covers its local file too (the local= digest of its digest line).
    read = tuple(_read_lock(lock, service) for lock in locks)
    lock_digests = tuple(
        (display_path(lock, service.directory), hashlib.sha256(parsed.text.encode("utf-8")).hexdigest())
        for lock, (parsed, _) in zip(locks, read, strict=True)
    )
    plan = plan_locks(read, service_dir=service.directory, root=_repository_root(service))
    fingerprint = local_fingerprint(plan.local)

    stamp_path = location / STAMP_NAME
    stamp_present = stamp_path.exists()
    stamp = read_stamp(location) if stamp_present else None
    venv, broken = inspect_venv(location)
    reason = rebuild_reason(
        stamp,
        stamp_present=stamp_present,
        contents=contents(venv.site_packages) if venv else (),
        interpreter=venv.interpreter if venv else "",
        broken=broken,
    )
    # A venv this machine did not sync or verify (restored from a cache) is checked file by file.
    trusted = stamp is not None and record.is_marked(location, stamp_path)
    if reason is None and stamp is not None and venv is not None and not trusted:
        reason = _tamper_reason(session, service, venv, stamp, what=what)
    if reason is None and stamp is not None and venv is not None:
        current = replace(
            stamp, locks=lock_digests, local_fingerprint=fingerprint, contents=contents(venv.site_packages)
        )
        if resync_reason(stamp, current) is None:
            if not trusted:
                record.mark_verified(location, stamp_path)
            return AlreadySynced(location, stamp)
        sync_reason = resync_reason(stamp, current) or "out of sync"
    else:
        sync_reason = "new venv"

    if reason is not None:
        session.log(f"{service.name}: rebuilding {what}: {reason}")
        stamp_path.unlink(missing_ok=True)
        _recreate(session, location)
        venv, broken = inspect_venv(location)
    if venv is None:
        msg = f"{what} at {location} is unusable after creation: {broken}"
        raise VenvError(msg, hint=f"delete {location} and run the session again")
    if reason is None and sync_reason != "new venv":
        session.log(f"{service.name}: syncing {what}: {sync_reason}")

    stamp_path.unlink(missing_ok=True)
    # uv pip sync keeps an installed pin whose locked hashes changed: install those again.
    again = changed_pins(stamp.pin_hashes, pin_hashes(plan)) if reason is None and stamp is not None else ()
    if again:
        session.log(f"{service.name}: installing again (their locked hashes changed): {', '.join(again)}")
    new_stamp = install(
        session,
        service,
        venv,
        plan,
        lock_digests=lock_digests,
        fingerprint=fingerprint,
        compiler=lock_compiler(lock.digest_line for lock, _ in read),
        reinstall=again,
    )
    write_stamp(location, new_stamp)
    record.mark_verified(location, stamp_path)
    if reason is not None:
        return Rebuilt(location, new_stamp, reason)
    return Synced(location, new_stamp, sync_reason)


def lock_compiler(texts: Iterable[str]) -> str:
    """The compiler (``pip-tools`` or ``uv``) whose digest line the locks carry (pure).

    *texts* are the locks' texts or their digest lines (a pylock file's is in its tool table).

    ``freshness`` has checked that it is the configured one before any sync starts; a lock
    without a digest line is pip-compile's format.
    """
    for text in texts:
        split = digest.split(text)
        recorded = digest.parse_line(split.line) if split is not None else None
        if recorded is not None:
            return recorded.inputs.compiler.partition("==")[0]
    return "pip-tools"


def _tamper_reason(
    session: nox.Session, service: Service, venv: VenvInfo, stamp: Stamp, *, what: str
) -> str | None:
    """Verify the files of a venv against its RECORD files and stamp: why to rebuild, or ``None``."""
    session.log(f"{service.name}: verifying the files of {what} against their RECORD (restored or copied)")
    fingerprint = record.Fingerprint(stamp.records, stamp.unlisted)
    problems = integrity.verify(venv.location, venv.site_packages, fingerprint)
    if not problems:
        return None
    more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
    return f"it is not the venv that was synced ({problems[0]!r}{more})"


def _venv_location(session: nox.Session, service: Service, purpose: str) -> Path:
    location = getattr(session.virtualenv, "location", None)
    if not isinstance(location, str) or not hasattr(session.virtualenv, "create"):
        msg = f"{purpose}({service.name}) needs a virtualenv but the session has none"
        raise VenvError(msg, hint="declare the session with a venv backend (not venv_backend='none')")
    return Path(location)


def _recreate(session: nox.Session, location: Path) -> None:
    if location.exists():
        shutil.rmtree(location)
    try:
        _compat.recreate_session_venv(session.virtualenv)
    except _compat.CompatError:
        raise
    except Exception as exc:  # nox raises its own types for missing interpreters
        msg = f"cannot recreate the venv at {location}: {exc}"
        raise VenvError(msg, hint="check that the service's target Python is installed") from exc


def _read_lock(lock: Path, service: Service) -> tuple[ParsedLock, LocalFile | None]:
    """The lock at *lock* and its local packages file, validated, or a :class:`VenvError`."""
    shown = display_path(lock, service.directory)
    fix = f"regenerate it with: {regenerate_command(service.name)}"
    state = lockformat.read_state(lock, shown=shown)
    if not isinstance(state, ParsedLock):
        msg = f"{service.name}: lock {shown} {lockfile.describe_state(state)}"
        raise VenvError(msg, hint=f"{fix} (nothing was installed from it)")
    local = lockformat.read_local_state(lock, state)
    if isinstance(local, str):
        msg = f"{service.name}: lock {shown}: {local}"
        raise VenvError(msg, hint=f"{fix} (nothing was installed from it)")
    return state, local


def _repository_root(service: Service) -> Path:
    """The repository root: the service directory without its relative path."""
    depth = len(PurePosixPath(service.relpath).parts) if service.relpath not in {"", "."} else 0
    return service.directory.parents[depth - 1] if depth else service.directory
