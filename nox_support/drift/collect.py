"""Reading locks, their input files and the latest audit reports (the I/O edge of drift/conflicts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nox_support.config import Settings
from nox_support.discovery import Layer, Service
from nox_support.drift.locks import (
    DirectRequirement,
    InputOption,
    LocalRequirement,
    ServiceLock,
    direct_requirement,
    parse_lock,
)
from nox_support.errors import NoxSupportError, RequirementsFileError
from nox_support.lock import lockformat, reqfile
from nox_support.lock.inputs import collect
from nox_support.lock.regenerate import regenerate_command
from nox_support.paths import display_path


@dataclass(frozen=True)
class AuditFinding:
    """A vulnerability the latest audit report of a service lists for a pinned package."""

    service: str
    package: str
    version: str
    id: str
    ignored: bool


def read_lock(root: Path, service: Service, layer: Layer, settings: Settings) -> ServiceLock:
    """The lock of *layer* with its direct inputs; one clear error when either cannot be read."""
    shown = display_path(layer.lock, root)
    try:
        text = lockformat.requirements_text(layer.lock, shown=shown, service=service.name)
    except FileNotFoundError:
        raise RequirementsFileError(
            f"service {service.name} has no lock",
            path=shown,
            hint=f"run {regenerate_command(service.name)} and commit {layer.lock.name}",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RequirementsFileError(
            f"cannot read the lock of service {service.name}: {exc}", path=shown
        ) from exc
    packages = parse_lock(text, path=shown)
    reader = _InputReader(root, service)
    if layer.section is None:
        reader.read(layer.source, constraint=False, via=None)
    else:  # declared in pyproject.toml: the requirements as they are compiled (local sources as paths)
        declared = collect(root, service, layer, settings).declared or ""
        where = f"{display_path(layer.source, root)} {layer.section.label}"
        reader.read_entries(declared, where, service.directory, constraint=False)
    if layer.name == "main":
        for name in settings.constraints:
            reader.read(root / name, constraint=True, via="[tool.nox_support] constraints")
    return ServiceLock(
        service=service.name,
        layer=layer.name,
        lock=shown,
        packages=packages,
        requirements=tuple(reader.requirements),
        local=tuple(reader.local),
        options=tuple(reader.options),
    )


def read_lock_or_problem(root: Path, service: Service, layer: Layer, settings: Settings) -> ServiceLock | str:
    """:func:`read_lock`, or the message saying why it cannot be read (one per service)."""
    try:
        return read_lock(root, service, layer, settings)
    except NoxSupportError as exc:
        return str(exc)


class _InputReader:
    """Follows ``-r``/``-c`` includes from an input file, as pip does, collecting what they ask for."""

    def __init__(self, root: Path, service: Service) -> None:
        self.root = root
        self.service = service
        self.seen: set[Path] = set()
        self.requirements: list[DirectRequirement] = []
        self.local: list[LocalRequirement] = []
        self.options: list[InputOption] = []

    def read(self, path: Path, *, constraint: bool, via: str | None, line: int | None = None) -> None:
        resolved = path.resolve()
        if resolved in self.seen:
            return
        self.seen.add(resolved)
        shown = display_path(resolved, self.root)
        try:
            text = resolved.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise RequirementsFileError(
                f"{shown} does not exist", path=via or shown, line=line, hint="create it or fix the path"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RequirementsFileError(f"cannot read: {exc}", path=shown) from exc
        self.read_entries(text, shown, resolved.parent, constraint=constraint)

    def read_entries(self, text: str, shown: str, base: Path, *, constraint: bool) -> None:
        """The requirements of *text* (shown as *shown*; includes relative to *base*)."""
        for entry in reqfile.parse(text, path=shown):
            match entry:
                case reqfile.Include(target=target, constraint=is_constraint, line=number):
                    self.read(
                        base / target,
                        constraint=constraint or is_constraint,
                        via=shown,
                        line=number,
                    )
                case reqfile.NamedRequirement():
                    self.requirements.append(direct_requirement(entry, file=shown, constraint=constraint))
                case reqfile.LocalPath(path=raw, line=number) if not constraint:
                    # pip resolves bare paths against the service directory (where locks compile).
                    local_path = (self.service.directory / raw.split("[")[0]).resolve()
                    self.local.append(LocalRequirement(local_path, shown, number))
                case reqfile.Option(name=name, value=value, line=number):
                    self.options.append(InputOption(name, value, shown, number))
                case _:
                    pass


def read_audit_findings(
    root: Path, services: tuple[Service, ...]
) -> tuple[tuple[AuditFinding, ...], tuple[str, ...]]:
    """Findings of the latest ``reports/audit/<service>.json``, and notes on unreadable reports.

    A missing report is no finding (the service was not audited); an unreadable one is noted.
    """
    from nox_support.audit.reports.json_report import (  # noqa: PLC0415 - only when reports exist
        read_service_report,
        service_report_path,
    )
    from nox_support.audit.verdict import ServiceReport  # noqa: PLC0415

    findings: list[AuditFinding] = []
    notes: list[str] = []
    for service in services:
        if not service_report_path(root, service.name).is_file():
            continue
        report = read_service_report(root, service.name)
        if not isinstance(report, ServiceReport):
            notes.append(report)
            continue
        findings.extend(
            AuditFinding(service.name, f.package, f.version, f.id, f.ignored) for f in report.findings
        )
    return tuple(findings), tuple(notes)
