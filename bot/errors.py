"""Errors the core understands, raised by adapters and storage and handled in one place."""

from __future__ import annotations


class EngageError(Exception):
    """Base class of engage's own errors."""


class PaperError(EngageError):
    """A paper that cannot be read: the message names the file and, where known, the line."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = path if line is None else f"{path}:{line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.path = path
        self.line = line


class DeliveryError(EngageError):
    """Posting to a platform failed."""


class RateLimited(DeliveryError):
    """The platform asked us to slow down; try again after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientDeliveryError(DeliveryError):
    """A failure worth retrying with backoff (a 5xx, a dropped connection)."""


class PermanentDeliveryError(DeliveryError):
    """A failure retrying will not fix (channel gone, bot removed, message refused)."""


class TargetError(EngageError):
    """An organiser named a section or channel that does not exist."""
