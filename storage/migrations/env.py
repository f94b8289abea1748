"""Alembic's environment: runs migrations on the connection `storage.migrate` hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.migrate import MIGRATION_LOCK_KEY
from storage.tables import METADATA


def _core_tables_only(name: str | None, kind: str, _parents: object) -> bool:
    # Autogenerate compares only storage's tables: others (the Slack adapter's installation
    # tables, migration 0002) are migrated by hand and must not show up as "removed".
    return kind != "table" or name in METADATA.tables


def run_migrations(connection: Connection) -> None:
    """Upgrade inside one transaction that first takes the migration lock."""
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        include_name=_core_tables_only,
        render_as_batch=connection.dialect.name == "sqlite",
        # SQLite can roll back DDL too; one transaction (BEGIN IMMEDIATE, see storage.engine)
        # also serialises two processes migrating the same file.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Held until commit: a second process starting at the same time waits here, then
            # finds the schema at head and does nothing.
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "engage migrations run through storage.migrate.upgrade(url), which passes alembic "
            "a connection; the alembic command line without it is not supported"
        )
    run_migrations(connection)


_main()
