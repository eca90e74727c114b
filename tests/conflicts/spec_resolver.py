"""A resolver that really intersects specifiers over a tiny index, without a compiler or wheels.

Each service asks for requirement lines; each package of the index has versions and, per
package, requirements of its own (one level: enough for a transitive conflict).  A set of
services resolves when every package named has a version fitting every specifier on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from packaging.requirements import Requirement
from packaging.version import Version

from nox_support.conflicts.interface import Outcome, Resolved, Unsatisfiable


@dataclass
class SpecResolver:
    """Resolves ``services -> requirement lines`` against ``index`` (``name -> versions``)."""

    wants: Mapping[str, tuple[str, ...]]
    index: Mapping[str, tuple[str, ...]]
    depends: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def resolve(self, services: tuple[str, ...]) -> Outcome:
        self.calls.append(services)
        rules: dict[str, list[tuple[str, Requirement]]] = {}
        for service in services:
            for line in self.wants[service]:
                requirement = Requirement(line)
                rules.setdefault(requirement.name, []).append((service, requirement))
                for inner in self.depends.get(requirement.name, ()):
                    nested = Requirement(inner)
                    rules.setdefault(nested.name, []).append((f"{service} via {requirement.name}", nested))
        pins: dict[str, str] = {}
        for name, wanted in sorted(rules.items()):
            fitting = [v for v in self.index[name] if all(r.specifier.contains(v) for _, r in wanted)]
            if not fitting:
                asked = "; ".join(f"{who} wants {r}" for who, r in wanted)
                return Unsatisfiable(f"Cannot install {name}: {asked}", "3.11")
            pins[name] = str(max(fitting, key=Version))
        return Resolved(pins, "3.11")
