"""Answers that are private go to the member's personal chat with the bot, never to a channel:
`export` (a signed download link) and `delete my data` (what was erased)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from adapters.teams.chat_commands import OPEN_A_CHAT, SENT_PRIVATELY
from adapters.teams.personal import PersonalChats
from bot.clock import ManualClock
from bot.domain import Platform
from tests.fakes.bot_connector import Message
from tests.teams import activities as act
from tests.teams.conftest import Posted, Teams, replies

PERSONAL = f"a:personal-{act.ORGANISER_AAD}"
LINK = re.compile(r"https://engage\.example\.org/exports/\S+")


def mention(teams: Teams, text: str, *, sender: str = act.ORGANISER_AAD) -> dict[str, Any]:
    body = act.message(
        teams.service_url, text, conversation_id=f"{act.RESEARCH};messageid=m-500",
        mention=True, activity_id="m-500",
    )  # fmt: skip
    body["from"] = {"id": f"29:{sender}", "name": "Olu", "aadObjectId": sender}
    return body


async def open_personal_chat(teams: Teams, sender: str = act.ORGANISER_AAD) -> None:
    await teams.send(act.personal_message(teams.service_url, "help", sender=sender))


def sent(teams: Teams) -> list[Message]:
    return [m for m in teams.connector.messages if m.activity.get("text")]


def in_channels(teams: Teams) -> list[str]:
    return [m.activity["text"] for m in sent(teams) if not m.thread_id.startswith("a:")]


def in_personal_chat(teams: Teams, who: str = act.ORGANISER_AAD) -> list[str]:
    return [m.activity["text"] for m in sent(teams) if m.thread_id == f"a:personal-{who}"]


def exports(teams: Teams) -> list[Path]:
    folder = teams.services.settings.export_dir
    assert folder is not None
    return sorted(folder.glob("*")) if folder.exists() else []


async def test_export_in_a_channel_sends_the_link_to_the_personal_chat_and_only_a_notice_to_the_thread(  # noqa: E501
    teams: Teams,
) -> None:
    await teams.install()
    await open_personal_chat(teams)

    await teams.send(mention(teams, "export xlsx"))

    assert in_channels(teams) == [SENT_PRIVATELY.format(what="link")]
    (_help, answer) = in_personal_chat(teams)
    (link,) = LINK.findall(answer)
    parts = urlsplit(link)
    download = await teams.client.get(f"{parts.path}?{parts.query}")
    assert download.status == 200
    assert (await download.read())[:2] == b"PK"  # an XLSX is a zip


async def test_export_in_a_channel_without_a_personal_chat_makes_no_link_and_says_how_to_get_one(
    teams: Teams,
) -> None:
    await teams.install()

    await teams.send(mention(teams, "export csv"))

    assert in_channels(teams) == [OPEN_A_CHAT.format(what="link", command="export csv")]
    assert not any(LINK.search(m.activity.get("text") or "") for m in sent(teams))
    assert exports(teams) == []


async def test_export_whose_personal_chat_refuses_falls_back_to_the_notice_without_the_link(
    teams: Teams,
) -> None:
    await teams.install()
    await open_personal_chat(teams)
    teams.connector.forbidden.add(PERSONAL)  # the organiser removed the app meanwhile

    await teams.send(mention(teams, "export"))

    assert in_channels(teams) == [OPEN_A_CHAT.format(what="link", command="export")]
    assert not any(LINK.search(text) for text in in_channels(teams))
    platform = teams.services.platforms[Platform.TEAMS]
    assert not await platform.knows_personal(act.ORGANISER_AAD)  # type: ignore[attr-defined]


async def test_export_in_the_personal_chat_answers_there_with_the_link(teams: Teams) -> None:
    await teams.send(act.personal_message(teams.service_url, "export", sender=act.ORGANISER_AAD))

    (answer,) = in_personal_chat(teams)
    assert LINK.search(answer)
    assert in_channels(teams) == []


async def test_export_from_someone_who_is_not_an_organiser_is_refused_in_place_without_a_file(
    teams: Teams,
) -> None:
    await teams.install()
    await open_personal_chat(teams, sender=act.ALICE_AAD)

    await teams.send(mention(teams, "export", sender=act.ALICE_AAD))

    (refusal,) = in_channels(teams)
    assert "only the consultation's organisers" in refusal
    assert exports(teams) == []


async def test_no_export_link_ever_reaches_a_channel(teams: Teams, clock: ManualClock) -> None:
    """Every way of asking, from both kinds of member, with and without a personal chat."""
    await teams.install()

    async def ask(text: str) -> None:
        for sender in (act.ORGANISER_AAD, act.ALICE_AAD):
            await teams.send(mention(teams, text, sender=sender))
            clock.advance(2)  # within Teams' thread limits, as a person typing would be

    for text in ("export", "export xlsx", "EXPORT jsonl", "export csv please"):
        await ask(text)
    await open_personal_chat(teams)
    await open_personal_chat(teams, sender=act.ALICE_AAD)
    for text in ("export", "export xlsx"):
        await ask(text)

    assert len(in_channels(teams)) == 12
    assert not any(LINK.search(text) or "sig=" in text for text in in_channels(teams))
    assert sum(bool(LINK.search(text)) for text in in_personal_chat(teams)) == 2


async def test_delete_my_data_in_a_channel_erases_and_answers_in_the_personal_chat(
    teams: Teams, posted: Posted
) -> None:
    reply = act.message(
        teams.service_url, "Our club tried this.", conversation_id=posted.thread,
        activity_id="r-1", sender=act.ALICE_AAD,
    )  # fmt: skip
    await teams.send(reply)
    await open_personal_chat(teams, sender=act.ALICE_AAD)

    await teams.send(mention(teams, "delete my data", sender=act.ALICE_AAD))

    assert in_channels(teams)[-1] == SENT_PRIVATELY.format(what="details")
    assert in_personal_chat(teams, act.ALICE_AAD)[-1].startswith("Done:")
    ((_, text),) = await replies(teams.store, posted.post, include_deleted=True)
    assert text != "Our club tried this."


async def test_delete_my_data_in_a_channel_without_a_personal_chat_erases_nothing_yet(
    teams: Teams, posted: Posted
) -> None:
    reply = act.message(
        teams.service_url, "Our club tried this.", conversation_id=posted.thread,
        activity_id="r-2", sender=act.ALICE_AAD,
    )  # fmt: skip
    await teams.send(reply)

    await teams.send(mention(teams, "delete my data", sender=act.ALICE_AAD))

    assert in_channels(teams)[-1] == OPEN_A_CHAT.format(what="details", command="delete my data")
    assert await replies(teams.store, posted.post) == [
        (f"{act.RESEARCH}/r-2", "Our club tried this.")
    ]


async def test_a_personal_chat_opened_before_a_restart_still_gets_the_private_answer(
    teams: Teams,
) -> None:
    await teams.install()
    await open_personal_chat(teams)
    # What a restart (or another replica) starts with: nothing in memory.
    platform = teams.services.platforms[Platform.TEAMS]
    platform._personal = PersonalChats(engagement=teams.services.engagement)  # type: ignore[attr-defined]

    await teams.send(mention(teams, "export"))

    assert in_channels(teams) == [SENT_PRIVATELY.format(what="link")]
    (_help, answer) = in_personal_chat(teams)
    assert LINK.search(answer)


@pytest.mark.parametrize("took_part", [True, False])
async def test_delete_my_data_forgets_the_personal_chat_too(
    teams: Teams, posted: Posted, took_part: bool
) -> None:
    if took_part:
        reply = act.message(
            teams.service_url, "Our club tried this.", conversation_id=posted.thread,
            activity_id="r-9", sender=act.ALICE_AAD,
        )  # fmt: skip
        await teams.send(reply)
    await open_personal_chat(teams, sender=act.ALICE_AAD)
    async with teams.store.transaction() as tx:
        kept = await tx.find_private_chat(platform=Platform.TEAMS, user_id=act.ALICE_AAD)
    assert kept is not None

    await teams.send(mention(teams, "delete my data", sender=act.ALICE_AAD))

    answer = in_personal_chat(teams, act.ALICE_AAD)[-1]
    assert answer.startswith("Done:" if took_part else "There is nothing stored about you")
    async with teams.store.transaction() as tx:
        gone = await tx.find_private_chat(platform=Platform.TEAMS, user_id=act.ALICE_AAD)
    assert gone is None
    platform = teams.services.platforms[Platform.TEAMS]
    assert not await platform.knows_personal(act.ALICE_AAD)  # type: ignore[attr-defined]
