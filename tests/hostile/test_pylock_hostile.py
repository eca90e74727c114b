"""Hostile PEP 751 locks: each is re-stamped (its body digest recomputed), so only the grammar stops it.

A committed ``pylock.toml`` is read against what nox-support writes; every entry below would
install something else, from somewhere else, or leak a machine detail, while its digest matches.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nox_support.errors import LockValidationError
from nox_support.lock import digest, lockfile, lockformat, pylock, pylock_layer

SHA = "c" * 64
URL = "https://files.example.org/packages/alpha-1.0-py3-none-any.whl"
HEADER = 'lock-version = "1.0"\ncreated-by = "uv"\nrequires-python = ">=3.11"\n'
WHEEL = f'{{ url = "{URL}", hashes = {{ sha256 = "{SHA}" }} }}'
GOOD_PACKAGE = f'[[packages]]\nname = "alpha"\nversion = "1.0"\nwheels = [{WHEEL}]\n'
CREDENTIAL = "packages[0] (alpha) wheels[0] url holds a credential (a user part, a query or a ${VARIABLE})"
SHOWN = "services/api/pylock.toml"
INPUTS = digest.compute(
    digest.Inputs((digest.InputFile("requirements.in", b"alpha\n"),), "3.11", "uv==0.13.9", ())
)


def _stamped(body: str) -> str:
    """*body* with a correct ``[tool.nox-support]`` table, as an attacker can recompute it."""
    return pylock.with_tool_table(HEADER + "\n" + body, INPUTS, compiled_by="uv==0.13.9")


def _refused(body: str) -> tuple[str, ...]:
    """The problems of a re-stamped lock; it must still be refused before anything installs."""
    text = _stamped(body)
    state = lockformat.inspect(text)
    assert isinstance(state, lockfile.LockIntact)  # the digest matches: only the grammar can refuse
    with pytest.raises(LockValidationError) as caught:
        lockformat.converted(text, path="services/api/pylock.toml", service="api")
    assert caught.value.message.startswith("refusing services/api/pylock.toml: ")
    assert caught.value.hint == 'nothing was installed from it; regenerate it with nox -s "lock(api)"'
    return state.problems


def test_the_good_lock_is_accepted() -> None:
    state = lockformat.inspect(_stamped(GOOD_PACKAGE))
    assert isinstance(state, lockfile.LockIntact)
    assert state.problems == ()


def test_an_unknown_key_is_refused() -> None:
    body = GOOD_PACKAGE + 'extras-hook = "post-install"\n'
    assert _refused(body) == (
        "packages[0] (alpha) has the key 'extras-hook', which nox-support never writes",
    )


def test_an_extra_index_like_key_is_refused() -> None:
    body = GOOD_PACKAGE + 'index = "https://evil.example/simple"\n'
    assert _refused(body) == ("packages[0] (alpha) has the key 'index', which nox-support never writes",)


def test_a_vcs_entry_is_refused() -> None:
    body = (
        '[[packages]]\nname = "alpha"\nversion = "1.0"\n'
        'vcs = { type = "git", url = "https://evil.example/alpha.git", commit-id = "0123456789abcdef" }\n'
    )
    assert _refused(body) == (
        "packages[0] (alpha) has the key 'vcs', which nox-support never writes",
        "packages[0] (alpha) has no wheel and no sdist with a hash",
    )


def test_a_directory_entry_is_refused() -> None:
    body = '[[packages]]\nname = "alpha"\nversion = "1.0"\n'
    body += 'directory = { path = "/opt/src/alpha", editable = true }\n'
    assert _refused(body) == (
        "packages[0] (alpha) has the key 'directory', which nox-support never writes",
        "packages[0] (alpha) has no wheel and no sdist with a hash",
    )


def test_an_archive_with_a_path_is_refused() -> None:
    body = GOOD_PACKAGE + f'archive = {{ path = "/tmp/alpha.tar.gz", hashes = {{ sha256 = "{SHA}" }} }}\n'
    assert _refused(body) == ("packages[0] (alpha) has the key 'archive', which nox-support never writes",)


def test_a_wheel_path_instead_of_a_url_is_refused() -> None:
    body = GOOD_PACKAGE.replace(f'url = "{URL}"', 'path = "/opt/wheels/alpha-1.0-py3-none-any.whl"')
    assert _refused(body) == (
        "packages[0] (alpha) wheels[0] has the key 'path', which nox-support never writes",
        "packages[0] (alpha) wheels[0] has no url",
    )


def test_a_file_url_of_this_machine_is_refused() -> None:
    body = GOOD_PACKAGE.replace(URL, "file:///opt/wheels/alpha-1.0-py3-none-any.whl")
    expected = (
        "packages[0] (alpha) wheels[0] url is a file:// URL of this machine "
        "(file:///opt/wheels/alpha-1.0-py3-none-any.whl): a pylock records where each file lives, "
        "so it would install nowhere else"
    )
    assert _refused(body) == (expected,)


def test_a_credential_in_a_url_is_refused_and_never_shown() -> None:
    body = GOOD_PACKAGE.replace("https://files.example.org", "https://deploy:s3cr3t@files.example.org")
    problems = _refused(body)
    assert problems == (CREDENTIAL,)
    assert "s3cr3t" not in " ".join(problems)


def test_a_token_in_a_query_is_refused() -> None:
    body = GOOD_PACKAGE.replace(URL, URL + "?token=abc")
    assert _refused(body) == (CREDENTIAL,)


def test_a_second_hash_algorithm_or_a_short_hash_is_refused() -> None:
    body = GOOD_PACKAGE.replace(f'sha256 = "{SHA}"', f'sha256 = "{SHA}", md5 = "00"')
    assert _refused(body) == ("packages[0] (alpha) wheels[0] hashes must hold exactly one sha256",)


def test_another_tools_table_or_a_key_in_ours_is_refused() -> None:
    other = _stamped(GOOD_PACKAGE + '\n[tool.other]\nindex-url = "https://evil.example/simple"\n')
    problems = pylock.parse(other).problems
    assert problems == ("has the table [tool.other] (only [tool.nox-support] is written)",)
    ours = _stamped(GOOD_PACKAGE).replace('\ninputs = "', '\nindex-url = "https://evil.example"\ninputs = "')
    assert pylock.parse(ours).problems == ("[tool.nox-support] holds more than its inputs line",)


def test_an_unpinned_package_is_refused() -> None:
    body = GOOD_PACKAGE.replace('version = "1.0"\n', "")
    assert _refused(body) == ("packages[0] (alpha) is not pinned to a version",)


def test_a_lock_from_a_local_find_links_directory_is_never_written() -> None:
    # What uv writes with a find-links directory of this machine (the machine's pip config has one).
    written = HEADER + "\n" + GOOD_PACKAGE.replace(URL, "file:///opt/wheels/alpha-1.0-py3-none-any.whl")
    with pytest.raises(LockValidationError) as caught:
        pylock_layer.finish(written, INPUTS, compiled_by="uv==0.13.9", path=SHOWN, forbidden=())
    assert caught.value.message.startswith("refusing to write services/api/pylock.toml: packages[0] (alpha)")
    assert "no find-links directory or file:// index of this machine" in (caught.value.hint or "")


def test_a_machine_path_anywhere_is_never_written(tmp_path: Path) -> None:
    written = HEADER + f"# compiled in {tmp_path}\n\n" + GOOD_PACKAGE
    with pytest.raises(LockValidationError, match="contains the machine path"):
        pylock_layer.finish(
            written,
            INPUTS,
            compiled_by="uv==0.13.9",
            path="services/api/pylock.toml",
            forbidden=(str(tmp_path),),
        )


def test_a_hand_edited_version_on_disk_is_altered(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    lock.write_text(
        _stamped(GOOD_PACKAGE).replace('"alpha"\nversion = "1.0"', '"alpha"\nversion = "0.9"'),
        encoding="utf-8",
    )
    state = lockformat.read_state(lock, shown="services/api/pylock.toml")
    assert isinstance(state, lockfile.LockAltered)
    assert lockfile.describe_state(state) == (
        "was edited after nox-support wrote it (its lines no longer match the body digest)"
    )


def test_a_requirements_digest_line_on_top_does_not_make_a_pylock_a_requirements_lock(tmp_path: Path) -> None:
    text = _stamped(GOOD_PACKAGE + 'index = "https://evil.example/simple"\n')
    body = text.split("\n[tool.nox-support]")[0]
    line = INPUTS.line(body=digest.body_digest(body.splitlines()), compiled_by="uv==0.13.9")
    lock = tmp_path / "pylock.toml"
    lock.write_text(f"{line}\n{text}", encoding="utf-8")
    state = lockformat.read_state(lock, shown=SHOWN)
    # Read as a pylock file (the added line is outside its body digest), never as a requirements lock.
    assert isinstance(state, lockfile.LockAltered)
    assert state.problems == ("packages[0] (alpha) has the key 'index', which nox-support never writes",)
