"""``reports/index.html`` in a real browser: headless Chromium renders it, from disk, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.project import Project
from nox_support.report.session import run_report
from tests.fakes import RecordingSession
from tests.report import scenes
from tests.report.browser import Cell, dump_dom, parse_dom, read_png, render_ms, screenshot

pytestmark = pytest.mark.browser

WHITE = (255, 255, 255)


def write_page(root: Path) -> Path:
    session = RecordingSession()
    run_report(session.as_nox(), Project.load(root))
    return root / "reports" / "index.html"


@pytest.fixture(scope="module")
def sample_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_page(scenes.sample(tmp_path_factory.mktemp("sample")))


@pytest.fixture(scope="module")
def sample_dom(sample_page: Path) -> str:
    return dump_dom(sample_page)


def texts(rows: list[list[Cell]]) -> list[list[str]]:
    return [[cell.text for cell in row] for row in rows]


def test_the_sample_page_shows_every_service_with_what_its_reports_say(sample_dom: str) -> None:
    dom = parse_dom(sample_dom)
    services = dom.tables["services"]
    assert texts(services) == [
        ["service", "locks", "audit", "licences", "tests"],
        ["notifications", "fresh", "missing", "missing", "missing"],
        ["orders", "fresh (2 locks)", "vulnerable (1 vulnerable)", "compliant", "11 passed, 1 skipped"],
        ["payments", "fresh", "clean", "1 violations", "missing"],
    ]
    assert services[0][0].cls == "sorted-asc"  # sorted by name until a heading is clicked
    assert [cell.cls for cell in services[2][1:]] == ["good", "bad", "good", "good"]
    assert [cell.cls for cell in services[1][2:]] == ["missing", "missing", "missing"]  # never "good"


def test_the_sample_page_marks_the_vulnerable_version_in_the_drift_view(sample_dom: str) -> None:
    dom = parse_dom(sample_dom)
    heading, *rows = dom.tables["drift"]
    assert [cell.text for cell in heading] == ["package", "versions", "notifications", "orders", "payments"]
    (pydantic,) = rows
    assert pydantic[0].text == "pydantic"
    assert pydantic[1].text == "2"
    assert pydantic[2].text == ""  # notifications does not lock pydantic
    assert pydantic[3].text.startswith("1.")
    assert pydantic[3].text.endswith("⚠")
    assert "vuln" in pydantic[3].cls.split()
    assert pydantic[4].text.startswith("2.")
    assert "vuln" not in pydantic[4].cls.split()


def test_the_sample_page_lists_each_finding_with_aliases_fixes_and_services(sample_dom: str) -> None:
    dom = parse_dom(sample_dom)
    _, finding = dom.tables["findings"]
    assert finding[0].text == "GHSA-mr82-8j83-vxmv CVE-2024-3772"
    assert finding[1].text == "pydantic"
    assert finding[3].text == "1.10.13, 2.4.0"
    assert finding[4].text == "1: orders"
    assert finding[6].text == "Regular expression denial of service in email validation"


def test_the_page_loads_nothing_from_anywhere(sample_page: Path, sample_dom: str) -> None:
    dom = parse_dom(sample_dom)
    fetching = [(tag, attrs) for tag, attrs in dom.tags if {"src", "href", "srcset", "action"} & set(attrs)]
    assert fetching == []
    assert [tag for tag, _ in dom.tags if tag in {"link", "iframe", "img", "object", "embed"}] == []
    assert "http" not in sample_page.read_text(encoding="utf-8").replace("http-equiv", "")


def test_the_sample_page_screenshot_is_not_blank(sample_page: Path, tmp_path: Path) -> None:
    image = read_png(screenshot(sample_page, tmp_path / "page.png", width=1024, height=768))
    assert (image.width, image.height) == (1024, 768)
    assert image.colours() > 50  # text, green, red and grey cells, not one flat colour
    assert image.share_unlike(WHITE) > 0.05


def test_300_services_by_100_packages_render_every_row(tmp_path: Path) -> None:
    page = write_page(scenes.generated(tmp_path, 300, 100))
    dom_text = dump_dom(page)
    render_ms(dom_text)  # the script ran to its end (the figure itself: benchmarks/report_page.py)
    dom = parse_dom(dom_text)
    assert len(dom.tables["services"]) == 1 + 300
    drift = dom.tables["drift"]
    assert len(drift) == 1 + 100
    assert {len(row) for row in drift} == {2 + 300}
    vulnerable = [cell for row in drift for cell in row if "vuln" in cell.cls.split()]
    assert len(vulnerable) == 30  # pkg-0 in every tenth service
    failing_tests = [row[4].text for row in dom.tables["services"][1:] if row[4].cls == "bad"]
    assert failing_tests == ["1 failed of 20"] * 43  # every seventh of 300
