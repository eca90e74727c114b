"""uv (``uv pip compile``) as the lock compiler: the fast path.

Configured with ``[tool.nox_support] compiler = "uv"``.  The locks carry the
same pins and hashes as pip-compile's for the same inputs:

* ``--python-version`` resolves for a service's target Python without
  creating a tool environment for it (pip-compile must run under it);
* ``--index-strategy unsafe-best-match`` is pip's behaviour across several
  indexes (uv's default takes the first index that has a package);
* uv only knows the hash of the *one* file it picked from a local
  ``--find-links`` directory (astral-sh/uv#10308), whereas pip-compile hashes
  every distribution of the pinned version (all platforms, and the sdist).
  uv is therefore asked to name its find-links in the output; those lines are
  removed again and the missing hashes are added from the local directories.

Like pip-compile reads ``pip.conf``, uv reads its own configuration
(``uv.toml``, ``[tool.uv]``, ``UV_*`` variables): point both at the same
indexes.  Remote find-links pages without ``#sha256=`` fragments and
``file://`` simple indexes without them still get one hash per package.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from packaging.utils import (
    NormalizedName,
    canonicalize_name,
)
from packaging.version import InvalidVersion, Version

from nox_support import _compat
from nox_support.core import cmd
from nox_support.core.errors import CommandError, ResolutionError
from nox_support.core.paths import display_path
from nox_support.discovery import running_python
from nox_support.indexconfig import read_index_config, uv_arguments
from nox_support.lock.compile.failure import ANSI, FailedRun, explain, rerun_command
from nox_support.lock.compile.filenames import distribution_key
from nox_support.lock.compile.interface import (
    CompileRequest,
    CompilerError,
)
from nox_support.lock.compile.progress import PROGRESS_INTERVAL, compile_progress, uv_notice

# Options that shape the lock; recorded in the digest.  uv already emits
# pip/setuptools (pip-compile's --allow-unsafe) and omits index URLs by
# default; the explicit flags keep a user's uv.toml from changing that.
BASE_OPTIONS = (
    "--generate-hashes",
    "--strip-extras",
    "--no-emit-index-url",
)
PIP_INDEX_STRATEGY = ("--index-strategy", "unsafe-best-match")

# Asked for only to learn where uv looked; the lines are stripped before the
# lock is validated (a lock never names find-links).
_LEARN_FIND_LINKS = "--emit-find-links"
_FIND_LINKS_LINE = re.compile(r"^(?:--find-links|-f)[ =](?P<location>.+?)\s*$")
_REQUIREMENT_HEAD = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?:\[[^\]]*\])?"
    r"==(?P<version>[^\s;\\]+)(?P<rest>[^\\]*?)(?:\s*\\)?$"
)
_HASH_LINE = re.compile(r"^\s+--hash=(?P<hash>\S+?)(?:\s*\\)?$")
_NO_SOLUTION = "No solution found when resolving dependencies"
# Decorations of uv's fancy (tty) error format.
_CROSS = "\u00d7"
_TREE_ARROW = "\u2570\u2500\u25b6"
_CAUSE_PREFIX = re.compile(r"^cause:\s*")
_LOG_LINE = re.compile(r"^\s*(?:DEBUG|TRACE|INFO|WARN) ")

HashesFor = Callable[[NormalizedName, Version], frozenset[str]]


@dataclass(frozen=True)
class UvCompiler:
    """Runs ``uv pip compile`` for any target Python, without a tool environment."""

    root: Path
    name: str = field(default="uv", init=False)
    progress_interval: float = PROGRESS_INTERVAL
    """Seconds between progress lines while uv runs."""

    def identity(self) -> str:
        """``uv==X.Y.Z`` of the binary that :meth:`compile` runs."""
        return f"uv=={_uv().version}"

    def release_for(self, python: str) -> str:
        """The running uv: it resolves for any target Python (``--python-version``) without a tool venv."""
        del python
        return self.identity()

    def options(self, extra_args: tuple[str, ...]) -> tuple[str, ...]:
        """Fixed options plus the configured ``compile_args`` (which must be uv options)."""
        strategy = () if _names_option(extra_args, "--index-strategy") else PIP_INDEX_STRATEGY
        return (*BASE_OPTIONS, *strategy, *extra_args)

    def command(self, request: CompileRequest, uv: str) -> tuple[str, ...]:
        """The argument tuple for *request* (pure apart from the running interpreter)."""
        # -v: the progress lines name the package uv is resolving.
        args = [uv, "pip", "compile", "-v", "--color", "never", "--python", sys.executable]
        # uv's configuration outside the repository only: the venv syncs read the same.
        args += uv_arguments(read_index_config("uv"))
        if request.python != running_python():
            args += ["--python-version", request.python]
        args += [*self.options(request.extra_args), _LEARN_FIND_LINKS, *request.pin_args()]
        args += ["--output-file", request.output, request.source]
        return tuple(args)

    def compile(self, request: CompileRequest) -> None:
        """Compile *request* with uv, then give it pip-compile's full set of hashes."""
        env = dict(os.environ if request.env is None else request.env)
        env["UV_CUSTOM_COMPILE_COMMAND"] = request.custom_command
        # Never fetch an interpreter from the internet unless the user asked for it.
        env.setdefault("UV_PYTHON_DOWNLOADS", "never")
        command = self.command(request, _uv().binary)
        progress = compile_progress(
            request.service, "uv pip compile", uv_notice, interval=self.progress_interval, slow_hint=None
        )
        try:
            cmd.run(command, cwd=request.cwd, env=env, progress=progress)
        except CommandError as exc:
            raise _explain(request, exc, self.root) from exc
        output = request.cwd / request.output
        text = output.read_text(encoding="utf-8")
        text, locations = strip_find_links(text)
        directories = local_directories(locations, base=request.cwd)
        output.write_text(complete_hashes(text, _LocalDistributions(directories).hashes), encoding="utf-8")


@dataclass(frozen=True)
class _UvBinary:
    binary: str
    version: str


@functools.cache
def _uv() -> _UvBinary:
    """The uv binary (:func:`nox_support._compat.uv_binary`) and its version, found once per process.

    The version of the copy installed as a Python package next to nox-support comes from its
    metadata (no subprocess); ``uv`` on PATH is asked for its version once.
    """
    found = _compat.uv_binary()
    if found is None:
        msg = '[tool.nox_support] compiler = "uv", but uv is not installed'
        raise CompilerError(msg, hint='pip install "nox-support[uv]" (or uv), or use compiler = "pip-tools"')
    bundled = _bundled_version(found)
    if bundled is not None:
        return _UvBinary(found, bundled)
    words = cmd.run((found, "--version")).stdout.split()
    if len(words) < 2 or words[0] != "uv":  # noqa: PLR2004 - "uv X.Y.Z (...)"
        msg = f"cannot read the version of {found} from {' '.join(words)!r}"
        raise CompilerError(msg, hint="reinstall uv")
    return _UvBinary(found, words[1])


def _bundled_version(binary: str) -> str | None:
    """The ``uv`` distribution's version when *binary* is the executable it ships."""
    try:
        from uv import find_uv_bin  # noqa: PLC0415 - optional dependency

        return metadata.version("uv") if str(find_uv_bin()) == binary else None
    except (ImportError, FileNotFoundError, metadata.PackageNotFoundError):
        return None


def _names_option(args: tuple[str, ...], option: str) -> bool:
    return any(arg == option or arg.startswith(option + "=") for arg in args)


def strip_find_links(text: str) -> tuple[str, tuple[str, ...]]:
    """Remove ``--find-links`` lines (and the blank line after them) from a lock (pure).

    Returns the text without them and the locations they named.
    """
    kept: list[str] = []
    locations: list[str] = []
    dropped_previous = False
    for line in text.splitlines():
        match = _FIND_LINKS_LINE.match(line)
        if match:
            locations.append(_unquote_shell(match.group("location")))
            dropped_previous = True
            continue
        if dropped_previous and not line.strip():
            dropped_previous = False
            continue
        dropped_previous = False
        kept.append(line)
    return "\n".join(kept) + "\n", tuple(locations)


def _unquote_shell(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"":  # noqa: PLR2004
        return word[1:-1]
    return word


def local_directories(locations: Iterable[str], *, base: Path) -> tuple[Path, ...]:
    """The find-links *locations* that are local directories (relative ones from *base*)."""
    found: list[Path] = []
    for location in locations:
        if location.startswith("file:"):
            path = Path(unquote(urlparse(location).path))
        elif "://" in location:
            continue  # a remote page: uv takes hashes from its #sha256= fragments
        else:
            path = base / location
        if path.is_dir() and path not in found:
            found.append(path)
    return tuple(found)


def complete_hashes(text: str, hashes_for: HashesFor) -> str:
    """Add to each ``name==version`` block the hashes *hashes_for* knows (pure given it).

    The hashes of a block come out sorted, one per line, as pip-compile writes them.
    """
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        head = _REQUIREMENT_HEAD.match(line)
        index += 1
        if head is None:
            out.append(line)
            continue
        known: list[str] = []
        while index < len(lines) and (hash_line := _HASH_LINE.match(lines[index])):
            known.append(hash_line.group("hash"))
            index += 1
        try:
            version = Version(head.group("version"))
        except InvalidVersion:
            extra: frozenset[str] = frozenset()
        else:
            extra = hashes_for(canonicalize_name(head.group("name")), version)
        hashes = sorted(set(known) | extra)
        requirement = line.removesuffix("\\").rstrip()
        if not hashes:
            out.append(requirement)
            continue
        out.append(requirement + " \\")
        out += [f"    --hash={value} \\" for value in hashes[:-1]]
        out.append(f"    --hash={hashes[-1]}")
    return "\n".join(out) + "\n"


class _LocalDistributions:
    """Every distribution file in some local find-links directories, by name and version."""

    def __init__(self, directories: tuple[Path, ...]) -> None:
        self.files: dict[tuple[NormalizedName, Version], list[Path]] = {}
        for directory in directories:
            for key, path in _listing(directory, directory.stat().st_mtime_ns):
                self.files.setdefault(key, []).append(path)

    def hashes(self, name: NormalizedName, version: Version) -> frozenset[str]:
        return frozenset(f"sha256:{_sha256(path)}" for path in self.files.get((name, version), ()))


@functools.lru_cache(maxsize=64)
def _listing(directory: Path, mtime_ns: int) -> tuple[tuple[tuple[NormalizedName, Version], Path], ...]:
    """The distributions in *directory* (cached until the directory changes)."""
    del mtime_ns  # part of the cache key only
    found = []
    with os.scandir(directory) as entries:
        for entry in entries:
            key = distribution_key(entry.name)
            if key is not None and entry.is_file():
                found.append((key, Path(entry.path)))
    return tuple(sorted(found, key=lambda item: item[1].name))


def _sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256_of(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _sha256_of(path: Path, size: int, mtime_ns: int) -> str:
    del size, mtime_ns  # part of the cache key only
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _explain(request: CompileRequest, exc: CommandError, root: Path) -> CompilerError | ResolutionError:
    text = ANSI.sub("", exc.stderr + "\n" + exc.stdout)
    again = rerun_command(exc.command, replace_output=None)  # uv then prints the lock instead of writing it
    run = FailedRun(
        tool="uv",
        program="uv pip compile",
        returncode=exc.returncode,
        output=text,
        conflict=resolution_cause(text),
        rerun=f"cd {display_path(request.cwd, root)} && {cmd.display(again)}",
    )
    return explain(request, run)


def resolution_cause(output: str, *, head: int = 3, tail: int = 3) -> str:
    """The explanation uv gives of why no versions fit, indented; empty when *output* has none (pure).

    A long derivation (one line per boto3 release) keeps its first *head* and last *tail* lines,
    where uv states the conclusion ("you require boto3>=1.34 and botocore<1.30") and its hint.
    """
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if _NO_SOLUTION in line:
            detail = [
                _CAUSE_PREFIX.sub("", entry.strip().removeprefix(_TREE_ARROW).strip())
                for entry in lines[index + 1 :]
                if entry.strip() and not entry.strip().startswith(_CROSS) and not _LOG_LINE.match(entry)
            ] or [line.strip()]
            if len(detail) > head + tail + 1:
                omitted = len(detail) - head - tail
                detail = [
                    *detail[:head],
                    f"... ({omitted} more lines of the same derivation)",
                    *detail[-tail:],
                ]
            return "\n".join("  " + entry for entry in detail)
    return ""
