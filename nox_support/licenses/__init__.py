"""``nox -s licenses``: the licence of every package in each service's synced venv, against a policy.

:mod:`.spdx` (what a distribution declares, normalised to SPDX), :mod:`.config`
(``[tool.nox_support.licenses]``), :mod:`.policy` (deny/allow/exceptions) and
:mod:`.report` (JSON and Markdown rendering) are pure; :mod:`.session` reads
the venv and writes the reports.  See docs/supply-chain.md.
"""
