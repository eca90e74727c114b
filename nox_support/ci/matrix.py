"""The job matrices the workflows fan out over, built from Nox's own session list (pure).

Per job kind (``audit``, ``tests``) the selected services are packed into
shards (:mod:`.shard`); each matrix entry names the exact ``nox -s`` sessions
to run and carries its cache key inputs: the digest of every lock of its
services (the workflow adds the OS and the exact Python version).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nox_support.ci.affected import Affected, describe
from nox_support.ci.git import BaseCommit, MissingBase
from nox_support.ci.noxlist import NoxSession
from nox_support.ci.settings import CiSettings
from nox_support.ci.shard import shard, version_key
from nox_support.core.errors import NoxSupportError
from nox_support.core.markdown import code, escape
from nox_support.discovery import service_name

if TYPE_CHECKING:
    from nox_support.config import ServiceNaming

JOB_KINDS = ("audit", "tests")
"""Session names that get a matrix job per shard."""
LOCK_DIFF = "lock_diff"
RELOCKED = "relocked"
SARIF_RUN_LIMIT = 20
"""Code scanning rejects a SARIF upload with more runs; an audit job writes one run per service."""
LISTED_NAMES_LIMIT = 20
"""Names shown in the ``untested`` and ``removed`` step outputs (the full lists are in the summary)."""


class MatrixError(NoxSupportError):
    """The session list and the discovered services disagree."""


@dataclass(frozen=True)
class ServiceFacts:
    """What the matrix needs to know about one service besides its sessions."""

    name: str
    python: str
    lock_files: tuple[str, ...]
    """Every lock of the service, relative to the root."""
    lock_digest: str
    """sha256 over the names and contents of :attr:`lock_files`."""
    has_tests: bool


@dataclass(frozen=True)
class MatrixEntry:
    """One job: its services, their sessions and its cache key inputs."""

    id: str
    """Safe in artifact names: the service name, or ``shard-<k>-of-<n>``."""
    name: str
    """For humans (job titles)."""
    python: str
    services: tuple[str, ...]
    sessions: tuple[str, ...]
    cache_key: str
    cache_files: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """The entry with everything known about it (the command's JSON on stdout)."""
        return {
            **self.to_output(),
            "services": list(self.services),
            "cache_key": self.cache_key,
            "cache_files": list(self.cache_files),
        }

    def to_output(self) -> dict[str, object]:
        """Only what the jobs read, as GitHub's ``matrix.include`` expects it.

        A job's outputs may hold at most 1 MB (counted as UTF-16), so the step
        outputs carry no field that no job reads (the jobs key their caches per
        service themselves: :mod:`.venvcache`).
        """
        return {
            "id": self.id,
            "name": self.name,
            "python": self.python,
            "sessions": list(self.sessions),
        }


@dataclass(frozen=True)
class JobMatrix:
    """The matrix of one job kind."""

    kind: str
    entries: tuple[MatrixEntry, ...]

    def to_json(self) -> dict[str, object]:
        """``{"include": [...]}``, ready for ``strategy.matrix: ${{ fromJSON(...) }}``."""
        return {"include": [entry.to_json() for entry in self.entries]}

    def to_output(self) -> dict[str, object]:
        """The slim form for ``$GITHUB_OUTPUT`` (see :meth:`MatrixEntry.to_output`)."""
        return {"include": [entry.to_output() for entry in self.entries]}


@dataclass(frozen=True)
class Plan:
    """Everything one ``nox-support matrix`` run decided."""

    base: BaseCommit | MissingBase | None
    affected: Affected
    matrices: tuple[JobMatrix, ...]
    lock_diff: tuple[str, ...]
    """``lock_diff(<service>)`` sessions of the affected services."""
    untested: tuple[str, ...]
    """Selected services without tests: left out of the tests matrix, judged by the gate."""
    missing_tests: str
    pythons: tuple[str, ...]
    """Every target Python of the listed services (for ``setup-python`` in lock jobs)."""
    removed_services: tuple[str, ...] = ()
    """Names of removed service directories that no current service carries (their code
    scanning categories are closed on the default branch)."""
    relocked: tuple[str, ...] = ()
    """Services whose committed locks changed: a pull request re-resolves them
    (``nox -s freshness -- --deep``), so a hand-edited lock cannot pass review."""

    def matrix(self, kind: str) -> JobMatrix:
        """The matrix of *kind*."""
        for matrix in self.matrices:
            if matrix.kind == kind:
                return matrix
        raise KeyError(kind)

    def to_json(self) -> dict[str, object]:
        """The whole plan as one JSON document."""
        return {
            "base": _base_json(self.base),
            "affected": [
                {"service": s.name, "reasons": [describe(r) for r in s.reasons]}
                for s in self.affected.services
            ],
            "removed": [
                {"directory": r.directory, "renamed_to": r.renamed_to} for r in self.affected.removed
            ],
            "matrix": {m.kind: m.to_json() for m in self.matrices},
            "lock_diff": list(self.lock_diff),
            "untested": list(self.untested),
            "missing_tests": self.missing_tests,
            "pythons": list(self.pythons),
            "removed_services": list(self.removed_services),
            "relocked": list(self.relocked),
        }


def build_plan(  # noqa: PLR0913 - each argument is a distinct, independent input
    sessions: tuple[NoxSession, ...],
    affected: Affected,
    facts: Mapping[str, ServiceFacts],
    settings: CiSettings,
    *,
    base: BaseCommit | MissingBase | None,
    all_services_for: frozenset[str] = frozenset(),
    service_naming: ServiceNaming = "directory",
    changed_paths: frozenset[str] = frozenset(),
) -> Plan:
    """Matrices of *kinds* for the affected services (every service for *all_services_for*)."""
    for session in sessions:
        if session.service is not None and session.service not in facts:
            msg = f"Nox lists {session.session} but no service {session.service!r} was discovered"
            raise MatrixError(
                msg, hint="the noxfile must parametrize sessions with nox_support's service list"
            )
    selected = frozenset(affected.names)
    untested: set[str] = set()
    matrices = []
    for kind in JOB_KINDS:
        wanted = frozenset(facts) if kind in all_services_for else selected
        if kind == "tests":
            # Not run at all: listed instead, and the gate applies `missing_tests` to them.
            untested = {name for name in wanted if not facts[name].has_tests}
            wanted -= untested
        # An audit job writes one SARIF run per service: keep each upload within code scanning's limit.
        largest = SARIF_RUN_LIMIT if kind == "audit" else None
        matrices.append(_job_matrix(kind, sessions, facts, settings, wanted, largest))
    lock_diff = tuple(
        s.session for s in sessions if s.name == LOCK_DIFF and s.service is not None and s.service in selected
    )
    # Named as discovery names them: with service_names = "path", teams/a/billing is teams-a-billing.
    removed = {service_name(r.directory.rstrip("/"), service_naming) for r in affected.removed}
    return Plan(
        base=base,
        affected=affected,
        matrices=tuple(matrices),
        lock_diff=lock_diff,
        untested=tuple(sorted(untested)),
        missing_tests=settings.missing_tests,
        pythons=tuple(sorted({f.python for f in facts.values()}, key=version_key)),
        removed_services=tuple(sorted(removed - set(facts))),
        relocked=tuple(sorted(name for name, f in facts.items() if changed_paths.intersection(f.lock_files))),
    )


def _job_matrix(  # noqa: PLR0913 - each argument is a distinct, independent input
    kind: str,
    sessions: tuple[NoxSession, ...],
    facts: Mapping[str, ServiceFacts],
    settings: CiSettings,
    wanted: frozenset[str],
    largest: int | None,
) -> JobMatrix:
    units: dict[tuple[str, str], list[str]] = {}
    for session in sessions:
        if session.name != kind or session.service is None:
            continue
        if session.service not in wanted:
            continue
        python = session.python or facts[session.service].python
        units.setdefault((session.service, python), []).append(session.session)
    shards = shard(list(units), shard_size=settings.shard_size, max_jobs=settings.max_jobs, largest=largest)
    per_service = Counter(service for service, _ in units)
    entries = []
    for number, part in enumerate(shards, start=1):
        services = part.services
        if len(services) == 1:
            ident = name = services[0]
            if per_service[name] > 1:
                ident = name = f"{services[0]}-py{part.python}"
        else:
            ident = f"shard-{number}-of-{len(shards)}"
            name = f"{services[0]} .. {services[-1]} ({len(services)} services, py{part.python})"
        entries.append(
            MatrixEntry(
                id=ident,
                name=name,
                python=part.python,
                services=services,
                sessions=tuple(s for service in services for s in units[service, part.python]),
                cache_key=cache_key(part.python, [facts[s] for s in services]),
                cache_files=tuple(f for s in services for f in facts[s].lock_files),
            )
        )
    return JobMatrix(kind, tuple(entries))


def sessions_of(plan: Plan, kind: str) -> tuple[str, ...]:
    """Every session of *kind* (``audit``, ``tests`` or ``lock_diff``) the plan selected, in order.

    ``relocked`` gives service names instead: those whose locks changed.
    """
    if kind == LOCK_DIFF:
        return plan.lock_diff
    if kind == RELOCKED:
        return plan.relocked
    return tuple(session for entry in plan.matrix(kind).entries for session in entry.sessions)


def cache_key(python: str, services: list[ServiceFacts]) -> str:
    """sha256 over the target Python and the lock digests of *services*."""
    digest = hashlib.sha256(f"python {python}\n".encode())
    for service in sorted(services, key=lambda s: s.name):
        digest.update(f"{service.name} {service.lock_digest}\n".encode())
    return digest.hexdigest()


def lock_digest(locks: list[tuple[str, bytes | None]]) -> str:
    """sha256 over ``(path, content)`` of a service's locks; ``None`` content means missing."""
    digest = hashlib.sha256()
    for path, content in sorted(locks, key=lambda item: item[0]):
        body = "missing" if content is None else hashlib.sha256(_lf(content)).hexdigest()
        digest.update(f"{path} {body}\n".encode())
    return digest.hexdigest()


def github_outputs(plan: Plan) -> dict[str, str]:
    """Step outputs for ``$GITHUB_OUTPUT``; lists that grow with the services are counted, not listed.

    The ``lock_diff`` sessions are not an output: the lock-changes job asks
    ``nox-support matrix --list lock_diff`` itself, so 5,000 services fit in
    the 1 MB a job's outputs may hold.
    """
    outputs: dict[str, str] = {}
    for matrix in plan.matrices:
        outputs[f"{matrix.kind}_matrix"] = _compact(matrix.to_output())
        outputs[f"{matrix.kind}_count"] = str(len(matrix.entries))
    outputs["lock_diff_count"] = str(len(plan.lock_diff))
    outputs["affected_count"] = str(len(plan.affected.services))
    outputs["untested"] = _some(plan.untested)
    outputs["untested_count"] = str(len(plan.untested))
    outputs["missing_tests"] = plan.missing_tests
    outputs["removed"] = " ".join(plan.removed_services)
    outputs["removed_count"] = str(len(plan.removed_services))
    outputs["pythons"] = "\n".join(plan.pythons)
    return outputs


def _some(names: tuple[str, ...]) -> str:
    shown = ", ".join(names[:LISTED_NAMES_LIMIT])
    more = len(names) - LISTED_NAMES_LIMIT
    return f"{shown} (and {more} more: see the discover job's summary)" if more > 0 else shown


def format_github_output(outputs: Mapping[str, str]) -> str:
    """``key=value`` lines; multi-line values use GitHub's ``key<<DELIMITER`` form."""
    lines = []
    for key, value in outputs.items():
        if "\n" in value:
            delimiter = "NOX_SUPPORT_" + hashlib.sha256(value.encode()).hexdigest()[:16]
            lines += [f"{key}<<{delimiter}", value, delimiter]
        else:
            lines.append(f"{key}={value}")
    return "\n".join(lines) + "\n"


def summary_markdown(plan: Plan) -> str:
    """A job-summary section: what was selected and why."""
    lines = ["## nox-support: job matrix", ""]
    if plan.base is None:
        lines.append("No base ref: every service is selected.")
    elif isinstance(plan.base, MissingBase):
        lines.append(
            f"**Every service is selected**: the base {code(plan.base.ref)} cannot be diffed from "
            f"({escape(plan.base.reason)})."
        )
    else:
        lines.append(f"Changes since {code(plan.base.ref)} (merge base {code(plan.base.commit[:12])}).")
    lines.append("")
    for matrix in plan.matrices:
        services = sum(len(e.services) for e in matrix.entries)
        lines.append(f"- `{matrix.kind}`: {len(matrix.entries)} jobs, {services} service sessions")
    lines.append(f"- `{LOCK_DIFF}`: {len(plan.lock_diff)} services")
    if plan.untested:
        verdict = "the gate fails" if plan.missing_tests == "fail" else "not run, the gate warns"
        lines.append(
            f'- **no tests** (missing_tests = "{plan.missing_tests}": {verdict}): '
            f"{', '.join(escape(u) for u in plan.untested)}"
        )
    lines.append("")
    if plan.affected.services:
        lines += ["| service | why |", "| --- | --- |"]
        lines += [
            f"| {escape(s.name)} | {'; '.join(escape(describe(r)) for r in s.reasons)} |"
            for s in plan.affected.services
        ]
    else:
        lines.append("No service is affected.")
    for removed in plan.affected.removed:
        where = f", renamed to {code(removed.renamed_to)}" if removed.renamed_to else ""
        lines.append(f"\nRemoved service directory {code(removed.directory)}{where}.")
    return "\n".join(lines) + "\n"


def _base_json(base: BaseCommit | MissingBase | None) -> dict[str, str] | None:
    if base is None:
        return None
    if isinstance(base, MissingBase):
        return {"ref": base.ref, "missing": base.reason}
    return {"ref": base.ref, "commit": base.commit}


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=False)


def _lf(content: bytes) -> bytes:
    return content.replace(b"\r\n", b"\n")
