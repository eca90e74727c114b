"""pip-tools (``pip-compile``) as the lock compiler: the default."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import (
    canonicalize_name,
)

from nox_support.core import cmd
from nox_support.core.errors import CommandError, ResolutionError
from nox_support.core.paths import display_path
from nox_support.core.versions import version_sort_key
from nox_support.discovery import running_python
from nox_support.lock.compile.failure import ANSI, FailedRun, explain, original_name, rerun_command
from nox_support.lock.compile.filenames import distribution_key
from nox_support.lock.compile.interface import (
    CompileRequest,
    CompilerError,
)
from nox_support.lock.compile.progress import PROGRESS_INTERVAL, UV_HINT, compile_progress, piptools_notice
from nox_support.lock.toolenv import distribution_version, python_for, read_stamp, tool_venv

# Options that shape the lock; recorded in the digest.
BASE_OPTIONS = (
    "--generate-hashes",
    "--allow-unsafe",
    "--strip-extras",
    "--no-emit-index-url",
    "--no-emit-find-links",
    "--no-emit-trusted-host",
    "--no-config",
    "--resolver=backtracking",
)

_ERROR_LINE = re.compile(r"^\s*ERROR: (.*)$")
_NO_MATCH = re.compile(r"No matching distribution found for (\S+)")
_CAUSE = re.compile(
    r"requirement=(?P<kind>\w*)Requirement\('(?P<req>[^']*)'\), parent=(?:None|[^'()]*\('(?P<link>[^']*)')"
)
_INPUT_LINE = re.compile(r"-r (?P<file>\S+) \(line (?P<line>\d+)\)")
_IGNORED_PYTHON = "Ignored the following versions that require a different python version: "
_IGNORED_ENTRY = re.compile(r"(\S+) Requires-Python ([^;]+?)(?:;|$)")
_FROM_VERSIONS = re.compile(r"\(from versions: ([^,)]+), [^)]*?([^,\s)]+)\)")
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_MAX_GROUPS = 10


@dataclass(frozen=True)
class PipToolsCompiler:
    """Runs ``python -m piptools compile`` under the service's target Python."""

    root: Path
    name: str = field(default="pip-tools", init=False)
    progress_interval: float = PROGRESS_INTERVAL
    """Seconds between progress lines while pip-compile runs."""

    def identity(self) -> str:
        """``pip-tools==X.Y.Z`` of the copy installed next to nox-support."""
        return f"pip-tools=={distribution_version('pip-tools')}"

    def release_for(self, python: str) -> str:
        """The pip-tools release that compiles for *python*: this one, or its tool venv's."""
        stamped = None if python == running_python() else read_stamp(tool_venv(self.root, python, self.name))
        return stamped.releases[0] if stamped else self.identity()

    def options(self, extra_args: tuple[str, ...]) -> tuple[str, ...]:
        """Fixed options plus the configured ``compile_args``."""
        return (*BASE_OPTIONS, *extra_args)

    def command(self, request: CompileRequest, python: str) -> tuple[str, ...]:
        """The argument tuple for *request* (pure)."""
        # --verbose: the progress lines report what pip-compile says it is doing.
        args = [python, "-m", "piptools", "compile", "--verbose", *self.options(request.extra_args)]
        args += request.pin_args()
        if not request.reuse_hashes:
            args.append("--no-reuse-hashes")
        args += ["--output-file", request.output, request.source]
        return tuple(args)

    def compile(self, request: CompileRequest) -> None:
        """Compile *request* with pip-compile."""
        python = python_for(self.root, request.python, purpose=self.name, packages=("pip-tools",)).executable
        env = dict(os.environ if request.env is None else request.env)
        env["CUSTOM_COMPILE_COMMAND"] = request.custom_command
        try:
            progress = compile_progress(
                request.service,
                "pip-compile",
                piptools_notice,
                interval=self.progress_interval,
                slow_hint=UV_HINT,
            )
            cmd.run(self.command(request, python), cwd=request.cwd, env=env, progress=progress)
        except CommandError as exc:
            raise _explain(request, exc, self.root) from exc


def _explain(request: CompileRequest, exc: CommandError, root: Path) -> CompilerError | ResolutionError:
    text = exc.stderr + "\n" + exc.stdout
    run = FailedRun(
        tool="pip-compile",
        program="pip-compile",
        returncode=exc.returncode,
        output=text,
        conflict=conflict_cause(text, lambda name: _read_lines(request.cwd / name)),
        rerun=rerun_hint(request, exc.command, root),
    )
    return explain(request, run)


def rerun_hint(request: CompileRequest, command: tuple[str, ...], root: Path) -> str:
    """``cd services/api && python -m piptools compile ... --output-file requirements.txt --dry-run``."""
    lock = original_name(request.output)
    again = rerun_command(command, replace_output=("--output-file", lock, "--dry-run"))
    return f"cd {display_path(request.cwd, root)} && {cmd.display(again)}"


def conflict_cause(output: str, read_input: Callable[[str], list[str]] | None = None) -> str:
    """Explain a resolution failure in pip's output in a few lines (pure but for *read_input*).

    Keeps pip's ``ERROR:`` lines (with ``-r file (line N)`` expanded to the requirement written
    there, long version lists cut), names the versions skipped for their ``Requires-Python``, and
    turns the ``ResolutionImpossible`` details into "X (required by Y)" lines, one per package
    that asks (hundreds of botocore requirements from as many boto3 versions make one line).
    Returns ``""`` when the output shows no resolution failure.
    """
    lines = [ANSI.sub("", line) for line in output.splitlines()]
    if not any(
        "ResolutionImpossible" in line or "No matching distribution" in line or "conflicting" in line
        for line in lines
    ):
        return ""
    errors = [m.group(1).strip() for line in lines if (m := _ERROR_LINE.match(line))]
    ignored = [e for e in errors if e.startswith(_IGNORED_PYTHON)]
    errors = [_shorten(e) for e in errors if not e.startswith(_IGNORED_PYTHON)]
    if read_input is not None:
        errors = [_expand_input_lines(e, read_input) for e in errors]
    causes = [cause for line in lines if "ResolutionImpossible: [" in line for cause in _causes(line)]
    missing = [m.group(1) for line in lines if (m := _NO_MATCH.search(line))]
    if not (errors or causes or missing or ignored):
        return ""
    parts = list(dict.fromkeys(errors))
    parts += [_requires_python(entry, missing) for entry in ignored]
    groups = _grouped(causes)
    if len(groups) > 1:
        parts.append("requirements in conflict:")
        parts += ["  " + line for line in groups[:_MAX_GROUPS]]
        if len(groups) > _MAX_GROUPS:
            parts.append(f"  ... and {len(groups) - _MAX_GROUPS} more")
    elif groups:
        parts.append("cannot be satisfied: " + groups[0])
    elif missing and not errors:
        parts.append("no version matches: " + ", ".join(dict.fromkeys(missing)))
    return "\n".join("  " + part for part in parts)


@dataclass(frozen=True)
class _Cause:
    kind: str
    """``Specifier``, ``Explicit`` ... or ``RequiresPython`` (then *requirement* is the Python specifier)."""
    requirement: str
    parent: str | None
    """``None``: the service's own requirements."""
    parent_version: str | None


def _causes(line: str) -> list[_Cause]:
    found = []
    for match in _CAUSE.finditer(line):
        link = match.group("link")
        name, version = _distribution(link) if link else (None, None)
        found.append(_Cause(match.group("kind"), match.group("req"), name, version))
    return found


def _grouped(causes: list[_Cause]) -> list[str]:
    """One line per (required package, asking package): ``X (required by Y 2.0 and 11 other versions)``."""
    groups: dict[tuple[str, str | None], list[_Cause]] = {}
    for cause in dict.fromkeys(causes):
        required = "Python" if cause.kind == "RequiresPython" else _requirement_name(cause.requirement)
        groups.setdefault((required, cause.parent), []).append(cause)
    lines = []
    for (_, parent), members in groups.items():
        first = members[0]
        if first.kind == "RequiresPython":
            listed = ", ".join(dict.fromkeys(str(m.parent_version) for m in members))
            lines.append(f"{parent} {listed} requires Python {first.requirement}")
            continue
        if parent is None:
            lines.append(f"{first.requirement} (required by the service's own requirements)")
            continue
        who = f"{parent} {first.parent_version}" if first.parent_version else parent
        others = {m.parent_version for m in members[1:]} - {first.parent_version}
        if others:
            versions = sorted((v for v in others if v), key=version_sort_key)
            span = f", {versions[0]} to {versions[-1]}," if versions else ""
            name = _requirement_name(first.requirement)
            who += f"; its {len(others)} other versions{span} also require {name}"
        lines.append(f"{first.requirement} (required by {who})")
    return lines


def _requires_python(ignored: str, missing: list[str]) -> str:
    """``boto3 1.44.8 requires Python >=3.10 (and 56 other versions do too)`` from pip's "Ignored" line."""
    entries = _IGNORED_ENTRY.findall(ignored.removeprefix(_IGNORED_PYTHON))
    wanted = missing[0] if missing else ""
    name = _requirement_name(wanted) if wanted else "the package"
    pinned = wanted.partition("==")[2]
    by_version = dict(entries)
    if pinned in by_version:
        rest = len(entries) - 1
        more = f" (and {rest} other versions require another Python too)" if rest else ""
        return f"{name} {pinned} requires Python {by_version[pinned]}{more}"
    specs = ", ".join(dict.fromkeys(spec for _, spec in entries))
    return f"{len(entries)} versions of {name} were skipped: they require Python {specs}"


def _shorten(error: str) -> str:
    """Cut pip's ``(from versions: ...)`` lists, which name every release ever made."""
    return _FROM_VERSIONS.sub(lambda m: f"(from versions: {m.group(1)}, ..., {m.group(2)})", error)


def _distribution(link: str) -> tuple[str, str | None]:
    """``("boto3", "1.35.0")`` from a candidate's link text (``URL (from INDEX) (requires-python:...)``)."""
    location = link.split(maxsplit=1)[0].split("#", 1)[0].rstrip("/")
    filename = location.rsplit("/", 1)[-1]
    key = distribution_key(filename)
    if key is None:
        return filename, None  # a local directory: its name only, never the machine path
    name, version = key
    return name, str(version)


def _requirement_name(requirement: str) -> str:
    match = _NAME.match(requirement.strip())
    return canonicalize_name(match.group(0)) if match else requirement


def _expand_input_lines(error: str, read_input: Callable[[str], list[str]]) -> str:
    def expand(match: re.Match[str]) -> str:
        lines = read_input(match.group("file"))
        number = int(match.group("line"))
        written = lines[number - 1].split("#")[0].strip() if 0 < number <= len(lines) else ""
        where = f"{match.group('file')} line {number}"
        return f"{written!r} ({where})" if written else where

    return _INPUT_LINE.sub(expand, error)


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
