"""The no-op path's shortcuts must never serve what was true earlier in the process.

A requirements file's analysis is remembered by content (lock/inputfile.py), paths are resolved
as strings (core/paths.py) and files are read asking for their size (core/repofiles.py): each
test below fails if a shortcut answers from before an edit, or differs from the general way.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nox_support.config import Settings
from nox_support.core import repofiles
from nox_support.core.errors import RequirementsFileError
from nox_support.core.paths import is_within, real_path, relative_posix
from nox_support.discovery import discover
from nox_support.lock import inputfile
from nox_support.lock.digest import compute
from nox_support.lock.inputs import collect, inputs_for
from tests.repos import write

SHARED = Settings(constraints=("constraints/shared.txt",))


def _files(root: Path, settings: Settings = SHARED) -> list[dict[str, bytes]]:
    return [
        {f.name: f.content for f in collect(root, service, layer, settings).files}
        for service in discover(root, settings)
        for layer in service.layers
    ]


def _two_services(root: Path, constraints: str) -> None:
    write(root / "services/api/requirements.in", "alpha\n")
    write(root / "services/web/requirements.in", "beta\n")
    write(root / "constraints/shared.txt", constraints)


def test_a_constraints_file_edited_between_two_checks_is_read_again(tmp_path: Path) -> None:
    _two_services(tmp_path, "alpha<2\n")
    before = _files(tmp_path)
    # Same size, written at once: a cache keyed by size and modification time could miss it.
    (tmp_path / "constraints/shared.txt").write_text("alpha<3\n", encoding="utf-8")
    after = _files(tmp_path)
    assert [f["../../constraints/shared.txt"] for f in before] == [b"alpha<2\n"] * 2
    assert [f["../../constraints/shared.txt"] for f in after] == [b"alpha<3\n"] * 2


def test_the_digest_follows_an_edit_of_a_shared_file_within_one_process(tmp_path: Path) -> None:
    _two_services(tmp_path, "alpha<2\n")
    (service, _) = discover(tmp_path, SHARED)

    def total() -> str:
        collected = collect(tmp_path, service, service.main, SHARED)
        return compute(inputs_for(collected, python="3.11", compiler="uv==0.9.0", options=())).total

    first = total()
    (tmp_path / "constraints/shared.txt").write_text("alpha<2\n# only a comment\n", encoding="utf-8")
    assert total() == first  # the canonical text is unchanged
    (tmp_path / "constraints/shared.txt").write_text("alpha<1\n", encoding="utf-8")
    assert total() != first


def test_a_refused_shared_file_is_refused_for_every_lock(tmp_path: Path) -> None:
    _two_services(tmp_path, "--index-url https://user:secret@example.com/simple\n")
    for service in discover(tmp_path, SHARED):
        with pytest.raises(RequirementsFileError, match=r"constraints/shared\.txt:1: names a credential"):
            collect(tmp_path, service, service.main, SHARED)


def test_the_same_content_under_another_name_is_refused_under_that_name(tmp_path: Path) -> None:
    write(tmp_path / "services/api/requirements.in", "--requirem other.in\n")
    write(tmp_path / "services/web/requirements.in", "--requirem other.in\n")
    with pytest.raises(RequirementsFileError) as api:
        _files(tmp_path, Settings())
    assert str(api.value).startswith("services/api/requirements.in:1: --requirem abbreviates --requirement")
    (tmp_path / "services/api/requirements.in").unlink()
    with pytest.raises(RequirementsFileError) as web:
        _files(tmp_path, Settings())
    assert str(web.value).startswith("services/web/requirements.in:1: --requirem abbreviates --requirement")


def test_a_large_file_is_analysed_without_being_remembered() -> None:
    content = b"alpha\n" * (inputfile.MEMO_BYTES // 6 + 1)
    before = inputfile._remembered.cache_info().currsize
    assert inputfile.analyse(content, "big.in").canonical == content
    assert inputfile._remembered.cache_info().currsize == before


def _tree(root: Path) -> list[str]:
    """Paths through a linked directory, a missing file, ``..``, a trailing slash and the root."""
    write(root / "real/dir/file.in", "alpha\n")
    (root / "link").symlink_to(root / "real", target_is_directory=True)
    (root / "loop").symlink_to(root / "loop")
    return [
        str(root / "real/dir/file.in"),
        str(root / "link/dir/file.in"),
        str(root / "real/dir/missing.in"),
        str(root / "link/missing/deeper.in"),
        f"{root}/real/dir/../dir/file.in",
        f"{root}/real/dir/",
        f"{root}/real/./dir",
        f"/{root}/real",
        str(root / "loop/file.in"),
        "/",
    ]


def test_real_path_is_realpath(tmp_path: Path) -> None:
    base = os.path.realpath(tmp_path)
    for path in _tree(tmp_path):
        assert real_path(path) == os.path.realpath(path), path
        assert real_path(path, base) == os.path.realpath(path), path


def test_is_within_compares_whole_components(tmp_path: Path) -> None:
    assert is_within(f"{tmp_path}/a/b", f"{tmp_path}/a")
    assert is_within(f"{tmp_path}/a", f"{tmp_path}/a")
    assert not is_within(f"{tmp_path}/ab", f"{tmp_path}/a")
    assert not is_within(str(tmp_path), f"{tmp_path}/a")
    assert is_within(str(tmp_path), "/")


def test_relative_posix_is_relpath(tmp_path: Path) -> None:
    base = str(tmp_path / "services/api")
    odd = (f"{base}/sub/../x.in", f"{base}/./x.in", f"{base}//x.in", f"{base}/sub/", f"{base}/.hidden/x.in")
    for path in (base, f"{base}/x.in", f"{base}-other/x.in", str(tmp_path / "libs/common"), "/", *odd):
        assert relative_posix(path, base) == Path(os.path.relpath(path, base)).as_posix(), path


@pytest.mark.parametrize("size", [0, 1, 99, 100])
def test_a_file_up_to_the_limit_is_read_whole(tmp_path: Path, size: int) -> None:
    path = tmp_path / "f.in"
    path.write_bytes(b"x" * size)
    assert repofiles.read_bytes(path, tmp_path, limit=100) == b"x" * size


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.in"
    path.write_bytes(b"x" * 101)
    with pytest.raises(repofiles.RepoFileError, match=r"f\.in is larger than 0 KiB"):
        repofiles.read_bytes(path, tmp_path, limit=100)
