"""What :func:`nox_support.lock.pylock.parse` says about a hand-edited or foreign ``pylock.toml``.

Pure: one text each, the exact phrases and the lines they name. The refusals an attacker aims
at (indexes, VCS, directories, credentials, file:// URLs) are in tests/hostile/test_pylock_hostile.py;
here are the shapes a person or another tool can get wrong.
"""

from __future__ import annotations

import pytest

from nox_support.lock import pylock

SHA = "c" * 64
URL = "https://files.example.org/packages/alpha-1.0-py3-none-any.whl"
HEADER = 'lock-version = "1.0"\ncreated-by = "uv"\n'
WHEEL = f'{{ url = "{URL}", hashes = {{ sha256 = "{SHA}" }} }}'


def package(name: str = "alpha", body: str = f"wheels = [{WHEEL}]\n", version: str = '"1.0"') -> str:
    return f'\n[[packages]]\nname = "{name}"\nversion = {version}\n{body}'


def problems(text: str) -> list[tuple[str, int]]:
    parsed = pylock.parse(text)
    return list(zip(parsed.problems, parsed.lines, strict=True))


def test_a_well_formed_lock_has_no_problem_and_keeps_markers_apart() -> None:
    text = HEADER + package(body=f"marker = \"sys_platform == 'linux'\"\nwheels = [{WHEEL}]\n")
    text += package(body=f"marker = \"sys_platform == 'darwin'\"\nwheels = [{WHEEL}]\n")
    parsed = pylock.parse(text)
    assert parsed.problems == ()
    assert [(p.name, p.marker, p.line) for p in parsed.lock.packages] == [
        ("alpha", "sys_platform == 'linux'", 4),
        ("alpha", "sys_platform == 'darwin'", 10),
    ]


def test_text_that_is_not_toml_names_the_line_toml_stopped_at() -> None:
    ((problem, line),) = problems(HEADER + "[[packages]]\nname = alpha\n")
    assert problem.startswith("is not valid TOML: ")
    assert line == 4


def test_the_top_level_keys_are_checked_and_named_on_their_line() -> None:
    text = 'lock-version = "2.0"\nrequires-python = 3\npackages = "alpha"\ntool = 1\n'
    assert problems(text) == [
        ("lock-version is '2.0', not \"1.0\"", 1),
        ("created-by is missing or not a string", 1),  # no line defines it
        ("requires-python is not a string", 2),
        ("tool is not a table", 4),
        ("packages is not an array of tables", 3),
    ]


def test_our_tool_table_holds_only_its_inputs_line() -> None:
    text = HEADER + package() + '\n[tool.nox-support]\ninputs = "x"\nextra = 1\n'
    assert problems(text) == [("[tool.nox-support] holds more than its inputs line", 9)]
    text = HEADER + package() + '\n[tool]\nnox-support = "not a table"\n'
    assert problems(text) == [("[tool.nox-support] holds more than its inputs line", 1)]


def test_a_package_locked_twice_without_markers_is_named_on_the_second_header() -> None:
    assert problems(HEADER + package() + package(name="Alpha")) == [("Alpha is locked twice", 9)]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (package(name="-alpha"), "packages[0] (-alpha) is not a valid package name"),
        (package(version='"one"'), "packages[0] (alpha) is not pinned to a version"),
        (package(version="1"), "packages[0] (alpha) is not pinned to a version"),
        (
            package(body=f'marker = "python_version >>> 3"\nwheels = [{WHEEL}]\n'),
            "packages[0] (alpha) has an invalid marker",
        ),
        (
            package(body=f"requires-python = 3\nwheels = [{WHEEL}]\n"),
            "packages[0] (alpha) requires-python is not a string",
        ),
        (package(body=""), "packages[0] (alpha) has no wheel and no sdist with a hash"),
        (package(body='wheels = ["alpha.whl"]\n'), "packages[0] (alpha) wheels[0] is not a table"),
        (
            package(body=f'sdist = {{ hashes = {{ sha256 = "{SHA}" }} }}\n'),
            "packages[0] (alpha) sdist has no url",
        ),
        (
            package(body=f'wheels = [{{ url = "{URL}", name = 1, hashes = {{ sha256 = "{SHA}" }} }}]\n'),
            "packages[0] (alpha) wheels[0] name is not a str",
        ),
        (
            package(body=f'wheels = [{{ url = "{URL}", size = "5", hashes = {{ sha256 = "{SHA}" }} }}]\n'),
            "packages[0] (alpha) wheels[0] size is not a int",
        ),
        (
            package(
                body=f'wheels = [{{ url = "{URL}", upload-time = "x", hashes = {{ sha256 = "{SHA}" }} }}]\n'
            ),
            "packages[0] (alpha) wheels[0] upload-time is not a date-time",
        ),
        (
            package(body=f'wheels = [{{ url = "https:///a.whl", hashes = {{ sha256 = "{SHA}" }} }}]\n'),
            "packages[0] (alpha) wheels[0] url 'https:///a.whl' is not an http(s) URL",
        ),
        (
            package(body=f'wheels = [{{ url = "{URL}#top", hashes = {{ sha256 = "{SHA}" }} }}]\n'),
            "packages[0] (alpha) wheels[0] url has a fragment",
        ),
    ],
    ids=[
        "name",
        "version-word",
        "version-not-a-string",
        "marker",
        "requires-python",
        "no-file",
        "wheel-string",
        "no-url",
        "file-name-type",
        "size-type",
        "upload-time",
        "no-host",
        "fragment",
    ],
)
def test_each_broken_package_field_is_one_phrase_on_the_package_header(entry: str, expected: str) -> None:
    assert problems(HEADER + entry) == [(expected, 4)]


def test_wheels_written_as_one_table_are_not_an_array_and_leave_no_file() -> None:
    assert problems(HEADER + package(body=f"wheels = {WHEEL}\n")) == [
        ("packages[0] (alpha) wheels is not an array", 4),
        ("packages[0] (alpha) has no wheel and no sdist with a hash", 4),
    ]


def test_a_package_that_is_no_table_or_has_no_name_says_so() -> None:
    assert problems(HEADER + "packages = [1]\n") == [
        ("packages are not all written as [[packages]] tables, one header each", 3),
        ("packages[0] is not a table", 1),
    ]
    assert problems(HEADER + '\n[[packages]]\nversion = "1.0"\n') == [("packages[0] has no name", 4)]
