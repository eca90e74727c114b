"""``nox -s drift``: which services lock which version of a package (offline, no resolver)."""
