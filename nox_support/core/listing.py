"""Lists of names that stay short on a terminal and in a report (pure).

At 300 services, "1.0 in a, b, c, ..." naming every service is a wall of text: the first few
names and a count say the same at a glance, and the JSON reports keep every name.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

SHORT = 5
"""Names shown before "and N more" on a terminal."""

Key = TypeVar("Key", bound=Hashable)
Item = TypeVar("Item")


def and_more(names: Sequence[str], limit: int | None = SHORT, *, where: str = "") -> str:
    """``a, b, c and 72 more`` (``limit=None``: every name); *where* says where the rest are.

    ``a, b, c and 72 more (reports/drift.json)``: the count is of the names left out.
    """
    if limit is None or len(names) <= limit:
        return ", ".join(names)
    hidden = len(names) - limit
    shown = ", ".join(names[:limit])
    return f"{shown} and {hidden} more" + (f" ({where})" if where else "")


def group_by(items: Iterable[Item], key: Callable[[Item], Key]) -> list[tuple[Key, list[Item]]]:
    """*items* grouped by *key*, groups in order of their first item, items in their order."""
    groups: dict[Key, list[Item]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return list(groups.items())
