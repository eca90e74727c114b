"""Lock compilers behind one Protocol (:mod:`nox_support.lock.compile.interface`)."""
