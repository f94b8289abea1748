"""Papers and their versioned sections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select

from bot.domain import Paper, Section
from storage.mapping import section_content, to_paper, to_section
from storage.repos.base import Repo
from storage.tables import PaperRow, SectionRow


class PaperRepo(Repo):
    """Papers: a reload keeps unchanged section versions and adds changed ones as current."""

    async def save_paper(self, *, paper: Paper, now: datetime) -> None:
        upsert = self._insert(PaperRow).values(
            id=paper.id, title=paper.title, version=paper.version, loaded_at=now
        )
        await self._db.exec(
            upsert.on_conflict_do_update(
                index_elements=["id"],
                set_={"title": paper.title, "version": paper.version, "loaded_at": now},
            )
        )
        await self._db.exec(
            update(SectionRow)
            .where(col(SectionRow.paper_id) == paper.id, col(SectionRow.current))
            .values(current=False)
            .execution_options(synchronize_session=False)
        )
        for section in paper.sections:
            await self._save_section(paper_id=paper.id, section=section, now=now)

    async def _save_section(self, *, paper_id: str, section: Section, now: datetime) -> None:
        insert = self._insert(SectionRow).values(
            paper_id=paper_id,
            section_id=section.id,
            version=section.version,
            ordinal=section.ordinal,
            title=section.title,
            anchor=section.anchor,
            content=section_content(section),
            source=section.source,
            current=True,
            created_at=now,
        )
        await self._db.exec(
            insert.on_conflict_do_nothing(index_elements=["paper_id", "section_id", "version"])
        )
        # An existing version keeps its content; only its place in the paper can change.
        await self._db.exec(
            update(SectionRow)
            .where(
                col(SectionRow.paper_id) == paper_id,
                col(SectionRow.section_id) == section.id,
                col(SectionRow.version) == section.version,
            )
            .values(current=True, ordinal=section.ordinal)
            .execution_options(synchronize_session=False)
        )

    async def load_paper(self, *, paper_id: str) -> Paper | None:
        row = await self._db.get(PaperRow, paper_id, populate_existing=True)
        if row is None:
            return None
        sections = await self._db.exec(
            select(SectionRow)
            .where(col(SectionRow.paper_id) == paper_id, col(SectionRow.current))
            .order_by(col(SectionRow.ordinal), col(SectionRow.id))
            .execution_options(populate_existing=True)
        )
        return to_paper(row, sections.all())

    async def get_section(
        self, *, paper_id: str, section_id: str, version: str | None = None
    ) -> Section | None:
        query = select(SectionRow).where(
            col(SectionRow.paper_id) == paper_id, col(SectionRow.section_id) == section_id
        )
        if version is None:
            query = query.where(col(SectionRow.current))
        else:
            query = query.where(col(SectionRow.version) == version)
        result = await self._db.exec(query.limit(1).execution_options(populate_existing=True))
        row = result.first()
        return None if row is None else to_section(row)
