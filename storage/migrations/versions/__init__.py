"""Migration scripts, in order (alembic reads them by revision id, not by import)."""
