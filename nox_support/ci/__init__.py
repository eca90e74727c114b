"""GitHub Actions support: the affected-only job matrix, lock diffs and the ``tests`` session.

Pure parts (:mod:`.matrix`, :mod:`.shard`, :mod:`.affected`, :mod:`.lockdiff`,
:mod:`.settings`) do no I/O; :mod:`.git`, :mod:`.noxlist` and :mod:`.discover`
talk to git, Nox and the file system.
"""
