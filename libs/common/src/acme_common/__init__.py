"""Shared helpers used by several services."""

from __future__ import annotations

from datetime import datetime

from dateutil import parser


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO-like timestamp the same way in every service."""
    return parser.isoparse(text)
