"""Hostile PEP 751 locks: each is re-stamped (its body digest recomputed), so only the grammar stops it.

A committed ``pylock.toml`` is read against what nox-support writes; every entry below would
install something else, from somewhere else, or leak a machine detail, while its digest matches.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from nox_support.core.errors import LockValidationError, RequirementsFileError
from nox_support.lock import digest, freshness, lockfile, lockformat, pylock, pylock_layer, services
from nox_support.lock.model import LockAltered, LockedPackage, LockOffGrammar, OffGrammar, ParsedLock
from nox_support.project import Project
from nox_support.venv import sync
from nox_support.venv.values import VenvError
from tests.repos import monorepo

if TYPE_CHECKING:
    from nox_support.discovery import Service

SHA = "c" * 64
URL = "https://files.example.org/packages/alpha-1.0-py3-none-any.whl"
HEADER = 'lock-version = "1.0"\ncreated-by = "uv"\nrequires-python = ">=3.11"\n'
WHEEL = f'{{ url = "{URL}", hashes = {{ sha256 = "{SHA}" }} }}'
GOOD_PACKAGE = f'[[packages]]\nname = "alpha"\nversion = "1.0"\nwheels = [{WHEEL}]\n'
PACKAGE_LINE = 5
"""The line of the first ``[[packages]]`` header of a stamped lock (below HEADER and a blank line)."""
CREDENTIAL = "packages[0] (alpha) wheels[0] url holds a credential (a user part, a query or a ${VARIABLE})"
SHOWN = "services/api/pylock.toml"
PYPROJECT = '[tool.nox_support]\ncompiler = "uv"\nlock_format = "pylock"\n'
INPUTS = digest.compute(
    digest.Inputs((digest.InputFile("requirements.in", b"alpha\n"),), "3.11", "uv==0.13.9", ())
)


@pytest.fixture
def api(tmp_path: Path) -> tuple[Project, Service]:
    """A project whose one service, api, locks into ``pylock.toml``."""
    project = Project.load(monorepo(tmp_path / "repo", {"api": "alpha\n"}, pyproject=PYPROJECT))
    return project, project.service("api")


def _stamped(body: str) -> str:
    """*body* with a correct ``[tool.nox-support]`` table, as an attacker can recompute it."""
    return pylock.with_tool_table(HEADER + "\n" + body, INPUTS, compiled_by="uv==0.13.9")


def _refused(body: str, api: tuple[Project, Service], *, line: int = PACKAGE_LINE) -> tuple[str, ...]:
    """The problems of a re-stamped lock; it must still be refused before anything installs.

    Refused by the lock model (the first problem, at *line*), by freshness with the file and the
    command that repairs it, by the sync that would install it and by drift and conflicts.
    """
    project, service = api
    text = _stamped(body)
    split = pylock.split(text)
    assert split is not None
    recorded = digest.parse_line(split.inputs_line)
    assert recorded is not None
    assert pylock.body_digest(split.body) == recorded.body  # the digest matches: only the grammar can refuse
    problems = pylock.parse(text).problems
    state = lockformat.inspect(text, path=SHOWN)
    assert state == LockOffGrammar(recorded, OffGrammar(line, problems[0], lockformat.OFF_SUBSET))

    service.main.lock.write_text(text, encoding="utf-8")
    verdict = freshness.check_layer(project, service, service.main)
    assert isinstance(verdict, freshness.AlteredLock)
    message = freshness.describe(verdict)
    assert message.startswith(f"api: {SHOWN} line {line} is outside the lock grammar (")
    assert 'fix: nox -s "lock(api)" and commit services/api/pylock.toml' in message
    with pytest.raises(VenvError) as caught:
        sync._read_lock(service.main.lock, service)
    assert caught.value.message.startswith(f"api: lock pylock.toml line {line} is outside the lock grammar (")
    assert caught.value.hint == 'regenerate it with: nox -s "lock(api)" (nothing was installed from it)'
    with pytest.raises(RequirementsFileError) as drift:  # drift and conflicts read it the same way
        services.read_lock(project.root, service, service.main, project.settings)
    assert drift.value.message == f"{SHOWN}:{line}: {lockformat.OFF_SUBSET}: {problems[0]}"
    assert drift.value.hint == 'regenerate the lock with nox -s "lock(api)"'
    return problems


def test_the_good_lock_is_accepted(api: tuple[Project, Service]) -> None:
    project, service = api
    state = lockformat.inspect(_stamped(GOOD_PACKAGE), path=SHOWN)
    assert isinstance(state, ParsedLock)
    assert state.packages == (LockedPackage("alpha", "1.0", PACKAGE_LINE, (f"sha256:{SHA}",)),)
    assert state.local_file is None
    service.main.lock.write_text(_stamped(GOOD_PACKAGE), encoding="utf-8")
    parsed, local = sync._read_lock(service.main.lock, service)
    assert (parsed.packages, local) == (state.packages, None)
    assert not isinstance(freshness.check_layer(project, service, service.main), freshness.AlteredLock)


def test_an_unknown_key_is_refused(api: tuple[Project, Service]) -> None:
    body = GOOD_PACKAGE + 'extras-hook = "post-install"\n'
    assert _refused(body, api) == (
        "packages[0] (alpha) has the key 'extras-hook', which nox-support never writes",
    )


def test_an_extra_index_like_key_is_refused(api: tuple[Project, Service]) -> None:
    body = GOOD_PACKAGE + 'index = "https://evil.example/simple"\n'
    assert _refused(body, api) == ("packages[0] (alpha) has the key 'index', which nox-support never writes",)


def test_a_vcs_entry_is_refused(api: tuple[Project, Service]) -> None:
    body = (
        '[[packages]]\nname = "alpha"\nversion = "1.0"\n'
        'vcs = { type = "git", url = "https://evil.example/alpha.git", commit-id = "0123456789abcdef" }\n'
    )
    assert _refused(body, api) == (
        "packages[0] (alpha) has the key 'vcs', which nox-support never writes",
        "packages[0] (alpha) has no wheel and no sdist with a hash",
    )


def test_a_directory_entry_is_refused(api: tuple[Project, Service]) -> None:
    body = '[[packages]]\nname = "alpha"\nversion = "1.0"\n'
    body += 'directory = { path = "/opt/src/alpha", editable = true }\n'
    assert _refused(body, api) == (
        "packages[0] (alpha) has the key 'directory', which nox-support never writes",
        "packages[0] (alpha) has no wheel and no sdist with a hash",
    )


def test_an_archive_with_a_path_is_refused(api: tuple[Project, Service]) -> None:
    body = GOOD_PACKAGE + f'archive = {{ path = "/tmp/alpha.tar.gz", hashes = {{ sha256 = "{SHA}" }} }}\n'
    assert _refused(body, api) == (
        "packages[0] (alpha) has the key 'archive', which nox-support never writes",
    )


def test_a_wheel_path_instead_of_a_url_is_refused(api: tuple[Project, Service]) -> None:
    body = GOOD_PACKAGE.replace(f'url = "{URL}"', 'path = "/opt/wheels/alpha-1.0-py3-none-any.whl"')
    assert _refused(body, api) == (
        "packages[0] (alpha) wheels[0] has the key 'path', which nox-support never writes",
        "packages[0] (alpha) wheels[0] has no url",
    )


def test_a_file_url_of_this_machine_is_refused(api: tuple[Project, Service]) -> None:
    body = GOOD_PACKAGE.replace(URL, "file:///opt/wheels/alpha-1.0-py3-none-any.whl")
    expected = (
        "packages[0] (alpha) wheels[0] url is a file:// URL of this machine "
        "(file:///opt/wheels/alpha-1.0-py3-none-any.whl): a pylock records where each file lives, "
        "so it would install nowhere else"
    )
    assert _refused(body, api) == (expected,)


def test_a_credential_in_a_url_is_refused_and_never_shown(api: tuple[Project, Service]) -> None:
    body = GOOD_PACKAGE.replace("https://files.example.org", "https://deploy:s3cr3t@files.example.org")
    problems = _refused(body, api)
    assert problems == (CREDENTIAL,)
    assert "s3cr3t" not in " ".join(problems)


def test_a_token_in_a_query_is_refused(api: tuple[Project, Service]) -> None:
    body = GOOD_PACKAGE.replace(URL, URL + "?token=abc")
    assert _refused(body, api) == (CREDENTIAL,)


def test_a_second_hash_algorithm_or_a_short_hash_is_refused(api: tuple[Project, Service]) -> None:
    body = GOOD_PACKAGE.replace(f'sha256 = "{SHA}"', f'sha256 = "{SHA}", md5 = "00"')
    assert _refused(body, api) == ("packages[0] (alpha) wheels[0] hashes must hold exactly one sha256",)


def test_another_tools_table_or_a_key_in_ours_is_refused(api: tuple[Project, Service]) -> None:
    body = GOOD_PACKAGE + '\n[tool.other]\nindex-url = "https://evil.example/simple"\n'
    problems = _refused(body, api, line=PACKAGE_LINE + 5)  # the [tool.other] header
    assert problems == ("has the table [tool.other] (only [tool.nox-support] is written)",)
    ours = _stamped(GOOD_PACKAGE).replace('\ninputs = "', '\nindex-url = "https://evil.example"\ninputs = "')
    assert pylock.parse(ours).problems == ("[tool.nox-support] holds more than its inputs line",)


def test_an_unpinned_package_is_refused(api: tuple[Project, Service]) -> None:
    body = GOOD_PACKAGE.replace('version = "1.0"\n', "")
    assert _refused(body, api) == ("packages[0] (alpha) is not pinned to a version",)


def test_the_line_named_is_the_offending_packages_header_or_key(api: tuple[Project, Service]) -> None:
    second = GOOD_PACKAGE.replace('"alpha"', '"beta"').replace("alpha-1.0", "beta-1.0")
    body = GOOD_PACKAGE + "\n" + second + 'index = "https://evil.example/simple"\n'
    problems = _refused(body, api, line=PACKAGE_LINE + 5)  # the second [[packages]] header
    assert problems == ("packages[1] (beta) has the key 'index', which nox-support never writes",)
    header = HEADER.replace('created-by = "uv"\n', 'created-by = "uv"\nindex-url = "https://evil.example"\n')
    text = pylock.with_tool_table(header + "\n" + GOOD_PACKAGE, INPUTS, compiled_by="uv==0.13.9")
    state = lockformat.inspect(text, path=SHOWN)
    assert isinstance(state, LockOffGrammar)
    assert (state.problem.line, state.problem.excerpt) == (
        3,
        "the file has the key 'index-url', which nox-support never writes",
    )


def test_control_characters_of_a_name_are_escaped_in_the_problem(api: tuple[Project, Service]) -> None:
    body = GOOD_PACKAGE.replace('"alpha"', '"alpha\\u001b[2K\\n::error::forged"')
    assert _refused(body, api) == (
        "packages[0] (alpha\\x1b[2K\\n::error::forged) is not a valid package name",
    )


def test_packages_written_other_than_as_headers_are_refused(api: tuple[Project, Service]) -> None:
    body = f'packages = [{{ name = "alpha", version = "1.0", wheels = [{WHEEL}] }}]\n'
    problems = _refused(body, api)
    assert problems == ("packages are not all written as [[packages]] tables, one header each",)


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
    assert isinstance(state, LockAltered)
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
    # Read as a pylock file against the PEP 751 subset, never as a requirements lock.
    assert isinstance(state, LockOffGrammar)
    assert state.problem == OffGrammar(
        PACKAGE_LINE + 1,
        "packages[0] (alpha) has the key 'index', which nox-support never writes",
        lockformat.OFF_SUBSET,
    )
    lock.write_text(f"{line}\n{_stamped(GOOD_PACKAGE)}", encoding="utf-8")
    # Without the key, the added line is outside the body digest: altered, not a requirements lock.
    assert isinstance(lockformat.read_state(lock, shown=SHOWN), LockAltered)
