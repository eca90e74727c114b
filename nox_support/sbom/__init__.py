"""``nox -s sbom``: a CycloneDX 1.6 SBOM of each service's synced venv.

:mod:`.build` turns values into the document with ``cyclonedx-python-lib``
(pure); :mod:`.session` reads the lock and the venv, caches, and writes
``reports/sbom/<service>.cdx.json``.  See docs/supply-chain.md.
"""

from nox_support import _compat

# cyclonedx registers every model field with py-serializable, which logs each one at DEBUG the
# moment cyclonedx is imported (hundreds of lines), and Nox shows DEBUG in CI.  Python imports this
# package before any of its modules, so this runs before build.py imports cyclonedx.
_compat.quiet_library_logs()
