"""Installation and channel events keep the list of Teams channels the bot can post to."""

from __future__ import annotations

from bot.domain import Platform
from tests.teams import activities as act
from tests.teams.conftest import Teams


async def test_adding_the_app_to_a_team_registers_every_channel_with_its_reference(
    teams: Teams,
) -> None:
    channels = await teams.install()

    assert sorted(c.external_id for c in channels) == sorted([act.TEAM, act.RESEARCH])
    by_id = {c.external_id: c for c in channels}
    assert by_id[act.TEAM].name == f"{act.TEAM_NAME}/General"
    assert by_id[act.RESEARCH].name == f"{act.TEAM_NAME}/Research"
    assert all(c.workspace_id == act.TENANT and c.active for c in channels)
    reference = by_id[act.RESEARCH].reference or {}
    conversation = reference["conversationReference"]
    assert isinstance(conversation, dict)
    assert conversation["conversation"]["id"] == act.RESEARCH
    assert conversation["serviceUrl"] == teams.service_url
    assert conversation["bot"]["id"] == act.BOT_ID
    assert reference["teamId"] == act.TEAM
    listing = [
        c for c in teams.connector.calls if c.path.endswith("/conversations") and c.method == "GET"
    ]
    assert [c.status for c in listing] == [200]


async def test_an_installation_update_adds_the_teams_channels_too(teams: Teams) -> None:
    response = await teams.send(act.installation(teams.service_url, "add"))

    assert response.status == 200
    assert sorted(c.external_id for c in await teams.channels()) == sorted([act.TEAM, act.RESEARCH])


async def test_removing_the_app_deactivates_the_teams_channels(teams: Teams) -> None:
    await teams.install()

    response = await teams.send(act.installation(teams.service_url, "remove"))

    assert response.status == 200
    channels = await teams.channels()
    assert len(channels) == 2
    assert not any(c.active for c in channels)
    assert await teams.channels(active_only=True) == []


async def test_the_bot_leaving_the_team_deactivates_its_channels(teams: Teams) -> None:
    await teams.install()

    await teams.send(act.bot_removed(teams.service_url))

    assert await teams.channels(active_only=True) == []


async def test_reinstalling_makes_the_channels_active_again(teams: Teams) -> None:
    await teams.install()
    await teams.send(act.installation(teams.service_url, "remove"))

    channels = await teams.install()

    assert all(c.active for c in channels)


async def test_a_new_channel_is_registered_and_a_renamed_one_renamed(teams: Teams) -> None:
    await teams.install()
    created = act.channel_event(
        teams.service_url, "channelCreated", "19:new@thread.tacv2", "Pilots"
    )
    renamed = act.channel_event(teams.service_url, "channelRenamed", act.RESEARCH, "Evidence")

    await teams.send(created)
    await teams.send(renamed)

    names = {c.external_id: c.name for c in await teams.channels()}
    assert names["19:new@thread.tacv2"] == f"{act.TEAM_NAME}/Pilots"
    assert names[act.RESEARCH] == f"{act.TEAM_NAME}/Evidence"


async def test_a_deleted_channel_is_deactivated(teams: Teams) -> None:
    await teams.install()

    await teams.send(
        act.channel_event(teams.service_url, "channelDeleted", act.RESEARCH, "Research")
    )

    active = await teams.channels(active_only=True)
    assert [c.external_id for c in active] == [act.TEAM]


async def test_when_the_channel_list_is_refused_the_events_channel_is_still_registered(
    teams: Teams,
) -> None:
    del teams.connector.teams[act.TEAM]  # the connector now answers 404 for the team

    channels = await teams.install()

    assert [c.external_id for c in channels] == [act.TEAM]


async def test_uninstalling_one_team_leaves_another_tenants_channels_alone(teams: Teams) -> None:
    await teams.install()
    other = await teams.services.engagement.register_channel(
        platform=Platform.TEAMS,
        workspace_id="another-tenant",
        external_id=act.RESEARCH,
        name="Elsewhere/Research",
        reference={"teamId": act.TEAM},
    )

    await teams.send(act.installation(teams.service_url, "remove"))

    still = await teams.channels(active_only=True)
    assert [c.id for c in still] == [other.id]
