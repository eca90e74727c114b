from __future__ import annotations

import pytest

from nox_support.core.errors import RequirementsFileError
from nox_support.lock import reqfile, reqoptions


def test_parses_every_kind_of_line() -> None:
    text = """\
# a comment
alpha>=1.0  # trailing comment
-r base.in
--requirement=other.in
-c ../../constraints.txt
--constraint more.txt
-e ../../libs/common
../../libs/shared
./vendored/pkg.whl
--index-url https://example.invalid/simple
beta==1.1 \\
    --hash=sha256:abc \\
    --hash=sha256:def
gamma @ https://example.invalid/gamma-1.0.tar.gz
"""
    entries = reqfile.parse(text, path="requirements.in")
    assert [i.target for i in reqfile.includes(entries)] == [
        "base.in",
        "other.in",
        "../../constraints.txt",
        "more.txt",
    ]
    assert [i.constraint for i in reqfile.includes(entries)] == [False, False, True, True]
    locals_ = reqfile.local_paths(entries)
    assert [(p.path, p.editable, p.line) for p in locals_] == [
        ("../../libs/common", True, 7),
        ("../../libs/shared", False, 8),
        ("./vendored/pkg.whl", False, 9),
    ]
    named = [e for e in entries if isinstance(e, reqfile.NamedRequirement)]
    assert [(n.name, n.pin, n.hashes, n.line) for n in named] == [
        ("alpha", None, (), 2),
        ("beta", "1.1", ("sha256:abc", "sha256:def"), 11),
        ("gamma", None, (), 14),
    ]
    assert named[2].url == "https://example.invalid/gamma-1.0.tar.gz"
    options = [e for e in entries if isinstance(e, reqfile.Option)]
    assert [(o.name, o.value) for o in options] == [("--index-url", "https://example.invalid/simple")]


def test_names_are_canonical() -> None:
    (entry,) = reqfile.parse("Typing_Extensions==4.6.0\n", path="x")
    assert isinstance(entry, reqfile.NamedRequirement)
    assert entry.name == "typing-extensions"
    assert entry.pin == "4.6.0"


def test_wildcard_and_ranges_are_not_pins() -> None:
    entries = reqfile.parse("alpha==1.*\nbeta>=1,<2\n", path="x")
    assert [e.pin for e in entries if isinstance(e, reqfile.NamedRequirement)] == [None, None]


def test_invalid_requirement_names_file_and_line() -> None:
    with pytest.raises(RequirementsFileError) as info:
        reqfile.parse("alpha\n\nbeta >= = 2\n", path="services/x/requirements.in")
    assert info.value.line == 3
    assert str(info.value).startswith("services/x/requirements.in:3: invalid requirement")
    assert info.value.hint


def test_include_without_file_is_an_error() -> None:
    with pytest.raises(RequirementsFileError, match=r"requirements.in:1: -r needs a file name"):
        reqfile.parse("-r\n", path="requirements.in")


def test_continuation_keeps_start_line() -> None:
    lines = reqfile.logical_lines("a\nb \\\n  c\n#x\nd\n")
    assert lines == [(1, "a"), (2, "b   c"), (5, "d")]


@pytest.mark.parametrize(
    ("line", "name", "pin"),
    [
        ("alpha", "alpha", None),
        ("Alpha_Beta.gamma", "alpha-beta-gamma", None),
        ("alpha==1.0", "alpha", "1.0"),
        ("alpha == 1.0.0", "alpha", "1.0.0"),
        ("alpha>=2", "alpha", None),
        ("alpha<3", "alpha", None),
        ("alpha!=1.2", "alpha", None),
        ("alpha<=0", "alpha", None),
        ("alpha>1.10", "alpha", None),
        ("a1==01.0", "a1", "01.0"),
        ("alpha==1.0.*", "alpha", None),  # a prefix match is not a pin
        ("alpha~=1.4", "alpha", None),
        ("alpha==1.0rc1", "alpha", "1.0rc1"),
        ("alpha[extra]==1.0", "alpha", "1.0"),
        ("alpha>=1,<2", "alpha", None),
        ("alpha==1.0; python_version < '3.12'", "alpha", "1.0"),
    ],
)
def test_fast_path_names_and_pins(line: str, name: str, pin: str | None) -> None:
    from packaging.requirements import Requirement  # noqa: PLC0415
    from packaging.utils import canonicalize_name  # noqa: PLC0415

    (entry,) = reqfile.parse(line + "\n", path="x")
    assert isinstance(entry, reqfile.NamedRequirement)
    assert (entry.name, entry.pin) == (name, pin)
    assert entry.name == canonicalize_name(Requirement(line).name)  # packaging agrees on the name


_TRICKY_LINES = (
    "alpha",
    "",
    "   ",
    "# comment",
    "  # indented comment \\",
    "beta==1.0 \\",
    "\\",
    "    --hash=sha256:abc \\",
    "gamma # trailing \\",
    "delta#not-a-comment",
    "\\epsilon\\",
    "\ufeff-r base.in",
)


def test_logical_lines_agree_with_pips_own_preprocessing() -> None:
    # pip's functions are the oracle: every sequence of up to four tricky lines.
    import itertools  # noqa: PLC0415

    from pip._internal.req.req_file import ignore_comments, join_lines  # noqa: PLC0415

    for size in range(1, 5):
        for lines in itertools.product(_TRICKY_LINES, repeat=size):
            text = "\n".join(lines)
            expected = list(
                ignore_comments(join_lines(enumerate(text.removeprefix("\ufeff").splitlines(), 1)))
            )
            assert reqfile.logical_lines(text) == expected, lines


def test_canonical_text_ignores_comments_whitespace_and_line_endings() -> None:
    plain = reqfile.canonical_text("alpha>=1\nbeta\n")
    assert plain == "alpha>=1\nbeta\n"
    assert reqfile.canonical_text("\ufeff# top\r\n  alpha>=1   # why\r\n\r\nbeta \\\n\n") == plain
    assert reqfile.canonical_text("alpha>=1\nbeta\ngamma\n") != plain


@pytest.mark.parametrize(
    ("flag", "full"),
    [
        ("-r", "--requirement"),
        ("--requirement", "--requirement"),
        ("--requirem", "--requirement"),
        ("--constr", "--constraint"),
        ("--ind", "--index-url"),
        ("--pypi-url", "--pypi-url"),
        ("--ex", "--extra-index-url"),
        ("--re", None),
        ("--e", None),
        ("--frobnicate", None),
        ("-x", None),
    ],
)
def test_options_are_named_as_optparse_names_them(flag: str, full: str | None) -> None:
    assert reqoptions.canonical_option(flag) == full


def test_every_option_prefix_is_read_as_pips_parser_reads_it() -> None:
    import optparse  # noqa: PLC0415

    from pip._internal.req.req_file import build_parser  # noqa: PLC0415

    parser = build_parser()
    pips = {o for option in parser.option_list for o in option._long_opts}
    # The table spans pip releases: every option of the installed pip is in it ...
    assert pips <= set(reqoptions.PIP_LONG_OPTIONS), pips - set(reqoptions.PIP_LONG_OPTIONS)
    for option in reqoptions.PIP_LONG_OPTIONS:
        for end in range(3, len(option) + 1):
            prefix = option[:end]
            try:
                expected: str | None = parser._match_long_opt(prefix)
            except optparse.BadOptionError:
                expected = None
            ours = reqoptions.canonical_option(prefix)
            # ... and a prefix is never read as another option than this pip reads it: the same
            # option, or refused (ambiguous or unknown here), or one this pip does not have.
            assert ours in {expected, None} or ours not in pips, prefix
