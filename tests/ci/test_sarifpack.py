"""Code scanning uploads: at most 20 runs per file, unique categories, removed services closed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nox_support.ci.code_scanning import MAX_SARIF_BYTES, read_source
from nox_support.ci.sarifpack import SarifPackError, SarifSource, pack, sarif_log
from nox_support.core.errors import ConfigError
from tests.ci.helpers import command_here


def audit_log(*services: str) -> dict[str, object]:
    runs = [{"automationDetails": {"id": f"nox-support-audit/{name}/"}, "results": []} for name in services]
    log: dict[str, object] = json.loads(sarif_log(runs))
    return log


def test_300_audited_and_25_removed_services_make_17_uploads_of_at_most_20_runs() -> None:
    sources = [
        SarifSource(f"audit-shard-{k}/audit.sarif", audit_log(*(f"s{k:02}-{i}" for i in range(20))))
        for k in range(15)
    ]
    files = pack(sources, [f"gone{i:02}" for i in range(25)])
    assert [len(file.categories) for file in files] == [20] * 16 + [5]
    assert [file.name for file in files][:2] == ["code-scanning-1.sarif", "code-scanning-2.sarif"]
    every = [c for file in files for c in file.categories]
    assert len(every) == len(set(every)) == 325
    assert "nox-support-audit/gone24/" in every
    for file in files:
        log = json.loads(file.text)
        assert log["version"] == "2.1.0"
        assert [run["automationDetails"]["id"] for run in log["runs"]] == list(file.categories)


def test_a_category_in_two_files_is_an_error_never_a_silent_pick() -> None:
    sources = [SarifSource("a/audit.sarif", audit_log("api")), SarifSource("b/audit.sarif", audit_log("api"))]
    with pytest.raises(SarifPackError) as caught:
        pack(sources, [])
    assert caught.value.message == (
        "code scanning category nox-support-audit/api/ is in both a/audit.sarif and b/audit.sarif"
    )


def test_a_removed_service_that_was_audited_keeps_its_audit() -> None:
    (file,) = pack([SarifSource("a", audit_log("api"))], ["api"])
    assert json.loads(file.text)["runs"][0]["results"] == []
    assert "properties" not in json.loads(file.text)["runs"][0]


def test_nothing_to_upload_makes_no_file() -> None:
    assert pack([], []) == ()


@pytest.mark.parametrize(
    ("log", "message"),
    [
        ([], "x is not a SARIF log (no list of runs)"),
        ({"runs": [1]}, "x is not a SARIF log (no list of runs)"),
        ({"runs": [{"results": []}]}, "x: a run has no category (automationDetails.id)"),
    ],
)
def test_what_is_not_an_audit_log_is_named(log: object, message: str) -> None:
    with pytest.raises(SarifPackError) as caught:
        pack([SarifSource("x", log)], [])
    assert caught.value.message == message


def test_removed_names_are_service_names() -> None:
    with pytest.raises(ConfigError, match=r"not service names: '\.\./x'"):
        pack([], ["../x"])


def test_unreadable_inputs_are_named(tmp_path: Path) -> None:
    (tmp_path / "bad.sarif").write_text("{", encoding="utf-8")
    with pytest.raises(SarifPackError, match=r"bad.sarif is not JSON"):
        read_source(tmp_path / "bad.sarif")
    with pytest.raises(SarifPackError, match=r"cannot read .*missing.sarif"):
        read_source(tmp_path / "missing.sarif")


def test_an_input_too_large_or_not_text_is_named(tmp_path: Path) -> None:
    large = tmp_path / "large.sarif"
    large.write_bytes(b" " * (MAX_SARIF_BYTES + 1))
    with pytest.raises(SarifPackError) as caught:
        read_source(large)
    assert str(caught.value) == (
        f"{large} is larger than 10 MB\n  hint: code scanning would refuse it; check the audit job's artifact"
    )
    (tmp_path / "binary.sarif").write_bytes(b"\xff\xfe{}")
    with pytest.raises(SarifPackError, match=r"binary.sarif is not JSON"):
        read_source(tmp_path / "binary.sarif")


def test_command_writes_the_files_and_the_upload_matrix(tmp_path: Path) -> None:
    """The command in this process; the workflow tests run it as the code-scanning-files job does."""
    audit = tmp_path / "artifacts/audit-shard-1/audit.sarif"
    audit.parent.mkdir(parents=True)
    audit.write_text(json.dumps(audit_log(*(f"s{i:02}" for i in range(15)))), encoding="utf-8")
    out = tmp_path / "code-scanning"
    out.mkdir()
    (out / "code-scanning-9.sarif").write_text("stale", encoding="utf-8")
    output = tmp_path / "github-output"
    result = command_here(
        tmp_path,
        "code-scanning-files",
        "--output-dir",
        str(out),
        "--removed",
        "gone1 gone2 gone3 gone4 gone5 gone6",
        "--github-output",
        str(output),
        str(audit),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "code-scanning-1.sarif: 20 runs\ncode-scanning-2.sarif: 1 runs\n"
    assert sorted(p.name for p in out.iterdir()) == ["code-scanning-1.sarif", "code-scanning-2.sarif"]
    lines = output.read_text().splitlines()
    assert lines == [
        (
            'sarif_matrix={"include":[{"file":"code-scanning-1.sarif","runs":20},'
            '{"file":"code-scanning-2.sarif","runs":1}]}'
        ),
        "sarif_count=2",
    ]
