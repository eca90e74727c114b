"""Attacks on ``reports/index.html``: markup and script in advisory text, package names and notes.

An OSV record, a package's metadata or a planted report file can carry HTML.  On the page it
must stay text: no element is created from it, no script of it runs, and the JSON the page's
script reads cannot be closed by a ``</script>`` inside it.  Checked in headless Chromium on the
DOM the page leaves behind (the strongest evidence: what the browser actually built).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nox_support.audit.scanners.interface import Vulnerability
from nox_support.project import Project
from nox_support.report.page import script_json
from nox_support.report.session import run_report
from tests.fakes import RecordingSession
from tests.report import scenes
from tests.report.browser import dump_dom, parse_dom, render_ms
from tests.repos import write

MARK = "document.documentElement.setAttribute('data-pwned', '{}')"
IMG = f'<img src=x onerror="{MARK.format("img")}">'
CLOSE = f"</script><script>{MARK.format('script')}</script>"
COMMENT = f"<!--<script>{MARK.format('comment')}</script>-->"
HOSTILE_SUMMARY = f"{IMG} {CLOSE} {COMMENT} & done"
HOSTILE_ID = f"GHSA-{IMG}"
HOSTILE_ALIAS = f"CVE-{CLOSE}"
HOSTILE_PACKAGE = "pydantic<b>bold</b>"
HOSTILE_NOTE = f'orders: unreadable report <svg onload="{MARK.format("svg")}"> {CLOSE}'


def hostile_repo(root: Path) -> Path:
    scenes.sample(root)
    scenes.audit(
        root,
        "payments",
        (
            Vulnerability(
                "pydantic", "2.0", HOSTILE_ID, (HOSTILE_ALIAS,), (CLOSE,), "pip-audit", HOSTILE_SUMMARY
            ),
        ),
    )
    drift_path = root / "reports" / "drift.json"
    drift = json.loads(drift_path.read_text(encoding="utf-8"))
    drift["packages"][0]["name"] = HOSTILE_PACKAGE
    drift["notes"] = [HOSTILE_NOTE]
    write(drift_path, json.dumps(drift))
    return root


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = hostile_repo(tmp_path_factory.mktemp("hostile"))
    run_report(RecordingSession().as_nox(), Project.load(root))
    return root / "reports" / "index.html"


def test_the_json_for_the_script_cannot_close_its_element() -> None:
    text = script_json({"summary": HOSTILE_SUMMARY})
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert json.loads(text) == {"summary": HOSTILE_SUMMARY}


def test_hostile_text_leaves_exactly_the_pages_own_scripts(hostile_page: Path) -> None:
    html = hostile_page.read_text(encoding="utf-8")
    assert html.count("<script") == 2
    assert html.count("</script>") == 2
    assert "<img" not in html
    assert "<svg" not in html
    assert "<b>" not in html


@pytest.mark.browser
def test_hostile_text_creates_no_element_and_runs_no_script_in_the_browser(hostile_page: Path) -> None:
    dom_text = dump_dom(hostile_page)
    render_ms(dom_text)  # the page's own script ran to its end despite the data
    dom = parse_dom(dom_text)
    assert [attrs for tag, attrs in dom.tags if "data-pwned" in attrs] == []  # no hostile script ran
    tags = [tag for tag, _ in dom.tags]
    assert [t for t in tags if t in {"img", "svg", "b", "iframe", "object"}] == []
    assert tags.count("script") == 2
    findings = {row[0].text: row for row in dom.tables["findings"][1:]}
    payments = findings[f"{HOSTILE_ID} {HOSTILE_ALIAS}"]  # shown as text, whole
    assert payments[3].text == CLOSE
    assert payments[6].text == HOSTILE_SUMMARY
    drift_packages = [row[0].text for row in dom.tables["drift"][1:]]
    assert drift_packages == [HOSTILE_PACKAGE]
    assert " ".join(HOSTILE_NOTE.split()) in " ".join(
        dom_text.replace("&lt;", "<").replace("&gt;", ">").split()
    )
