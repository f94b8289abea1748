"""Publishing through the outbox: one channel thread per section, continuations for a section
too large for one message, Teams' throttling honoured, failures classified."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from bot.delivery_progress import MemoryProgress
from bot.domain import Paper, Paragraph, Platform, PostKind, PostState, Text
from bot.ports import NewPost
from tests.fakes.bot_connector import MAX_MESSAGE_BYTES, Call, FakeBotConnector
from tests.teams import activities as act
from tests.teams.conftest import CardSchema, Teams

BIG_PARAGRAPHS = 90


def with_oversized_section(paper: Paper, index: int = 1) -> Paper:
    """The paper with one section swollen well past Teams' 28 KB message limit."""
    paragraphs = tuple(
        Paragraph(
            children=(
                Text(
                    text=f"Marker {n:03d}. A café-style drop-in — run by the youth service — "
                    + "keeps notes on what worked and why, so the next team can reuse it. " * 4
                ),
            )
        )
        for n in range(BIG_PARAGRAPHS)
    )
    sections = list(paper.sections)
    big = sections[index]
    sections[index] = dataclasses.replace(
        big, blocks=big.blocks + paragraphs, version=big.version + "-big"
    )
    return dataclasses.replace(paper, sections=tuple(sections))


def cards_of(activity: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["content"] for a in activity.get("attachments") or []]


def card_text(card: dict[str, Any]) -> str:
    def texts(elements: list[dict[str, Any]]) -> list[str]:
        found: list[str] = []
        for element in elements:
            if element.get("type") == "TextBlock":
                found.append(element["text"])
            found.extend(texts(element.get("items") or []))
        return found

    return "\n".join(texts(card["body"]))


def creations(connector: FakeBotConnector) -> list[Call]:
    return [c for c in connector.calls if c.method == "POST" and c.path == "/v3/conversations"]


async def publish(
    teams: Teams, paper: Paper | None = None, *, sections: tuple[str, ...] = ("all",)
) -> None:
    engagement = teams.services.engagement
    if paper is not None:
        await engagement.load_paper(paper)
    await engagement.publish(sections=list(sections), target=act.RESEARCH, platform=Platform.TEAMS)
    await teams.services.senders[Platform.TEAMS].drain()


async def test_publishing_the_paper_starts_one_thread_per_section_in_order(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()
    paper = with_oversized_section(teams.services.engagement.paper)
    teams.connector.fail_next(429, retry_after=3)

    await publish(teams, paper)

    threads = teams.connector.threads()
    assert len(threads) == len(paper.sections)
    assert all(t.startswith(act.RESEARCH + ";messageid=") for t in threads)
    roots = [teams.connector.in_thread(t)[0] for t in threads]
    titles = [cards_of(m.activity)[0]["body"][0]["text"] for m in roots]
    assert titles == [s.title for s in paper.sections]
    async with teams.store.transaction() as tx:
        posts = await tx.list_posts()
    assert [p.state for p in posts] == [PostState.SENT] * len(paper.sections)
    for post, thread in zip(posts, threads, strict=True):
        assert list(post.message_ids) == [m.id for m in teams.connector.in_thread(thread)]
    for message in teams.connector.messages:
        for card in cards_of(message.activity):
            assert card_schema.errors(card) == [], card
    assert teams.connector.spec_violations == []


async def test_an_oversized_section_continues_in_its_thread_with_every_block_once(
    teams: Teams,
) -> None:
    await teams.install()
    paper = with_oversized_section(teams.services.engagement.paper)

    await publish(teams, paper, sections=("2",))

    (thread,) = teams.connector.threads()
    messages = teams.connector.in_thread(thread)
    assert len(messages) >= 2
    bodies = [
        c.body for c in teams.connector.calls if c.status in (200, 201) and c.method == "POST"
    ]
    assert all(len(json.dumps(b)) <= MAX_MESSAGE_BYTES for b in bodies)
    text = "\n".join(card_text(card) for m in messages for card in cards_of(m.activity))
    positions = [text.find(f"Marker {n:03d}.") for n in range(BIG_PARAGRAPHS)]
    assert all(p >= 0 for p in positions)
    assert positions == sorted(positions)
    assert all(text.count(f"Marker {n:03d}.") == 1 for n in range(BIG_PARAGRAPHS))
    root_card = cards_of(messages[0].activity)[0]
    assert [a["title"] for a in root_card["actions"]] == ["Give feedback", "Reply"]
    assert all("actions" not in cards_of(m.activity)[0] for m in messages[1:])
    assert "(continued)" in cards_of(messages[1].activity)[0]["body"][0]["text"]


async def test_a_429_from_teams_is_honoured_before_the_next_attempt(teams: Teams) -> None:
    await teams.install()
    teams.connector.fail_next(429, retry_after=3)

    await publish(teams, sections=("1",))

    first, second = creations(teams.connector)
    assert (first.status, second.status) == (429, 201)
    assert second.at - first.at >= 3


async def test_the_outbox_keeps_within_teams_thread_limits_without_being_throttled(
    teams: Teams,
) -> None:
    await teams.install()
    paper = with_oversized_section(teams.services.engagement.paper)

    await publish(teams, paper)

    assert [c for c in teams.connector.calls if c.status == 429] == []
    times = sorted(c.at for c in teams.connector.calls if c.method == "POST")
    assert all(later - earlier >= 1 for earlier, later in zip(times, times[7:], strict=False))


async def test_a_failed_continuation_is_resent_without_posting_the_root_again(teams: Teams) -> None:
    await teams.install()
    paper = with_oversized_section(teams.services.engagement.paper)
    teams.connector.fail_next(502, in_threads_only=True)

    await publish(teams, paper, sections=("2",))

    assert [c.status for c in creations(teams.connector)] == [201]
    (thread,) = teams.connector.threads()
    async with teams.store.transaction() as tx:
        (post,) = await tx.list_posts()
    assert post.state is PostState.SENT
    assert list(post.message_ids) == [m.id for m in teams.connector.in_thread(thread)]
    assert len(post.message_ids) >= 2


async def test_a_continuation_refused_for_good_keeps_what_was_delivered(teams: Teams) -> None:
    await teams.install()
    paper = with_oversized_section(teams.services.engagement.paper)
    teams.connector.fail_next(404, in_threads_only=True, code="ConversationNotFound")

    await publish(teams, paper, sections=("2",))

    async with teams.store.transaction() as tx:
        (post,) = await tx.list_posts()
    (root,) = teams.connector.messages
    assert post.state is PostState.SENT
    assert list(post.message_ids) == [root.id]


@pytest.mark.parametrize("status", [403, 404])
async def test_a_channel_the_bot_was_removed_from_fails_without_retrying(
    teams: Teams, status: int
) -> None:
    await teams.install()
    teams.connector.fail_next(status, code="BotNotInConversationRoster")

    await publish(teams, sections=("1",))

    async with teams.store.transaction() as tx:
        (post,) = await tx.list_posts()
    assert post.state is PostState.FAILED
    assert "reinstall" in (post.last_error or "")
    assert len(creations(teams.connector)) == 1


async def test_a_server_error_is_retried_until_it_goes_through(teams: Teams) -> None:
    await teams.install()
    teams.connector.fail_next(504, times=2, code="GatewayTimeout")

    await publish(teams, sections=("1",))

    assert [c.status for c in creations(teams.connector)] == [504, 504, 201]
    async with teams.store.transaction() as tx:
        (post,) = await tx.list_posts()
    assert post.state is PostState.SENT


async def test_outgoing_calls_carry_a_token_from_the_configured_issuer(teams: Teams) -> None:
    await teams.install()
    before = len(teams.issuer.token_requests)

    await publish(teams, sections=("1", "2"))

    # The fake answers 401 to any other token; the token fetched while installing is reused.
    assert [c.status for c in creations(teams.connector)] == [201, 201]
    assert before >= 1
    assert len(teams.issuer.token_requests) == before


async def test_a_scheduled_prompt_starts_a_thread_of_its_own(teams: Teams) -> None:
    channels = {c.external_id: c for c in await teams.install()}
    async with teams.store.transaction() as tx:
        await tx.enqueue_post(
            new=NewPost(
                kind=PostKind.PROMPT,
                channel_id=channels[act.RESEARCH].id,
                idempotency_key="prompt-1",
                body="The webinar starts in one hour: bring your questions.",
            ),
            now=teams.services.clock.now(),
        )

    await teams.services.senders[Platform.TEAMS].drain()

    (thread,) = teams.connector.threads()
    (root,) = teams.connector.in_thread(thread)
    assert root.activity["text"] == "The webinar starts in one hour: bring your questions."
    async with teams.store.transaction() as tx:
        (post,) = await tx.list_posts()
    assert post.state is PostState.SENT
    assert list(post.message_ids) == [root.id]


async def test_a_section_resumes_in_its_thread_from_the_messages_its_progress_holds(
    teams: Teams,
) -> None:
    # What a retry after a crash sees: the root's id read back from the database.
    await teams.install()
    paper = with_oversized_section(teams.services.engagement.paper)
    await publish(teams, paper, sections=("2",))
    (thread,) = teams.connector.threads()
    first = teams.connector.in_thread(thread)
    async with teams.store.transaction() as tx:
        (post,) = await tx.list_posts()
        channel = await tx.get_channel(channel_id=post.channel_id)
    assert channel is not None
    platform = teams.services.platforms[Platform.TEAMS]
    progress = MemoryProgress([first[0].id])

    delivery = await platform.post_section(
        channel=channel, section=paper.sections[1], post=post, progress=progress
    )

    assert teams.connector.threads() == [thread]  # no second root
    again = teams.connector.in_thread(thread)[len(first) :]
    assert len(again) == len(first) - 1
    assert delivery.message_ids == (first[0].id, *(m.id for m in again))
