"""The online vulnerability sources (OSV API, PyPI JSON API): what they tell the cache and the scanner."""

from __future__ import annotations

from nox_support.audit.sources.interface import OsvEndpoint, PypiEndpoint, SourceInfo, VulnerabilitySource
from nox_support.audit.sources.osv import OsvSource
from nox_support.audit.sources.pypi import PYPI_URL, PypiSource


def test_the_osv_source_is_its_url_valid_for_its_ttl() -> None:
    source: VulnerabilitySource = OsvSource("https://osv.example/v1/query", timeout=7, ttl_seconds=3600)
    info = source.info()
    assert info.kind == "osv"
    assert info.location == "https://osv.example/v1/query"
    assert info.ttl_seconds == 3600
    assert info.identity.startswith("osv sha256:")
    assert (
        info.identity
        != OsvSource("https://mirror.example/v1/query", timeout=7, ttl_seconds=3600).info().identity
    )
    assert (
        info.identity == OsvSource("https://osv.example/v1/query", timeout=1, ttl_seconds=1).info().identity
    )
    with source.serve() as endpoint:
        assert endpoint == OsvEndpoint("https://osv.example/v1/query", 7)
    assert source.queried() is None  # the scanner talks to the API itself: nobody counted


def test_the_pypi_source_is_pypi_valid_for_its_ttl() -> None:
    source: VulnerabilitySource = PypiSource(timeout=5, ttl_seconds=60)
    assert source.info() == SourceInfo("pypi", PYPI_URL, f"pypi {PYPI_URL}", 60)
    assert PYPI_URL == "https://pypi.org/pypi"
    with source.serve() as endpoint:
        assert endpoint == PypiEndpoint(5)
    assert source.queried() is None
