"""``nox -s sbom``: a CycloneDX 1.6 SBOM of each service's synced venv.

:mod:`.build` turns values into the document with ``cyclonedx-python-lib``
(pure); :mod:`.session` reads the lock and the venv, caches, and writes
``reports/sbom/<service>.cdx.json``.  See docs/supply-chain.md.
"""
