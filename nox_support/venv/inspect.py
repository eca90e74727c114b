"""Reading a venv and the local packages a lock names: cheap, no process runs."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from packaging.utils import canonicalize_name

from nox_support import _compat
from nox_support.venv.values import InstalledDist, Installer


@dataclass(frozen=True)
class VenvInfo:
    """A usable venv: where it is, its Python, and the installer that syncs it."""

    location: Path
    python: Path
    site_packages: Path
    python_version: str
    interpreter: str
    installer: Installer


def inspect_venv(location: Path) -> tuple[VenvInfo | None, str | None]:
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
    site = find_site_packages(location)
    if site is None:
        return None, "site-packages is missing"
    version = cfg.get("version_info") or cfg.get("version") or ""
    version = ".".join(version.split(".")[:3])
    interpreter = f"{version} {real} {stat.st_size}:{stat.st_mtime_ns}"
    installer: Installer = "uv" if _compat.uv_binary() is not None else "pip"
    return VenvInfo(location, python, site, version, interpreter, installer), None


def find_site_packages(location: Path) -> Path | None:
    """The ``site-packages`` directory of the venv at *location*, ``None`` when it has none."""
    found = sorted(location.glob("lib/*/site-packages")) or sorted(location.glob("Lib/site-packages"))
    found = [path for path in found if path.is_dir()]
    return found[-1] if found else None


def contents(site: Path) -> tuple[str, ...]:
    """Sorted ``*.dist-info`` / ``*.egg-info`` names in *site* (empty when unreadable)."""
    try:
        names = [entry.name for entry in os.scandir(site)]
    except OSError:
        return ()
    return tuple(sorted(n for n in names if n.endswith((".dist-info", ".egg-info"))))


def installed(site: Path) -> tuple[InstalledDist, ...]:
    """The distributions installed in *site*."""
    dists = []
    for entry in contents(site):
        parsed = parse_dist_info_name(entry)
        if parsed is None:
            continue
        name, version = parsed
        dists.append(InstalledDist(name, version, entry, _direct_url(site / entry)))
    return tuple(dists)


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


def _read_pyvenv_cfg(path: Path) -> dict[str, str] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    parts = (line.partition("=") for line in text.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, _, v in parts}


def _direct_url(dist_info: Path) -> str | None:
    try:
        data = json.loads((dist_info / "direct_url.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    url = data.get("url") if isinstance(data, dict) else None
    if not isinstance(url, str) or not url.startswith("file:"):
        return None
    return Path(unquote(urlparse(url).path)).resolve().as_uri()
