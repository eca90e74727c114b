"""A bad ``[tool.nox_support.licenses]`` table: one error naming the entry and the fix."""

from __future__ import annotations

import datetime as dt

import pytest

from nox_support.core.errors import ConfigError
from nox_support.licenses.config import parse_license_settings

WHERE = "pyproject.toml [tool.nox_support.licenses]"
OURS = {"package": "acme-common", "reason": "our own library"}

BAD: dict[str, tuple[object, str]] = {
    "not a table": ("GPL-3.0-only", f"{WHERE} must be a table"),
    "exception not an array": (
        {"exception": OURS},
        f"{WHERE} exception must be an array of tables ([[...exception]])",
    ),
    "deny not a list": (
        {"deny": "GPL-3.0-only"},
        f'{WHERE} deny must be a list of SPDX identifiers\n  hint: for example deny = ["GPL-3.0-only"]',
    ),
    "exception entry not a table": ({"exception": ["acme-common"]}, f"{WHERE} exception[1] must be a table"),
    "services not a list": (
        {"exception": [OURS, {**OURS, "services": "api"}]},
        f"{WHERE} exception[2]: 'services' must be a list of service names",
    ),
    "licence not a string": (
        {"exception": [{**OURS, "license": 3}]},
        (
            f"{WHERE} exception[1]: license = 3 is not an SPDX expression\n"
            '  hint: for example license = "LicenseRef-Proprietary"'
        ),
    ),
    "licence not an expression": (
        {"exception": [{**OURS, "license": "Not A Licence((("}]},
        (
            f"{WHERE} exception[1]: license = 'Not A Licence(((' is not an SPDX expression\n"
            '  hint: for example license = "LicenseRef-Proprietary"'
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_licence_policy_is_one_error_naming_the_entry(case: str) -> None:
    table, message = BAD[case]
    with pytest.raises(ConfigError) as info:
        parse_license_settings(table)
    assert str(info.value) == message


def test_identifiers_are_normalised_once_and_expiry_may_be_a_toml_date_time() -> None:
    settings = parse_license_settings(
        {
            "allow": ["MIT", "mit", "Apache-2.0"],
            "exception": [{**OURS, "expires": dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.timezone.utc)}],
        }
    )
    assert settings.allow == ("MIT", "Apache-2.0")
    assert settings.exceptions[0].expires == dt.date(2026, 6, 30)
