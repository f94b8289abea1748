"""What every repository mixin shares: the session of the transaction and the dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession


class Repo:
    """State shared by the repository mixins: one AsyncSession inside one transaction.

    Methods flush so ids exist and constraints are checked, but never commit: the transaction
    belongs to `SqlStore.transaction()`.
    """

    def __init__(self, db: AsyncSession, *, dialect: str) -> None:
        self._db = db
        self._dialect = dialect

    def _insert(self, table: Any) -> sqlite.Insert | postgresql.Insert:
        """An INSERT with the dialect's ON CONFLICT clauses available."""
        if self._dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)


class NotFound(LookupError):
    """A row named by id does not exist: a bug in the caller, who had the id from us."""

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"no {what} with id {key!r} in the database")
