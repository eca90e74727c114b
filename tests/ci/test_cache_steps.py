"""``nox-support cache-entries`` and ``cache-saves`` in process, on a small monorepo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nox_support.__main__ import EXIT_ERROR, main
from nox_support.ci.venvcache import CACHE_SLOTS
from nox_support.venv import record
from nox_support.venv.stamp import STAMP_NAME
from tests.ci.gha import parse_github_output
from tests.repos import monorepo, write

STAMP = (
    '{"format": 2, "locks": [], "interpreter": "p", "python_version": "3", "local_fingerprint": "",'
    ' "installer": "pip", "contents": [], "packages": [], "local_packages": [], "records": [],'
    ' "unlisted": [], "pin_hashes": []}'
)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = monorepo(tmp_path / "repo", {"orders": "alpha\n", "billing": "beta\n"})
    for name in ("orders", "billing"):
        write(repo / "services" / name / "requirements.txt", f"{name}==1.0\n")
    monkeypatch.chdir(repo)
    return repo


def entries(root: Path, *sessions: str) -> dict[str, str]:
    output = root.parent / "entries-output"
    code = main(
        [
            "cache-entries",
            "--venv-prefix",
            "nox-audit-Linux-",
            "--verdict-prefix",
            "nox-verdicts-Linux-",
            "--period",
            "20261201",
            "--nox-root",
            "sub",
            "--keep",
            str(root.parent / "kept.json"),
            "--github-output",
            str(output),
            *sessions,
        ]
    )
    assert code == 0
    return parse_github_output(output.read_text(encoding="utf-8"))


def saves(root: Path, restored: dict[str, object]) -> dict[str, str]:
    record_file = root.parent / "restored.json"
    record_file.write_text(json.dumps(restored), encoding="utf-8")
    output = root.parent / "saves-output"
    output.unlink(missing_ok=True)
    code = main(
        [
            "cache-saves",
            "--keep",
            str(root.parent / "kept.json"),
            "--restored-venvs",
            str(record_file),
            "--restored-verdicts",
            str(root.parent / "never-written.json"),
            "--github-output",
            str(output),
        ]
    )
    assert code == 0
    return parse_github_output(output.read_text(encoding="utf-8"))


def test_entries_then_saves(root: Path) -> None:
    outputs = entries(root, "audit(billing)", "audit(orders)")
    venvs = json.loads(outputs["venvs"])
    assert [v["path"] for v in venvs] == ["sub/.nox/audit-billing", "sub/.nox/audit-orders"]
    assert all(v["key"].startswith("nox-audit-Linux-audit-") for v in venvs)
    assert [v["save"] for v in venvs] == [False, False]
    verdicts = json.loads(outputs["verdicts"])
    assert [v["key"].rsplit("/", 1)[1] for v in verdicts] == ["20261201", "20261201"]
    assert outputs["uncached"] == ""
    # Nothing synced yet: nothing to save.
    assert [v["save"] for v in json.loads(saves(root, {})["venvs"])] == [False, False]
    # orders synced here (stamp and marker); billing's exact key was restored.
    for name in ("billing", "orders"):
        venv = root / ".nox" / f"audit-{name}"
        venv.mkdir(parents=True)
        (venv / STAMP_NAME).write_text(STAMP, encoding="utf-8")
        record.mark_verified(venv, venv / STAMP_NAME)
    flagged = saves(root, {"slot-0": {"outputs": {"cache-hit": "true"}}})
    assert [v["save"] for v in json.loads(flagged["venvs"])] == [False, True]
    assert [v["save"] for v in json.loads(flagged["verdicts"])] == [True, True]
    assert flagged["saves"] == "3"
    # A lock changed since the entries were named: never saved under the old digest.
    write(root / "services/orders/requirements.txt", "orders==2.0\n")
    changed = saves(root, {"slot-0": {"outputs": {"cache-hit": "true"}}})
    assert [v["save"] for v in json.loads(changed["venvs"])] == [False, False]


def test_an_unknown_session_is_one_clear_error(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = root.parent / "out"
    keep = root.parent / "kept.json"
    code = main(
        [
            "cache-entries",
            "--venv-prefix",
            "p-",
            "--keep",
            str(keep),
            "--github-output",
            str(output),
            "audit(x)",
        ]
    )
    assert code == EXIT_ERROR
    err = capsys.readouterr().err
    assert "Nox does not list the session(s) audit(x)" in err
    assert "Traceback" not in err


def test_saves_without_the_kept_entries_is_one_clear_error(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = root.parent / "missing.json"
    code = main(
        ["cache-saves", "--keep", str(missing), "--restored-venvs", str(missing), "--github-output", "out"]
    )
    assert code == EXIT_ERROR
    assert "cannot read the job's cache entries" in capsys.readouterr().err


def test_sessions_beyond_the_slots_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [f"s{i:02}" for i in range(CACHE_SLOTS + 1)]
    repo = monorepo(tmp_path / "repo", dict.fromkeys(names, "alpha\n"))
    monkeypatch.chdir(repo)
    outputs = entries(repo, *(f"audit({name})" for name in names))
    assert len(json.loads(outputs["venvs"])) == CACHE_SLOTS
    assert outputs["uncached"] == f"audit({names[-1]})"
    out = capsys.readouterr().out
    assert f"::notice title=venvs not cached::more than {CACHE_SLOTS} sessions in this job: audit(s20)" in out
