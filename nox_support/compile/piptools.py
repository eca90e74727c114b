"""pip-tools (``pip-compile``) as the lock compiler: the default."""

from __future__ import annotations

import os
import re
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

_CONFLICT_MARKERS = (
    "Could not find a version that matches",
    "Could not find a version that satisfies",
    "No matching distribution found",
    "The conflict is caused by",
    "ResolutionImpossible",
    "conflicting dependencies",
    "Cannot install",
)


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
    cause = conflict_cause(text)
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


def conflict_cause(output: str) -> str:
    """The few lines of compiler output that name a resolution conflict (pure)."""
    lines = [_strip_ansi(line).rstrip() for line in output.splitlines()]
    keep: list[str] = []
    for index, line in enumerate(lines):
        if any(marker in line for marker in _CONFLICT_MARKERS):
            keep.append(line.strip())
            # pip lists the conflicting requirements on the indented lines that follow.
            for follow in lines[index + 1 : index + 8]:
                if follow.startswith((" ", "\t")) and follow.strip():
                    keep.append("  " + follow.strip())
                elif follow.strip():
                    break
    unique = list(dict.fromkeys(k for k in keep if not k.startswith("Traceback")))
    return "\n".join("  " + k for k in unique[:12])


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)
