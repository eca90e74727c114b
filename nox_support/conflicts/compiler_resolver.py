"""A :class:`~nox_support.conflicts.interface.Resolver` over the configured lock compiler.

Each resolve writes one combined ``requirements.in`` (the services' own requirements, their
local packages by absolute path, their ``-c`` constraints and the shared ones) into a fresh
temporary directory, compiles it there and reads the pins back; nothing lands in the repository.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from nox_support.config import Settings
from nox_support.conflicts.interface import Outcome, Resolved, Unsatisfiable
from nox_support.core.errors import NoxSupportError, ResolutionError
from nox_support.core.redact import redact
from nox_support.lock.compile.interface import Compiler, CompileRequest, CompilerError, UpgradeAll
from nox_support.lock.inputs import constraint_files
from nox_support.lock.servicelock import ServiceLock, parse_lock

COMBINED_INPUT = "requirements.in"
COMBINED_CONSTRAINTS = "constraints.txt"
_LINE_REFERENCE = re.compile(r"requirements\.in(?: \(line (?P<a>\d+)\)| line (?P<b>\d+))")


class CouldNotTellError(NoxSupportError):
    """The resolver failed for another reason than a conflict (crash, network, bad input)."""


@dataclass(frozen=True)
class CombinedInput:
    """The combined input of some services and, per line, which service and input line it copies."""

    requirements: str
    constraints: str
    origins: Mapping[int, str]
    """``line -> "orders: services/orders/requirements.in:2"``."""


def combined_input(locks: tuple[ServiceLock, ...]) -> CombinedInput:
    """One requirements file asking for what every lock's inputs ask for (pure)."""
    lines = ["# nox -s conflicts: " + ", ".join(lock.service for lock in locks)]
    origins: dict[int, str] = {}
    seen_options: set[tuple[str, str]] = set()
    constraints: list[str] = []
    for lock in locks:
        for option in lock.options:
            if (option.name, option.value) not in seen_options:
                seen_options.add((option.name, option.value))
                lines.append(f"{option.name} {option.value}".strip())
        for requirement in lock.requirements:
            if requirement.constraint:
                constraints.append(requirement.text)
                continue
            lines.append(requirement.text)
            origins[len(lines)] = f"{lock.service}: {requirement.where}"
        for local in lock.local:
            lines.append(str(local.path))
            origins[len(lines)] = f"{lock.service}: {local.declared_in}:{local.line}"
    return CombinedInput("\n".join(lines) + "\n", "\n".join(dict.fromkeys(constraints)) + "\n", origins)


def name_origins(explanation: str, origins: Mapping[int, str]) -> str:
    """Replace the compiler's ``requirements.in (line N)`` with the service file and line it copies (pure)."""

    def origin(match: re.Match[str]) -> str:
        number = int(match.group("a") or match.group("b"))
        return origins.get(number, match.group(0))

    return _LINE_REFERENCE.sub(origin, explanation)


@dataclass(frozen=True)
class CompilerResolver:
    """Resolves with ``[tool.nox_support] compiler`` for the highest target Python of the services."""

    root: Path
    settings: Settings
    compiler: Compiler
    locks: Mapping[str, ServiceLock]
    pythons: Mapping[str, str]

    def resolve(self, services: tuple[str, ...]) -> Outcome:
        """Compile the services' combined input in a temporary directory."""
        python = max((self.pythons[s] for s in services), key=Version)
        combined = combined_input(tuple(self.locks[s] for s in services))
        shared = tuple(str(path) for path in constraint_files(self.root, self.settings))
        with tempfile.TemporaryDirectory(prefix="nox-support-conflicts-") as temp:
            work = Path(temp)
            (work / COMBINED_INPUT).write_text(combined.requirements, encoding="utf-8")
            (work / COMBINED_CONSTRAINTS).write_text(combined.constraints, encoding="utf-8")
            (work / "requirements.txt").write_text("", encoding="utf-8")
            request = CompileRequest(
                service="conflicts",
                cwd=work,
                source=COMBINED_INPUT,
                output="requirements.txt",
                constraints=(COMBINED_CONSTRAINTS, *shared),
                python=python,
                upgrade=UpgradeAll(),
                extra_args=self.settings.compile_args,
                custom_command="nox -s conflicts",
            )
            try:
                self.compiler.compile(request)
            except ResolutionError as exc:
                return Unsatisfiable(_explanation(exc.message, combined.origins, work), python)
            except CompilerError as exc:
                msg = f"could not tell whether {', '.join(services)} fit together: {_scrub(str(exc), work)}"
                raise CouldNotTellError(
                    msg, hint="fix the resolver's problem (network, index) and run again"
                ) from exc
            text = (work / "requirements.txt").read_text(encoding="utf-8")
        pins = {
            p.name: p.version for p in parse_lock(text, path="the combined resolve", compiler_output=True)
        }
        return Resolved(pins, python)


def _explanation(message: str, origins: Mapping[int, str], work: Path) -> str:
    body = message.split("\n", 1)[1] if "\n" in message else message
    return name_origins(_scrub(body, work), origins)


def _scrub(text: str, work: Path) -> str:
    return redact(text.replace(str(work) + "/", "").replace(str(work), "."))
