"""Timing primitives: a hermetic environment, timed commands, medians, machine facts."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
NOX = str(VENV_BIN / "nox")
_LEAKY_PREFIXES = ("PIP_", "UV_", "NOX_", "VIRTUAL_ENV", "CUSTOM_COMPILE_COMMAND", "PYTHONPATH", "CONDA_")


class BenchmarkError(Exception):
    """A measured command failed: no figure is recorded for it."""


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of repeated runs."""

    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median run."""
        return statistics.median(self.runs)

    def scaled(self, factor: float) -> Timing:
        """Every run multiplied by *factor* (per-service cost times N)."""
        return Timing(tuple(run * factor for run in self.runs))


def hermetic_env(work: Path, wheels: Path) -> dict[str, str]:
    """An environment where pip, pip-tools, uv and Nox see only *wheels* and *work*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_LEAKY_PREFIXES)}
    # Installed packages come with bytecode; without it every Nox start would recompile nox-support.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        {
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', os.defpath)}",
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(wheels),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "UV_NO_CONFIG": "1",
            "UV_OFFLINE": "1",
            "UV_NO_INDEX": "1",
            "UV_FIND_LINKS": str(wheels),
            "UV_CACHE_DIR": str(work / "cache" / "uv"),
            "UV_PYTHON_DOWNLOADS": "never",
            "XDG_CACHE_HOME": str(work / "cache"),
        }
    )
    return env


def fresh_caches(env: dict[str, str], work: Path, tag: str) -> dict[str, str]:
    """*env* with empty pip, pip-tools and uv caches (a cold run)."""
    cache = work / "cold-caches" / tag
    return {**env, "XDG_CACHE_HOME": str(cache), "UV_CACHE_DIR": str(cache / "uv")}


def run(args: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path) -> float:
    """Run *args*, append its output to *log*, return wall seconds; raise when it fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    proc = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(args)}  (cwd {cwd}, {elapsed:.3f} s, exit {proc.returncode})\n")
        handle.write(proc.stdout + proc.stderr + "\n")
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        msg = f"{' '.join(args)} failed in {cwd} (exit {proc.returncode}); see {log}\n{tail}"
        raise BenchmarkError(msg)
    return elapsed


def last_output(log: Path) -> str:
    """The output of the last command recorded in *log*."""
    text = log.read_text(encoding="utf-8")
    return text[text.rfind("\n$ ") + 1 :] if "\n$ " in text else text


def repeat(measure: Callable[[], float], times: int, *, before: Callable[[], None] | None = None) -> Timing:
    """Call *before* (untimed) then *measure*, *times* times."""
    runs = []
    for _ in range(times):
        if before is not None:
            before()
        runs.append(measure())
    return Timing(tuple(runs))


def machine_info() -> dict[str, str]:
    """Facts that make figures comparable."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = ", ".join(
        f"{name} {_version(name)}" for name in ("nox", "pip-tools", "pip", "uv", "virtualenv", "pip-audit")
    )
    return {
        "machine": f"{cpu}, {affinity} usable cores, {memory}",
        "system": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "tools": versions,
    }


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"
