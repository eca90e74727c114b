"""``nox-support code-scanning-files``: read the audit jobs' SARIF files, write the uploads.

The I/O around :mod:`nox_support.ci.sarifpack`: each input is read as data
(bounded, parsed as JSON, never executed), the packed files are written to
one directory and the upload job's matrix goes to ``$GITHUB_OUTPUT``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from nox_support.ci.matrix import format_github_output
from nox_support.ci.sarifpack import FILE_PREFIX, SarifFile, SarifPackError, SarifSource, pack
from nox_support.core import atomic

MAX_SARIF_BYTES = 10 * 1024 * 1024
"""Code scanning refuses larger uploads (10 MB gzipped; an audit file is far smaller)."""


def read_source(path: Path) -> SarifSource:
    """*path* parsed as JSON; a file too large, unreadable or not JSON is an error naming it."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SARIF_BYTES + 1)
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror}"
        raise SarifPackError(msg, hint="check the audit job's artifact") from exc
    if len(data) > MAX_SARIF_BYTES:
        msg = f"{path} is larger than {MAX_SARIF_BYTES // (1024 * 1024)} MB"
        raise SarifPackError(msg, hint="code scanning would refuse it; check the audit job's artifact")
    try:
        log = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{path} is not JSON: {exc}"
        raise SarifPackError(msg, hint="check the audit job's artifact") from exc
    return SarifSource(path.as_posix(), log)


def write_files(output_dir: Path, inputs: Sequence[Path], removed: Sequence[str]) -> tuple[SarifFile, ...]:
    """Pack *inputs* and the *removed* services into ``output_dir/code-scanning-<n>.sarif``."""
    files = pack([read_source(path) for path in sorted(inputs)], removed)
    output_dir.mkdir(parents=True, exist_ok=True)
    for stale in output_dir.glob(f"{FILE_PREFIX}*.sarif"):
        stale.unlink()
    for file in files:
        atomic.write_text(output_dir / file.name, file.text)
    return files


def github_output(files: Sequence[SarifFile]) -> str:
    """``sarif_matrix`` (one entry per upload) and ``sarif_count`` for ``$GITHUB_OUTPUT``."""
    matrix = {"include": [{"file": file.name, "runs": len(file.categories)} for file in files]}
    return format_github_output(
        {"sarif_matrix": json.dumps(matrix, separators=(",", ":")), "sarif_count": str(len(files))}
    )
