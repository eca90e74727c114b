"""Locking with a fake compiler (fast) and with real pip-compile over a local wheel index."""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.core.errors import ConfigError, LockValidationError, ResolutionError
from nox_support.lock.compile.interface import KeepPins, UpgradeAll, UpgradePackages
from nox_support.lock.compile.piptools import PipToolsCompiler
from nox_support.lock.orchestrate import Fresh, LockArgs, Written, lock_service, parse_lock_args
from nox_support.project import Project
from tests.fakes import FakeCompiler
from tests.repos import local_package, monorepo, write

KEEP = LockArgs(upgrade=KeepPins(), force=False)


def _project(root: Path, compiler: object | None = None) -> Project:
    project = Project.load(root)
    if compiler is not None:
        project = Project(project.root, project.settings, project.services, compiler)  # type: ignore[arg-type]
    return project


def _lock(project: Project, name: str, args: LockArgs = KEEP) -> tuple[Fresh | Written, ...]:
    return lock_service(project, project.service(name), args)


def test_parse_lock_args() -> None:
    assert parse_lock_args([]) == LockArgs(KeepPins(), force=False)
    assert parse_lock_args(["--force"]) == LockArgs(KeepPins(), force=True)
    assert parse_lock_args(["--upgrade"]) == LockArgs(UpgradeAll(), force=True)
    assert parse_lock_args(["-P", "alpha", "--upgrade-package", "beta"]) == LockArgs(
        UpgradePackages(("alpha", "beta")), force=True
    )
    with pytest.raises(ConfigError, match="unrecognized arguments: --upgrad"):
        parse_lock_args(["--upgrad"])


def test_skips_when_inputs_are_unchanged(tmp_path: Path) -> None:
    fake = FakeCompiler()
    project = _project(monorepo(tmp_path, {"api": "alpha\n"}), fake)

    first = _lock(project, "api")
    second = _lock(project, "api")

    assert [type(o) for o in first] == [Written]
    assert [type(o) for o in second] == [Fresh]
    assert len(fake.calls) == 1
    lock = (tmp_path / "services/api/requirements.txt").read_text()
    assert '#    nox -s "lock(api)"' in lock
    assert "# nox-support-inputs: sha256=" in lock


def test_force_and_input_changes_recompile(tmp_path: Path) -> None:
    fake = FakeCompiler()
    project = _project(monorepo(tmp_path, {"api": "alpha\n"}), fake)
    _lock(project, "api")
    (outcome,) = _lock(project, "api", LockArgs(KeepPins(), force=True))
    assert outcome == Written(project.service("api").main, changed=False)
    write(tmp_path / "services/api/requirements.in", "alpha>=1\n")
    (outcome,) = _lock(project, "api")
    assert isinstance(outcome, Written)
    assert outcome.changed
    assert len(fake.calls) == 3


def test_an_intact_lock_seeds_the_compiler(tmp_path: Path) -> None:
    fake = FakeCompiler()
    project = _project(monorepo(tmp_path, {"api": "alpha\n"}), fake)
    _lock(project, "api")
    committed = (tmp_path / "services/api/requirements.txt").read_text()
    write(tmp_path / "services/api/requirements.in", "alpha>=1\n")
    _lock(project, "api")
    # The compiler saw the committed pins as its output file, so it can prefer them.
    assert fake.seeds == ["", committed]
    assert fake.calls[1].output.startswith(".nox-support-requirements.txt.")
    assert fake.calls[1].reuse_hashes


def test_a_lock_not_written_by_nox_support_offers_only_its_pins(tmp_path: Path) -> None:
    fake = FakeCompiler()
    project = _project(monorepo(tmp_path, {"api": "alpha\n"}), fake)
    write(tmp_path / "services/api/requirements.txt", "alpha==0.9 --hash=sha256:x\n")
    (outcome,) = _lock(project, "api")
    # Its pins are preferred, but neither its hashes nor anything else it says.
    assert fake.seeds == ["alpha==0.9\n"]
    assert not fake.calls[0].reuse_hashes
    assert outcome == Written(
        project.service("api").main,
        changed=True,
        note="has no nox-support inputs line (written by hand or by another tool): "
        "recompiled preferring its pins only; hashes recomputed",
    )


def test_invalid_output_keeps_the_old_lock(tmp_path: Path) -> None:
    project = _project(monorepo(tmp_path, {"api": "alpha\n"}), FakeCompiler(body="alpha>=1\n"))
    old = write(tmp_path / "services/api/requirements.txt", "old lock\n").read_bytes()
    with pytest.raises(LockValidationError, match="a requirement not pinned with ==: 'alpha>=1'"):
        _lock(project, "api")
    assert (tmp_path / "services/api/requirements.txt").read_bytes() == old
    assert sorted(p.name for p in (tmp_path / "services/api").iterdir()) == [
        "requirements.in",
        "requirements.txt",
    ]


def test_options_the_compiler_copies_from_the_inputs_are_not_written(tmp_path: Path) -> None:
    # A lock carries no option (its grammar); --only-binary and --pre shaped the resolution only.
    body = "--only-binary :all:\n--pre\n" + FakeCompiler().body
    project = _project(
        monorepo(tmp_path, {"api": "--only-binary :all:\n--pre\nalpha\n"}), FakeCompiler(body=body)
    )
    _lock(project, "api")
    text = (tmp_path / "services/api/requirements.txt").read_text()
    assert "--only-binary" not in text
    assert "--pre" not in text
    assert _lock(project, "api") == (Fresh(project.service("api").main),)


# --- real pip-compile, offline ------------------------------------------------------------------


def _real(root: Path) -> Project:
    project = Project.load(root)
    assert isinstance(project.compiler, PipToolsCompiler)
    return project


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_real_lock_is_pinned_hashed_deterministic_and_portable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The machine-level pip settings this repository warns about: they must not leak into the lock.
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", f"file://{tmp_path}/mirror/simple")
    (tmp_path / "mirror/simple").mkdir(parents=True)
    root = monorepo(
        tmp_path / "repo",
        {"api": "beta\n../../libs/common\n"},
        pyproject='[tool.nox_support]\nconstraints = ["constraints.txt"]\n',
    )
    write(root / "constraints.txt", "alpha<2\n")
    local_package(root / "libs/common", "common", requires=("gamma",))
    project = _real(root)

    (outcome,) = _lock(project, "api")
    lock = root / "services/api/requirements.txt"
    first = lock.read_bytes()
    text = first.decode()

    assert isinstance(outcome, Written)
    assert "alpha==1.1 \\\n    --hash=sha256:" in text
    assert "beta==1.1 \\\n    --hash=sha256:" in text
    assert "gamma==1.0 \\\n    --hash=sha256:" in text
    # The local package is kept out of the hash-checked lock, next to it (see test_local_packages.py).
    assert "libs/common\n" not in text
    assert "\n../../libs/common\n" in (root / "services/api/requirements.local.txt").read_text()
    for leak in (str(tmp_path), "file://", "--find-links", "--extra-index-url", "--index-url"):
        assert leak not in text
    assert '#    nox -s "lock(api)"' in text
    assert "# This file is autogenerated by pip-compile with Python" in text

    (again,) = _lock(project, "api", LockArgs(KeepPins(), force=True))
    assert again == Written(project.service("api").main, changed=False)
    assert lock.read_bytes() == first


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_real_upgrade_package_moves_only_that_pin(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "alpha\nbeta\n"})
    write(
        root / "services/api/requirements.txt",
        "alpha==1.0\nbeta==1.0\n",
    )
    project = _real(root)
    _lock(project, "api")  # prefers the existing pins
    text = (root / "services/api/requirements.txt").read_text()
    assert "alpha==1.0 " in text
    assert "beta==1.0 " in text

    _lock(project, "api", parse_lock_args(["--upgrade-package", "beta"]))
    text = (root / "services/api/requirements.txt").read_text()
    assert "alpha==1.0 " in text
    assert "beta==1.1 " in text

    _lock(project, "api", parse_lock_args(["--upgrade"]))
    assert "alpha==2.0 " in (root / "services/api/requirements.txt").read_text()


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_real_conflict_keeps_old_lock_and_names_the_requirements(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "alpha\n"})
    project = _real(root)
    _lock(project, "api")
    lock = root / "services/api/requirements.txt"
    before = lock.read_bytes()
    write(root / "services/api/requirements.in", "gamma\ndelta\n")  # alpha<2 vs alpha>=2

    with pytest.raises(ResolutionError) as info:
        _lock(project, "api")

    message = str(info.value)
    assert message.startswith("service api: cannot resolve requirements.in for Python 3.")
    assert "Cannot install 'gamma' (requirements.in line 1) and 'delta' (requirements.in line 2)" in message
    assert (
        "  requirements in conflict:\n    alpha<2 (required by gamma 1.0)\n"
        "    alpha>=2 (required by delta 1.0)" in message
    )
    assert str(tmp_path) not in message
    assert "Traceback" not in message
    assert "the existing lock was left untouched" in message
    assert lock.read_bytes() == before
    assert sorted(p.name for p in lock.parent.iterdir()) == ["requirements.in", "requirements.txt"]


@pytest.mark.slow
@pytest.mark.usefixtures("offline_index")
def test_real_layer_is_constrained_by_the_main_lock(tmp_path: Path) -> None:
    root = monorepo(tmp_path, {"api": "gamma\n../../libs/common\n"})
    local_package(root / "libs/common", "common")
    write(root / "services/api/requirements-dev.in", "alpha\npytest-stub\n")
    project = _real(root)

    main, dev = _lock(project, "api")

    assert isinstance(main, Written)
    assert isinstance(dev, Written)
    dev_text = (root / "services/api/requirements-dev.txt").read_text()
    assert "alpha==1.1 " in dev_text  # held below 2 by gamma through the main lock
    assert "-c requirements.txt" in dev_text
    assert ".nox-support-" not in dev_text
    assert sorted(p.name for p in (root / "services/api").iterdir()) == [
        "requirements-dev.in",
        "requirements-dev.txt",
        "requirements.in",
        "requirements.local.txt",
        "requirements.txt",
    ]
    assert [type(o) for o in _lock(project, "api")] == [Fresh, Fresh]
    # The layer's digest covers the main lock: re-locking main with new pins makes dev stale,
    # though requirements-dev.in did not change.
    dev_in = (root / "services/api/requirements-dev.in").read_bytes()
    dev_before = (root / "services/api/requirements-dev.txt").read_text()
    write(root / "services/api/requirements.in", "gamma\nbeta\n../../libs/common\n")
    main, dev = _lock(project, "api")
    assert (root / "services/api/requirements-dev.in").read_bytes() == dev_in
    assert isinstance(main, Written)
    assert main.changed
    assert "beta==1.1 " in (root / "services/api/requirements.txt").read_text()
    assert isinstance(dev, Written)
    assert (root / "services/api/requirements-dev.txt").read_text() != dev_before  # a new digest line


def test_a_new_target_python_does_not_prefer_the_old_pins(tmp_path: Path) -> None:
    fake = FakeCompiler()
    root = monorepo(tmp_path, {"api": "alpha\n"})
    write(root / "services/api/.python-version", "3.11\n")
    _lock(_project(root, fake), "api")
    write(root / "services/api/.python-version", "3.9\n")
    project = _project(root, fake)
    (outcome,) = _lock(project, "api")
    assert fake.seeds == ["", ""]
    assert outcome == Written(
        project.service("api").main,
        changed=True,
        note="targets Python 3.9 instead of 3.11: recompiled without its old pins, "
        "which may not support Python 3.9",
    )
