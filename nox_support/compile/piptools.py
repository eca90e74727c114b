"""pip-tools (``pip-compile``) as the lock compiler: the default."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nox_support import cmd
from nox_support.compile.interface import (
    CompileRequest,
    CompilerError,
    KeepPins,
    UpgradeAll,
    UpgradePackages,
)
from nox_support.errors import CommandError, ResolutionError
from nox_support.toolenv import distribution_version, python_for

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
    r"requirement=\w*Requirement\('(?P<req>[^']*)'\), parent=(?:None|\w*Candidate\('(?P<parent>[^']*)'\))"
)
_INPUT_LINE = re.compile(r"-r (?P<file>\S+) \(line (?P<line>\d+)\)")
_DIST_FILE = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+?)(?:-.*\.whl|\.tar\.gz|\.zip)$")


@dataclass(frozen=True)
class PipToolsCompiler:
    """Runs ``python -m piptools compile`` under the service's target Python."""

    root: Path
    name: str = field(default="pip-tools", init=False)

    def identity(self) -> str:
        """``pip-tools==X.Y.Z`` of the copy installed next to nox-support."""
        return f"pip-tools=={distribution_version('pip-tools')}"

    def options(self, extra_args: tuple[str, ...]) -> tuple[str, ...]:
        """Fixed options plus the configured ``compile_args``."""
        return (*BASE_OPTIONS, *extra_args)

    def command(self, request: CompileRequest, python: str) -> tuple[str, ...]:
        """The argument tuple for *request* (pure)."""
        args = [python, "-m", "piptools", "compile", "--quiet", *self.options(request.extra_args)]
        for constraint in request.constraints:
            args += ["--constraint", constraint]
        match request.upgrade:
            case UpgradeAll():
                args.append("--upgrade")
            case UpgradePackages(names=names):
                for name in names:
                    args += ["--upgrade-package", name]
            case KeepPins():
                pass
        if not request.reuse_hashes:
            args.append("--no-reuse-hashes")
        args += ["--output-file", request.output, request.source]
        return tuple(args)

    def compile(self, request: CompileRequest) -> None:
        """Compile *request* with pip-compile."""
        python = python_for(
            self.root,
            request.python,
            purpose="pip-tools",
            packages=("pip-tools",),
        )
        env = dict(os.environ if request.env is None else request.env)
        env["CUSTOM_COMPILE_COMMAND"] = request.custom_command
        try:
            cmd.run(self.command(request, python), cwd=request.cwd, env=env)
        except CommandError as exc:
            raise _explain(request, exc) from exc


def _explain(request: CompileRequest, exc: CommandError) -> CompilerError | ResolutionError:
    text = exc.stderr + "\n" + exc.stdout
    cause = conflict_cause(text, lambda name: _read_lines(request.cwd / name))
    if cause:
        msg = f"service {request.service}: cannot resolve {request.source}:\n{cause}"
        return ResolutionError(
            msg,
            hint="relax the conflicting requirements (or the shared constraints) and lock again; "
            "the existing lock was left untouched",
        )
    tail = "\n".join(line for line in text.strip().splitlines()[-12:])
    msg = (
        f"service {request.service}: pip-compile failed on {request.source} (exit {exc.returncode}):\n{tail}"
    )
    return CompilerError(
        msg, hint=f"run {cmd.display(exc.command)} in the service directory to see all output"
    )


def conflict_cause(output: str, read_input: Callable[[str], list[str]] | None = None) -> str:
    """Explain a resolution failure in pip's output in a few lines (pure but for *read_input*).

    Keeps pip's ``ERROR:`` lines (with ``-r file (line N)`` expanded to the requirement written
    there) and turns the ``ResolutionImpossible`` details into "X (required by Y)" lines.
    Returns ``""`` when the output shows no resolution failure.
    """
    lines = [_ANSI.sub("", line) for line in output.splitlines()]
    errors = [m.group(1).strip() for line in lines if (m := _ERROR_LINE.match(line))]
    causes: list[str] = []
    for line in lines:
        if "ResolutionImpossible" not in line:
            continue
        for match in _CAUSE.finditer(line):
            parent = match.group("parent")
            who = _distribution(parent) if parent else "the service's own requirements"
            causes.append(f"{match.group('req')} (required by {who})")
    missing = [m.group(1) for line in lines if (m := _NO_MATCH.search(line))]
    if not (errors or causes or missing) or not any(
        "ResolutionImpossible" in line or "No matching distribution" in line or "conflicting" in line
        for line in lines
    ):
        return ""
    if read_input is not None:
        errors = [_expand_input_lines(e, read_input) for e in errors]
    parts = list(dict.fromkeys(errors))
    unique_causes = list(dict.fromkeys(causes))
    if len(unique_causes) > 1:
        parts.append("requirements in conflict: " + "; ".join(unique_causes))
    elif unique_causes:
        parts.append("cannot be satisfied: " + unique_causes[0])
    elif missing and not errors:
        parts.append("no version matches: " + ", ".join(dict.fromkeys(missing)))
    return "\n".join("  " + part for part in parts)


def _distribution(link: str) -> str:
    name = link.rstrip("/").rsplit("/", 1)[-1]
    match = _DIST_FILE.match(name)
    return f"{match.group('name')} {match.group('version')}" if match else name


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


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
