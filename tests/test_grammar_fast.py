"""The lock grammar's fast path (lock/fastlock.py) against the line reader (lock/grammar.py).

The fast path may give up on any text, but whatever it accepts the line reader must accept,
with the same digest line, body digest and pins: checked on the committed sample locks, on
generated locks in many shapes, and on those locks with characters inserted, removed or
swapped (the kinds of edits that slip a line off the grammar).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nox_support.lock import digest, fastlock, grammar, lockfile
from nox_support.lock.model import LockAltered, LockOffGrammar, LockUnmarked, ParsedLock, TextProblem

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LOCKS = sorted(
    path
    for path in (ROOT / "services").glob("*/requirements*.txt")
    if not path.name.startswith("requirements.local")
)
HASH = "--hash=sha256:" + "0123456789abcdef" * 4


def _digest_line(body_lines: list[str]) -> str:
    body = digest.body_digest(body_lines)
    return (
        f"{digest.MARKER} sha256={'1' * 64} body={body} python=3.11 compiler=uv==0.13.* "
        "options=abcdefabcdef requirements.in=abcdefabcdef"
    )


def _same(text: str) -> ParsedLock | TextProblem:
    """Read *text* both ways, check they agree, and return the result."""
    fast = grammar.read_lock(text, "svc/requirements.txt")
    slow = grammar.read_lock_by_line(text, "svc/requirements.txt")
    assert fast == slow
    if isinstance(fast, ParsedLock):
        assert isinstance(slow, ParsedLock)
        assert fast.packages == slow.packages
    if fastlock.conforms(text):
        pins = grammar.read_pins(text)
        assert isinstance(pins, tuple), pins
        assert fastlock.pin_heads(text) == tuple((p.name, p.version) for p in pins)
        assert lockfile.pins_as_constraints(text, path="x") == "".join(
            f"{p.name}=={p.version}\n" for p in pins
        )
    else:
        assert fastlock.pin_heads(text) is None
    common = fastlock.read(text)
    if common is not None:
        split = digest.split(text)
        assert split is not None
        assert common.digest_line == split.line
        assert common.body_digest == digest.body_digest(split.body)
    return fast


@pytest.mark.parametrize("path", SAMPLE_LOCKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_sample_locks_take_the_fast_path_and_read_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert fastlock.read(text) is not None, "a lock nox-support wrote fell back to the line reader"
    assert isinstance(_same(text), ParsedLock)


def test_the_sample_locks_exist() -> None:
    assert len(SAMPLE_LOCKS) >= 4


# --- generated locks --------------------------------------------------------------------------


def _mostly(common: list[str], odd: list[str]) -> st.SearchStrategy[str]:
    """One of *common* eleven times in twelve, else one of *odd* (so many locks reach the fast path)."""
    return st.sampled_from(common * (11 * len(odd)) + odd * len(common))


_names = _mostly(["attrs", "Foo.Bar", "zope-interface", "a", "x_y", "pkg9"], ["-bad", "bad-", "a b"])
_versions = _mostly(["1.0", "2.3.4.post1", "1!2.0", "1.0+local", "0"], ["1.0 ", "", "1..0", "1.0;"])
_extras = _mostly(["", "", "[security]", "[a, b]", "[ x ]"], ["[]", "[a,,b]", "[a"])
_markers = _mostly(
    [
        "",
        'python_version < "3.12"',
        "sys_platform == 'win32' and python_version >= '3.10'",
        "extra == 'x' ",
    ],
    ["not a marker", " ", 'platform_release == "http://user:pw@host"', "os_name == '${TOKEN}'", "a;b"],
)
_space = _mostly([" ", "  ", "\t"], ["\xa0", "\x0c", ""])
_hash = _mostly(
    [HASH, "--hash=sha256:" + "f" * 64], [HASH.upper(), HASH[:-1], "--hash=md5:abc", "--hash sha256:0"]
)
_hash_end = _mostly([""], [" ", " \\", "\t"])
_via = _mostly(
    [
        "",
        "    # via -r requirements.in",
        "    # via\n    #   -r requirements.in\n    #   beta",
        "    # via beta",
        "    # via\n    #   -c ../../constraints/shared.txt (line 3)\n    #   gamma",
    ],
    [
        "    # via\n    #   viable",
        "    # via beta\n    #   gamma",
        "    # via\n\n    #   beta",
        "# column zero\n    #   ignored",
        "    # via x\n    # see file:///etc/passwd",
        "\t# via tabbed",
        "    # via é",
        "\n",
    ],
)


@st.composite
def _pins(draw: st.DrawFn) -> str:
    marker = draw(_markers)
    head = f"{draw(_names)}{draw(_extras)}=={draw(_versions)}" + (f" ; {marker}" if marker else "")
    hashes = draw(st.lists(_hash, min_size=1, max_size=3))
    if draw(_mostly(["hashed"], ["bare"])) == "bare":
        hashes = []
    lines = [f"{head}{draw(_space)}\\"] if hashes else [head]
    lines += [f"    {h} \\" for h in hashes[:-1]]
    if hashes:
        lines.append(f"    {hashes[-1]}{draw(_hash_end)}")
    via = draw(_via)
    return "\n".join(lines + ([via] if via else []))


@st.composite
def _locks(draw: st.DrawFn) -> str:
    header = draw(
        _mostly(
            ["", "#\n# This file is autogenerated by pip-compile\n#", "# uv pip compile\n#    nox -s lock"],
            ["   # indented", "x==1", "\n"],
        )
    )
    body = draw(st.lists(_pins(), max_size=6))
    between = draw(_mostly([""], ["# a note", f"{digest.MARKER} second", "    # trailing", "\n"]))
    if between and body:
        body.insert(draw(st.integers(min_value=0, max_value=len(body))), between)
    body_lines = "\n".join(body).split("\n") if body else []
    line = _digest_line(body_lines)
    if draw(_mostly(["matches"], ["altered"])) == "altered":
        line = _digest_line([*body_lines, "changed"])
    end = draw(_mostly(["\n"], ["\r\n", "\r"]))
    text = end.join([*([header] if header else []), line, *body_lines]).replace("\n", end)
    return text + draw(st.sampled_from(["", end, end * 2]))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_locks())
def test_generated_locks_read_the_same_both_ways(text: str) -> None:
    _same(text)


_EDITS = st.sampled_from([*"\n\r\t \\#;=[],-@:/${}\xa0\x0c\u2028aZ0f", "file://", "${X}", "https://u:p@h"])
_EDIT_LISTS = st.lists(
    st.tuples(st.integers(min_value=0), st.sampled_from(["insert", "delete", "replace"]), _EDITS),
    max_size=3,
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([path.read_text(encoding="utf-8") for path in SAMPLE_LOCKS]), _EDIT_LISTS)
def test_edited_sample_locks_read_the_same_both_ways(text: str, edits: list[tuple[int, str, str]]) -> None:
    for position, kind, piece in edits:
        at = position % (len(text) + 1)
        if kind == "insert":
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + piece + text[at + len(piece) :]
    _same(text)


# --- what the fast path must leave to the line reader -----------------------------------------


def _lock(*body: str) -> str:
    return "\n".join([_digest_line(list(body)), *body]) + "\n"


PIN = f"attrs==23.1.0 \\\n    {HASH}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_lock(*PIN.split("\n"), "--index-url https://example.org/simple"), LockOffGrammar),
        (_lock(*PIN.split("\n"), "    # via file:///home/me/pkg"), LockOffGrammar),
        (_lock(*PIN.split("\n"), "# token https://user:secret@example.org/x"), LockOffGrammar),
        (_lock("attrs==23.1.0 \\", f"    {HASH} \\"), LockOffGrammar),
        (_lock("attrs==23.1.0 ; not a marker \\", f"    {HASH}"), LockOffGrammar),
        (_lock(*PIN.split("\n"), f"{digest.MARKER} again"), LockOffGrammar),
        (_lock("attrs==23.1.0\xa0\\", f"    {HASH}"), ParsedLock),
        (_lock(*PIN.split("\n")).replace("\n", "\r\n"), ParsedLock),
        (_lock(*PIN.split("\n")).replace("23.1.0", "23.1.1"), LockAltered),
        ("x==1 \\\n    " + HASH + "\n" + _lock(*PIN.split("\n")), LockUnmarked),
        ("  \n" + _lock(*PIN.split("\n")), LockUnmarked),
    ],
    ids=[
        "option",
        "file-url-comment",
        "credential-comment",
        "continues-past-end",
        "bad-marker",
        "second-digest-line",
        "nbsp-before-backslash",
        "crlf",
        "altered",
        "pin-above-digest-line",
        "whitespace-line-above-digest-line",
    ],
)
def test_texts_the_fast_path_leaves_to_the_line_reader(text: str, expected: type) -> None:
    if expected is not LockAltered:
        assert fastlock.read(text) is None
    assert isinstance(_same(text), expected)


def test_a_lock_in_the_common_shape_is_read_line_by_line_only_when_its_pins_are_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    line_reader = grammar.read_pins

    def counting(text: str, *, compiler_output: bool = False) -> object:
        calls.append(text)
        return line_reader(text, compiler_output=compiler_output)

    monkeypatch.setattr(grammar, "read_pins", counting)
    text = _lock(*PIN.split("\n"), "    # via -r requirements.in")
    parsed = grammar.read_lock(text, "svc/requirements.txt")
    assert isinstance(parsed, ParsedLock)
    assert calls == []  # what a no-op freshness pays: one pass, no pins
    assert [(p.name, p.version, p.via) for p in parsed.packages] == [
        ("attrs", "23.1.0", ("-r requirements.in",))
    ]
    assert parsed.packages[0].hashes == (HASH.removeprefix("--hash="),)
    assert calls == [text]  # read once, then remembered
