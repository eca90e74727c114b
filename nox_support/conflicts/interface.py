"""What the conflict search needs from a resolver: resolve a set of services together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Resolved:
    """The services' requirements fit together; ``pins`` is the shared ``name -> version``."""

    pins: Mapping[str, str]
    python: str


@dataclass(frozen=True)
class Unsatisfiable:
    """No set of versions fits; ``explanation`` is the resolver's own account, in a few lines."""

    explanation: str
    python: str


Outcome = Resolved | Unsatisfiable


class Resolver(Protocol):
    """Resolves the main requirements of some services as one environment, never writing a lock."""

    def resolve(self, services: tuple[str, ...]) -> Outcome:
        """Resolve *services* (never empty) together.

        Raises a :class:`~nox_support.core.errors.NoxSupportError` when it cannot tell (resolver crash,
        network): that is not an answer.
        """
        ...
