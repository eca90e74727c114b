"""Build throw-away monorepos for tests."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOXFILE = ROOT / "noxfile.py"

# A PEP 517 backend with no dependencies, so local path packages build offline.
_BACKEND = """
import base64, hashlib, os, zipfile

NAME = {name!r}
VERSION = {version!r}
REQUIRES = {requires!r}
MODULE = NAME.replace("-", "_")
INFO = f"{{MODULE}}-{{VERSION}}.dist-info"


def _metadata():
    lines = ["Metadata-Version: 2.1", f"Name: {{NAME}}", f"Version: {{VERSION}}"]
    lines += [f"Requires-Dist: {{r}}" for r in REQUIRES]
    return "\\n".join(lines) + "\\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    path = os.path.join(metadata_directory, INFO)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "METADATA"), "w") as handle:
        handle.write(_metadata())
    return INFO


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {{
        f"{{MODULE}}/__init__.py": b"",
        f"{{INFO}}/METADATA": _metadata().encode(),
        f"{{INFO}}/WHEEL": (
            b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
        ),
    }}
    record = ""
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += f"{{path}},sha256={{digest}},{{len(data)}}\\n"
    record += f"{{INFO}}/RECORD,,\\n"
    name = f"{{MODULE}}-{{VERSION}}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr(f"{{INFO}}/RECORD", record)
    return name
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def local_package(directory: Path, name: str, version: str = "0.1.0", requires: tuple[str, ...] = ()) -> Path:
    """A local path package that builds offline with an in-tree backend."""
    write(
        directory / "pyproject.toml",
        f"""
        [build-system]
        requires = []
        build-backend = "backend"
        backend-path = ["."]

        [project]
        name = "{name}"
        version = "{version}"
        dependencies = {list(requires)!r}
        """,
    )
    (directory / "backend.py").write_text(
        _BACKEND.format(name=name, version=version, requires=list(requires)), encoding="utf-8"
    )
    return directory


def monorepo(
    root: Path,
    services: dict[str, str],
    *,
    pyproject: str = "",
    copy_noxfile: bool = True,
) -> Path:
    """A monorepo under *root* with ``services/<name>/requirements.in`` = text."""
    root.mkdir(parents=True, exist_ok=True)
    for name, requirements in services.items():
        write(root / "services" / name / "requirements.in", requirements)
    if pyproject:
        write(root / "pyproject.toml", pyproject)
    if copy_noxfile:
        shutil.copy(NOXFILE, root / "noxfile.py")
    return root


def stamp_lock(root: Path, service: str, layer: str = "main") -> Path:
    """Give a hand-written lock the digest line ``nox -s lock`` would have written.

    For tests that build locks without a compiler: the line records the service's current
    inputs and the lock's body, so freshness, audit and tests accept the lock.
    """
    from nox_support.lock import localfile  # noqa: PLC0415 - keeps this module importable without the package
    from nox_support.lock.orchestrate import Target, current_digest, split_local  # noqa: PLC0415
    from nox_support.project import Project  # noqa: PLC0415

    project = Project.load(root)
    svc = project.service(service)
    (target,) = (candidate for candidate in svc.layers if candidate.name == layer)
    current = current_digest(project, svc, target)
    local_path = localfile.local_file_for(target.lock)
    text = _with_local_lines(target.lock.read_text(encoding="utf-8"), local_path)
    # Local path lines move to requirements.local.txt, as `nox -s lock` writes them.
    content, local = split_local(
        text, Target(project, svc, target), current, compiled_by=project.compiler.identity()
    )
    target.lock.write_text(content, encoding="utf-8")
    if local is not None:
        local_path.write_text(local, encoding="utf-8")
    else:
        local_path.unlink(missing_ok=True)
    return target.lock


def _with_local_lines(text: str, local_path: Path) -> str:
    """*text* as the compiler wrote it: a stamped lock's local file lines back in, its note out."""
    from nox_support.lock import digest, localfile  # noqa: PLC0415

    lines = text.splitlines()
    if any(line.startswith(localfile.NOTE_PREFIX) for line in lines):
        at = next(i for i, line in enumerate(lines) if line.startswith(localfile.NOTE_PREFIX))
        del lines[at : at + 2]  # the note is two comment lines
    if local_path.exists():
        split = digest.split(local_path.read_text(encoding="utf-8"))
        if split is not None:
            lines.extend(split.body)
    return "\n".join(lines) + "\n"
