"""Organisers drive engage from Teams by @mentioning the bot or in a personal chat."""

from __future__ import annotations

from typing import Any

from bot.domain import Channel, Platform
from tests.fakes.bot_connector import Call
from tests.teams import activities as act
from tests.teams.conftest import Teams


def mention(teams: Teams, text: str, *, sender: str, message_id: str) -> dict[str, Any]:
    """A new top-level channel post that @mentions the bot (its thread is its own)."""
    body = act.message(
        teams.service_url, text, conversation_id=f"{act.RESEARCH};messageid={message_id}",
        mention=True, activity_id=message_id,
    )  # fmt: skip
    body["from"] = {"id": f"29:{sender}", "name": "Olu", "aadObjectId": sender}
    return body


def answers(teams: Teams) -> list[Call]:
    return [c for c in teams.connector.calls if c.method == "POST" and "/activities" in c.path]


async def test_an_organisers_mention_posts_to_the_channel_it_came_from(teams: Teams) -> None:
    await teams.install()

    response = await teams.send(
        mention(teams, "post 1", sender=act.ORGANISER_AAD, message_id="m-100")
    )

    assert response.status == 200
    async with teams.store.transaction() as tx:
        (post,) = await tx.list_posts()
        channel = await tx.get_channel(channel_id=post.channel_id)
    assert isinstance(channel, Channel)
    assert channel.external_id == act.RESEARCH
    (answer,) = answers(teams)
    assert answer.path.endswith("/activities/m-100")  # a reply under the organiser's message
    assert "Queued 1 post(s)" in answer.body["text"]


async def test_a_member_who_is_not_an_organiser_is_refused(teams: Teams) -> None:
    await teams.install()

    await teams.send(mention(teams, "post all", sender=act.ALICE_AAD, message_id="m-101"))

    async with teams.store.transaction() as tx:
        assert list(await tx.list_posts()) == []
    (answer,) = answers(teams)
    assert "only the consultation's organisers" in answer.body["text"]


async def test_help_in_a_personal_chat_answers_there_and_opens_private_messages(
    teams: Teams,
) -> None:
    await teams.send(act.personal_message(teams.service_url, "help", sender=act.ALICE_AAD))
    platform = teams.services.platforms[Platform.TEAMS]
    channel = (await teams.install())[0]

    await platform.send_private(
        channel=channel, user_id=act.ALICE_AAD, text="Thanks for your feedback."
    )

    help_answer, private = answers(teams)
    assert help_answer.conversation_id == f"a:personal-{act.ALICE_AAD}"
    assert "help — this list" in help_answer.body["text"]
    assert "• schedule —" in help_answer.body["text"]
    assert private.conversation_id == f"a:personal-{act.ALICE_AAD}"
    assert private.body["text"] == "Thanks for your feedback."


async def test_removing_the_personal_app_stops_private_messages(teams: Teams) -> None:
    await teams.send(act.personal_message(teams.service_url, "help", sender=act.ALICE_AAD))
    removal = act.personal_message(teams.service_url, "", sender=act.ALICE_AAD)
    removal.update(type="installationUpdate", action="remove")
    await teams.send(removal)
    channel = (await teams.install())[0]
    platform = teams.services.platforms[Platform.TEAMS]

    await platform.send_private(channel=channel, user_id=act.ALICE_AAD, text="Hello again")

    assert len(answers(teams)) == 1  # the answer to "help" only


async def test_a_private_message_to_someone_never_met_is_skipped(teams: Teams) -> None:
    channel = (await teams.install())[0]
    platform = teams.services.platforms[Platform.TEAMS]

    await platform.send_private(channel=channel, user_id="aad-stranger", text="Hello")

    assert answers(teams) == []


async def test_a_plain_channel_message_without_a_mention_is_ignored(teams: Teams) -> None:
    await teams.install()
    body = act.message(
        teams.service_url,
        "post all",
        conversation_id=f"{act.RESEARCH};messageid=m-102",
        activity_id="m-102",
    )

    response = await teams.send(body)

    assert response.status == 200
    assert answers(teams) == []
    async with teams.store.transaction() as tx:
        assert list(await tx.list_posts()) == []
