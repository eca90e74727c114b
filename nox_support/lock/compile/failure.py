"""Explain a compiler failure (pure): one message and hint for every compiler.

Each compiler finds the resolution conflict in its own output (pip and uv word it
differently); :func:`explain` turns that, a build failure or any other failure into the
error the user sees.  A build failure (an sdist whose build backend crashes while pip or uv asks it
for metadata) prints a long traceback; the cause is one line inside the
captured build output (``AttributeError: 'build_ext' object has no attribute
'cython_sources'``) and the package is named elsewhere, if at all.  The rerun
command given in hints must work after nox-support removed its temporary
files, so it names the lock instead of the temporary output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nox_support.core.atomic import TEMP_PREFIX
from nox_support.core.errors import ResolutionError
from nox_support.lock.compile.interface import CompileRequest, CompilerError

ANSI = re.compile(r"\x1b\[[0-9;]*m")
"""Colour codes, which some compilers print even when asked not to."""

_BLOCK_START = re.compile(r"\[\d+ lines? of output\]")
_BLOCK_END = "[end of output]"
_ERROR_LINE = re.compile(r"^\s*(?P<line>(?:[A-Za-z_][\w.]*(?:Error|Exception)|error): \S.*?)\s*$")
_PHASE = re.compile(r"^\s*\u00d7 (?P<phase>.+?) did not run successfully\.?\s*$")
_PACKAGE_PATTERNS = (
    re.compile(r"Failed to build `(?P<name>[^`]+)`"),  # uv
    # pip >= 26.2 quotes what it could not build, a local directory as a file:// URL
    re.compile(r"Failed to build '(?P<name>[^'\s]+)'"),
    re.compile(r"Failed to build '?(?P<name>[A-Za-z0-9][\w.\-=<>!]*)'?"),  # pip >= 24
    re.compile(r"Building wheel for (?P<name>[A-Za-z0-9][\w.-]*)"),
    re.compile(r"writing (?:\S*/)?(?P<name>[^/\s]+)\.egg-info/PKG-INFO"),  # setuptools
    re.compile(r"^ {0,2}(?:Collecting|Processing) (?P<name>\S+)"),
)
_UV_CAUSE = re.compile(r"^\s*(?:\u2570\u2500\u25b6|cause:)\s*(?P<line>.+?)\s*$")
_LOG_LINE = re.compile(r"^\s*(?:DEBUG|TRACE|INFO|WARN) ")
_TEMP_NAME = re.compile(rf"^(?P<dir>.*/)?{re.escape(TEMP_PREFIX)}(?P<name>.+)\.[A-Za-z0-9_]+\.tmp$")


BUILD_HINT = (
    "for a release from an index, require a version that publishes wheels for Python {python} "
    "(or install what its build needs); to see all output: {rerun}"
)


@dataclass(frozen=True)
class FailedRun:
    """What one failed compiler run printed, read by the compiler that ran it."""

    tool: str
    """The compiler's name in messages (``pip-compile``, ``uv``)."""
    program: str
    """The command's name in messages (``pip-compile``, ``uv pip compile``)."""
    returncode: int
    output: str
    """stderr and stdout, colour codes removed."""
    conflict: str
    """The compiler's explanation of a resolution conflict, ``""`` when the output shows none."""
    rerun: str
    """A shell command that reruns the compilation without writing the lock."""


def explain(request: CompileRequest, run: FailedRun) -> CompilerError | ResolutionError:
    """The error for a failed compilation: a conflict, a build failure, or the output's summary."""
    if run.conflict:
        target = f"{request.source} for Python {request.python}"
        msg = f"service {request.service}: cannot resolve {target}:\n{run.conflict}"
        return ResolutionError(msg, hint=resolution_hint(run.conflict, request.python))
    built = build_failure(run.output)
    if built is not None:
        msg = f"service {request.service}: {run.tool} {built.describe()}"
        return CompilerError(msg, hint=BUILD_HINT.format(python=request.python, rerun=run.rerun))
    msg = (
        f"service {request.service}: {run.program} failed on {request.source} "
        f"(exit {run.returncode}):\n{summary(run.output)}"
    )
    return CompilerError(msg, hint=f"to see all output: {run.rerun}")


def resolution_hint(cause: str, python: str) -> str:
    """What to do about an unresolvable input; names the target Python when a package needs another."""
    hint = "relax the conflicting requirements (or the shared constraints) and lock again"
    if "requires Python" in cause or "Python>=" in cause or "--python-version" in cause:
        hint += (
            f", or raise the service's target Python (now {python}: its .python-version, "
            "[tool.nox_support.services.<name>] python or [tool.nox_support] python)"
        )
    return hint + "; the existing lock was left untouched"


@dataclass(frozen=True)
class BuildFailure:
    """A package whose build failed, the step that failed and the error it printed."""

    package: str | None
    phase: str | None
    error: str

    def describe(self) -> str:
        """``could not build PyYAML (getting requirements to build wheel): AttributeError: ...``."""
        what = f"could not build {self.package}" if self.package else "a package failed to build"
        step = f" ({self.phase[0].lower()}{self.phase[1:]})" if self.phase else ""
        return f"{what}{step}: {self.error}"


def build_failure(output: str) -> BuildFailure | None:
    """The build failure in a compiler's *output*, ``None`` when it shows none."""
    lines = output.splitlines()
    block = _captured_block(lines)
    if block is None:
        return None
    errors = [m.group("line") for line in block if (m := _ERROR_LINE.match(line))]
    last = next((line.strip() for line in reversed(block) if line.strip()), "")
    error = errors[-1] if errors else last
    if not error:
        return None
    phase = next((m.group("phase") for line in lines if (m := _PHASE.match(line))), None)
    return BuildFailure(_package(lines), phase, error)


def _captured_block(lines: list[str]) -> list[str] | None:
    """The lines of the last ``[N lines of output] ... [end of output]`` block."""
    start = None
    found: list[str] | None = None
    for index, line in enumerate(lines):
        if _BLOCK_START.search(line):
            start = index + 1
        elif _BLOCK_END in line and start is not None:
            found = lines[start:index]
            start = None
    return found


def _package(lines: list[str]) -> str | None:
    for pattern in _PACKAGE_PATTERNS:
        for line in lines:
            if match := pattern.search(line):
                name = match.group("name").removeprefix("file://").rstrip("/")
                return name.rsplit("/", 1)[-1]  # a local directory: its name, never the machine path
    return None


def summary(output: str, *, limit: int = 12) -> str:
    """The last *limit* meaningful lines of *output* (log chatter and tracebacks frames dropped)."""
    kept = [
        line.rstrip()
        for line in output.splitlines()
        if line.strip() and not _LOG_LINE.match(line) and not line.startswith("  File ")
    ]
    return "\n".join("  " + line.strip() for line in kept[-limit:])


def rerun_command(command: tuple[str, ...], *, replace_output: tuple[str, ...] | None) -> tuple[str, ...]:
    """*command* as a user can rerun it once the temporary files are gone (pure).

    The ``--output-file`` argument is replaced by *replace_output* (for
    example ``("--output-file", "requirements.txt", "--dry-run")``) or dropped
    when it is ``None``; other temporary files are named by the file they
    stood for.
    """
    out: list[str] = []
    args = iter(command)
    for arg in args:
        if arg in {"--output-file", "-o"}:
            next(args, None)
            out += replace_output or ()
            continue
        if arg.startswith("--output-file="):
            out += replace_output or ()
            continue
        out.append(original_name(arg))
    return tuple(out)


def original_name(arg: str) -> str:
    """The file a temporary sibling stands for.

    ``.nox-support-requirements.txt.x1.tmp`` -> ``requirements.txt``.
    """
    match = _TEMP_NAME.match(arg)
    return f"{match.group('dir') or ''}{match.group('name')}" if match else arg
