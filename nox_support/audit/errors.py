"""The root of the audit subsystem's errors (each layer's interface derives its own)."""

from __future__ import annotations

from nox_support.core.errors import NoxSupportError


class AuditError(NoxSupportError):
    """Root of the audit subsystem's errors."""
