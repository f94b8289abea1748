"""Turning an organiser's words ("#general", "sector:la", "all") into sections and channels."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import Channel, Paper, Platform, Section
from bot.errors import TargetError
from bot.ports import StoreSession


def resolve_sections(paper: Paper, words: Sequence[str]) -> tuple[Section, ...]:
    """`all`, section ids, or ordinals ("2") → the sections, in paper order, without repeats."""
    if not words or any(w.lower() == "all" for w in words):
        return paper.sections
    chosen: dict[str, Section] = {}
    for word in words:
        section = paper.section(word)
        if section is None and word.isdigit():
            section = next((s for s in paper.sections if s.ordinal == int(word)), None)
        if section is None:
            known = ", ".join(f"{s.ordinal} ({s.id})" for s in paper.sections)
            raise TargetError(f"No section '{word}'. Sections are: {known}.")
        chosen[section.id] = section
    return tuple(s for s in paper.sections if s.id in chosen)


async def resolve_channels(
    tx: StoreSession, target: str, *, platform: Platform | None = None
) -> tuple[Channel, ...]:
    """Channels named by `target`: `sector:<tag>`, `*` (every active channel), `#name`, our
    numeric id, or the platform's channel id. Only active channels are returned."""
    target = target.strip()
    if not target:
        raise TargetError("Say where to post: #channel, sector:<tag> or *.")
    if target == "*":
        found = await tx.list_channels(platform=platform)
    elif target.startswith("sector:"):
        tag = target.removeprefix("sector:").strip().lower()
        found = await tx.list_channels(platform=platform, tag=tag)
        if not found:
            raise TargetError(f"No active channel carries the sector tag '{tag}'.")
    else:
        found = await _one_channel(tx, target, platform=platform)
    return tuple(found)


async def _one_channel(
    tx: StoreSession, target: str, *, platform: Platform | None
) -> Sequence[Channel]:
    channels = await tx.list_channels(platform=platform)
    name = target.removeprefix("#")
    if "/" in name and platform is None:
        prefix, _, rest = name.partition("/")
        if prefix in {p.value for p in Platform}:
            return await _one_channel(tx, rest, platform=Platform(prefix))
    matches = [
        c
        for c in channels
        if c.external_id == name or c.name == name or (name.isdigit() and c.id == int(name))
    ]
    if not matches:
        raise TargetError(
            f"No active channel called '{target}'. `engage channels list` shows the known ones."
        )
    if len(matches) > 1:
        names = ", ".join(f"{c.platform}/{c.name} (id {c.id})" for c in matches)
        raise TargetError(f"'{target}' matches several channels: {names}. Use the id.")
    return matches
