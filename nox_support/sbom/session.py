"""Session body of ``sbom(<service>)``.

Syncs the audit venv of the service (the same venv, lock and stamp as
``audit(<service>)``, see :mod:`nox_support.venv.shared`; a venv that cannot
be synced fails the session: no SBOM is ever written from a partial venv),
then writes ``reports/sbom/<service>.cdx.json``.  The document is cached in
``.nox/nox-support/sbom-cache/`` under a key of everything it depends on
(the digest of the lock, the installed distributions, the local packages'
fingerprint, the requirements.in names, the tool versions and
``SOURCE_DATE_EPOCH``), like the audit verdict.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from nox_support.core import atomic
from nox_support.core.errors import ConfigError, NoxSupportError
from nox_support.core.outputs import write_report
from nox_support.core.paths import display_path
from nox_support.licenses.files import detect_installed
from nox_support.licenses.spdx import Declared
from nox_support.lock import lockfile, lockformat, reqfile
from nox_support.lock.model import ParsedLock
from nox_support.lock.regenerate import regenerate_command
from nox_support.lock.uv_workspace import declared_names
from nox_support.sbom.build import SbomInput, SbomPackage, build_document, serial_number
from nox_support.venv import shared, sitemeta
from nox_support.venv import values as venv_values

if TYPE_CHECKING:
    from collections.abc import Mapping

    import nox

    from nox_support.discovery import Service
    from nox_support.project import Project

REPORT_DIR = Path("reports") / "sbom"
CACHE_DIR = Path(".nox") / "nox-support" / "sbom-cache"
CACHE_FORMAT = 1
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"


class SbomError(NoxSupportError):
    """The SBOM of a service cannot be built."""


def run_sbom(session: nox.Session, project: Project, service: str) -> None:
    """Body of ``sbom(<service>)``."""
    svc = project.service(service)
    timestamp, epoch = document_time(os.environ)
    path = project.root / REPORT_DIR / f"{svc.name}.cdx.json"
    try:
        with shared.synced_audit_venv(session, project, svc) as sync:
            direct = direct_requirements(svc, project.root)
            key = cache_key(sync.stamp, direct, epoch)
            cache = project.root / CACHE_DIR / f"{svc.name}.json"
            document = read_cache(cache, key)
            cached = document is not None
            if document is None:
                data = gather(project.root, svc, sync, direct, key=key, timestamp=timestamp)
                document = build_document(data)
                write_cache(cache, key, document)
    except NoxSupportError:
        # An SBOM of an earlier lock must not pass for this one (CI uploads whatever is there).
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # none there: nothing to remove
            path.unlink()
        raise
    if _read(path) != document:
        write_report(path, document, root=project.root)
    components = len(json.loads(document).get("components", []))
    note = " (cached: lock and venv unchanged)" if cached else ""
    session.log(f"{svc.name}: SBOM with {components} components -> {display_path(path, project.root)}{note}")


def document_time(environ: Mapping[str, str]) -> tuple[dt.datetime, str]:
    """The document's timestamp (``SOURCE_DATE_EPOCH`` or now, whole seconds, UTC) and the epoch text."""
    raw = environ.get(SOURCE_DATE_EPOCH, "").strip()
    if not raw:
        return dt.datetime.now(dt.timezone.utc).replace(microsecond=0), ""
    try:
        return dt.datetime.fromtimestamp(int(raw), dt.timezone.utc), raw
    except (ValueError, OverflowError, OSError):
        msg = f"{SOURCE_DATE_EPOCH}={raw!r} is not a number of seconds since 1970"
        raise ConfigError(
            msg, hint=f"unset it or set it to an integer, e.g. {SOURCE_DATE_EPOCH}=1700000000"
        ) from None


def cache_key(stamp: venv_values.Stamp, direct: tuple[str, ...], epoch: str) -> str:
    """Everything the document depends on, hashed (pure apart from installed tool versions)."""
    data = {
        "format": CACHE_FORMAT,
        "locks": [list(x) for x in stamp.locks],
        "contents": list(stamp.contents),
        "local": stamp.local_fingerprint,
        "python": stamp.python_version,
        "direct": list(direct),
        "epoch": epoch,
        "tools": [_version("nox-support"), _version("cyclonedx-python-lib"), _version("license-expression")],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def read_cache(path: Path, key: str) -> str | None:
    """The cached document for *key*, ``None`` on a miss."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("key") != key:
        return None
    document = data.get("document")
    return document if isinstance(document, str) else None


def write_cache(path: Path, key: str, document: str) -> None:
    """Store *document* under *key*; a cache that cannot be written only means a rebuild next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(path, json.dumps({"format": CACHE_FORMAT, "key": key, "document": document}) + "\n")
    except OSError:
        return


def gather(  # noqa: PLR0913 - the inputs of one document
    root: Path,
    service: Service,
    sync: venv_values.SyncResult,
    direct: tuple[str, ...],
    *,
    key: str,
    timestamp: dt.datetime,
) -> SbomInput:
    """Read the lock's hashes and the venv's metadata into an :class:`SbomInput`."""
    lock = service.main.lock
    parsed = lockformat.read_state(lock, shown=display_path(lock, root))
    if not isinstance(parsed, ParsedLock):
        msg = f"{service.name}: {display_path(lock, root)} {lockfile.describe_state(parsed)}"
        raise SbomError(msg, hint=f"regenerate the lock: {regenerate_command(service.name)}")
    text = parsed.text
    hashes = {
        p.name: tuple(h.partition(":")[2] for h in p.hashes if h.startswith("sha256:"))
        for p in parsed.packages
    }
    site = sitemeta.site_packages(sync.venv)
    dist_infos = sitemeta.dist_info_index(sync.stamp.contents)
    packages: list[SbomPackage] = []
    local = {p.name: p.path for p in sync.stamp.local_packages}
    for name in [*(n for n, _ in sync.stamp.packages), *local]:
        entry = dist_infos.get(name)
        if entry is None:
            msg = f"{service.name}: {name} is in the venv's stamp but has no metadata in {site}"
            raise SbomError(msg, hint=f"delete {sync.venv} and run again")
        meta = sitemeta.read_dist_info(site / entry)
        if name not in local and not hashes.get(name):
            where = display_path(lock, root)
            msg = f"{service.name}: {name}=={meta.version} is installed but has no sha256 hash in {where}"
            raise SbomError(msg, hint=f"regenerate the lock: {regenerate_command(service.name)}")
        detected = detect_installed(site / entry, meta)
        packages.append(
            SbomPackage(
                name=meta.name,
                version=meta.version,
                sha256=() if name in local else hashes[name],
                requires=meta.requires,
                license=detected.expression if isinstance(detected, Declared) else None,
                local_path=local.get(name),
            )
        )
    local_direct = {
        name for name, shown in local.items() if f"path:{(service.directory / shown).resolve()}" in direct
    }
    return SbomInput(
        service=service.name,
        lock=display_path(lock, root),
        lock_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        python_version=sync.stamp.python_version,
        direct=tuple(sorted({d for d in direct if not d.startswith("path:")} | local_direct)),
        packages=tuple(packages),
        serial=serial_number(service.name, key),
        timestamp=timestamp,
        tool_version=_version("nox-support"),
    )


def direct_requirements(service: Service, root: Path) -> tuple[str, ...]:
    """Canonical names in the service's requirements.in and the files it includes with ``-r``.

    A local path is returned as ``path:<absolute path>``: the caller names it
    by the distribution installed from that path.
    """
    if service.main.section is not None:  # declared in pyproject.toml
        return declared_names(service.main.source, service.main.section, str(service.main.source), root)
    names: set[str] = set()
    seen: set[Path] = set()
    pending = [service.main.source]
    while pending:
        path = pending.pop().resolve()
        if path in seen:
            continue
        seen.add(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            msg = f"{service.name}: cannot read {path}: {exc}"
            raise SbomError(msg) from exc
        for entry in reqfile.parse(text, path=str(path)):
            if isinstance(entry, reqfile.NamedRequirement):
                names.add(canonicalize_name(entry.name))
            elif isinstance(entry, reqfile.LocalPath):
                raw = entry.path.removeprefix("file://").partition("[")[0]
                names.add(f"path:{(path.parent / raw).resolve()}")
            elif isinstance(entry, reqfile.Include) and not entry.constraint:
                pending.append(path.parent / entry.target)
    return tuple(sorted(names))


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
