"""``reports/index.html`` in a real browser: headless Chromium renders it, from disk, offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nox_support.project import Project
from nox_support.report.session import run_report
from tests.fakes import RecordingSession
from tests.report import scenes
from tests.report.browser import Cell, dump_dom, parse_dom, read_png, render_ms, screenshot, text_of

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
        ["reports", "fresh (2 locks)", "missing", "missing", "missing"],
    ]
    assert services[0][0].cls == "sorted-asc"  # sorted by name until a heading is clicked
    assert [cell.cls for cell in services[2][1:]] == ["good", "bad", "good", "good"]
    assert [cell.cls for cell in services[1][2:]] == ["missing", "missing", "missing"]  # never "good"


def test_the_sample_page_marks_the_vulnerable_version_in_the_drift_view(sample_dom: str) -> None:
    dom = parse_dom(sample_dom)
    heading, *rows = dom.tables["drift"]
    assert [cell.text for cell in heading] == [
        "package",
        "versions",
        "notifications",
        "orders",
        "payments",
        "reports",
    ]
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


@pytest.fixture(scope="module")
def large_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_page(scenes.generated(tmp_path_factory.mktemp("large"), 300, 100))


def test_300_services_by_100_packages_render_every_service_and_the_matrix_in_view(large_page: Path) -> None:
    dom_text = dump_dom(large_page)
    render_ms(dom_text)  # the script ran to its end (the figure itself: benchmarks/report_page.py)
    dom = parse_dom(dom_text)
    services = dom.tables["services"][1:]
    assert [row[0].text for row in services] == [f"svc-{s:03d}" for s in range(300)]
    failing_tests = [row[4].text for row in services if row[4].cls == "bad"]
    assert failing_tests == ["1 failed of 20"] * 43  # every seventh of 300
    assert text_of(dom_text, "drift-count") == "100 of 100 packages, 300 of 300 locks"
    heading, first, *_ = dom.tables["drift"]
    # Only the cells in view are in the DOM (30,000 would take seconds to lay out); a spacer
    # stands for the columns to the right.
    assert [cell.text for cell in heading[:4]] == ["package", "versions", "svc-000", "svc-001"]
    assert heading[-1].cls == "spacer"
    assert [(cell.text, cell.cls) for cell in first[:4]] == [
        ("pkg-0", "name"),
        ("3", "count"),
        ("1.0.0 ⚠", "v v2 vuln"),  # svc-000's audit found pkg-0 1.0.0 vulnerable
        ("1.1.0", "v v1"),
    ]


def test_filters_from_the_address_narrow_services_the_matrix_and_findings(large_page: Path) -> None:
    dom_text = dump_dom(large_page, "#service=svc-29&problems=1")
    dom = parse_dom(dom_text)
    assert [row[0].text for row in dom.tables["services"][1:]] == ["svc-290", "svc-294"]  # with a problem
    heading, pkg0 = dom.tables["drift"]  # only the package with a vulnerable version
    assert [cell.text for cell in heading] == ["package", "versions", *(f"svc-{s}" for s in range(290, 300))]
    assert [cell.text for cell in pkg0[2:4]] == ["1.2.0 ⚠", "1.0.0"]
    assert text_of(dom_text, "drift-count") == "1 of 100 packages, 10 of 300 locks"
    _, finding = dom.tables["findings"]
    assert finding[4].text.startswith("30: svc-000, svc-010, ")


def test_scrolling_the_matrix_draws_the_rows_and_columns_then_in_view(
    large_page: Path, tmp_path: Path
) -> None:
    # A copy of the page with one more script that scrolls the matrix (the policy, which would
    # block that script, is left out of the copy only).
    html = re.sub(
        r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", large_page.read_text(encoding="utf-8")
    )
    scroll = (
        "<script>const box = document.getElementById('drift').parentNode;"
        "box.scrollLeft = 8800; box.scrollTop = 1200; box.dispatchEvent(new Event('scroll'));</script>"
    )
    copy = tmp_path / "scrolled.html"
    copy.write_text(html.replace("</body>", f"{scroll}</body>"), encoding="utf-8")
    heading, top_spacer, first, *_, bottom_spacer = parse_dom(dump_dom(copy)).tables["drift"]
    # 8800 px right: columns from svc-099 (4 more drawn on either side); 1200 px down: rows from
    # the 50th (packages sort by name: pkg-0, pkg-1, pkg-10 ... so the 46th is pkg-50).
    assert [cell.text for cell in heading[:4]] == ["package", "versions", "", "svc-095"]
    assert [heading[2].cls, heading[-1].cls] == ["spacer", "spacer"]
    assert [cell.text for cell in top_spacer] == [""]
    assert [cell.text for cell in first[:5]] == ["pkg-50", "3", "", "1.1.0", "1.2.0"]  # (95 + 50) % 3
    assert [cell.text for cell in bottom_spacer] == [""]
