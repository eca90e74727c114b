"""A changed local path package (``libs/common``) forces the venv to re-sync, and the new code is installed.

The stamp's fingerprint of a non-editable local package covers the bytes of its files, not only
their metadata: an edit that keeps a file's size and modification time still counts, and uv builds
the package again instead of reusing the wheel it cached from the old source.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from nox_support.project import Project
from nox_support.venv import sync as venv_sync
from nox_support.venv import values as venv_values
from tests.audit.conftest import FakeSession, make_repo
from tests.repos import write

pytestmark = pytest.mark.slow

# A backend that packages the module directory as it is on disk (the tests' default backend
# writes a fixed, empty module).
_BACKEND = """
import base64, hashlib, os, zipfile

NAME, VERSION, MODULE = "acme-common", "0.3.0", "acme_common"
INFO = f"{MODULE}-{VERSION}.dist-info"
METADATA = f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    os.makedirs(os.path.join(metadata_directory, INFO), exist_ok=True)
    with open(os.path.join(metadata_directory, INFO, "METADATA"), "w") as handle:
        handle.write(METADATA)
    return INFO


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {}
    for name in sorted(os.listdir(MODULE)):
        with open(os.path.join(MODULE, name), "rb") as handle:
            files[f"{MODULE}/{name}"] = handle.read()
    files[f"{INFO}/METADATA"] = METADATA.encode()
    wheel = b"Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    files[f"{INFO}/WHEEL"] = wheel
    record = ""
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += f"{path},sha256={digest},{len(data)}\\n"
    record += f"{INFO}/RECORD,,\\n"
    name = f"{MODULE}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr(f"{INFO}/RECORD", record)
    return name
"""


@pytest.fixture
def repo(tmp_path: Path, offline_index: Path) -> Path:
    root = make_repo(tmp_path / "repo", offline_index, {"svc": {"alpha": "1.0"}})
    common = root / "libs" / "common"
    (common / "backend.py").write_text(_BACKEND, encoding="utf-8")
    write(common / "acme_common" / "__init__.py", 'GREETING = "hello"\n')
    return root


def sync(root: Path) -> venv_values.SyncResult:
    svc = Project.load(root).service("svc")
    session = FakeSession(root / ".nox" / "audit-svc")
    return venv_sync.sync_venv(session.as_nox(), svc, (svc.main.lock,), purpose="audit")


def installed_source(result: venv_values.SyncResult) -> str:
    site = next(result.venv.glob("lib/*/site-packages"))
    return (site / "acme_common" / "__init__.py").read_text(encoding="utf-8")


def edit_keeping_size_and_mtime(path: Path, text: str) -> None:
    """Replace *path*'s bytes with *text* of the same length, then put its timestamps back."""
    before = path.stat()
    assert len(text.encode()) == before.st_size
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda p: p.write_text('GREETING = "goodbye, world"\n', encoding="utf-8"), id="edited"),
        pytest.param(
            lambda p: edit_keeping_size_and_mtime(p, 'GREETING = "HELLO"\n'), id="same-size-and-mtime"
        ),
    ],
)
def test_a_changed_local_package_is_synced_again_with_its_new_code(repo: Path, edit: object) -> None:
    first = sync(repo)
    assert installed_source(first) == 'GREETING = "hello"\n'
    assert isinstance(sync(repo), venv_values.AlreadySynced)

    source = repo / "libs" / "common" / "acme_common" / "__init__.py"
    assert callable(edit)
    edit(source)
    result = sync(repo)

    assert isinstance(result, venv_values.Synced)
    assert result.reason == "a local path package changed"
    assert installed_source(result) == source.read_text(encoding="utf-8")
    assert isinstance(sync(repo), venv_values.AlreadySynced)


def test_a_new_file_in_a_local_package_is_synced_again(repo: Path) -> None:
    sync(repo)
    write(repo / "libs" / "common" / "acme_common" / "extra.py", textwrap.dedent("VALUE = 1\n"))
    result = sync(repo)
    assert isinstance(result, venv_values.Synced)
    site = next(result.venv.glob("lib/*/site-packages"))
    assert (site / "acme_common" / "extra.py").read_text(encoding="utf-8") == "VALUE = 1\n"
