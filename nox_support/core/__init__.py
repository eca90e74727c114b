"""The shared layer under every capability package.

Errors, commands, atomic and report writes, redaction, escaping (Markdown, the CI log), paths,
posargs, file locks, bounded repository reads. Nothing here imports a capability package
(lock, venv, audit, ...): they all build on it.
"""
