"""``nox -s report``: one self-contained HTML page of the whole monorepo (``reports/index.html``).

The page is built only from what other sessions wrote (``reports/audit/<service>.json``,
``reports/licenses/<service>.json``, ``reports/tests/<service>.xml``, ``reports/drift.json``) and
from the offline lock check of ``freshness``; it never runs an audit, a licence check, the tests or
drift.  A report that is absent is shown as missing, one that cannot be read as unreadable: never
as clean.

- :mod:`~nox_support.report.model`: the values the page shows (frozen dataclasses);
- :mod:`~nox_support.report.build`: the model from the report texts (pure);
- :mod:`~nox_support.report.read`: the I/O edge (report files, the offline lock check);
- :mod:`~nox_support.report.page` and :mod:`~nox_support.report.assets`: the HTML (pure);
- :mod:`~nox_support.report.session`: the session body.
"""
