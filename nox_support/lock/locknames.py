"""The file name of each layer's lock, in either lock format (pure)."""

from __future__ import annotations

from nox_support.core.errors import DiscoveryError
from nox_support.lock import pylock


def lock_file_name(layer: str, lock_format: str) -> str:
    """``requirements.txt`` / ``requirements-<layer>.txt``, or PEP 751's ``pylock[.<layer>].toml``."""
    if lock_format == "pylock":
        if "." in layer:
            msg = f"layer {layer!r} cannot be a PEP 751 lock: pylock.{layer}.toml has a dot in its name"
            raise DiscoveryError(
                msg, hint=f"rename requirements-{layer}.in without dots (uv refuses the file name)"
            )
        return pylock.lock_name(layer)
    return "requirements.txt" if layer == "main" else f"requirements-{layer}.txt"
