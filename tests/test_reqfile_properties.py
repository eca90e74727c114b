"""The requirements parser reads every line as pip's own parser does (pip is the oracle).

Hypothesis builds lines from the tokens that make requirement lines tricky: several options on
one line, ``--opt=value`` and ``--opt value``, short options glued to their value, unambiguous
and ambiguous abbreviations, options taking the next word as their value even when it starts
with ``-``, stray arguments, ``--``, ``-e``/``-r``/``-c`` mixed with other options.  pip's line
parser (``pip._internal.req.req_file``, tests only) says what pip obeys; ``reqfile.parse`` must
agree, or both must refuse the line.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pip._internal.req.req_file import get_line_parser

from nox_support.core.errors import RequirementsFileError
from nox_support.lock import reqfile

_VALUES = ("https://idx.example/simple", "./wheels", "other.txt", "host.example", ":all:", "x=y", "-weird")
_WITH_VALUE = (
    "--index-url",
    "-i",
    "--extra-index-url",
    "--extra-index",
    "--find-links",
    "-f",
    "--trusted-host",
    "--requirement",
    "-r",
    "--constraint",
    "-c",
    "--editable",
    "-e",
    "--hash",
    "--all-releases",
    "--only-final",
    "--no-binary",
    "--only-binary",
)
_FLAGS = ("--no-index", "--pre", "--prefer-binary", "--require-hashes", "--no-require-hashes", "--prefer")
_BAD = ("--frobnicate", "--re", "--pre=1", "-x", "--index-url")  # the last: no value at the end of a line


@st.composite
def _option(draw: st.DrawFn, *, stray: bool = True) -> str:
    kind = draw(
        st.sampled_from(("value", "flag", "stray", "end", "bad") if stray else ("value", "flag", "bad"))
    )
    if kind == "flag":
        return draw(st.sampled_from(_FLAGS))
    if kind == "stray":
        return "stray-argument"
    if kind == "end":
        return "--"
    if kind == "bad":
        return draw(st.sampled_from(_BAD))
    option, value = draw(st.sampled_from(_WITH_VALUE)), draw(st.sampled_from(_VALUES))
    joint = (
        draw(st.sampled_from(("=", " ", ""))) if option.startswith("--") else draw(st.sampled_from((" ", "")))
    )
    return f"{option}{'=' if joint == '' and option.startswith('--') else joint}{value}"


# A line starting with anything else is a requirement line (the next test).
_lines = st.tuples(_option(stray=False), st.lists(_option(), max_size=4)).map(
    lambda parts: " ".join((parts[0], *parts[1]))
)
_requirement_lines = st.tuples(
    st.sampled_from(("alpha", "alpha>=1", "./libs/x", "alpha[extra]==1.0")),
    st.lists(_option(stray=False), max_size=3),
).map(lambda parts: " ".join((parts[0], *parts[1])))

# pip's destinations and our option names: "store" options keep the last value, "append" all.
_STORE = {"index_url": "--index-url"}
_APPEND = {
    "extra_index_urls": "--extra-index-url",
    "find_links": "--find-links",
    "trusted_hosts": "--trusted-host",
}
_TRUE = {
    "no_index": "--no-index",
    "pre": "--pre",
    "prefer_binary": "--prefer-binary",
    "require_hashes": "--require-hashes",
    "no_require_hashes": "--no-require-hashes",
}
_COMPARED = {*_STORE.values(), *_APPEND.values(), *_TRUE.values()}


def _pip(line: str) -> tuple[Any, ...] | None:
    """What pip obeys on *line* (``None``: pip refuses it)."""
    try:
        args, opts = get_line_parser(None)(line)
    except Exception:  # noqa: BLE001 - pip's OptionParsingError and optparse's errors alike
        return None
    if args:
        return ("requirement",)
    if opts.editables:
        return ("editable", opts.editables[0])
    if opts.requirements:
        return ("include", opts.requirements[0], False)
    if opts.constraints:
        return ("include", opts.constraints[0], True)
    return ("options", _pip_options(opts))


def _pip_options(opts: Any) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for dest, name in _STORE.items():
        if getattr(opts, dest) is not None:
            found[name] = (getattr(opts, dest),)
    for dest, name in _APPEND.items():
        if getattr(opts, dest):
            found[name] = tuple(getattr(opts, dest))
    for dest, name in _TRUE.items():
        if getattr(opts, dest, False):
            found[name] = ("",)
    return found


def _ours(line: str) -> tuple[Any, ...] | None:
    try:
        entries = reqfile.parse(line + "\n", path="x")
    except RequirementsFileError:
        return None
    match entries:
        case (reqfile.NamedRequirement() | reqfile.LocalPath(editable=False),):
            return ("requirement",)
        case (reqfile.LocalPath(editable=True, path=path),):
            return ("editable", path)
        case (reqfile.Option(name="--editable", value=value),):
            return ("editable", value)
        case (reqfile.Include(target=target, constraint=constraint),):
            return ("include", target, constraint)
    found: dict[str, tuple[str, ...]] = {}
    for entry in entries:
        assert isinstance(entry, reqfile.Option), entries
        if entry.name in _STORE.values():
            found[entry.name] = (entry.value,)
        elif entry.name in _APPEND.values():
            found[entry.name] = (*found.get(entry.name, ()), entry.value)
        elif entry.name in _TRUE.values():
            found[entry.name] = ("",)
        else:
            assert entry.name not in _COMPARED
    return ("options", found)


@settings(max_examples=400, deadline=None)
@given(_lines)
def test_a_line_of_options_is_read_as_pip_reads_it(line: str) -> None:
    assert _ours(line) == _pip(line), line


@settings(max_examples=200, deadline=None)
@given(_requirement_lines)
def test_a_requirement_line_is_a_requirement_for_both(line: str) -> None:
    pip, ours = _pip(line), _ours(line)
    # pip reads any options after a requirement as its per-requirement options and refuses the
    # others; nox-support accepts only --hash there: it may refuse more, never obey less.
    assert ours in {pip, None}, line


def test_two_options_on_one_line_are_both_read() -> None:
    entries = reqfile.parse("--prefer-binary --extra-index-url=http://evil.example/simple\n", path="x")
    assert entries == (
        reqfile.Option("--prefer-binary", "", 1, flag="--prefer-binary"),
        reqfile.Option("--extra-index-url", "http://evil.example/simple", 1, flag="--extra-index-url"),
    )


def test_an_option_taking_a_value_swallows_the_next_word_as_pip_does() -> None:
    # pip 26.3's --all-releases takes a value: the next word is that value, even "--index-url=...",
    # and pip then refuses a value starting with "-"; a word that is no option is the value.
    assert (
        _ours("--all-releases --index-url=http://e.example/") is _pip("--all-releases --index-url=x") is None
    )
    line = "--all-releases :all: --index-url=http://e.example/simple"
    assert _ours(line) == _pip(line) == ("options", {"--index-url": ("http://e.example/simple",)})
