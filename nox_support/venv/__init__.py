"""Service venvs: make a Nox venv hold exactly its locks (:mod:`.sync`), and read what it holds.

``values`` (what crosses modules), ``plan`` (pure decisions), ``stamp`` (the sync stamp),
``inspect`` and ``install`` (the I/O edges), ``sync`` (the entry point), ``shared`` (the audit
venv other sessions read) and ``sitemeta`` (installed metadata).
"""
