"""Lock compilers behind one Protocol (:mod:`nox_support.compile.interface`)."""
