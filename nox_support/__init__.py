"""nox-support: per-service locks, freshness checks and audits for Python monorepos."""
