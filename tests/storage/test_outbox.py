"""The outbox: idempotent writes, atomic claims, leases and delivery outcomes."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

import pytest

from bot.domain import Platform, Post, PostKind, PostState
from bot.ports import NewPost
from storage.store import SqlStore
from tests.storage.helpers import channel, sent_post


def new_post(channel_id: int, key: str) -> NewPost:
    return NewPost(
        kind=PostKind.SECTION,
        channel_id=channel_id,
        idempotency_key=key,
        paper_id="example",
        section_id="costs",
        section_version="v1",
    )


async def test_enqueue_is_idempotent_on_the_key(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        c = await channel(tx)
        first, created = await tx.enqueue_post(new=new_post(c.id, "k"), now=now)
    async with store.transaction() as tx:
        again, created_again = await tx.enqueue_post(new=new_post(c.id, "k"), now=now)
        posts = await tx.list_posts()
    assert created
    assert not created_again
    assert again == first
    assert posts == [first]
    assert first.state is PostState.PENDING
    assert first.attempts == 0


async def test_claim_marks_sending_counts_attempts_and_returns_oldest_first(
    store: SqlStore, now: datetime
) -> None:
    async with store.transaction() as tx:
        c = await channel(tx)
        for key in ("a", "b", "c"):
            await tx.enqueue_post(new=new_post(c.id, key), now=now)
    async with store.transaction() as tx:
        claimed = await tx.claim_posts(platform=Platform.SLACK, now=now, lease_seconds=60, limit=2)
    assert [p.idempotency_key for p in claimed] == ["a", "b"]
    assert all(p.state is PostState.SENDING and p.attempts == 1 for p in claimed)


async def test_claim_only_takes_the_platform_asked_for(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        slack = await channel(tx)
        teams = await channel(tx, platform=Platform.TEAMS, workspace_id="X", external_id="19:a")
        await tx.enqueue_post(new=new_post(slack.id, "s"), now=now)
        await tx.enqueue_post(new=new_post(teams.id, "t"), now=now)
    async with store.transaction() as tx:
        claimed = await tx.claim_posts(platform=Platform.TEAMS, now=now, lease_seconds=60, limit=10)
    assert [p.idempotency_key for p in claimed] == ["t"]


@pytest.mark.timeout(60)
async def test_concurrent_claimers_never_get_the_same_row(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        c = await channel(tx)
        for n in range(200):
            await tx.enqueue_post(new=new_post(c.id, f"k{n}"), now=now)

    async def claimer() -> list[int]:
        mine: list[int] = []
        while True:
            async with store.transaction() as tx:
                batch = await tx.claim_posts(
                    platform=Platform.SLACK, now=now, lease_seconds=300, limit=7
                )
            if not batch:
                return mine
            mine.extend(p.id for p in batch)
            await asyncio.sleep(0)

    results = await asyncio.gather(*(claimer() for _ in range(4)))
    counts = Counter(post_id for ids in results for post_id in ids)
    assert len(counts) == 200
    assert set(counts.values()) == {1}
    async with store.transaction() as tx:
        posts = await tx.list_posts()
    assert {p.state for p in posts} == {PostState.SENDING}
    assert {p.attempts for p in posts} == {1}


async def test_an_expired_lease_is_claimed_again(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        c = await channel(tx)
        await tx.enqueue_post(new=new_post(c.id, "k"), now=now)
    async with store.transaction() as tx:
        (first,) = await tx.claim_posts(platform=Platform.SLACK, now=now, lease_seconds=60, limit=5)
    async with store.transaction() as tx:
        during = await tx.claim_posts(
            platform=Platform.SLACK, now=now + timedelta(seconds=59), lease_seconds=60, limit=5
        )
    async with store.transaction() as tx:
        after = await tx.claim_posts(
            platform=Platform.SLACK, now=now + timedelta(seconds=60), lease_seconds=60, limit=5
        )
    assert during == []
    assert [p.id for p in after] == [first.id]
    assert after[0].attempts == 2


async def test_mark_sent_records_message_ids_and_is_not_claimed_again(
    store: SqlStore, now: datetime
) -> None:
    async with store.transaction() as tx:
        c = await channel(tx)
        post, _ = await tx.enqueue_post(new=new_post(c.id, "k"), now=now)
        await tx.claim_posts(platform=Platform.SLACK, now=now, lease_seconds=1, limit=5)
        sent = await tx.mark_post_sent(
            post_id=post.id, message_ids=["1.1", "1.2"], now=now + timedelta(seconds=1)
        )
        later = await tx.claim_posts(
            platform=Platform.SLACK, now=now + timedelta(hours=1), lease_seconds=1, limit=5
        )
    assert sent.state is PostState.SENT
    assert sent.message_ids == ("1.1", "1.2")
    assert sent.root_message_id == "1.1"
    assert sent.sent_at == now + timedelta(seconds=1)
    assert later == []
    async with store.transaction() as tx:
        assert await tx.get_post(post_id=post.id) == sent


async def test_retry_waits_until_its_time(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        c = await channel(tx)
        post, _ = await tx.enqueue_post(new=new_post(c.id, "k"), now=now)
        await tx.claim_posts(platform=Platform.SLACK, now=now, lease_seconds=60, limit=5)
        retry_at = now + timedelta(seconds=30)
        retried = await tx.mark_post_retry(
            post_id=post.id, error="429 rate limited", retry_at=retry_at, now=now
        )
        early = await tx.claim_posts(
            platform=Platform.SLACK, now=now + timedelta(seconds=29), lease_seconds=60, limit=5
        )
        due = await tx.claim_posts(platform=Platform.SLACK, now=retry_at, lease_seconds=60, limit=5)
    assert retried.state is PostState.PENDING
    assert retried.last_error == "429 rate limited"
    assert retried.next_attempt_at == retry_at
    assert early == []
    assert [(p.id, p.attempts) for p in due] == [(post.id, 2)]


async def test_failed_posts_are_never_claimed(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        c = await channel(tx)
        post, _ = await tx.enqueue_post(new=new_post(c.id, "k"), now=now)
        failed = await tx.mark_post_failed(post_id=post.id, error="channel_not_found", now=now)
        later = await tx.claim_posts(
            platform=Platform.SLACK, now=now + timedelta(days=1), lease_seconds=60, limit=5
        )
    assert failed.state is PostState.FAILED
    assert failed.last_error == "channel_not_found"
    assert later == []


async def test_marking_an_unknown_post_raises_lookup_error(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        with pytest.raises(LookupError, match="post"):
            await tx.mark_post_failed(post_id=999, error="x", now=now)


async def test_find_post_by_root_and_continuation_message(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        c = await channel(tx)
        post = await sent_post(tx, on=c, key="k", now=now, message_ids=("root", "cont"))

        async def find(
            message_id: str, *, channel_id: str = "C1", workspace: str = "T1"
        ) -> Post | None:
            return await tx.find_post_by_message(
                platform=Platform.SLACK,
                workspace_id=workspace,
                channel_external_id=channel_id,
                message_id=message_id,
            )

        assert await find("root") == post
        assert await find("cont") == post
        assert await find("other") is None
        assert await find("root", channel_id="C2") is None
        assert await find("root", workspace="T2") is None


async def test_list_posts_filters_by_channel_and_kind(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        one = await channel(tx)
        two = await channel(tx, external_id="C2")
        a, _ = await tx.enqueue_post(new=new_post(one.id, "a"), now=now)
        b, _ = await tx.enqueue_post(new=new_post(two.id, "b"), now=now)
        prompt, _ = await tx.enqueue_post(
            new=NewPost(kind=PostKind.PROMPT, channel_id=one.id, idempotency_key="p", body="Hi"),
            now=now,
        )
        assert [p.id for p in await tx.list_posts(channel_id=one.id)] == [a.id, prompt.id]
        assert [p.id for p in await tx.list_posts(kind=PostKind.SECTION)] == [a.id, b.id]
        assert await tx.list_posts(channel_id=two.id, kind=PostKind.PROMPT) == []


async def test_messages_noted_during_delivery_are_kept_for_the_next_claim(
    store: SqlStore, now: datetime
) -> None:
    async with store.transaction() as tx:
        c = await channel(tx)
        post, _ = await tx.enqueue_post(new=new_post(c.id, "long"), now=now)
    async with store.transaction() as tx:
        await tx.claim_posts(platform=Platform.SLACK, now=now, lease_seconds=60, limit=1)
        await tx.add_post_message(post_id=post.id, part=0, message_id="root")
    async with store.transaction() as tx:
        # Noted twice (a retried write): the first stands, nothing is duplicated.
        await tx.add_post_message(post_id=post.id, part=0, message_id="root")
        await tx.mark_post_retry(post_id=post.id, error="503", retry_at=now, now=now)
    async with store.transaction() as tx:
        (again,) = await tx.claim_posts(platform=Platform.SLACK, now=now, lease_seconds=60, limit=1)
        found = await tx.find_post_by_message(
            platform=Platform.SLACK, workspace_id="T1", channel_external_id="C1", message_id="root"
        )
        await tx.add_post_message(post_id=post.id, part=1, message_id="cont")
        await tx.mark_post_sent(post_id=post.id, message_ids=["root", "cont", "last"], now=now)
        done = await tx.get_post(post_id=post.id)
    assert again.message_ids == ("root",)
    assert found is not None
    assert found.id == post.id
    assert done is not None
    assert done.message_ids == ("root", "cont", "last")


async def test_noting_a_message_of_an_unknown_post_is_refused(store: SqlStore) -> None:
    with pytest.raises(LookupError):
        async with store.transaction() as tx:
            await tx.add_post_message(post_id=999_999, part=0, message_id="m")
