"""``python -m nox_support`` / ``nox-support``: commands the CI workflows call.

``adopt`` plans (``--write``: applies with ``git mv``) turning hand-written requirements files
into lock inputs.  ``matrix`` prints the GitHub Actions job matrices built from ``nox -l --json``.
``freshness`` is the offline lock check without Nox (the ``nox-support-freshness``
pre-commit hook): one line per stale lock with its repair command, exit 1.
Errors leave through :func:`main` only: one line per problem with a hint, and
exit code 2 for usage and configuration errors, 1 for everything else.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from nox_support.ci import cache_cli
from nox_support.core import logsafe
from nox_support.core.errors import ConfigError, NoxSupportError
from nox_support.core.redact import redact

EXIT_ERROR = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except ConfigError as exc:
        logsafe.write(f"nox-support: error: {redact(str(exc))}\n", sys.stderr)
        return EXIT_USAGE
    except NoxSupportError as exc:
        logsafe.write(f"nox-support: error: {redact(str(exc))}\n", sys.stderr)
        return EXIT_ERROR


def _matrix(args: argparse.Namespace) -> int:
    from nox_support.ci.discover import MatrixRequest, plan  # noqa: PLC0415 - keeps --help fast
    from nox_support.ci.matrix import (  # noqa: PLC0415
        format_github_output,
        github_outputs,
        sessions_of,
        summary_markdown,
    )
    from nox_support.ci.settings import max_jobs, positive_int  # noqa: PLC0415

    request = MatrixRequest(
        root=Path(args.root),
        changed_since=args.changed_since,
        all_services_for=frozenset(args.all_services_for),
        shard_size=None if args.shard_size is None else positive_int(args.shard_size, "--shard-size"),
        max_jobs=None if args.max_jobs is None else max_jobs(args.max_jobs, "--max-jobs"),
        all_if_base_missing=args.if_base_missing == "all",
    )
    from nox_support.core.outputs import append_text  # noqa: PLC0415

    result = plan(request)
    if args.list:
        # One session name a line, for `readarray` in a workflow step.
        logsafe.write("".join(f"{name}\n" for name in sessions_of(result, args.list)), sys.stdout)
        return 0
    if args.github_output:
        append_text(
            Path(args.github_output), format_github_output(github_outputs(result)), what="--github-output"
        )
    if args.summary:
        append_text(Path(args.summary), summary_markdown(result), what="--summary")
    logsafe.write(json.dumps(result.to_json(), indent=2) + "\n", sys.stdout)
    return 0


def _freshness(args: argparse.Namespace) -> int:
    from nox_support.lock import freshness  # noqa: PLC0415 - keeps --help fast
    from nox_support.project import Project  # noqa: PLC0415

    project = Project.load(Path(args.root).resolve())
    if not project.services:  # as the freshness session: nothing checked is never "all fresh"
        from nox_support.discovery import no_services_error  # noqa: PLC0415

        raise no_services_error(project.settings)
    stale = 0
    total = 0
    for verdict in freshness.check_services(project, project.select(tuple(args.services))):
        total += 1
        if not isinstance(verdict, freshness.FreshLock):
            stale += 1
            logsafe.write(f"nox-support: {freshness.describe(verdict)}\n", sys.stderr)
    if stale:
        logsafe.write(f"nox-support: {stale} of {total} locks are not fresh\n", sys.stderr)
        return EXIT_ERROR
    logsafe.write(f"nox-support: all {total} locks are fresh\n", sys.stdout)
    return 0


def _empty_sarif(args: argparse.Namespace) -> int:
    from nox_support.ci.removed import empty_analyses  # noqa: PLC0415
    from nox_support.core import atomic  # noqa: PLC0415 - keeps --help fast

    text = empty_analyses(args.services)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(output, text)
    return 0


def _code_scanning_files(args: argparse.Namespace) -> int:
    from nox_support.ci.code_scanning import github_output, write_files  # noqa: PLC0415 - keeps --help fast
    from nox_support.core.outputs import append_text  # noqa: PLC0415

    files = write_files(Path(args.output_dir), [Path(p) for p in args.sarif], args.removed.split())
    if args.github_output:
        append_text(Path(args.github_output), github_output(files), what="--github-output")
    for file in files:
        logsafe.write(f"{file.name}: {len(file.categories)} runs\n", sys.stdout)
    return 0


def _lock_matrix(args: argparse.Namespace) -> int:
    from nox_support.ci.discover import lock_plan  # noqa: PLC0415 - keeps --help fast
    from nox_support.ci.lockmatrix import github_output  # noqa: PLC0415
    from nox_support.core.outputs import append_text  # noqa: PLC0415

    jobs = lock_plan(Path(args.root), args.changed_since, args.jobs)
    if args.github_output:
        append_text(Path(args.github_output), github_output(jobs), what="--github-output")
    logsafe.write(json.dumps({"include": [job.to_json() for job in jobs]}, indent=2) + "\n", sys.stdout)
    return 0


def _junit_annotations(args: argparse.Namespace) -> int:
    from nox_support.ci.annotations import annotation, failed_tests  # noqa: PLC0415 - keeps --help fast
    from nox_support.project import Project  # noqa: PLC0415

    services = {svc.name: svc.relpath for svc in Project.load(Path(args.root).resolve()).services}
    for report in map(Path, args.reports):
        # The tests session writes reports/tests/<service>.xml.
        service_dir = services.get(report.stem, ".")
        try:
            text = report.read_text(encoding="utf-8")
        except OSError as exc:
            msg = f"cannot read {report}: {exc.strerror}"
            raise NoxSupportError(msg) from exc
        for test in failed_tests(text, service_dir, source=str(report)):
            logsafe.write_workflow_command(annotation(test), sys.stdout)
    return 0


def _adopt(args: argparse.Namespace) -> int:
    from nox_support import adopt  # noqa: PLC0415 - keeps --help fast
    from nox_support.config import load_settings  # noqa: PLC0415
    from nox_support.core import repofiles  # noqa: PLC0415 - keeps --help fast

    root = Path(args.root).resolve()
    planned = adopt.plan(adopt.tracked_files(root), load_settings(root).service_globs)
    dev_files = {
        r.target if args.write else r.source: r for r in planned.renames if r.target.endswith(adopt.DEV_INPUT)
    }
    if args.write:
        adopt.apply(root, planned)
    texts = {path: repofiles.read_bytes(root / path, root).decode("utf-8", "replace") for path in dev_files}
    planned = dataclasses.replace(planned, notes=(*adopt.dev_include_notes(texts), *planned.notes))
    logsafe.write(adopt.describe(planned, written=args.write), sys.stdout)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nox-support", description="Commands the CI workflows call.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    matrix = commands.add_parser(
        "matrix",
        help="print the GitHub Actions job matrices (JSON) built from `nox -l --json`",
        description="Print the per-service job matrices for the audit and tests jobs.",
    )
    matrix.add_argument("--root", default=".", help="monorepo root holding noxfile.py (default: .)")
    matrix.add_argument(
        "--changed-since",
        metavar="REF",
        help="only services affected by changes since the merge base of REF and HEAD",
    )
    matrix.add_argument(
        "--all-services-for",
        action="append",
        default=[],
        choices=("audit", "tests"),
        metavar="KIND",
        help="give the KIND matrix (audit or tests) every service, whatever changed (repeatable)",
    )
    matrix.add_argument(
        "--if-base-missing",
        choices=("fail", "all"),
        default="fail",
        help="when the --changed-since REF is not in the clone (a force-push): fail (default), "
        "or select every service and say why in the summary",
    )
    matrix.add_argument(
        "--list",
        choices=("audit", "tests", "lock_diff", "relocked"),
        metavar="KIND",
        help="print only the selected KIND sessions (audit, tests or lock_diff), one a line; "
        "relocked: the services whose committed locks changed",
    )
    matrix.add_argument("--shard-size", type=int, metavar="N", help="services per job (default: 1)")
    matrix.add_argument("--max-jobs", type=int, metavar="N", help="most jobs per matrix (default: 256)")
    matrix.add_argument(
        "--github-output", metavar="FILE", help="append step outputs to FILE ($GITHUB_OUTPUT)"
    )
    matrix.add_argument("--summary", metavar="FILE", help="append a markdown summary to FILE")
    matrix.set_defaults(handler=_matrix)
    fresh = commands.add_parser(
        "freshness",
        help="check offline that every lock matches its inputs (the pre-commit hook)",
        description="Check offline, without Nox, that each committed lock matches its inputs.",
    )
    fresh.add_argument("--root", default=".", help="monorepo root (default: .)")
    fresh.add_argument("services", nargs="*", metavar="SERVICE", help="only these services (default: all)")
    fresh.set_defaults(handler=_freshness)
    empty = commands.add_parser(
        "empty-sarif",
        help="write empty code scanning analyses for removed services (closes their alerts)",
        description="Write a SARIF log with one empty run per service, in its audit category.",
    )
    empty.add_argument("--output", required=True, metavar="FILE", help="the SARIF file to write")
    empty.add_argument("services", nargs="+", metavar="SERVICE", help="removed services' names")
    empty.set_defaults(handler=_empty_sarif)
    uploads = commands.add_parser(
        "code-scanning-files",
        help="pack audit SARIF files and removed services into uploads of at most 20 runs",
        description="Write code-scanning-<n>.sarif files of at most 20 runs with unique categories.",
    )
    uploads.add_argument("--output-dir", required=True, metavar="DIR", help="where to write the files")
    uploads.add_argument(
        "--removed", default="", metavar="NAMES", help="removed services' names, space-separated"
    )
    uploads.add_argument(
        "--github-output", metavar="FILE", help="append sarif_matrix and sarif_count to FILE"
    )
    uploads.add_argument("sarif", nargs="*", metavar="FILE", help="the audit jobs' reports/audit.sarif files")
    uploads.set_defaults(handler=_code_scanning_files)
    locks = commands.add_parser(
        "lock-matrix",
        help="print the lock refresh matrix: lock(<service>) sessions spread over at most N jobs",
        description="Spread the lock sessions (all, or the affected services') over at most N jobs.",
    )
    locks.add_argument("--root", default=".", help="monorepo root holding noxfile.py (default: .)")
    locks.add_argument("--changed-since", metavar="REF", help="only the services affected since REF")
    locks.add_argument("--jobs", type=int, default=20, metavar="N", help="most jobs (default: 20)")
    locks.add_argument("--github-output", metavar="FILE", help="append lock_matrix and lock_count to FILE")
    locks.set_defaults(handler=_lock_matrix)
    junit = commands.add_parser(
        "junit-annotations",
        help="print ::error annotations for the failed tests of JUnit reports",
        description="Print one GitHub ::error annotation per failed test of reports/tests/<service>.xml.",
    )
    junit.add_argument("--root", default=".", help="monorepo root holding noxfile.py (default: .)")
    junit.add_argument("reports", nargs="+", metavar="REPORT", help="reports/tests/<service>.xml files")
    junit.set_defaults(handler=_junit_annotations)
    adopting = commands.add_parser(
        "adopt",
        help="plan (or with --write apply) turning hand-written requirements.txt files into lock inputs",
        description="Print how hand-written requirements*.txt files become requirements*.in inputs.",
    )
    adopting.add_argument("--root", default=".", help="repository root (default: .)")
    adopting.add_argument("--write", action="store_true", help="apply the renames with git mv")
    adopting.set_defaults(handler=_adopt)
    cache_cli.add_commands(commands)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
