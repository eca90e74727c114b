"""GitHub ``::error`` annotations for failed tests, read from pytest's JUnit reports (pure).

Each failed or erroring test case becomes one annotation on its test file
(``classname`` ``tests.test_api`` of service ``services/api``, or
``services.api.tests.test_api`` when pytest's rootdir is the repository root, is
``services/api/tests/test_api.py``), at the line pytest reported when the
failure text names one.  Text is escaped as GitHub's workflow commands require,
so a test name or message cannot start another command.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from nox_support.core.errors import NoxSupportError


class JunitError(NoxSupportError):
    """A JUnit report cannot be read."""


@dataclass(frozen=True)
class FailedTest:
    """One test that failed or errored."""

    file: str
    """Relative to the repository root."""
    line: int | None
    title: str
    message: str


_COLOR = re.compile(r"(?:\x1b|#x1B)\[[0-9;]*m")
"""Terminal colours (pytest keeps them under FORCE_COLOR; the XML writer spells ESC ``#x1B``)."""
_LOCATION = re.compile(r"^(?P<file>[^\s:]+\.py):(?P<line>\d+): ", re.MULTILINE)


def failed_tests(xml_text: str, service_dir: str, *, source: str) -> tuple[FailedTest, ...]:
    """Failed and erroring test cases of one report, located in *service_dir*."""
    try:
        root = ET.fromstring(xml_text)  # noqa: S314 - written by pytest in the tests session
    except ET.ParseError as exc:
        msg = f"{source}: not a JUnit report: {exc}"
        raise JunitError(msg, hint="the tests session writes reports/tests/<service>.xml") from exc
    found = []
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            continue
        module = (case.get("classname") or "").split(".")
        relative = "/".join(part for part in module if part and not part[:1].isupper())
        # pytest names modules from its rootdir: the service directory or the repository root.
        inside = relative.startswith(f"{service_dir}/") or service_dir == "."
        file = f"{relative}.py" if inside else f"{service_dir}/{relative}.py"
        text = _COLOR.sub("", problem.text or "")
        lines = [int(m["line"]) for m in _LOCATION.finditer(text) if file.endswith(m["file"])]
        found.append(
            FailedTest(
                file=file,
                line=lines[-1] if lines else None,
                title=f"{case.get('classname', '')}::{case.get('name', '')}".lstrip(":"),
                message=problem.get("message") or _last_line(text) or "failed",
            )
        )
    return tuple(found)


def annotation(test: FailedTest) -> str:
    """The ``::error`` workflow command for *test*."""
    where = f"file={_property(test.file)}"
    if test.line is not None:
        where += f",line={test.line}"
    return f"::error {where},title={_property('test failed: ' + test.title)}::{_data(test.message)}"


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
