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
