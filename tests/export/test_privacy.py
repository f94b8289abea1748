"""Erasure, consent, the quote choice and retention, against the real database."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain import FormSpec, Platform
from bot.engagement import Engagement
from bot.export import ExportFormat, ExportRequest, run_export
from bot.metrics import Metrics
from bot.ports_export import QuotePreference
from bot.privacy import (
    SELF,
    NotAllowed,
    UnknownParticipant,
    erase_for_organiser,
    erase_participant,
    erasure_text,
    require_organiser,
)
from bot.quote import QUOTE_FIELD, quote_choice, strictest, with_quote_field
from bot.retention import purge_expired, register_retention, retention_job
from bot.services import Services
from storage.engine import create_engine, dispose_engine
from storage.store import SqlStore
from tests.export.dataset import (
    ANN_REPLY,
    BOB_FEEDBACK,
    BOB_REPLY,
    BOB_REPLY_FIRST,
    PAPER,
    Dataset,
)
from tests.export.readers import read_jsonl

BOB_TRACES = (
    "U0BOB",
    "Bob Brown",
    BOB_FEEDBACK["org"],
    BOB_FEEDBACK["email"],
    BOB_FEEDBACK["summary"],
    BOB_REPLY,
    BOB_REPLY_FIRST,
)


async def traces(url: str, *needles: str) -> dict[str, list[str]]:
    """For each needle, every `table.column` of the database (all tables, every column read
    as text) whose text contains it."""

    def scan(connection: Connection) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {needle: [] for needle in needles}
        inspector = sa.inspect(connection)
        for table_name in inspector.get_table_names():
            for column in inspector.get_columns(table_name):
                table = sa.table(table_name, sa.column(column["name"]))
                text = sa.cast(table.c[column["name"]], sa.Text)
                hits = connection.execute(
                    sa.select(
                        *(
                            sa.func.count().filter(text.contains(needle, autoescape=True))
                            for needle in needles
                        )
                    ).select_from(table)
                ).one()
                for needle, count in zip(needles, hits, strict=True):
                    if count:
                        found[needle].append(f"{table_name}.{column['name']}")
        return found

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(scan)
    finally:
        await dispose_engine(engine)


async def test_after_an_erasure_no_table_holds_the_persons_identifiers_or_words(
    store: SqlStore, dataset: Dataset, database_url: str
) -> None:
    async with store.transaction() as tx:  # how to reach Bob privately names him too
        await tx.save_private_chat(
            platform=Platform.SLACK,
            workspace_id="T1",
            user_id="U0BOB",
            reference={"user": "U0BOB"},
            now=dataset.t0,
        )
    before = await traces(database_url, *BOB_TRACES)
    assert all(before.values()), before  # the scan finds each of them before
    counts = await erase_participant(
        store,
        platform=Platform.SLACK,
        workspace_id="T1",
        user_id="U0BOB",
        actor="slack:U0BOB",  # Bob asked in chat
        now=dataset.t0 + timedelta(days=1),
    )
    assert await traces(database_url, *BOB_TRACES) == {needle: [] for needle in BOB_TRACES}
    assert (counts.replies, counts.revisions, counts.feedback, counts.reactions) == (1, 1, 1, 1)
    assert counts.participant_key == dataset.bob.key
    # Others are untouched.
    assert await traces(database_url, "Ann Archer", ANN_REPLY) == {
        "Ann Archer": ["participants.display_name"],
        ANN_REPLY: ["replies.text"],
    }
    async with store.transaction() as tx:
        (entry,) = await tx.find_audit(action="erase")
    assert entry.actor == SELF
    assert entry.detail["participant"] == dataset.bob.key


async def test_an_erasure_keeps_the_anonymous_counts(
    store: SqlStore, dataset: Dataset, tmp_path: Path
) -> None:
    async with store.transaction() as tx:
        before = await tx.section_counts(paper_id=PAPER.id)
    await erase_participant(
        store, participant=dataset.bob.key, actor="cli:tester", now=dataset.t0 + timedelta(days=1)
    )
    async with store.transaction() as tx:
        after = await tx.section_counts(paper_id=PAPER.id)
        erased = await tx.find_privacy(key=dataset.bob.key)
    assert after == before
    assert erased is None  # the key is retired with the identity
    await run_export(
        store,
        request=ExportRequest(format=ExportFormat.JSONL, target=tmp_path / "out"),
        actor="test",
        now=dataset.t0 + timedelta(days=2),
    )
    feedback = read_jsonl(tmp_path / "out" / "feedback.jsonl")
    bob = feedback[1]
    assert (bob["nature"], bob["role"], bob["summary"], bob["details"]) == (
        "I am unsure",
        "Leader",
        "",
        "",
    )
    assert bob["participant"] not in (dataset.bob.key, dataset.ann.key, dataset.cat.key)
    replies = read_jsonl(tmp_path / "out" / "replies.jsonl")
    assert [r["text"] for r in replies] == [ANN_REPLY, "", ""]
    assert len(read_jsonl(tmp_path / "out" / "reactions.jsonl")) == 4


async def test_erasing_an_unknown_person_says_so(store: SqlStore, dataset: Dataset) -> None:
    with pytest.raises(UnknownParticipant, match="no participant with key 'p_nobody'"):
        await erase_participant(store, participant="p_nobody", actor="cli:t", now=dataset.t0)
    with pytest.raises(UnknownParticipant, match="nothing to delete"):
        await erase_participant(
            store,
            platform=Platform.WEB,
            workspace_id="local",
            user_id="x",
            actor=SELF,
            now=dataset.t0,
        )
    with pytest.raises(ValueError, match="one of the two"):
        await erase_participant(store, actor="cli:t", now=dataset.t0)


async def test_only_organisers_may_erase_someone_else(store: SqlStore, dataset: Dataset) -> None:
    with pytest.raises(NotAllowed, match="only the consultation's organisers"):
        await erase_for_organiser(
            store,
            is_organiser=False,
            participant=dataset.ann.key,
            actor="slack:U9",
            now=dataset.t0,
        )
    async with store.transaction() as tx:
        assert (await tx.find_privacy(key=dataset.ann.key)) is not None
        (refusal,) = await tx.find_audit(action="erase")
    assert refusal.action == "erase.refused"
    counts = await erase_for_organiser(
        store, is_organiser=True, participant=dataset.ann.key, actor="slack:U1", now=dataset.t0
    )
    assert counts.replies == 2  # one standing, one deleted before
    assert "2 replies emptied" in erasure_text(counts)


async def test_a_member_who_returns_after_erasure_is_asked_for_consent_again(
    store: SqlStore, dataset: Dataset
) -> None:
    who: dict[str, Any] = {"platform": Platform.SLACK, "workspace_id": "T1", "user_id": "U0ANN"}
    async with store.transaction() as tx:
        found = await tx.find_privacy(**who)
        assert found is not None
        assert found.consented_at is None
        await tx.record_consent(participant_id=found.participant.id, now=dataset.t0)
        await tx.record_consent(
            participant_id=found.participant.id, now=dataset.t0 + timedelta(days=1)
        )
    async with store.transaction() as tx:
        found = await tx.find_privacy(**who)
    assert found is not None
    assert found.consented_at == dataset.t0  # the first time is kept
    await erase_participant(store, **who, actor=SELF, now=dataset.t0)
    async with store.transaction() as tx:
        assert await tx.find_privacy(**who) is None


async def test_the_quote_choice_on_a_form_is_stored_and_exports_respect_it(
    store: SqlStore, dataset: Dataset, tmp_path: Path
) -> None:
    async with store.transaction() as tx:
        ann_privacy = await tx.find_privacy(
            platform=Platform.SLACK, workspace_id="T1", user_id="U0ANN"
        )
        assert ann_privacy is not None
        await tx.set_quote_preference(
            participant_id=ann_privacy.participant.id, preference=QuotePreference.NONE
        )
    await run_export(
        store,
        request=ExportRequest(
            format=ExportFormat.JSONL, target=tmp_path / "out", include_personal_data=True
        ),
        actor="test",
        now=dataset.t0,
    )
    ann = read_jsonl(tmp_path / "out" / "feedback.jsonl")[0]
    assert (ann["quote_preference"], ann["summary"], ann["participant_name"], ann["email"]) == (
        "none",
        "",
        "",
        "",
    )
    assert ann["nature"] == "I agree"
    assert read_jsonl(tmp_path / "out" / "replies.jsonl")[0]["text"] == ""


async def test_retention_reduces_old_responses_to_counts_and_erases_idle_members(
    store: SqlStore, dataset: Dataset, database_url: str
) -> None:
    later = dataset.t0 + timedelta(days=5)
    async with store.transaction() as tx:
        posts = await tx.list_posts()
        recent = await tx.add_reply(
            post_id=posts[0].id,
            participant_id=dataset.ann.id,
            external_id="r9",
            text="a recent thought",
            now=later,
        )
        before = await tx.section_counts(paper_id=PAPER.id)
    report = await purge_expired(store, retention_days=3, now=dataset.t0 + timedelta(days=6))
    assert (report.replies, report.revisions, report.feedback, report.participants) == (3, 1, 3, 2)
    assert await traces(database_url, BOB_REPLY, "U0BOB", "U0ANN") == {
        BOB_REPLY: [],
        "U0BOB": [],
        "U0ANN": ["participants.user_id"],
    }
    async with store.transaction() as tx:
        assert await tx.section_counts(paper_id=PAPER.id) == before
        kept = await tx.find_reply(platform=Platform.SLACK, external_id="r9")
        (entry,) = await tx.find_audit(action="retention")
    assert kept is not None
    assert kept.text == recent.text
    assert entry.detail["participants"] == 2
    again = await purge_expired(store, retention_days=3, now=dataset.t0 + timedelta(days=6))
    assert (again.replies, again.revisions, again.feedback, again.participants) == (0, 0, 0, 0)


def _services(store: SqlStore, settings: Settings, clock: ManualClock) -> Services:
    return Services(
        settings=settings,
        store=store,
        clock=clock,
        engagement=Engagement(store=store, clock=clock),
        metrics=Metrics(),
    )


async def test_the_daily_job_purges_at_start_and_stops_when_told(
    store: SqlStore, dataset: Dataset, tmp_path: Path
) -> None:
    clock = ManualClock(dataset.t0 + timedelta(days=30))
    settings = Settings(retention_days=7)
    services = _services(store, settings, clock)
    register_retention(services)
    (job,) = services.background
    stop = asyncio.Event()
    stop.set()
    await asyncio.wait_for(job(stop), timeout=10)
    async with store.transaction() as tx:
        (entry,) = await tx.find_audit(action="retention.purge")
    assert entry.detail["participants"] == 3


async def test_a_retention_period_below_one_day_is_refused(
    store: SqlStore, dataset: Dataset
) -> None:
    services = _services(store, Settings(retention_days=0), ManualClock())
    register_retention(services)
    assert services.background == []
    with pytest.raises(ValueError, match="1 or more"):
        await purge_expired(store, retention_days=0, now=dataset.t0)
    job = retention_job(_services(store, Settings(), ManualClock()))
    stop = asyncio.Event()
    stop.set()
    await asyncio.wait_for(job(stop), timeout=10)  # no retention period: nothing purged
    async with store.transaction() as tx:
        assert await tx.find_audit(action="retention") == []


def test_require_organiser_refuses_everyone_else_with_a_clear_message() -> None:
    require_organiser(True, action="export responses")
    with pytest.raises(NotAllowed, match="only the consultation's organisers can export"):
        require_organiser(False, action="export responses")


def test_the_quote_field_is_added_once_and_its_answers_read() -> None:
    form = FormSpec(fields=())
    once = with_quote_field(form)
    assert with_quote_field(once) == once
    assert once.fields == (QUOTE_FIELD,)
    assert [quote_choice({"quote": label}) for label in QUOTE_FIELD.options] == [
        QuotePreference.NAMED,
        QuotePreference.ANONYMISED,
        QuotePreference.NONE,
    ]
    assert quote_choice({"quote": ["none"]}) is QuotePreference.NONE
    assert quote_choice({"quote": "sure, why not"}) is None
    assert quote_choice({"quote": 3}) is None
    assert quote_choice({}) is None
    assert strictest(QuotePreference.NAMED, QuotePreference.NONE) is QuotePreference.NONE
    assert strictest(None, None) is QuotePreference.ANONYMISED
