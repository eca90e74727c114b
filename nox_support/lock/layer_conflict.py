"""Why a layer cannot be locked on top of the main lock, and what to do about it (pure).

A layer (``requirements-dev.in``) is compiled with the main lock's pins as constraints: the
dev tools install on top of the service's own environment, so they cannot move its pins.
When the layer needs a version the main lock does not have, the compiler says only that
``requests>=2.35`` cannot be installed; the other side of the conflict is the main lock's pin,
which the compiler's message does not name.  :func:`explain_layer_conflict` names it, says
why the main lock holds it (``via google-auth``), suggests moving the requirement into the
main input, and says which locks were written before the failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from nox_support.core.errors import RequirementsFileError, ResolutionError
from nox_support.lock.model import LockedPackage
from nox_support.lock.servicelock import parse_lock

# ``alpha>=2``, ``requests >=2.35, <3``: a name with a specifier, as compilers print them.
_ASKED = re.compile(
    r"(?<![\w.-])(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"
    r"(?P<spec>(?:===|~=|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+"
    r"(?:\s*,\s*(?:===|~=|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+)*)"
)


@dataclass(frozen=True)
class HeldPin:
    """A pin of the main lock that the layer asks to move."""

    pin: LockedPackage
    asked: str
    """What the layer (or a package it needs) requires: ``alpha>=2``."""

    def describe(self, main_lock: str) -> str:
        """``alpha==1.1 is pinned by services/api/requirements.txt (the main lock), via gamma``."""
        parents = self.pin.parents
        why = f"via {', '.join(parents)}" if parents else "asked for by its input"
        return (
            f"{self.pin.name}=={self.pin.version} is pinned by {main_lock} (the main lock), {why}; "
            f"the layer needs {self.asked}"
        )


def held_pins(conflict: str, main_lock_text: str, *, main_lock: str) -> tuple[HeldPin, ...]:
    """The main lock's pins that a requirement named in the compiler's *conflict* text excludes."""
    try:
        pins = {p.name: p for p in parse_lock(main_lock_text, path=main_lock)}
    except RequirementsFileError:
        return ()
    found: dict[str, HeldPin] = {}
    for match in _ASKED.finditer(conflict):
        name = canonicalize_name(match.group("name"))
        pin = pins.get(name)
        if pin is None or name in found or _allows(match.group("spec"), pin.version):
            continue
        found[name] = HeldPin(pin, f"{match.group('name')}{_compact(match.group('spec'))}")
    return tuple(found.values())


def _allows(spec: str, version: str) -> bool:
    try:
        return SpecifierSet(_compact(spec)).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return True  # unreadable: not evidence of a conflict


def _compact(spec: str) -> str:
    return re.sub(r"\s+", "", spec)


@dataclass(frozen=True)
class LayerContext:
    """Where a layer failed: the main lock (its text) and input, the layer's lock, what was written.

    Paths are shown relative to the repository root.
    """

    main_lock_text: str
    main_lock: str
    main_input: str
    layer_lock: str
    written: tuple[str, ...]
    """The files this run wrote before the failure."""


def explain_layer_conflict(error: ResolutionError, context: LayerContext) -> ResolutionError:
    """*error* (a layer's failed resolve) with the main lock's side of the conflict and the fix."""
    held = held_pins(error.message, context.main_lock_text, main_lock=context.main_lock)
    lines = [error.message]
    lines += [f"  {h.describe(context.main_lock)}" for h in held]
    done = f"wrote {', '.join(context.written)}" if context.written else "wrote nothing"
    lines.append(f"  {done}; {context.layer_lock} was left untouched")
    if held:
        asked = ", ".join(h.asked for h in held)
        hint = (
            f"a layer installs on top of the main lock and cannot move its pins: move {asked} into "
            f"{context.main_input} (the main input) and lock again, or relax the layer's requirement"
        )
    else:
        hint = error.hint or "relax the layer's requirements, or the main input's, and lock again"
    return ResolutionError("\n".join(lines), hint=hint)
