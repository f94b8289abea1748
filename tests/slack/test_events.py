"""Reactions, thread replies and channel membership, from signed events to stored rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.domain import Platform, Post
from tests.slack import payloads
from tests.slack.conftest import MakeWorld
from tests.slack.long_paper import write_long_paper
from tests.slack.world import BOT, GENERAL, MEMBER, SlackWorld


@pytest.fixture
async def post(world: SlackWorld) -> Post:
    await world.join()
    (posted,) = await world.publish(["1"])
    return posted


def _root(post: Post) -> str:
    assert post.root_message_id is not None
    return post.root_message_id


async def _reactions(world: SlackWorld, post: Post) -> dict[str, int]:
    async with world.services.store.transaction() as tx:
        return dict(await tx.active_reactions(post_id=post.id))


async def test_a_reaction_on_our_post_is_stored_under_its_emoji_name(
    world: SlackWorld, post: Post
) -> None:
    event = payloads.reaction(
        "reaction_added", user=MEMBER, emoji="thumbsup", channel=GENERAL, ts=_root(post)
    )
    reply = await world.event(event)
    assert reply.status == 200
    assert await _reactions(world, post) == {"thumbsup": 1}


async def test_a_removed_reaction_is_withdrawn(world: SlackWorld, post: Post) -> None:
    for kind in ("reaction_added", "reaction_removed"):
        event = payloads.reaction(kind, user=MEMBER, emoji="bulb", channel=GENERAL, ts=_root(post))
        assert (await world.event(event)).status == 200
    assert await _reactions(world, post) == {}


async def test_a_retried_event_is_stored_once(world: SlackWorld, post: Post) -> None:
    event = payloads.reaction(
        "reaction_added", user=MEMBER, emoji="thumbsup", channel=GENERAL, ts=_root(post)
    )
    first = await world.event(event, event_id="Ev0RETRIED")
    events_after_first = world.rows("processed_events")
    retry = await world.send(
        json.dumps(payloads.envelope(event, event_id="Ev0RETRIED")),
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert (first.status, retry.status) == (200, 200)
    assert world.rows("processed_events") == events_after_first
    assert world.rows("reactions") == 1


async def test_a_reaction_on_a_message_that_is_not_ours_is_ignored(
    world: SlackWorld, post: Post
) -> None:
    before = world.row_counts()
    event = payloads.reaction(
        "reaction_added", user=MEMBER, emoji="tada", channel=GENERAL, ts="1111.2222"
    )
    reply = await world.event(event)
    assert reply.status == 200
    assert world.row_counts() == before


async def test_a_thread_reply_is_stored_against_the_post(world: SlackWorld, post: Post) -> None:
    event = payloads.reply(
        user=MEMBER,
        text="We tried this in 2023.",
        channel=GENERAL,
        ts="1800000000.000100",
        thread_ts=_root(post),
    )
    assert (await world.event(event)).status == 200
    async with world.services.store.transaction() as tx:
        replies = await tx.list_replies(post_id=post.id)
    assert [(r.external_id, r.text) for r in replies] == [
        (f"{GENERAL}/1800000000.000100", "We tried this in 2023.")
    ]


async def test_a_reply_also_sent_to_the_channel_counts_as_a_reply(
    world: SlackWorld, post: Post
) -> None:
    event = payloads.reply(
        user=MEMBER,
        text="Broadcast",
        channel=GENERAL,
        ts="1800000000.000300",
        thread_ts=_root(post),
        subtype="thread_broadcast",
    )
    assert (await world.event(event)).status == 200
    assert world.rows("replies") == 1


async def test_messages_from_bots_and_outside_our_threads_are_ignored(
    world: SlackWorld, post: Post
) -> None:
    before = world.row_counts()
    ours = payloads.reply(
        user=BOT.user_id,
        text="continued",
        channel=GENERAL,
        ts="1800000000.1",
        thread_ts=_root(post),
        bot_id=BOT.bot_id,
    )
    other_bot = payloads.reply(
        user=None,
        text="beep",
        channel=GENERAL,
        ts="1800000000.2",
        thread_ts=_root(post),
        bot_id="BOTHER",
        subtype="bot_message",
    )
    top_level = payloads.reply(
        user=MEMBER, text="hello", channel=GENERAL, ts="1800000000.3", thread_ts=None
    )
    elsewhere = payloads.reply(
        user=MEMBER, text="hi", channel=GENERAL, ts="1800000000.4", thread_ts="1234.5678"
    )
    for event in (ours, other_bot, top_level, elsewhere):
        assert (await world.event(event)).status == 200
    assert world.row_counts() == before


async def test_an_edited_reply_replaces_its_text(world: SlackWorld, post: Post) -> None:
    ts = "1800000000.000500"
    await world.event(
        payloads.reply(user=MEMBER, text="frist", channel=GENERAL, ts=ts, thread_ts=_root(post))
    )
    await world.event(
        payloads.edited(user=MEMBER, text="first", channel=GENERAL, ts=ts, thread_ts=_root(post))
    )
    async with world.services.store.transaction() as tx:
        (stored,) = await tx.list_replies(post_id=post.id)
    assert stored.text == "first"
    assert stored.edited_at is not None


async def test_a_deleted_reply_is_marked_deleted(world: SlackWorld, post: Post) -> None:
    ts = "1800000000.000600"
    await world.event(
        payloads.reply(user=MEMBER, text="oops", channel=GENERAL, ts=ts, thread_ts=_root(post))
    )
    await world.event(payloads.deleted(user=MEMBER, channel=GENERAL, ts=ts, thread_ts=_root(post)))
    async with world.services.store.transaction() as tx:
        assert await tx.list_replies(post_id=post.id) == []
        (stored,) = await tx.list_replies(post_id=post.id, include_deleted=True)
    assert stored.deleted_at is not None


async def test_the_bot_joining_a_channel_registers_it_with_its_name(world: SlackWorld) -> None:
    await world.join("C0DESIGN", "design-team")
    channel = await world.services.engagement.find_channel(
        platform=Platform.SLACK, workspace_id=payloads.TEAM, external_id="C0DESIGN"
    )
    assert channel is not None
    assert (channel.name, channel.active) == ("design-team", True)


async def test_someone_else_joining_a_channel_registers_nothing(world: SlackWorld) -> None:
    world.fake.add_channel("C0OTHER", "other")
    assert (await world.event(payloads.member_joined(user=MEMBER, channel="C0OTHER"))).status == 200
    assert world.rows("channels") == 0


async def test_the_bot_leaving_a_channel_deactivates_it(world: SlackWorld) -> None:
    await world.join()
    assert (
        await world.event({"type": "channel_left", "channel": GENERAL, "actor_id": MEMBER})
    ).status == 200
    channel = await world.services.engagement.find_channel(
        platform=Platform.SLACK, workspace_id=payloads.TEAM, external_id=GENERAL
    )
    assert channel is not None
    assert channel.active is False


async def test_uninstalling_the_app_deactivates_every_channel_of_the_workspace(
    world: SlackWorld,
) -> None:
    await world.join()
    await world.join("C0SECOND", "second")
    assert (await world.event({"type": "app_uninstalled"})).status == 200
    async with world.services.store.transaction() as tx:
        channels = await tx.list_channels(platform=Platform.SLACK, active_only=False)
    assert [c.active for c in channels] == [False, False]


async def test_an_event_that_cannot_be_stored_answers_500_so_slack_retries(
    world: SlackWorld, post: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def database_down(event: object) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(world.services.engagement, "record", database_down)
    event = payloads.reaction(
        "reaction_added", user=MEMBER, emoji="thumbsup", channel=GENERAL, ts=_root(post)
    )
    reply = await world.event(event)
    assert reply.status == 500
    assert world.rows("reactions") == 0


async def test_a_reply_with_a_file_is_stored_with_the_files_name(
    world: SlackWorld, post: Post
) -> None:
    shared = payloads.reply(
        user=MEMBER,
        text="Our version of this form",
        channel=GENERAL,
        ts="1800000000.000700",
        thread_ts=_root(post),
        subtype="file_share",
        files=[{"id": "F0001", "name": "form.png", "title": "Intake form (draft)"}],
    )
    only_a_file = payloads.reply(
        user=MEMBER,
        text="",
        channel=GENERAL,
        ts="1800000000.000800",
        thread_ts=_root(post),
        subtype="file_share",
        files=[{"id": "F0002", "name": "notes.pdf"}],
    )
    for event in (shared, only_a_file):
        assert (await world.event(event)).status == 200
    async with world.services.store.transaction() as tx:
        texts = [r.text for r in await tx.list_replies(post_id=post.id)]
    assert texts == [
        "Our version of this form\n[file: Intake form (draft)]",
        "[file: notes.pdf]",
    ]


async def test_replies_with_the_same_ts_in_two_channels_are_two_replies(
    world: SlackWorld,
) -> None:
    # Slack's ts is unique only within a channel: one section posted to two channels.
    await world.join()
    await world.join("C0SECOND", "second")
    await world.publish(["1"])
    await world.publish(["1"], channel="C0SECOND")
    first, second = sorted(await world.posts(), key=lambda p: p.channel_id)
    ts = "1800000000.000900"
    for post, channel in ((first, GENERAL), (second, "C0SECOND")):
        event = payloads.reply(
            user=MEMBER, text=f"in {channel}", channel=channel, ts=ts, thread_ts=_root(post)
        )
        assert (await world.event(event)).status == 200
    # A deletion in the second channel leaves the first channel's reply alone.
    deleted = payloads.deleted(user=MEMBER, channel="C0SECOND", ts=ts, thread_ts=_root(second))
    assert (await world.event(deleted)).status == 200
    async with world.services.store.transaction() as tx:
        kept = await tx.list_replies(post_id=first.id)
        gone = await tx.list_replies(post_id=second.id, include_deleted=True)
    assert [r.text for r in kept] == [f"in {GENERAL}"]
    assert [r.deleted_at is not None for r in gone] == [True]


async def test_reactions_on_a_sections_continuation_messages_count_for_the_section(
    make_world: MakeWorld, tmp_path: Path
) -> None:
    async with make_world(paper=write_long_paper(tmp_path / "paper")) as world:
        await world.join()
        long_post, _ = await world.publish(["all"])
        root, *continuations = long_post.message_ids
        assert continuations
        for user, ts in (("U0A", root), ("U0B", continuations[0]), ("U0C", continuations[-1])):
            event = payloads.reaction(
                "reaction_added", user=user, emoji="bulb", channel=GENERAL, ts=ts
            )
            assert (await world.event(event)).status == 200
        # The continuations sit in the root's thread: a reply there names the root.
        said = payloads.reply(
            user=MEMBER, text="On part two", channel=GENERAL, ts="1800000001.1", thread_ts=root
        )
        assert (await world.event(said)).status == 200
        assert await _reactions(world, long_post) == {"bulb": 3}
        async with world.services.store.transaction() as tx:
            assert [r.text for r in await tx.list_replies(post_id=long_post.id)] == ["On part two"]
