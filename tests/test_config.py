from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.config import (
    ServiceOverride,
    Settings,
    load_settings,
    normalize_python_version,
    parse_settings,
)
from nox_support.core.errors import ConfigError
from tests.repos import write


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == Settings()


def test_full_table() -> None:
    settings = parse_settings(
        {
            "service_globs": ["services/*", "apps/*"],
            "constraints": ["constraints.txt"],
            "compiler": "uv",
            "compile_args": ["--pre"],
            "python": "3.12",
            "services": {"orders": {"python": "3.10", "tests": "../tests/unit"}},
            "service_names": "path",
            "tests": "test",
            "audit": {"anything": "is for the audit subsystem"},
        }
    )
    assert settings.service_globs == ("services/*", "apps/*")
    assert settings.compiler == "uv"
    assert settings.python == "3.12"
    assert settings.services == {"orders": ServiceOverride(python="3.10", tests="../tests/unit")}
    assert settings.service_names == "path"
    assert settings.tests == "test"


def test_layout_defaults() -> None:
    settings = parse_settings({})
    assert settings.service_names == "directory"
    assert settings.tests == "tests"


def test_unknown_key_suggests_the_right_one() -> None:
    with pytest.raises(ConfigError, match="unknown key 'constraint'") as info:
        parse_settings({"constraint": ["x"]})
    assert info.value.hint == "did you mean 'constraints'?"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"compiler": "poetry"}, "compiler = 'poetry' is not supported"),
        ({"service_globs": "services/*"}, "service_globs must be a list of strings"),
        ({"constraints": [1]}, "constraints must contain only strings"),
        ({"python": "three"}, "python = 'three' is not a Python version"),
        ({"services": {"a": {"pyhton": "3.11"}}}, "unknown key 'pyhton'"),
        ({"service_names": "leaf"}, "service_names = 'leaf' is not supported"),
        ({"tests": ""}, "tests = '' is not a path"),
        ({"tests": ["tests"]}, r"tests = \['tests'\] is not a path"),
        ({"tests": "/srv/tests"}, "tests = '/srv/tests' is not a relative path"),
        (
            {"services": {"a": {"tests": "..\\tests"}}},
            r"\[tool.nox_support.services.a\] tests = '..\\\\tests'",
        ),
        ({"service_globs": ["../elsewhere/*"]}, "'../elsewhere/\\*' leads outside the repository"),
        ({"service_globs": [""]}, "an empty glob matches nothing"),
    ],
)
def test_invalid_values(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_settings(table)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.nox_support\n")
    with pytest.raises(ConfigError, match=r"pyproject\.toml: invalid TOML"):
        load_settings(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3.11", "3.11"), ("3.11.7\n", "3.11"), ("cpython-3.12.1", "3.12"), ("py3.10", "3.10"), ("pypy", None)],
)
def test_python_version_normalization(text: str, expected: str | None) -> None:
    assert normalize_python_version(text) == expected
