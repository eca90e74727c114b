"""Locking: compile each service's inputs into pinned, hashed locks and prove them fresh.

``inputs`` and ``digest`` say what a lock is compiled from; ``compile/`` holds the compilers
behind one Protocol; ``lockfile`` and ``localfile`` read, validate and write locks;
``orchestrate`` locks a service; ``freshness`` checks locks offline (or re-resolves with
``--deep``); ``session`` holds the bodies of the ``lock`` and ``freshness`` sessions.
"""
