"""Publishing to Slack through the outbox, against the fake's limits and failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import pairwise
from pathlib import Path

import pytest
from pydantic import SecretStr

from adapters.slack.mount import SLACK
from bot.delivery_progress import MemoryProgress
from bot.domain import Platform, PostState
from bot.errors import TransientDeliveryError
from tests.fakes.slack_blockkit import message_problems
from tests.slack import payloads
from tests.slack.conftest import MakeWorld
from tests.slack.long_paper import write_long_paper
from tests.slack.world import BOT, GENERAL, MEMBER, SlackWorld


@pytest.fixture
async def long_world(make_world: MakeWorld, tmp_path: Path) -> AsyncIterator[SlackWorld]:
    async with make_world(paper=write_long_paper(tmp_path / "paper")) as started:
        await started.join()
        yield started


def _post_calls(world: SlackWorld) -> list[tuple[int, float]]:
    return [(c.status, c.at) for c in world.fake.calls_to("chat.postMessage")]


async def test_a_paper_arrives_in_order_with_long_sections_threaded(long_world: SlackWorld) -> None:
    world = long_world
    long_post, short_post = await world.publish(["all"])
    messages = world.fake.posted(GENERAL)
    assert [p.state for p in (long_post, short_post)] == [PostState.SENT, PostState.SENT]
    assert len(long_post.message_ids) >= 3
    assert [m.ts for m in messages] == [*long_post.message_ids, *short_post.message_ids]
    root = long_post.message_ids[0]
    assert [m.thread_ts for m in messages] == [
        None,
        *[root] * (len(long_post.message_ids) - 1),
        None,
    ]
    assert all(message_problems(m.blocks) == [] for m in messages)
    assert all(m.payload_bytes < 20_000 for m in messages)
    # One message per second per channel, continuations included: the fake never said 429.
    times = [m.at for m in messages]
    assert all(b - a >= 1.0 for a, b in pairwise(times))
    assert {status for status, _ in _post_calls(world)} == {200}


async def test_a_429_is_honoured_and_the_post_is_sent_exactly_once(world: SlackWorld) -> None:
    await world.join()
    world.fake.fail_next("chat.postMessage", "429", retry_after=3)
    (post,) = await world.publish(["1"])
    (limited, accepted) = _post_calls(world)
    assert limited[0] == 429
    assert accepted[0] == 200
    assert accepted[1] - limited[1] >= 3
    assert post.state is PostState.SENT
    assert len(world.fake.posted(GENERAL)) == 1


async def test_a_429_on_a_continuation_resumes_without_posting_the_root_again(
    long_world: SlackWorld,
) -> None:
    world = long_world
    world.fake.fail_next("chat.postMessage", "429", retry_after=2, skip=1)
    (long_post,) = await world.publish(["1"])
    messages = world.fake.posted(GENERAL)
    roots = [m for m in messages if m.thread_ts is None]
    assert len(roots) == 1
    assert long_post.state is PostState.SENT
    assert list(long_post.message_ids) == [m.ts for m in messages]


async def test_a_section_resumes_from_the_messages_its_progress_holds(
    long_world: SlackWorld,
) -> None:
    # What a retry after a crash sees: the progress read back from the database.
    world = long_world
    (post,) = await world.publish(["1"])
    first = world.fake.posted(GENERAL)
    world.fake.fail_next("chat.postMessage", "503", skip=1)
    platform = world.services.platforms[Platform.SLACK]
    channel = await world.services.engagement.find_channel(
        platform=Platform.SLACK, workspace_id=BOT.team_id, external_id=GENERAL
    )
    assert channel is not None
    section = world.services.engagement.paper.sections[0]
    progress = MemoryProgress([first[0].ts])  # the root is out, nothing else
    with pytest.raises(TransientDeliveryError):
        await platform.post_section(channel=channel, section=section, post=post, progress=progress)
    # The continuation accepted before the 503 is noted; the root was not posted again.
    again = world.fake.posted(GENERAL)[len(first) :]
    assert [m.thread_ts for m in again] == [first[0].ts]
    assert progress.message_ids == (first[0].ts, again[0].ts)
    delivery = await platform.post_section(
        channel=channel, section=section, post=post, progress=progress
    )
    again = world.fake.posted(GENERAL)[len(first) :]
    assert len(again) == len(first) - 1  # every continuation once, no second root
    assert all(m.thread_ts == first[0].ts for m in again)
    assert delivery.message_ids == (first[0].ts, *(m.ts for m in again))


async def test_a_server_error_is_retried_and_the_post_is_sent_once(world: SlackWorld) -> None:
    await world.join()
    world.fake.fail_next("chat.postMessage", "503")
    (post,) = await world.publish(["1"])
    assert [status for status, _ in _post_calls(world)] == [503, 200]
    assert post.state is PostState.SENT
    assert len(world.fake.posted(GENERAL)) == 1


async def test_an_archived_channel_fails_the_post_for_good_with_a_clear_reason(
    world: SlackWorld,
) -> None:
    await world.join()
    world.fake.channels[GENERAL].archived = True
    (post,) = await world.publish(["1"])
    assert post.state is PostState.FAILED
    assert post.last_error is not None
    assert "archived" in post.last_error
    assert len(_post_calls(world)) == 1


async def test_a_permanent_failure_after_the_root_names_what_went_out(
    long_world: SlackWorld,
) -> None:
    world = long_world
    world.fake.fail_next("chat.postMessage", "invalid_blocks", skip=1)
    (long_post,) = await world.publish(["1"])
    assert long_post.state is PostState.FAILED
    (root,) = world.fake.posted(GENERAL)
    assert long_post.last_error is not None
    assert root.ts in long_post.last_error
    assert "not posted again" in long_post.last_error


async def test_a_bad_bot_token_fails_the_post_and_says_what_to_check(make_world: MakeWorld) -> None:
    async with make_world(slack_bot_token=SecretStr("xoxb-revoked")) as world:
        world.fake.add_channel(GENERAL, "general")
        await world.services.engagement.register_channel(
            platform=Platform.SLACK, workspace_id=payloads.TEAM, external_id=GENERAL, name="general"
        )
        (post,) = await world.publish(["1"])
    assert post.state is PostState.FAILED
    assert post.last_error is not None
    assert "invalid_auth" in post.last_error
    assert "SLACK_BOT_TOKEN" in post.last_error


async def test_private_messages_are_ephemeral_escaped_and_never_ping(world: SlackWorld) -> None:
    await world.join()
    channel = await world.services.engagement.find_channel(
        platform=Platform.SLACK, workspace_id=payloads.TEAM, external_id=GENERAL
    )
    assert channel is not None
    platform = world.client.app[SLACK].platform
    await platform.send_private(channel=channel, user_id=MEMBER, text="Thanks <!channel> & <@U1>")
    (sent,) = world.fake.ephemerals
    assert sent["text"] == "Thanks &lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert sent["link_names"] is False
    assert sent["user"] == MEMBER
