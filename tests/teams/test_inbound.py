"""What members do in our threads reaches the database once; what is not about our posts is
ignored."""

from __future__ import annotations

from bot.domain import Platform, Post
from storage.store import SqlStore
from tests.teams import activities as act
from tests.teams.conftest import Posted, Teams, replies


async def reactions(store: SqlStore, post: Post) -> dict[str, int]:
    async with store.transaction() as tx:
        return dict(await tx.active_reactions(post_id=post.id))


async def test_a_reaction_to_our_post_is_stored(teams: Teams, posted: Posted) -> None:
    body = act.reaction(
        teams.service_url, thread=posted.thread, reply_to=posted.root, added=["like"]
    )

    response = await teams.send(body)

    assert response.status == 200
    assert await reactions(teams.store, posted.post) == {"like": 1}


async def test_a_removed_reaction_is_withdrawn(teams: Teams, posted: Posted) -> None:
    await teams.send(
        act.reaction(teams.service_url, thread=posted.thread, reply_to=posted.root, added=["heart"])
    )

    await teams.send(
        act.reaction(
            teams.service_url, thread=posted.thread, reply_to=posted.root, removed=["heart"]
        )
    )

    assert await reactions(teams.store, posted.post) == {}


async def test_a_replayed_reaction_is_stored_once(teams: Teams, posted: Posted) -> None:
    body = act.reaction(
        teams.service_url,
        thread=posted.thread,
        reply_to=posted.root,
        added=["like"],
        activity_id="f:replayed",
    )

    for _ in range(3):
        assert (await teams.send(body)).status == 200

    assert await reactions(teams.store, posted.post) == {"like": 1}
    assert teams.events("ReactionAdded", "duplicate") == 2


async def test_several_reactions_in_one_activity_are_each_stored(
    teams: Teams, posted: Posted
) -> None:
    body = act.reaction(
        teams.service_url, thread=posted.thread, reply_to=posted.root, added=["like", "laugh"]
    )

    await teams.send(body)

    assert await reactions(teams.store, posted.post) == {"like": 1, "laugh": 1}


async def test_a_reaction_to_a_message_that_is_not_ours_is_ignored(
    teams: Teams, posted: Posted
) -> None:
    other_thread = f"{act.RESEARCH};messageid=999"
    body = act.reaction(teams.service_url, thread=other_thread, reply_to="999", added=["like"])

    response = await teams.send(body)

    assert response.status == 200
    assert await reactions(teams.store, posted.post) == {}
    assert teams.events("ReactionAdded", "ignored") == 1


async def test_a_reply_in_our_thread_is_stored(teams: Teams, posted: Posted) -> None:
    body = act.message(
        teams.service_url, "We tried this in Northshire.", conversation_id=posted.thread,
        channel=act.RESEARCH, activity_id="r-1",
    )  # fmt: skip

    response = await teams.send(body)

    assert response.status == 200
    assert await replies(teams.store, posted.post) == [
        (f"{act.RESEARCH}/r-1", "We tried this in Northshire.")
    ]


async def test_a_reply_that_mentions_the_bot_is_stored_without_the_mention(
    teams: Teams, posted: Posted
) -> None:
    body = act.message(
        teams.service_url, "the second point matters most", conversation_id=posted.thread,
        channel=act.RESEARCH, mention=True, activity_id="r-2",
    )  # fmt: skip

    await teams.send(body)

    assert await replies(teams.store, posted.post) == [
        (f"{act.RESEARCH}/r-2", "the second point matters most")
    ]
    assert [c for c in teams.connector.calls if c.method == "POST" and "activities" in c.path] == []


async def test_a_replayed_reply_is_stored_once(teams: Teams, posted: Posted) -> None:
    body = act.message(
        teams.service_url,
        "Once only.",
        conversation_id=posted.thread,
        channel=act.RESEARCH,
        activity_id="r-3",
    )

    await teams.send(body)
    await teams.send(body)

    assert await replies(teams.store, posted.post) == [(f"{act.RESEARCH}/r-3", "Once only.")]


async def test_replies_with_the_same_id_in_two_channels_are_two_replies(teams: Teams) -> None:
    # A Teams message id is unique only within its channel: one section in two channels.
    await teams.install()
    for channel in (act.TEAM, act.RESEARCH):
        await teams.services.engagement.publish(
            sections=["1"], target=channel, platform=Platform.TEAMS
        )
    await teams.services.senders[Platform.TEAMS].drain()
    async with teams.store.transaction() as tx:
        posts = {p.channel_id: p for p in await tx.list_posts()}
    threads = sorted(teams.connector.threads())
    assert len(posts) == len(threads) == 2
    for thread in threads:
        body = act.message(
            teams.service_url,
            f"in {thread.split(';')[0]}",
            conversation_id=thread,
            activity_id="1700000000123",
        )
        assert (await teams.send(body)).status == 200
    stored = {text for post in posts.values() for _, text in await replies(teams.store, post)}
    assert stored == {f"in {act.TEAM}", f"in {act.RESEARCH}"}


async def test_a_reply_in_a_thread_that_is_not_ours_is_ignored(
    teams: Teams, posted: Posted
) -> None:
    body = act.message(
        teams.service_url,
        "Unrelated chat.",
        conversation_id=f"{act.RESEARCH};messageid=42",
        channel=act.RESEARCH,
    )

    response = await teams.send(body)

    assert response.status == 200
    assert await replies(teams.store, posted.post) == []
    assert [c for c in teams.connector.calls if "activities" in c.path] == []


async def test_an_edited_reply_is_updated(teams: Teams, posted: Posted) -> None:
    await teams.send(
        act.message(
            teams.service_url,
            "First draft",
            conversation_id=posted.thread,
            channel=act.RESEARCH,
            activity_id="r-4",
        )
    )
    edit = act.activity(
        "messageUpdate",
        service_url=teams.service_url,
        conversation_id=posted.thread,
        activity_id="r-4",
        text="Second thoughts",
    )
    edit["channelData"]["eventType"] = "editMessage"

    await teams.send(edit)
    await teams.send(edit)

    assert await replies(teams.store, posted.post) == [(f"{act.RESEARCH}/r-4", "Second thoughts")]


async def test_a_deleted_reply_is_marked_deleted(teams: Teams, posted: Posted) -> None:
    await teams.send(
        act.message(
            teams.service_url,
            "Oops",
            conversation_id=posted.thread,
            channel=act.RESEARCH,
            activity_id="r-5",
        )
    )
    delete = act.activity(
        "messageDelete",
        service_url=teams.service_url,
        conversation_id=posted.thread,
        activity_id="r-5",
    )
    delete["channelData"]["eventType"] = "softDeleteMessage"

    await teams.send(delete)

    assert await replies(teams.store, posted.post) == []
    (deleted,) = await replies(teams.store, posted.post, include_deleted=True)
    assert deleted[0] == f"{act.RESEARCH}/r-5"
