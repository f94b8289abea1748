"""A platform-neutral read model of a channel: what a page needs to show its posts.

The web channel renders its pages from the store rather than from messages kept on a platform,
so it needs, per channel, the sections posted there with their reactions and replies. This is
built from `StoreSession` methods only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain import Channel, Platform, Post, PostKind, PostState, Section
from bot.ports import Store, StoredReply, StoreSession, read_transaction


@dataclass(frozen=True, kw_only=True)
class FeedReply:
    """A reply in a post's thread, as a page shows it; a deleted reply keeps its place."""

    reply_id: str
    author_user_id: str
    author_name: str | None
    author_organisation: str | None
    text: str
    created_at: datetime
    edited: bool
    deleted: bool


@dataclass(frozen=True, kw_only=True)
class FeedItem:
    """One section post of a channel: the section version posted, the reactions standing on it
    (by emoji), the viewer's own reactions, and the thread.

    `latest` is False when the same section was posted to the channel again later.
    """

    post: Post
    section: Section
    reactions: Mapping[str, int]
    mine: frozenset[str]
    replies: tuple[FeedReply, ...]
    latest: bool = True


@dataclass(frozen=True, kw_only=True)
class Notice:
    """A prompt (reminder, follow-up, nudge) posted to a channel."""

    post: Post
    text: str


async def _viewer(tx: StoreSession, *, channel: Channel, user_id: str | None) -> int | None:
    if user_id is None:
        return None
    participant = await tx.find_participant(
        platform=channel.platform, workspace_id=channel.workspace_id, user_id=user_id
    )
    return None if participant is None else participant.id


def _sent_sections(posts: Sequence[Post]) -> list[Post]:
    sent = [p for p in posts if p.state is PostState.SENT and p.section_id is not None]
    return sorted(sent, key=lambda p: (p.sent_at.timestamp() if p.sent_at else 0.0, p.id))


async def _item(
    tx: StoreSession,
    post: Post,
    *,
    viewer: int | None,
    latest: bool,
    sections: dict[tuple[str, str, str | None], Section | None],
) -> FeedItem | None:
    assert post.paper_id is not None
    assert post.section_id is not None
    key = (post.paper_id, post.section_id, post.section_version)
    if key not in sections:
        sections[key] = await tx.get_section(paper_id=key[0], section_id=key[1], version=key[2])
    section = sections[key]
    if section is None:
        return None
    reactions = await tx.active_reactions(post_id=post.id)
    own = (
        {} if viewer is None else await tx.active_reactions(post_id=post.id, participant_id=viewer)
    )
    replies = await tx.list_replies(post_id=post.id, include_deleted=True)
    return FeedItem(
        post=post,
        section=section,
        reactions=dict(reactions),
        mine=frozenset(emoji for emoji, n in own.items() if n),
        replies=tuple(_reply(r) for r in replies),
        latest=latest,
    )


def _reply(reply: StoredReply) -> FeedReply:
    return FeedReply(
        reply_id=reply.external_id,
        author_user_id=reply.participant.user_id,
        author_name=reply.participant.display_name,
        author_organisation=reply.participant.organisation,
        text="" if reply.deleted_at is not None else reply.text,
        created_at=reply.created_at,
        edited=reply.edited_at is not None,
        deleted=reply.deleted_at is not None,
    )


async def channel_feed(
    store: Store, *, channel_id: int, viewer_user_id: str | None
) -> list[FeedItem]:
    """Every section sent to the channel, in the order it was sent."""
    items: list[FeedItem] = []
    async with read_transaction(store) as tx:
        channel = await tx.get_channel(channel_id=channel_id)
        if channel is None:
            return []
        posts = _sent_sections(await tx.list_posts(channel_id=channel_id, kind=PostKind.SECTION))
        viewer = await _viewer(tx, channel=channel, user_id=viewer_user_id)
        newest = {p.section_id: p.id for p in posts}
        cache: dict[tuple[str, str, str | None], Section | None] = {}
        for post in posts:
            item = await _item(
                tx, post, viewer=viewer, latest=newest[post.section_id] == post.id, sections=cache
            )
            if item is not None:
                items.append(item)
    return items


async def feed_item(
    store: Store, *, channel_id: int, post_id: int, viewer_user_id: str | None
) -> FeedItem | None:
    """One sent section post of the channel, or None if the post is not a sent section there."""
    found: FeedItem | None = None
    async with read_transaction(store) as tx:
        channel = await tx.get_channel(channel_id=channel_id)
        post = await tx.get_post(post_id=post_id)
        if channel is None or post is None or post.channel_id != channel_id:
            return None
        posts = _sent_sections(await tx.list_posts(channel_id=channel_id, kind=PostKind.SECTION))
        if post.id not in {p.id for p in posts}:
            return None
        latest = {p.section_id: p.id for p in posts}[post.section_id] == post.id
        viewer = await _viewer(tx, channel=channel, user_id=viewer_user_id)
        found = await _item(tx, post, viewer=viewer, latest=latest, sections={})
    return found


async def channel_notices(store: Store, *, channel_id: int) -> list[Notice]:
    """The prompts sent to the channel, oldest first."""
    async with read_transaction(store) as tx:
        posts = await tx.list_posts(channel_id=channel_id, kind=PostKind.PROMPT)
        notices = [Notice(post=p, text=p.body or "") for p in posts if p.state is PostState.SENT]
    return notices


async def platform_channels(store: Store, *, platform: Platform) -> Sequence[Channel]:
    """The active channels of one platform, by id."""
    async with read_transaction(store) as tx:
        channels = await tx.list_channels(platform=platform)
    return channels
