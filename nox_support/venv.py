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
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote, urlparse

from packaging.markers import Marker, default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from nox_support import _compat, cmd
from nox_support.errors import ConfigError, NoxSupportError
from nox_support.filelock import exclusive
from nox_support.lock import reqfile
from nox_support.lock.inputs import metadata_files
from nox_support.lock.localfile import local_file_for
from nox_support.lock.regenerate import regenerate_command
from nox_support.paths import display_path

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    import nox

    from nox_support.discovery import Service

STAMP_NAME = "nox-support-sync.json"
STAMP_FORMAT = 1
TIMEOUT_ENV = "NOX_SUPPORT_VENV_TIMEOUT"
DEFAULT_TIMEOUT = 600.0
_MERGED_NAME = "nox-support-requirements.txt"
_SKIPPED_DIRS = frozenset({"__pycache__", "build", "dist", "node_modules"})

Installer = Literal["uv", "pip"]


class VenvError(NoxSupportError):
    """A service venv cannot be synced to its locks."""


class VenvMismatchError(VenvError):
    """After syncing, the venv still does not hold exactly the locked packages."""

    def __init__(self, message: str, *, problems: tuple[str, ...], hint: str | None = None) -> None:
        """Keep the individual *problems* for callers that report them one by one."""
        super().__init__(message, hint=hint)
        self.problems = problems


# ---------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class LockedPackage:
    """A named, pinned, hashed requirement of a lock."""

    name: str
    version: str
    requirement: str
    hashes: tuple[str, ...]
    marker: str | None
    lock: str
    line: int


@dataclass(frozen=True)
class LocalRequirement:
    """A local path package named by a lock; ``path`` is absolute."""

    path: Path
    extras: str
    editable: bool
    lock: str
    line: int


@dataclass(frozen=True)
class LockPlan:
    """What the locks ask for, merged across locks (pure result of :func:`plan_locks`)."""

    packages: tuple[LockedPackage, ...]
    local: tuple[LocalRequirement, ...]
    options: tuple[str, ...]


@dataclass(frozen=True)
class InstalledDist:
    """A distribution found in the venv's ``site-packages``."""

    name: str
    version: str
    dist_info: str
    direct_url: str | None = None


@dataclass(frozen=True)
class LocalInstall:
    """A local path package as installed in the venv (never hash-checked, never audited)."""

    name: str
    version: str
    path: str
    """The path as written in the lock (relative to the service directory)."""
    lock: str
    line: int


@dataclass(frozen=True)
class Stamp:
    """What a synced venv holds and what it was synced from."""

    locks: tuple[tuple[str, str], ...]
    """(lock path relative to the service directory, sha256 of its bytes)."""
    interpreter: str
    python_version: str
    local_fingerprint: str
    contents: tuple[str, ...]
    """Sorted ``*.dist-info`` directory names in ``site-packages``."""
    packages: tuple[tuple[str, str], ...]
    """(canonical name, version) of every locked named package installed."""
    local_packages: tuple[LocalInstall, ...]
    installer: Installer

    def to_json(self) -> str:
        """Serialise for the stamp file."""
        data = {
            "format": STAMP_FORMAT,
            "locks": [list(x) for x in self.locks],
            "interpreter": self.interpreter,
            "python_version": self.python_version,
            "local_fingerprint": self.local_fingerprint,
            "contents": list(self.contents),
            "packages": [list(x) for x in self.packages],
            "local_packages": [
                {"name": p.name, "version": p.version, "path": p.path, "lock": p.lock, "line": p.line}
                for p in self.local_packages
            ],
            "installer": self.installer,
        }
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Stamp | None:
        """Parse a stamp; ``None`` when it is not one this version wrote."""
        try:
            data = json.loads(text)
            if data.get("format") != STAMP_FORMAT:
                return None
            return cls(
                locks=tuple((str(a), str(b)) for a, b in data["locks"]),
                interpreter=str(data["interpreter"]),
                python_version=str(data["python_version"]),
                local_fingerprint=str(data["local_fingerprint"]),
                contents=tuple(str(x) for x in data["contents"]),
                packages=tuple((str(a), str(b)) for a, b in data["packages"]),
                local_packages=tuple(
                    LocalInstall(
                        str(p["name"]), str(p["version"]), str(p["path"]), str(p["lock"]), int(p["line"])
                    )
                    for p in data["local_packages"]
                ),
                installer="uv" if data["installer"] == "uv" else "pip",
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


@dataclass(frozen=True)
class AlreadySynced:
    """The stamp matched: nothing was installed (no pip or uv process ran)."""

    venv: Path
    stamp: Stamp


@dataclass(frozen=True)
class Synced:
    """The venv was synced in place; ``reason`` says why (new venv, lock changed ...)."""

    venv: Path
    stamp: Stamp
    reason: str


@dataclass(frozen=True)
class Rebuilt:
    """The venv was deleted, recreated by Nox, then synced; ``reason`` says why."""

    venv: Path
    stamp: Stamp
    reason: str


SyncResult = AlreadySynced | Synced | Rebuilt


@dataclass(frozen=True)
class _Venv:
    location: Path
    python: Path
    site_packages: Path
    python_version: str
    interpreter: str
    installer: Installer


# ---------------------------------------------------------------------------
# Public entry points


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


def read_stamp(venv: Path) -> Stamp | None:
    """Read the stamp of a synced venv (``None`` when absent or unreadable)."""
    try:
        return Stamp.from_json((venv / STAMP_NAME).read_text(encoding="utf-8"))
    except OSError:
        return None


# ---------------------------------------------------------------------------
# Pure helpers


def plan_locks(texts: tuple[tuple[str, str], ...], *, service_dir: Path) -> LockPlan:
    """Merge the named and local requirements of locks given as (display name, text).

    Raises :class:`VenvError` for a requirement that is not pinned with
    ``==`` and hashed, for ``-r``/``-c`` inside a lock, and for two locks
    pinning one package differently.
    """
    packages: dict[str, LockedPackage] = {}
    local: dict[Path, LocalRequirement] = {}
    options: list[str] = []
    for display, text in texts:
        for entry in reqfile.parse(text, path=display):
            match entry:
                case reqfile.NamedRequirement():
                    _merge_named(packages, _locked(entry, display))
                case reqfile.LocalPath():
                    requirement = _local(entry, display, service_dir)
                    local.setdefault(requirement.path, requirement)
                case reqfile.Include():
                    msg = f"{display}:{entry.line}: a lock must not include other files (-r/-c)"
                    raise VenvError(msg, hint="regenerate the lock with `nox -s lock`")
                case reqfile.Option():
                    option = f"{entry.name} {entry.value}".strip()
                    if option not in options:
                        options.append(option)
    return LockPlan(tuple(packages.values()), tuple(local.values()), tuple(options))


def requirements_text(plan: LockPlan) -> str:
    """One requirements file with every locked package and local path (absolute)."""
    lines = list(plan.options)
    for package in plan.packages:
        hashes = " ".join(f"--hash={h}" for h in package.hashes)
        lines.append(f"{package.requirement} {hashes}")
    lines += [_local_line(r) for r in plan.local]
    return "\n".join(lines) + "\n"


def expected_packages(plan: LockPlan, python_version: str) -> dict[str, str]:
    """Canonical name -> version of the locked packages whose markers apply to *python_version*."""
    environment: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    environment["python_full_version"] = python_version
    environment["python_version"] = ".".join(python_version.split(".")[:2])
    expected: dict[str, str] = {}
    for package in plan.packages:
        if package.marker is None or Marker(package.marker).evaluate(environment):
            expected[package.name] = package.version
    return expected


def compare_installed(
    expected: Mapping[str, str], local: tuple[LocalRequirement, ...], installed: tuple[InstalledDist, ...]
) -> tuple[tuple[str, ...], tuple[InstalledDist, ...], tuple[InstalledDist, ...]]:
    """Diff the venv against the plan.

    Returns ``(problems, extras, local_dists)``: human-readable problems
    (missing or wrong versions, missing local packages), installed
    distributions that nothing in the locks asks for, and the installed
    distributions that come from the locks' local paths.
    """
    problems: list[str] = []
    by_name: dict[str, list[InstalledDist]] = {}
    for dist in installed:
        by_name.setdefault(dist.name, []).append(dist)
    matched: set[str] = set()
    local_dists: list[InstalledDist] = []
    wanted_urls = {r.path.as_uri(): r for r in local}
    for dist in installed:
        if dist.direct_url is not None and dist.direct_url in wanted_urls:
            matched.add(dist.dist_info)
            local_dists.append(dist)
    found_urls = {d.direct_url for d in local_dists}
    for url, requirement in wanted_urls.items():
        if url not in found_urls:
            problems.append(
                f"local package {requirement.path} ({requirement.lock}:{requirement.line}) is not installed"
            )
    for name, version in sorted(expected.items()):
        candidates = [d for d in by_name.get(name, []) if d.dist_info not in matched]
        if not candidates:
            problems.append(f"{name}=={version} is not installed")
            continue
        if len(candidates) > 1:
            problems.append(f"{name} is installed {len(candidates)} times")
        dist = candidates[0]
        matched.add(dist.dist_info)
        if not _same_version(dist.version, version):
            problems.append(f"{name} is {dist.version}, the lock pins {version}")
    extras = tuple(d for d in installed if d.dist_info not in matched)
    return tuple(problems), extras, tuple(local_dists)


def parse_dist_info_name(entry: str) -> tuple[str, str] | None:
    """``"Foo_Bar-1.0.dist-info"`` -> ``("foo-bar", "1.0")``; ``None`` for other names."""
    for suffix in (".dist-info", ".egg-info"):
        if entry.endswith(suffix):
            stem = entry[: -len(suffix)]
            name, sep, version = stem.rpartition("-")
            if not sep or not name:
                return None
            return canonicalize_name(name), version.split("-py")[0]
    return None


# What a venv holds right after its creation (virtualenv seeds these; uv seeds nothing).
_SEED_DISTRIBUTIONS = frozenset({"pip", "setuptools", "wheel"})


def rebuild_reason(
    stamp: Stamp | None,
    *,
    stamp_present: bool,
    contents: tuple[str, ...],
    interpreter: str,
    broken: str | None,
) -> str | None:
    """Why the venv must be recreated from scratch, or ``None`` (pure).

    Decided from nox-support's stamp alone: a venv without a stamp that holds
    anything but what a new venv is seeded with (*contents*: its
    ``*.dist-info`` names) was being synced when a run stopped, so its files
    cannot be trusted; a venv holding only its seed is new and is synced in place.
    """
    if broken is not None:
        return f"broken venv ({broken})"
    if stamp is None:
        if stamp_present:
            return "unreadable stamp"
        names = (parse_dist_info_name(entry) for entry in contents)
        if any(parsed is None or parsed[0] not in _SEED_DISTRIBUTIONS for parsed in names):
            return "no stamp (an earlier creation or sync was interrupted)"
        return None
    if stamp.interpreter != interpreter:
        return f"interpreter changed ({_short_interp(stamp.interpreter)} -> {_short_interp(interpreter)})"
    return None


def resync_reason(stamp: Stamp, wanted: Stamp) -> str | None:
    """Why an intact venv must be re-synced in place, or ``None`` when it is in sync (pure)."""
    if stamp.locks != wanted.locks:
        before, after = dict(stamp.locks), dict(wanted.locks)
        changed = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
        return f"lock changed ({', '.join(changed)})"
    if stamp.local_fingerprint != wanted.local_fingerprint:
        return "a local path package changed"
    if stamp.contents != wanted.contents:
        return "packages were installed or removed outside nox-support"
    return None


# ---------------------------------------------------------------------------
# The sync itself


def _sync_locked(
    session: nox.Session, service: Service, locks: tuple[Path, ...], location: Path, *, what: str
) -> SyncResult:
    # Local path packages are kept next to each lock (see nox_support.lock.localfile).
    files = [*locks, *(f for lock in locks if (f := local_file_for(lock)).exists())]
    texts = tuple((display_path(lock, service.directory), _read_lock(lock, service)) for lock in files)
    lock_digests = tuple((name, hashlib.sha256(text.encode("utf-8")).hexdigest()) for name, text in texts)
    plan = plan_locks(texts, service_dir=service.directory)
    fingerprint = _local_fingerprint(plan.local)

    stamp_path = location / STAMP_NAME
    stamp_present = stamp_path.exists()
    stamp = read_stamp(location) if stamp_present else None
    venv, broken = _inspect(location)
    reason = rebuild_reason(
        stamp,
        stamp_present=stamp_present,
        contents=_contents(venv.site_packages) if venv else (),
        interpreter=venv.interpreter if venv else "",
        broken=broken,
    )
    if reason is None and stamp is not None and venv is not None:
        current = _replace_contents(stamp, lock_digests, fingerprint, _contents(venv.site_packages))
        if resync_reason(stamp, current) is None:
            return AlreadySynced(location, stamp)
        sync_reason = resync_reason(stamp, current) or "out of sync"
    else:
        sync_reason = "new venv"

    if reason is not None:
        session.log(f"{service.name}: rebuilding {what}: {reason}")
        stamp_path.unlink(missing_ok=True)
        _recreate(session, location)
        venv, broken = _inspect(location)
    if venv is None:
        msg = f"{what} at {location} is unusable after creation: {broken}"
        raise VenvError(msg, hint=f"delete {location} and run the session again")
    if reason is None and sync_reason != "new venv":
        session.log(f"{service.name}: syncing {what}: {sync_reason}")

    stamp_path.unlink(missing_ok=True)
    new_stamp = _install(session, service, venv, plan, lock_digests=lock_digests, fingerprint=fingerprint)
    _write_atomically(stamp_path, new_stamp.to_json())
    if reason is not None:
        return Rebuilt(location, new_stamp, reason)
    return Synced(location, new_stamp, sync_reason)


def _install(  # noqa: PLR0913 - the distinct inputs of one sync
    session: nox.Session,
    service: Service,
    venv: _Venv,
    plan: LockPlan,
    *,
    lock_digests: tuple[tuple[str, str], ...],
    fingerprint: str,
) -> Stamp:
    merged = venv.location / _MERGED_NAME
    merged.write_text(requirements_text(plan), encoding="utf-8")
    expected = expected_packages(plan, venv.python_version)
    try:
        if venv.installer == "uv":
            _uv_sync(session, service, venv, merged, plan)
        else:
            _pip_sync(session, service, venv, plan, expected)
    finally:
        merged.unlink(missing_ok=True)
    installed = _installed(venv.site_packages)
    problems, extras, local_dists = compare_installed(expected, plan.local, installed)
    problems += tuple(f"{d.name}=={d.version} is installed but not locked" for d in extras)
    if problems:
        msg = f"the venv of {service.name} does not match its lock after syncing:\n  " + "\n  ".join(problems)
        raise VenvMismatchError(msg, problems=problems, hint=f"delete {venv.location} and run again")
    return Stamp(
        locks=lock_digests,
        interpreter=venv.interpreter,
        python_version=venv.python_version,
        local_fingerprint=fingerprint,
        contents=_contents(venv.site_packages),
        packages=tuple(sorted((d.name, d.version) for d in installed if d not in local_dists)),
        local_packages=_local_installs(plan.local, local_dists, service),
        installer=venv.installer,
    )


def _uv_sync(session: nox.Session, service: Service, venv: _Venv, merged: Path, plan: LockPlan) -> None:
    uv = _compat.uv_binary()
    if uv is None:  # pragma: no cover - _inspect only picks uv when it is found
        msg = "uv disappeared while syncing"
        raise VenvError(msg)
    reinstall: list[str] = []
    local_urls = {r.path.as_uri() for r in plan.local}
    for dist in _installed(venv.site_packages):
        if dist.direct_url in local_urls:
            reinstall += ["--reinstall-package", dist.name]
    command = (uv, "pip", "sync", "--python", str(venv.python), "--quiet", *reinstall, str(merged))
    _run(session, command, service)
    # uv pip sync keeps the seed packages (pip, setuptools, wheel) of a venv that virtualenv created.
    expected = expected_packages(plan, venv.python_version)
    _, extras, _ = compare_installed(expected, plan.local, _installed(venv.site_packages))
    if extras:
        names = sorted({d.name for d in extras})
        _run(session, (uv, "pip", "uninstall", "--python", str(venv.python), "--quiet", *names), service)


def _pip_sync(
    session: nox.Session, service: Service, venv: _Venv, plan: LockPlan, expected: Mapping[str, str]
) -> None:
    pip = (sys.executable, "-m", "pip", "--python", str(venv.python))
    _, extras, _ = compare_installed(expected, plan.local, _installed(venv.site_packages))
    if extras:
        _run(session, (*pip, "uninstall", "--yes", *sorted({d.name for d in extras})), service)
    named = venv.location / "nox-support-hashed.txt"
    named.write_text(requirements_text(LockPlan(plan.packages, (), plan.options)), encoding="utf-8")
    try:
        if plan.packages:
            _run(
                session,
                (*pip, "install", "--quiet", "--require-hashes", "--no-deps", "-r", str(named)),
                service,
            )
    finally:
        named.unlink(missing_ok=True)
    for requirement in plan.local:
        target = (("-e",) if requirement.editable else ()) + (str(requirement.path) + requirement.extras,)
        _run(session, (*pip, "install", "--quiet", "--no-deps", "--force-reinstall", *target), service)


def _run(session: nox.Session, command: tuple[str, ...], service: Service) -> None:
    session.log(f"{service.name}: {cmd.display(command)}")
    cmd.run(command, cwd=service.directory, env=cmd.clean_env(drop_prefixes=("VIRTUAL_ENV", "PYTHONHOME")))


# ---------------------------------------------------------------------------
# Reading the venv (cheap: no process)


def _venv_location(session: nox.Session, service: Service, purpose: str) -> Path:
    location = getattr(session.virtualenv, "location", None)
    if not isinstance(location, str) or not hasattr(session.virtualenv, "create"):
        msg = f"{purpose}({service.name}) needs a virtualenv but the session has none"
        raise VenvError(msg, hint="declare the session with a venv backend (not venv_backend='none')")
    return Path(location)


def _inspect(location: Path) -> tuple[_Venv | None, str | None]:
    """Describe the venv at *location*, or return ``(None, why it is broken)``."""
    cfg = _read_pyvenv_cfg(location / "pyvenv.cfg")
    if cfg is None:
        return None, "pyvenv.cfg is missing"
    python = location / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    try:
        real = python.resolve(strict=True)
        stat = real.stat()
    except (OSError, RuntimeError):
        return None, f"{python} is missing or points to a removed interpreter"
    site = _site_packages(location)
    if site is None:
        return None, "site-packages is missing"
    version = cfg.get("version_info") or cfg.get("version") or ""
    version = ".".join(version.split(".")[:3])
    interpreter = f"{version} {real} {stat.st_size}:{stat.st_mtime_ns}"
    installer: Installer = "uv" if _compat.uv_binary() is not None else "pip"
    return _Venv(location, python, site, version, interpreter, installer), None


def _read_pyvenv_cfg(path: Path) -> dict[str, str] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    parts = (line.partition("=") for line in text.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, _, v in parts}


def _site_packages(location: Path) -> Path | None:
    if sys.platform == "win32":  # pragma: no cover
        candidate = location / "Lib" / "site-packages"
        return candidate if candidate.is_dir() else None
    found = sorted(location.glob("lib/*/site-packages"))
    return found[-1] if found else None


def _contents(site: Path) -> tuple[str, ...]:
    try:
        names = [entry.name for entry in os.scandir(site)]
    except OSError:
        return ()
    return tuple(sorted(n for n in names if n.endswith((".dist-info", ".egg-info"))))


def _installed(site: Path) -> tuple[InstalledDist, ...]:
    dists = []
    for entry in _contents(site):
        parsed = parse_dist_info_name(entry)
        if parsed is None:
            continue
        name, version = parsed
        dists.append(InstalledDist(name, version, entry, _direct_url(site / entry)))
    return tuple(dists)


def _direct_url(dist_info: Path) -> str | None:
    try:
        data = json.loads((dist_info / "direct_url.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    url = data.get("url") if isinstance(data, dict) else None
    if not isinstance(url, str) or not url.startswith("file:"):
        return None
    return Path(unquote(urlparse(url).path)).resolve().as_uri()


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


# ---------------------------------------------------------------------------
# Small helpers


def _read_lock(lock: Path, service: Service) -> str:
    try:
        return lock.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"{service.name}: lock {display_path(lock, service.directory)} does not exist"
        raise VenvError(msg, hint=f"create it with: {regenerate_command(service.name)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{service.name}: cannot read lock {display_path(lock, service.directory)}: {exc}"
        raise VenvError(msg) from exc


def _locked(entry: reqfile.NamedRequirement, display: str) -> LockedPackage:
    where = f"{display}:{entry.line}"
    if entry.pin is None or entry.url is not None:
        msg = f"{where}: {entry.text!r} is not pinned with =="
        raise VenvError(msg, hint="regenerate the lock with `nox -s lock`")
    if not entry.hashes:
        msg = f"{where}: {entry.text!r} has no --hash, so it cannot be installed with hash checking"
        raise VenvError(msg, hint="regenerate the lock with `nox -s lock` (pip-compile --generate-hashes)")
    try:
        marker = Requirement(entry.text).marker
    except InvalidRequirement as exc:  # pragma: no cover - reqfile parsed it already
        raise VenvError(f"{where}: {exc}") from exc
    return LockedPackage(
        name=entry.name,
        version=entry.pin,
        requirement=entry.text,
        hashes=entry.hashes,
        marker=None if marker is None else str(marker),
        lock=display,
        line=entry.line,
    )


def _merge_named(packages: dict[str, LockedPackage], package: LockedPackage) -> None:
    previous = packages.get(package.name)
    if previous is None:
        packages[package.name] = package
        return
    if not _same_version(previous.version, package.version):
        msg = (
            f"{package.lock}:{package.line}: {package.name}=={package.version} conflicts with "
            f"{package.name}=={previous.version} in {previous.lock}:{previous.line}"
        )
        raise VenvError(msg, hint="lock the layers again so they agree: nox -s lock")
    hashes = previous.hashes + tuple(h for h in package.hashes if h not in previous.hashes)
    packages[package.name] = LockedPackage(
        previous.name,
        previous.version,
        previous.requirement,
        hashes,
        previous.marker,
        previous.lock,
        previous.line,
    )


def _local(entry: reqfile.LocalPath, display: str, service_dir: Path) -> LocalRequirement:
    raw = entry.path.removeprefix("file://") if entry.path.startswith("file://") else entry.path
    path_part, bracket, rest = raw.partition("[")
    extras = f"[{rest}" if bracket else ""
    return LocalRequirement(
        path=(service_dir / path_part).resolve(),
        extras=extras,
        editable=entry.editable,
        lock=display,
        line=entry.line,
    )


def _local_line(requirement: LocalRequirement) -> str:
    target = f"{requirement.path}{requirement.extras}"
    return f"-e {target}" if requirement.editable else target


def _local_installs(
    local: tuple[LocalRequirement, ...], dists: tuple[InstalledDist, ...], service: Service
) -> tuple[LocalInstall, ...]:
    by_url = {d.direct_url: d for d in dists}
    out = []
    for requirement in local:
        dist = by_url.get(requirement.path.as_uri())
        if dist is not None:
            shown = os.path.relpath(requirement.path, service.directory.resolve())
            out.append(
                LocalInstall(
                    dist.name, dist.version, Path(shown).as_posix(), requirement.lock, requirement.line
                )
            )
    return tuple(out)


def _local_fingerprint(local: tuple[LocalRequirement, ...]) -> str:
    """Sizes and mtimes of the files of local packages (metadata only for editable ones)."""
    digest = hashlib.sha256()
    for requirement in sorted(local, key=lambda r: str(r.path)):
        digest.update(f"{requirement.path}{requirement.extras} editable={requirement.editable}\n".encode())
        for path in _fingerprint_files(requirement):
            try:
                stat = path.stat()
            except OSError:
                continue
            digest.update(f"{path} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _fingerprint_files(requirement: LocalRequirement) -> list[Path]:
    root = requirement.path
    if root.is_file():
        return [root]
    if requirement.editable:
        return list(metadata_files(root))
    files: list[Path] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and d not in _SKIPPED_DIRS and not d.endswith(".egg-info")
        )
        files.extend(Path(directory) / f for f in sorted(filenames))
    return files


def _replace_contents(
    stamp: Stamp, locks: tuple[tuple[str, str], ...], fingerprint: str, contents: tuple[str, ...]
) -> Stamp:
    return Stamp(
        locks=locks,
        interpreter=stamp.interpreter,
        python_version=stamp.python_version,
        local_fingerprint=fingerprint,
        contents=contents,
        packages=stamp.packages,
        local_packages=stamp.local_packages,
        installer=stamp.installer,
    )


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _short_interp(interpreter: str) -> str:
    parts = interpreter.split()
    return " ".join(parts[:2]) if parts else "unknown"


def _write_atomically(path: Path, text: str) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(path)
