"""The few git questions the CI commands ask; every answer is checked, never guessed.

Paths are relative to the monorepo root (git runs there with ``--relative``),
so a monorepo may live in a subdirectory of its git repository.  Its CI
configuration still lives at the top (``.github/``): changes there are reported
with their top-level path, so the global paths (``.github/workflows/``) match.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nox_support.core import cmd
from nox_support.core.errors import CommandError, CommandNotFoundError, NoxSupportError


class GitError(NoxSupportError):
    """git cannot answer: not a repository, unknown ref, no merge base."""


class MissingBaseError(GitError):
    """The ref is not in this clone, or shares no history with ``HEAD`` (force-push, shallow clone)."""


@dataclass(frozen=True)
class PathChange:
    """One changed path; ``old_path`` is set for renames and copies."""

    status: str
    """git's status letter (``A M D R C T U``), or ``?`` for an untracked file."""
    path: str
    old_path: str | None = None

    def paths(self) -> tuple[str, ...]:
        """Every path this change touches (both sides of a rename)."""
        return (self.path,) if self.old_path is None else (self.old_path, self.path)


@dataclass(frozen=True)
class BaseCommit:
    """What ``--changed-since REF`` resolved to."""

    ref: str
    commit: str
    """The merge base of *ref* and ``HEAD``: the point this branch started from."""


@dataclass(frozen=True)
class MissingBase:
    """``--changed-since REF`` named a base this clone cannot diff from; every service is selected."""

    ref: str
    reason: str
    """Why (the git error), shown in the job summary."""


def _git(root: Path, *args: str, check: bool = True) -> cmd.CommandResult:
    try:
        return cmd.run(("git", "-c", "core.quotepath=off", *args), cwd=root, check=check)
    except CommandNotFoundError as exc:
        msg = "git is not installed"
        raise GitError(msg, hint="install git; the CI commands need the repository history") from exc


def resolve_base(root: Path, ref: str) -> BaseCommit:
    """The merge base of *ref* and ``HEAD``; an unknown ref or a missing history is an error."""
    if not ref or ref.startswith("-"):
        msg = f"{ref!r} is not a git ref"
        raise GitError(msg, hint="pass a branch, tag or commit, for example origin/main")
    try:
        _git(root, "rev-parse", "--is-inside-work-tree")
    except CommandError as exc:
        msg = f"{root} is not inside a git work tree"
        raise GitError(msg, hint="run from a clone of the repository") from exc
    found = _git(
        root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False
    )
    if found.returncode != 0:
        msg = f"git ref {ref!r} does not exist in this clone"
        raise MissingBaseError(
            msg,
            hint=(
                f"fetch it first (git fetch origin {ref.removeprefix('origin/')}); "
                "in GitHub Actions check out with fetch-depth: 0"
            ),
        )
    commit = found.stdout.strip()
    merge_base = _git(root, "merge-base", commit, "HEAD", check=False)
    if merge_base.returncode != 0 or not merge_base.stdout.strip():
        msg = f"{ref!r} and HEAD have no common history (shallow clone or unrelated branch)"
        raise MissingBaseError(msg, hint="fetch the full history: git fetch --unshallow, or fetch-depth: 0")
    return BaseCommit(ref=ref, commit=merge_base.stdout.strip())


def changed_paths(root: Path, base: BaseCommit) -> tuple[PathChange, ...]:
    """Paths that differ between *base* and the work tree, renames detected, untracked included."""
    diff = _git(root, "diff", "--relative", "--name-status", "-M", "-z", base.commit, "--")
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
    changes = parse_name_status(diff.stdout) + tuple(
        PathChange("?", path) for path in untracked.stdout.split("\0") if path
    )
    if _git(root, "rev-parse", "--show-prefix").stdout.strip():
        # The root is a subdirectory: the top-level .github/ is outside --relative's view.
        top = _git(root, "diff", "--name-status", "-M", "-z", base.commit, "--", ":(top).github/")
        changes += parse_name_status(top.stdout)
    return changes


def parse_name_status(text: str) -> tuple[PathChange, ...]:
    """Parse ``git diff --name-status -z`` output (pure)."""
    words = text.split("\0")
    changes: list[PathChange] = []
    index = 0
    while index < len(words) and words[index]:
        status = words[index][:1]
        if status in {"R", "C"}:
            old, new = words[index + 1], words[index + 2]
            changes.append(PathChange(status, new, old))
            index += 3
        else:
            changes.append(PathChange(status, words[index + 1]))
            index += 2
    return tuple(changes)


def show_file(root: Path, commit: str, path: str) -> str | None:
    """The text of *path* (relative to *root*) at *commit*, or ``None`` when it did not exist."""
    exists = _git(root, "cat-file", "-e", f"{commit}:./{path}", check=False)
    if exists.returncode != 0:
        return None
    return _git(root, "show", f"{commit}:./{path}").stdout


def files_at(root: Path, commit: str, directory: str) -> tuple[str, ...]:
    """Files directly inside *directory* (relative to *root*) at *commit*."""
    listed = _git(root, "ls-tree", "--name-only", "-z", commit, "--", f"./{directory.rstrip('/')}/")
    return tuple(path for path in listed.stdout.split("\0") if path)
