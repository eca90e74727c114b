"""Scanners: pip-audit (primary) and safety 2.x (optional, offline ``--db``)."""
