"""Storage: SQLModel tables, the async engine, the `Store` implementation and migrations.

`upgrade(url)` brings a database to the newest schema; `SqlStore.open(url)` then serves it.
"""

from __future__ import annotations

from storage.migrate import upgrade, upgrade_async
from storage.store import SqlStore

__all__ = ["SqlStore", "upgrade", "upgrade_async"]
