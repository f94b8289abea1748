"""The `/engage` slash command: organisers post and see status; everyone else gets help or a
polite refusal; replies are private and never ping anyone."""

from __future__ import annotations

import sqlite3

from bot.commands import REFUSAL
from bot.domain import Platform
from tests.slack import payloads
from tests.slack.world import GENERAL, MEMBER, ORGANISER, SlackWorld


async def test_help_is_answered_privately_to_anyone(world: SlackWorld) -> None:
    reply = await world.command("help", user=MEMBER)
    assert reply.status == 200
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    assert "post &lt;section|all&gt;" in body["text"]  # the brackets would be parsed as a link


async def test_someone_who_is_not_an_organiser_is_refused(world: SlackWorld) -> None:
    reply = await world.command("post all", user=MEMBER)
    assert reply.json()["text"] == REFUSAL
    assert world.rows("posts") == 0
    assert world.rows("channels") == 0


async def test_an_organiser_posts_to_the_channel_the_command_was_typed_in(
    world: SlackWorld,
) -> None:
    world.fake.add_channel(GENERAL, "general")
    reply = await world.command("post 1 2", user=ORGANISER)
    assert reply.status == 200
    assert "Queued 2 post(s) to general" in reply.json()["text"]
    channel = await world.services.engagement.find_channel(
        platform=Platform.SLACK, workspace_id=payloads.TEAM, external_id=GENERAL
    )
    assert channel is not None
    assert world.rows("posts") == 2


async def test_a_channel_named_in_the_command_is_resolved_by_its_id(world: SlackWorld) -> None:
    await world.join("C0TARGET", "target-channel")
    reply = await world.command("post 1 <#C0TARGET|target-channel>", user=ORGANISER)
    assert "to target-channel" in reply.json()["text"]
    async with world.services.store.transaction() as tx:
        (post,) = await tx.list_posts()
        channel = await tx.get_channel(channel_id=post.channel_id)
    assert channel is not None
    assert channel.external_id == "C0TARGET"


async def test_user_text_echoed_back_cannot_ping_the_channel(world: SlackWorld) -> None:
    reply = await world.command("<!channel> <@U0BOSS> shout", user=ORGANISER)
    text = reply.json()["text"]
    assert "<!channel>" not in text
    assert "<@U0BOSS>" not in text
    assert "&lt;!channel&gt;" in text


async def test_status_lists_every_section_for_an_organiser(world: SlackWorld) -> None:
    reply = await world.command("status", user=ORGANISER)
    text = reply.json()["text"]
    assert text.count("reactions") == 4  # our example paper has four sections


async def test_status_counts_what_members_did_with_each_section(world: SlackWorld) -> None:
    await world.join()
    (post,) = await world.publish(["1"])
    assert post.root_message_id is not None
    root = post.root_message_id
    for user, emoji in (("U0A", "thumbsup"), ("U0B", "bulb")):
        event = payloads.reaction(
            "reaction_added", user=user, emoji=emoji, channel=GENERAL, ts=root
        )
        assert (await world.event(event)).status == 200
    said = payloads.reply(
        user=MEMBER, text="Yes.", channel=GENERAL, ts="1800000000.000300", thread_ts=root
    )
    assert (await world.event(said)).status == 200
    lines = (await world.command("status", user=ORGANISER)).json()["text"].splitlines()
    first, second = lines[1], lines[2]
    assert first.startswith("1. ")
    assert first.endswith("1 posts · 2 reactions · 1 replies · 0 feedback")
    assert second.endswith("0 posts · 0 reactions · 0 replies · 0 feedback")


async def test_post_to_a_sector_reaches_only_the_channels_tagged_with_it(
    world: SlackWorld,
) -> None:
    for external_id, name in (("C0LA1", "la-north"), ("C0LA2", "la-south"), ("C0GOV", "gov")):
        await world.join(external_id, name)
    async with world.services.store.transaction() as tx:
        for channel in await tx.list_channels(platform=Platform.SLACK):
            if channel.name.startswith("la-"):
                await tx.set_channel_tags(channel_id=channel.id, tags=frozenset({"la"}))
    reply = await world.command("post 2 sector:LA", user=ORGANISER)
    assert reply.status == 200
    async with world.services.store.transaction() as tx:
        reached = {
            to.name
            for post in await tx.list_posts()
            if (to := await tx.get_channel(channel_id=post.channel_id)) is not None
        }
    assert reached == {"la-north", "la-south"}


async def test_a_channel_named_by_its_plain_name_is_found(world: SlackWorld) -> None:
    await world.join("C0TARGET", "target-channel")
    reply = await world.command("post 1 #target-channel", user=ORGANISER)
    assert "to target-channel" in reply.json()["text"]
    assert world.rows("posts") == 1


async def test_help_names_slacks_own_schedule_and_export_among_the_commands(
    world: SlackWorld,
) -> None:
    lines = (await world.command("help", user=MEMBER)).json()["text"].splitlines()
    assert [line for line in lines if "export" in line] == [
        "• export [csv|xlsx|jsonl] — the responses as files, sent to you in a DM"
    ]
    schedule = next(i for i, line in enumerate(lines) if line.startswith("• schedule"))
    assert all(not line.startswith("•") for line in lines[schedule + 2 :])


async def test_a_member_can_delete_their_own_data(world: SlackWorld) -> None:
    await world.join()
    (post,) = await world.publish(["1"])
    assert post.root_message_id is not None
    said = payloads.reply(
        user=MEMBER,
        text="Please forget this.",
        channel=GENERAL,
        ts="1800000000.000200",
        thread_ts=post.root_message_id,
    )
    assert (await world.event(said)).status == 200
    reply = await world.command("delete my data", user=MEMBER)
    assert reply.json()["response_type"] == "ephemeral"
    assert "your name and account id are removed" in reply.json()["text"]
    with sqlite3.connect(world.db) as conn:
        texts = [t for (t,) in conn.execute("SELECT text FROM replies")]
    assert "Please forget this." not in texts
