"""Nox's manifest with and without the upstream fix (docs/upstream/nox-manifest.patch), in one run.

``.venv/bin/python -m benchmarks.nox_manifest [--services 1000] [--repeats 5]``

Builds the manifest Nox builds for a noxfile like ours (six sessions parametrized per service,
so 6,000 sessions at 1,000 services), selects ``freshness`` as ``nox -s freshness`` does and
lists every session as ``nox -l`` does: first with Nox's own code, then with the methods
``nox_support._compat.manifest`` puts in their place.  Prints the medians and their ratio.
Pure Python, no subprocess: the figure is Nox's share of every no-op ``nox`` command.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import nox
import nox.manifest
import nox.registry
from nox._decorators import Call
from nox._options import options
from nox.manifest import Manifest

from nox_support._compat import manifest as patch

METHODS = ("add_session", "list_all_sessions", "filter_by_name")


def _functions(services: int) -> dict[str, Any]:
    names = [f"svc-{i:04d}" for i in range(services)]
    saved = dict(nox.registry._REGISTRY)  # noqa: SLF001 - a registry of this benchmark's own
    nox.registry._REGISTRY.clear()  # noqa: SLF001
    try:
        for session in ("lock", "audit", "tests", "lock_diff", "sbom", "licenses"):

            def body(session: nox.Session, service: str) -> None:
                del session, service

            body.__name__ = session
            if session in {"audit", "tests"}:  # as in our noxfile: a target Python per service
                params = [nox.param("3.11", name, id=name) for name in names]
                parametrized = nox.parametrize(("python", "service"), params)(body)
            else:
                parametrized = nox.parametrize("service", names, ids=names)(body)
            nox.session(venv_backend="none")(parametrized)

        @nox.session(venv_backend="none")
        def freshness(session: nox.Session) -> None:
            del session

        return dict(nox.registry._REGISTRY)  # noqa: SLF001
    finally:
        nox.registry._REGISTRY.clear()  # noqa: SLF001
        nox.registry._REGISTRY.update(saved)  # noqa: SLF001


def _once(functions: dict[str, Any], sessions: int) -> float:
    config = options.namespace(posargs=[], default_venv_backend="none")
    for function in functions.values():  # inspected afresh each time, as in a new process
        vars(function.func).pop("__signature__", None)
    start = time.perf_counter()
    manifest = Manifest(functions, config)
    listed = sum(1 for _ in manifest.list_all_sessions())
    manifest.filter_by_name(["freshness"])
    elapsed = time.perf_counter() - start
    if listed != sessions or [s.name for s in manifest] != ["freshness"]:
        msg = f"measured the wrong thing: {listed} sessions listed, expected {sessions}"
        raise RuntimeError(msg)
    return elapsed


def main() -> int:
    """Measure Nox's own manifest, then the patched one; print medians and the ratio."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nox_manifest", description=__doc__)
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    functions = _functions(args.services)
    originals = {name: patch.NOX_ORIGINALS.get(name, getattr(Manifest, name)) for name in METHODS}
    match = patch.NOX_ORIGINALS.get("_normalized_session_match", nox.manifest._normalized_session_match)  # noqa: SLF001
    for name, function in originals.items():
        setattr(Manifest, name, function)
    nox.manifest._normalized_session_match = match  # noqa: SLF001
    Call.generate_calls = patch.NOX_ORIGINALS.get("generate_calls", Call.__dict__["generate_calls"])  # type: ignore[method-assign]
    Manifest._nox_support_linear = False  # type: ignore[attr-defined]  # noqa: SLF001
    sessions = 6 * args.services + 1
    before = [_once(functions, sessions) for _ in range(args.repeats)]
    if not patch.speed_up_nox_manifest():
        print("this Nox's manifest is not the one the patch was written for: nothing to compare")
        return 1
    after = [_once(functions, sessions) for _ in range(args.repeats)]
    b, a = statistics.median(before), statistics.median(after)
    print(f"{sessions} sessions: Nox's manifest {b * 1000:.0f} ms, patched {a * 1000:.0f} ms ({b / a:.1f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
