"""The package imports without POSIX-only modules, as on Windows (``nox -s lock`` / ``freshness`` there)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nox_support

POSIX_ONLY = ("fcntl", "pwd", "grp", "termios", "resource")

PROBE = textwrap.dedent(
    """
    import importlib, importlib.abc, sys
    blocked = set(sys.argv[1].split(","))

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in blocked:
                raise ModuleNotFoundError(f"No module named {name!r} (blocked: POSIX only)", name=name)
            return None

    for name in blocked:
        sys.modules.pop(name, None)
    sys.meta_path.insert(0, Block())
    failed = []
    for module in sys.argv[2:]:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            failed.append(f"{module}: {exc}")
    print("\\n".join(failed))
    sys.exit(1 if failed else 0)
    """
)


def all_modules() -> list[str]:
    root = Path(nox_support.__file__).parent
    names = [m.name for m in pkgutil.walk_packages([str(root)], prefix="nox_support.")]
    return ["nox_support", *sorted(names)]


def test_every_module_imports_without_posix_only_modules() -> None:
    modules = all_modules()
    assert "nox_support.core.filelock" in modules
    assert "nox_support.audit.scanners.pip_audit_library" in modules
    result = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(POSIX_ONLY), *modules],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_probe_catches_a_posix_only_import(tmp_path: Path) -> None:
    (tmp_path / "posix_only_module.py").write_text("import fcntl\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(POSIX_ONLY), "posix_only_module"],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode == 1
    assert "posix_only_module: No module named 'fcntl' (blocked: POSIX only)" in result.stdout
