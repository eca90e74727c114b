"""``nox-support matrix``: ask Nox, git and the file system, then build the plan.

One ``nox -l --json`` process and a few git processes; everything else is
pure Python over small files, so 500 services take well under a second.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from nox_support.ci import git
from nox_support.ci.affected import Affected, ServiceInputs, affected_services, everything, matches_any
from nox_support.ci.lockmatrix import LOCK, LockJob, lock_jobs
from nox_support.ci.matrix import Plan, ServiceFacts, build_plan, lock_digest
from nox_support.ci.noxlist import MATRIX_SESSIONS, list_sessions
from nox_support.ci.settings import CiSettings, load_ci_settings
from nox_support.ci.testpaths import FoundTests, find_tests
from nox_support.core.errors import DiscoveryError, NoxSupportError
from nox_support.core.paths import display_path
from nox_support.discovery import NO_SERVICE, Service
from nox_support.lock.inputs import collect
from nox_support.project import Project


@dataclass(frozen=True)
class MatrixRequest:
    """What the command line asked for."""

    root: Path
    changed_since: str | None = None
    all_services_for: frozenset[str] = frozenset()
    shard_size: int | None = None
    max_jobs: int | None = None
    all_if_base_missing: bool = False
    """A *changed_since* this clone cannot diff from selects every service (and says why)
    instead of being an error: a push whose ``before`` commit was force-pushed away."""


def plan(request: MatrixRequest) -> Plan:
    """Build the plan for *request*."""
    root = request.root.resolve()
    with ThreadPoolExecutor(max_workers=1) as pool:
        # `nox -l --json` is the slowest part: let it run while git and the inputs are read.
        listing = pool.submit(list_sessions, root, MATRIX_SESSIONS)
        project = Project.load(root)
        settings = _with_overrides(load_ci_settings(project.root), request)
        base = _base(project.root, request)
        changes = git.changed_paths(project.root, base) if isinstance(base, git.BaseCommit) else None
        every = _affected(project, project.services, settings, changes)
        sessions = listing.result()
    if not project.services:  # the noxfile's one NO_SERVICE parameter: those sessions fail; no job
        sessions = tuple(s for s in sessions if s.service != NO_SERVICE)
    listed = {s.service for s in sessions if s.service is not None}
    services = tuple(svc for svc in project.services if svc.name in listed)
    affected = Affected(tuple(s for s in every.services if s.name in listed), every.removed)
    facts = {svc.name: service_facts(project.root, svc) for svc in services}
    return build_plan(
        sessions,
        affected,
        facts,
        settings,
        base=base,
        all_services_for=request.all_services_for,
        service_naming=project.settings.service_names,
        changed_paths=frozenset(path for change in changes or () for path in change.paths()),
    )


def _base(root: Path, request: MatrixRequest) -> git.BaseCommit | git.MissingBase | None:
    if request.changed_since is None:
        return None
    try:
        return git.resolve_base(root, request.changed_since)
    except git.MissingBaseError as exc:
        if not request.all_if_base_missing:
            raise
        return git.MissingBase(request.changed_since, exc.message)


def service_inputs(project: Project, service: Service) -> ServiceInputs:
    """Where *service*'s lock inputs live; unreadable inputs are recorded, not hidden."""
    files: set[str] = set()
    trees: list[str] = []
    for layer in service.layers:
        try:
            collected = collect(project.root, service, layer, project.settings)
        except NoxSupportError as exc:
            return ServiceInputs(service.name, service.relpath, frozenset(files), tuple(trees), str(exc))
        files.update(display_path(path, project.root) for path in collected.paths)
        for package in collected.local_packages:
            relative = display_path(package.path, project.root)
            if package.path.is_dir():
                trees.append(relative)
            else:
                files.add(relative)
    return ServiceInputs(
        service.name,
        service.relpath,
        frozenset(files),
        tuple(dict.fromkeys(trees)),
        tests=_tests(project, service),
    )


def _tests(project: Project, service: Service) -> tuple[str, ...]:
    """*service*'s test directories and files, relative to the root (none when none are found)."""
    try:
        found = find_tests(project.root, service)
    except DiscoveryError:
        return ()
    if isinstance(found, FoundTests):
        return tuple(display_path(path, project.root) for path in found.paths)
    return ()


def service_facts(root: Path, service: Service) -> ServiceFacts:
    """Lock digest and tests presence of *service*."""
    locks: list[tuple[str, bytes | None]] = []
    for layer in service.layers:
        try:
            content: bytes | None = layer.lock.read_bytes()
        except FileNotFoundError:
            content = None
        locks.append((display_path(layer.lock, root), content))
    return ServiceFacts(
        name=service.name,
        python=service.python,
        lock_files=tuple(path for path, _ in locks),
        lock_digest=lock_digest(locks),
        has_tests=has_tests(root, service),
    )


def has_tests(root: Path, service: Service) -> bool:
    """Whether the tests location of *service* holds Python code.

    A location leading outside the repository counts as tests: the tests job then
    runs and fails with the reason instead of the service passing untested.
    """
    try:
        return isinstance(find_tests(root, service), FoundTests)
    except DiscoveryError:
        return True


def _affected(
    project: Project,
    services: tuple[Service, ...],
    settings: CiSettings,
    changes: tuple[git.PathChange, ...] | None,
) -> Affected:
    if changes is None:
        return everything(ServiceInputs(s.name, s.relpath, frozenset(), ()) for s in services)
    if any(matches_any(path, settings.global_paths) for change in changes for path in change.paths()):
        # Every service is affected anyway: no need to read their inputs.
        inputs = tuple(ServiceInputs(s.name, s.relpath, frozenset(), ()) for s in services)
    else:
        inputs = tuple(service_inputs(project, svc) for svc in services)
    return affected_services(
        changes,
        inputs,
        global_paths=settings.global_paths,
        service_globs=project.settings.service_globs,
    )


def _with_overrides(settings: CiSettings, request: MatrixRequest) -> CiSettings:
    if request.shard_size is not None:
        settings = replace(settings, shard_size=request.shard_size)
    if request.max_jobs is not None:
        settings = replace(settings, max_jobs=request.max_jobs)
    return settings


def lock_plan(root: Path, changed_since: str | None, jobs: int) -> tuple[LockJob, ...]:
    """The lock jobs: every service's ``lock`` session, or only the affected services' ones."""
    selected = None
    if changed_since is not None:
        selected = frozenset(plan(MatrixRequest(root=root, changed_since=changed_since)).affected.names)
    else:  # every discovered service (never the noxfile's placeholder parameter for none)
        selected = frozenset(service.name for service in Project.load(root.resolve()).services)
    return lock_jobs(list_sessions(root.resolve(), (LOCK,)), selected, jobs)
