"""Feed items turned into what the templates show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from adapters.web.blocks import SectionHtml, slug
from bot.feed import FeedItem, FeedReply


@dataclass(frozen=True, kw_only=True)
class ReactionView:
    """One reaction button: the emoji, how many stand, and whether the viewer's is one."""

    emoji: str
    count: int
    pressed: bool
    button_id: str


@dataclass(frozen=True, kw_only=True)
class SectionView:
    """A posted section as the channel page shows it."""

    post_id: int
    section_id: str
    anchor: str
    title: str
    body: Markup
    footnotes: tuple[tuple[str, str, Markup], ...]
    reactions: tuple[ReactionView, ...]
    replies: tuple[FeedReply, ...]
    latest: bool


def anchor(item: FeedItem) -> str:
    """The fragment id of a post on its channel page: `section-<id>` for the newest copy of a
    section, with the post id added for an earlier copy."""
    base = f"section-{slug(item.section.id)}"
    return base if item.latest else f"{base}-{item.post.id}"


def reaction_button_id(post_id: int, index: int) -> str:
    """The id of a reaction button, the fragment a reaction's redirect returns to."""
    return f"react-{post_id}-{index}"


def section_view(item: FeedItem, *, emojis: tuple[str, ...]) -> SectionView:
    """The template's view of a feed item; reactions in the configured order."""
    ident = anchor(item)
    html = SectionHtml(item.section, prefix=ident)
    return SectionView(
        post_id=item.post.id,
        section_id=item.section.id,
        anchor=ident,
        title=item.section.title,
        body=html.body(),
        footnotes=html.footnotes(),
        reactions=tuple(
            ReactionView(
                emoji=e,
                count=item.reactions.get(e, 0),
                pressed=e in item.mine,
                button_id=reaction_button_id(item.post.id, index),
            )
            for index, e in enumerate(emojis)
        ),
        replies=item.replies,
        latest=item.latest,
    )


def local_time(zone: str) -> Callable[[datetime], str]:
    """A filter showing a UTC time in the consultation's time zone ("5 Jan 2026, 09:00")."""
    tz = ZoneInfo(zone)

    def show(moment: datetime) -> str:
        local = moment.astimezone(tz)
        return f"{local.day} {local:%b %Y, %H:%M}"

    return show
