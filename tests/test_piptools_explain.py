"""pip-compile's failure output in a few lines: many conflicts counted, Python-skipped versions named."""

from __future__ import annotations

from nox_support.lock.compile.piptools import conflict_cause


def _requirement(number: int) -> str:
    link = (
        f"https://files.example/app{number}-1.0-py3-none-any.whl (from https://pypi.org/simple/app{number}/)"
    )
    requirement = f"SpecifierRequirement('lib{number}<1')"
    return f"RequirementInformation(requirement={requirement}, parent=LinkCandidate('{link}'))"


def test_more_than_ten_conflicts_show_ten_and_count_the_rest() -> None:
    output = (
        "pip._vendor.resolvelib.resolvers.ResolutionImpossible: ["
        + ", ".join(_requirement(n) for n in range(12))
        + "]\nERROR: Cannot install -r requirements.in (line 9) and -r requirements.in (line 2) "
        "because these package versions have conflicting dependencies.\n"
    )
    lines = conflict_cause(output, lambda _: ["alpha", "beta>=2  # pinned"]).splitlines()
    # Line 2 is shown as written; line 9 does not exist (the file changed): its location only.
    assert lines[0] == (
        "  Cannot install requirements.in line 9 and 'beta>=2' (requirements.in line 2) because these "
        "package versions have conflicting dependencies."
    )
    assert lines[1:3] == ["  requirements in conflict:", "    lib0<1 (required by app0 1.0)"]
    assert lines[11:] == ["    lib9<1 (required by app9 1.0)", "    ... and 2 more"]


def test_no_matching_version_without_an_error_line_is_still_named() -> None:
    assert (
        conflict_cause("  No matching distribution found for alpha==9.9\n")
        == "  no version matches: alpha==9.9"
    )


def test_a_pin_skipped_for_its_python_says_so_and_counts_the_others() -> None:
    output = (
        "ERROR: Ignored the following versions that require a different python version: "
        "2.0 Requires-Python >=3.12; 2.1 Requires-Python >=3.12; 2.2 Requires-Python >=3.13\n"
        "ERROR: No matching distribution found for alpha==2.1\n"
    )
    assert conflict_cause(output).splitlines() == [
        "  No matching distribution found for alpha==2.1",
        "  alpha 2.1 requires Python >=3.12 (and 2 other versions require another Python too)",
    ]
