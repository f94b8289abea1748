"""The migrations form one line: every revision has one parent and there is a single head."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from storage.migrate import alembic_config


def test_migrations_have_a_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    heads = script.get_heads()
    assert len(heads) == 1, f"several heads {heads}: re-point the newer migration's down_revision"
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None
    assert "0004" in {r.revision for r in revisions}
