"""Tables for Slack OAuth installations, in engage's database.

The definitions are slack_sdk's own (`AsyncSQLAlchemyInstallationStore` reads and writes them),
on a MetaData of their own so they stay out of the core's schema; migration 0002 creates them.
"""

from __future__ import annotations

import sqlalchemy as sa
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"

METADATA = sa.MetaData()
INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(METADATA, INSTALLATIONS_TABLE)
BOTS = SQLAlchemyInstallationStore.build_bots_table(METADATA, BOTS_TABLE)
