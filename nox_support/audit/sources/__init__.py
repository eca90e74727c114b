"""Vulnerability sources: PyPI, OSV (online or any URL), an offline OSV database."""
