"""``nox -s audit``: scan each service's synced venv for known vulnerabilities, fail closed.

Layers (each pluggable part behind a Protocol in :mod:`.interface`):

* :mod:`.sources` -- where vulnerability data comes from (PyPI, OSV online,
  an offline OSV database served over loopback);
* :mod:`.scanners` -- what scans the venv (pip-audit, optionally safety 2.x);
* :mod:`.reports` -- how verdicts are written (JSON per service, Markdown, SARIF).

Pure logic lives in :mod:`.osv` (range matching), :mod:`.policy` (ignores)
and :mod:`.verdict`; :mod:`.session` wires them to Nox.
"""
