"""Migration 0002 creates exactly the installation tables slack_sdk's store reads and writes."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from adapters.slack.installation_tables import METADATA
from storage.engine import create_engine


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Compare only the installation tables (the core's tables are storage's concern)."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in METADATA.tables


async def test_the_migrated_installation_tables_match_slack_sdks_definitions(
    migrated_db: Any,
) -> None:
    def differences(connection: Connection) -> tuple[set[str], list[Any]]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _ours}
        )
        return set(inspect(connection).get_table_names()), compare_metadata(context, METADATA)

    engine = create_engine(f"sqlite+aiosqlite:///{migrated_db}")
    try:
        async with engine.connect() as connection:
            tables, diff = await connection.run_sync(differences)
    finally:
        await engine.dispose()
    assert set(METADATA.tables) <= tables
    assert diff == []
