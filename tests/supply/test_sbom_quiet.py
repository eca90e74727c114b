"""cyclonedx's serialiser library stays quiet at DEBUG (Nox shows DEBUG in CI)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# A fresh interpreter: py-serializable logs at the moment cyclonedx is first imported, which this
# test process did long ago.
SCRIPT = textwrap.dedent(
    """
    import datetime as dt
    import logging
    import uuid

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    logging.basicConfig(level=logging.DEBUG, handlers=[Keep()])

    from nox_support.sbom.build import SbomInput, SbomPackage, build_document

    package = SbomPackage("mitpkg", "1.0", ("ab" * 32,), (), "MIT")
    data = SbomInput(
        "shop", "services/shop/requirements.txt", "cd" * 32, "3.11.9", ("mitpkg",), (package,),
        uuid.UUID(int=1), dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), "0",
    )
    assert '"name": "mitpkg"' in build_document(data)
    import sys
    assert "cyclonedx.output.json" in sys.modules  # really imported and used under DEBUG logging

    logging.getLogger("a.probe").debug("probe")
    print(sum(r.name.startswith("py_serializable") for r in records), len(records))
    """
)


def test_importing_and_building_an_sbom_logs_nothing_from_py_serializable() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    serializer, total = map(int, done.stdout.split())
    assert serializer == 0
    assert total >= 1  # the capture works: the probe's DEBUG record is there
