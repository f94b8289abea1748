"""The storage port for exports, reports, erasure and retention (part of `StoreSession`)."""

from __future__ import annotations

from typing import Protocol


class ExportSession(Protocol):
    """Repository operations for exports and privacy, inside one transaction."""
