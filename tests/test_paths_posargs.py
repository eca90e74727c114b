"""How paths are shown to users, and how ``nox -s NAME -- ...`` arguments are parsed."""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.core.errors import ConfigError
from nox_support.core.paths import display_path
from nox_support.core.posargs import PosargsParser


def test_a_path_inside_the_base_is_shown_relative(tmp_path: Path) -> None:
    assert display_path(tmp_path / "services" / "api" / "requirements.txt", tmp_path) == (
        "services/api/requirements.txt"
    )
    assert display_path(tmp_path, tmp_path) == "."


def test_a_path_outside_the_base_is_shown_whole(tmp_path: Path) -> None:
    outside = tmp_path.parent / "elsewhere" / "x.in"
    assert display_path(outside, tmp_path / "repo") == outside.as_posix()


def test_a_symlinked_base_still_gives_the_relative_name(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "services").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    # The path came through the link, the base did not (or the other way round): resolved, it is inside.
    assert display_path(link / "services" / "x.txt", real) == "services/x.txt"
    assert display_path(real / "services" / "x.txt", link) == "services/x.txt"


def test_posargs_parse_like_argparse() -> None:
    parser = PosargsParser("audit", usage_hint="accepted: --refresh")
    parser.add_argument("--refresh", action="store_true")
    assert parser.parse_args(["--refresh"]).refresh is True
    assert parser.parse_args([]).refresh is False
    assert parser.parse_args(["--ref"]).refresh is True  # abbreviations by default


def test_a_bad_argument_is_a_config_error_not_an_exit() -> None:
    parser = PosargsParser("audit", usage_hint="accepted: --refresh")
    parser.add_argument("--refresh", action="store_true")
    with pytest.raises(ConfigError) as info:
        parser.parse_args(["--refrsh"])
    assert str(info.value) == ("nox -s audit: unrecognized arguments: --refrsh\n  hint: accepted: --refresh")


def test_abbreviations_can_be_refused() -> None:
    parser = PosargsParser("lock", usage_hint="accepted: --upgrade", allow_abbrev=False)
    parser.add_argument("--upgrade", action="store_true")
    with pytest.raises(
        ConfigError, match=r"^nox -s lock: unrecognized arguments: --up\n  hint: accepted: --upgrade$"
    ):
        parser.parse_args(["--up"])
