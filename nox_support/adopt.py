"""``nox-support adopt``: turn hand-written ``requirements.txt`` files into lock inputs.

:func:`plan` is pure, over the repository's file listing: each directory with a
``requirements.txt`` and no ``requirements.in`` becomes a service, its ``requirements.txt``
renamed to ``requirements.in`` (every line kept) and its ``requirements-dev.txt``,
``requirements-test.txt`` or ``test-requirements.txt`` to ``requirements-dev.in`` (the dev
layer's input).  :func:`apply` renames with ``git mv``, so history follows the files.
``nox -s lock`` then writes the locks, preferring the pins that were written by hand.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from nox_support.core import cmd
from nox_support.core.errors import NoxSupportError

MAIN_WRITTEN = "requirements.txt"
MAIN_INPUT = "requirements.in"
DEV_INPUT = "requirements-dev.in"
DEV_WRITTEN = ("requirements-dev.txt", "requirements-test.txt", "test-requirements.txt")
"""Hand-written files that become the dev layer's input, in order of preference."""
_OTHER_LAYER = re.compile(r"requirements-([A-Za-z0-9][A-Za-z0-9._-]*)\.txt\Z")
_SKIPPED_PARTS = frozenset({"node_modules", "site-packages", "venv"})
RENOVATE_FILES = (
    "renovate.json",
    "renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
)
DEPENDABOT_FILES = (".github/dependabot.yml", ".github/dependabot.yaml")


class AdoptError(NoxSupportError):
    """The plan cannot be applied (no git, a target exists, ``git mv`` failed)."""


@dataclass(frozen=True)
class Rename:
    """One ``git mv``."""

    source: str
    target: str


@dataclass(frozen=True)
class Skipped:
    """A directory left as it is, and why."""

    directory: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """What ``adopt --write`` does, and what is left to the user."""

    renames: tuple[Rename, ...]
    skipped: tuple[Skipped, ...]
    services: tuple[str, ...]
    """The directories that become services."""
    globs: tuple[str, ...] | None
    """``service_globs`` to set, or ``None`` when the configured ones already find every service."""
    notes: tuple[str, ...]
    """Follow-ups the user decides on (other ``requirements-*.txt`` files, bot configuration)."""


def plan(files: Iterable[str], service_globs: tuple[str, ...]) -> Plan:
    """The plan for a repository whose tracked files are *files* (POSIX, relative to the root)."""
    present = set(files)
    listing = sorted(f for f in present if not _skipped_path(f))
    by_directory: dict[str, set[str]] = {}
    for path in listing:
        directory, _, name = path.rpartition("/")
        by_directory.setdefault(directory, set()).add(name)
    renames: list[Rename] = []
    skipped: list[Skipped] = []
    services: list[str] = []
    notes: list[str] = []
    for directory, names in sorted(by_directory.items()):
        if MAIN_WRITTEN not in names or MAIN_INPUT in names:
            continue
        if not directory:
            skipped.append(
                Skipped(".", "the repository root is not a service directory: move it to services/<name>/")
            )
            continue
        dev = [name for name in DEV_WRITTEN if name in names]
        if len(dev) > 1 and DEV_INPUT not in names:
            reason = (
                f"{' and '.join(dev)} would both become {DEV_INPUT}: merge them into one, then adopt again"
            )
            skipped.append(Skipped(directory, reason))
            continue
        services.append(directory)
        renames.append(Rename(f"{directory}/{MAIN_WRITTEN}", f"{directory}/{MAIN_INPUT}"))
        if dev and DEV_INPUT not in names:
            renames.append(Rename(f"{directory}/{dev[0]}", f"{directory}/{DEV_INPUT}"))
        for name in sorted(names):
            match = _OTHER_LAYER.match(name)
            if match and name not in DEV_WRITTEN:
                layer = match.group(1)
                notes.append(
                    f"{directory}/{name}: left as it is; rename it to requirements-{layer}.in "
                    f"(git mv) to lock it as the {layer} layer"
                )
    clashes = [r for r in renames if r.target in present]
    if clashes:  # pragma: no cover - excluded above; kept as the last guard before git mv
        msg = f"{clashes[0].target} exists"
        raise AdoptError(msg)
    globs = _globs(services, service_globs)
    return Plan(tuple(renames), tuple(skipped), tuple(services), globs, (*notes, *_bot_notes(present)))


def dev_include_notes(texts: Mapping[str, str]) -> tuple[str, ...]:
    """For each renamed dev file (path -> text), the lines that include the old requirements.txt.

    After the rename ``-r requirements.txt`` names the main *lock*, which already constrains
    the dev layer: the line would copy every main pin into the dev lock.
    """
    notes = []
    for path, text in sorted(texts.items()):
        for number, line in enumerate(text.splitlines(), start=1):
            words = line.split("#", 1)[0].split()
            if len(words) == 2 and words[0] in {"-r", "--requirement"} and words[1] == MAIN_WRITTEN:  # noqa: PLR2004
                notes.append(
                    f"{path}:{number}: once adopted, `{line.strip()}` names the main lock, which "
                    "already constrains the dev layer: remove the line"
                )
    return tuple(notes)


def describe(adopt: Plan, *, written: bool) -> str:
    """The plan as printed (pure)."""
    lines = []
    count = f"{_count(len(adopt.services), 'service')}, {_count(len(adopt.renames), 'rename')}"
    if written:
        lines.append(f"nox-support adopt: {count}, applied with git mv")
    else:
        lines.append(f"nox-support adopt: {count} (nothing written; `nox-support adopt --write` applies it)")
    lines += [f"  {r.source} -> {r.target}" for r in adopt.renames]
    if adopt.skipped:
        lines.append("skipped:")
        lines += [f"  {s.directory}: {s.reason}" for s in adopt.skipped]
    lines.append("then:")
    if adopt.globs is not None:
        quoted = ", ".join(f'"{g}"' for g in adopt.globs)
        lines.append(f"  set in pyproject.toml: [tool.nox_support] service_globs = [{quoted}]")
    lines += [f"  {note}" for note in adopt.notes]
    lines.append(
        "  run `nox -s lock` and commit: it writes each requirements.txt as a hashed lock, preferring the "
        "pins you wrote"
    )
    return "\n".join(lines) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def tracked_files(root: Path) -> tuple[str, ...]:
    """The files git tracks under *root* (POSIX, relative)."""
    result = cmd.run(("git", "ls-files", "-z"), cwd=root, check=False)
    if result.returncode != 0:
        msg = f"{root} is not a git work tree ({result.stderr.strip() or 'git ls-files failed'})"
        raise AdoptError(msg, hint="adopt renames with git mv so that history follows: run it in a git clone")
    return tuple(name for name in result.stdout.split("\0") if name)


def apply(root: Path, adopt: Plan) -> None:
    """Rename with ``git mv`` (history follows); stops at the first failure, naming it."""
    for rename in adopt.renames:
        if (root / rename.target).exists():
            msg = f"{rename.target} exists; nothing was renamed onto it"
            raise AdoptError(msg, hint="merge the two files by hand, then run adopt again")
        result = cmd.run(("git", "mv", "--", rename.source, rename.target), cwd=root, check=False)
        if result.returncode != 0:
            msg = f"git mv {rename.source} {rename.target} failed: {result.stderr.strip()}"
            raise AdoptError(msg, hint="the renames before it were applied; fix this one and run adopt again")


def _skipped_path(path: str) -> bool:
    parts = path.split("/")
    return any(part.startswith(".") or part in _SKIPPED_PARTS for part in parts[:-1])


def _globs(services: list[str], configured: tuple[str, ...]) -> tuple[str, ...] | None:
    if all(any(_matches(s, g) for g in configured) for s in services):
        return None
    wanted = [g for g in configured if any(_matches(s, g) for s in services)]
    for service in services:
        if not any(_matches(service, g) for g in wanted):
            parent = posixpath.dirname(service)
            wanted.append(f"{parent}/*" if parent else service)
    return tuple(dict.fromkeys(wanted))


def _matches(path: str, glob: str) -> bool:
    parts, pattern = path.split("/"), glob.strip("/").split("/")
    if "**" in pattern:
        return fnmatch.fnmatchcase(path, glob.replace("**/", "*").replace("**", "*"))
    return len(parts) == len(pattern) and all(
        fnmatch.fnmatchcase(a, b) for a, b in zip(parts, pattern, strict=True)
    )


def _bot_notes(present: set[str]) -> list[str]:
    notes = []
    renovate = [f for f in RENOVATE_FILES if f in present]
    if renovate:
        notes.append(
            f"Renovate ({renovate[0]}): let it edit the .in files only, and never the locks: add "
            '"pip_requirements": {"managerFilePatterns": ["/(^|/)requirements(-[^/]+)?\\\\.in$/"]} and '
            '"ignorePaths": ["**/requirements*.txt"]; regenerate the locks in the update branch with '
            "`nox -s lock` (postUpgradeTasks on a self-hosted Renovate, or by hand)"
        )
    dependabot = [f for f in DEPENDABOT_FILES if f in present]
    if dependabot:
        notes.append(
            f"Dependabot ({dependabot[0]}): its pip updater edits requirements*.txt, which are now locks "
            "(freshness then reports them altered): remove the pip entries, or keep them only to be told "
            "of updates and apply each by editing the .in file and running `nox -s lock`"
        )
    return notes
