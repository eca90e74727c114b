"""::error annotations for failed tests, from pytest's JUnit reports."""

from __future__ import annotations

import pytest

from nox_support.ci.annotations import FailedTest, JunitError, annotation, failed_tests

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" tests="3">
<testcase classname="tests.test_api" name="test_ok" time="0.001"/>
<testcase classname="tests.test_api" name="test_beta" time="0.001">
<failure message="assert 1 == 2">def test_beta():
&gt;       assert 1 == 2
E       assert 1 == 2

tests/test_api.py:7: AssertionError</failure></testcase>
<testcase classname="tests.sub.test_db.TestDb" name="test_x[a,b::c]" time="0.001">
<error message="fixture 'db' not found%0A::warning::injected">tests/sub/test_db.py:3: error</error></testcase>
</testsuite></testsuites>
"""


def test_each_failed_test_is_located_in_its_file() -> None:
    assert failed_tests(REPORT, "services/api", source="api.xml") == (
        FailedTest("services/api/tests/test_api.py", 7, "tests.test_api::test_beta", "assert 1 == 2"),
        FailedTest(
            "services/api/tests/sub/test_db.py",
            3,
            "tests.sub.test_db.TestDb::test_x[a,b::c]",
            "fixture 'db' not found%0A::warning::injected",
        ),
    )


def test_annotations_escape_what_would_start_another_command() -> None:
    first, second = failed_tests(REPORT, "services/api", source="api.xml")
    assert annotation(first) == (
        "::error file=services/api/tests/test_api.py,line=7,"
        "title=test failed%3A tests.test_api%3A%3Atest_beta::assert 1 == 2"
    )
    assert annotation(second) == (
        "::error file=services/api/tests/sub/test_db.py,line=3,"
        "title=test failed%3A tests.sub.test_db.TestDb%3A%3Atest_x[a%2Cb%3A%3Ac]"
        "::fixture 'db' not found%250A::warning::injected"
    )
    multi = FailedTest("f.py", None, "t", "line one\nline two\r")
    assert annotation(multi) == "::error file=f.py,title=test failed%3A t::line one%0Aline two%0D"


def test_a_report_that_is_not_xml_is_a_clear_error() -> None:
    with pytest.raises(JunitError) as caught:
        failed_tests("not xml", "services/api", source="reports/tests/api.xml")
    assert caught.value.message.startswith("reports/tests/api.xml: not a JUnit report: ")


def test_classnames_from_the_repository_root_are_not_prefixed_twice() -> None:
    report = REPORT.replace('classname="tests.test_api"', 'classname="services.api.tests.test_api"')
    (first, _) = failed_tests(report, "services/api", source="api.xml")
    assert first.file == "services/api/tests/test_api.py"
    assert first.line == 7


def test_terminal_colours_do_not_hide_the_line() -> None:
    report = REPORT.replace("tests/test_api.py:7:", "#x1B[1m#x1B[31mtests/test_api.py#x1B[0m:7:")
    (first, _) = failed_tests(report, "services/api", source="api.xml")
    assert first.line == 7
