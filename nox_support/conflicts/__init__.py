"""``nox -s conflicts``: could these services share one environment, and if not, why not."""
