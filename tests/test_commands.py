from __future__ import annotations

from bot.commands import HELP, REFUSAL, run_command
from bot.domain import Actor, OrganiserCommand, Platform
from bot.engagement import Engagement
from storage.store import SqlStore

ORGANISER = Actor(user_id="U-org")
MEMBER = Actor(user_id="U-member")


def _command(text: str, actor: Actor = ORGANISER) -> OrganiserCommand:
    return OrganiserCommand(
        platform=Platform.WEB, workspace_id="local", channel_id="general", actor=actor, text=text
    )


async def _general(engagement: Engagement) -> None:
    await engagement.register_channel(
        platform=Platform.WEB, workspace_id="local", external_id="general", name="general"
    )


async def test_help_lists_the_commands(engagement: Engagement) -> None:
    reply = await run_command(engagement, _command("help"), organisers={"U-org"}, here="general")
    assert reply.text == HELP


async def test_members_who_are_not_organisers_are_refused_politely(
    engagement: Engagement, store: SqlStore
) -> None:
    await _general(engagement)
    reply = await run_command(
        engagement, _command("post all", MEMBER), organisers={"U-org"}, here="general"
    )
    assert (reply.ok, reply.text) == (False, REFUSAL)
    async with store.transaction() as tx:
        assert await tx.list_posts() == []


async def test_post_defaults_to_the_channel_it_was_typed_in(
    engagement: Engagement, store: SqlStore
) -> None:
    await _general(engagement)
    reply = await run_command(
        engagement, _command("post 1 2"), organisers={"U-org"}, here="general"
    )
    assert reply.ok
    assert reply.text.startswith("Queued 2 post(s) to general")
    async with store.transaction() as tx:
        assert [p.section_id for p in await tx.list_posts()] == [
            s.id for s in engagement.paper.sections[:2]
        ]


async def test_post_to_an_unknown_sector_says_so(engagement: Engagement) -> None:
    reply = await run_command(
        engagement, _command("post all sector:nobody"), organisers={"U-org"}, here="general"
    )
    assert not reply.ok
    assert "sector tag 'nobody'" in reply.text


async def test_status_counts_each_section(engagement: Engagement) -> None:
    reply = await run_command(engagement, _command("status"), organisers={"U-org"}, here="x")
    lines = reply.text.splitlines()
    assert len(lines) == 1 + len(engagement.paper.sections)
    assert lines[1].startswith(f"1. {engagement.paper.sections[0].title} — 0 posts")


async def test_an_unknown_verb_gets_help(engagement: Engagement) -> None:
    reply = await run_command(engagement, _command("dance"), organisers={"U-org"}, here="x")
    assert not reply.ok
    assert "I don't know 'dance'" in reply.text


async def test_export_needs_an_organiser(engagement: Engagement) -> None:
    reply = await run_command(
        engagement, _command("export", MEMBER), organisers={"U-org"}, here="x"
    )
    assert (reply.ok, reply.text) == (False, REFUSAL)


async def test_commands_that_need_the_server_say_so_without_it(engagement: Engagement) -> None:
    reply = await run_command(engagement, _command("export"), organisers={"U-org"}, here="x")
    assert not reply.ok
    assert "not available here" in reply.text


async def test_chat_export_in_another_format_says_where_to_get_it(engagement: Engagement) -> None:
    reply = await run_command(engagement, _command("export csv"), organisers={"U-org"}, here="x")
    assert not reply.ok
    assert "engage export" in reply.text
