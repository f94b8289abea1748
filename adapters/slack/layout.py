"""A section as Slack messages: a root message, and continuations for its thread if it does
not fit one message.

Blocks are built with `slack_sdk.models.blocks`, whose `to_dict()` checks the per-block limits
(section text 3000, header 150, button text 75). Slack also refuses a message of more than 50
blocks and very large payloads, which slack_sdk does not check: the grouping here keeps every
message within 50 blocks, MESSAGE_TEXT_BUDGET characters and MESSAGE_BYTES_BUDGET bytes as sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from adapters.slack.blocks import Piece, fit, pack, pieces
from adapters.slack.mrkdwn import Token, escape, split_tokens, tokens
from bot.domain import Footnote, Section

MAX_BLOCKS = 50
SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
# Characters of text per message. Slack refuses a message whose blocks hold too much text
# (`msg_blocks_too_long`, unpublished; reported near 12,000 characters, slackapi/bolt-js#2867):
# this leaves room below it for the header, the part line and the buttons.
MESSAGE_TEXT_BUDGET = 10_000
# Bytes of `blocks` plus `text` per message as slack_sdk sends them: aiohttp serialises the
# request with json.dumps, which escapes every non-ASCII character (6 bytes, 12 for an emoji),
# so 12,000 characters of CJK text take 72 KB. Slack publishes no byte limit for chat.postMessage;
# this keeps well inside the fake's conservative model of one (tests/fakes/slack_api.py), with
# room for the rest of the request. A body block is at most 3000 width, 18 KB as sent, so a
# message always has room for one beside its header, buttons and part line.
MESSAGE_BYTES_BUDGET = 40_000
# Numbers as wide as any real one, to size the part line and the buttons before they are known.
_MANY_PARTS = 99_999
_LARGEST_POST_ID = 2**63 - 1
FEEDBACK_ACTION = "engage_feedback"
REPLY_ACTION = "engage_reply"
ACTIONS_BLOCK_ID = "engage_actions"


@dataclass(frozen=True, kw_only=True)
class SlackMessage:
    """One chat.postMessage worth of content: blocks as dicts, and the fallback text."""

    blocks: list[dict[str, Any]]
    text: str


def sent_size(blocks: Sequence[dict[str, Any]], text: str) -> int:
    """Bytes that `blocks` and `text` take in the chat.postMessage request slack_sdk sends
    (json.dumps with its default ASCII escapes, so characters and bytes are the same count)."""
    return len(json.dumps(blocks)) + len(json.dumps(text))


def section_messages(
    section: Section,
    *,
    post_id: int,
    budget: int = MESSAGE_TEXT_BUDGET,
    byte_budget: int = MESSAGE_BYTES_BUDGET,
) -> list[SlackMessage]:
    """The root message, then continuation messages, for a section: each within 50 blocks,
    `budget` characters of text and `byte_budget` bytes as sent, split between blocks."""
    body = [SectionBlock(text=MarkdownTextObject(text=t)) for t in _body_texts(section)]
    notes = [
        ContextBlock(elements=[MarkdownTextObject(text=t)])
        for t in _footnote_texts(section.footnotes)
    ]
    title = _plain(section.title, HEADER_LIMIT)
    first = _frame(title, number=1, total=_MANY_PARTS, post_id=_LARGEST_POST_ID)
    rest = _frame(title, number=_MANY_PARTS, total=_MANY_PARTS, post_id=_LARGEST_POST_ID)
    groups = _group(
        [*body, *notes], first=first.room(byte_budget), rest=rest.room(byte_budget), chars=budget
    )
    total = len(groups)
    messages: list[SlackMessage] = []
    for number, group in enumerate(groups, start=1):
        frame = _frame(title, number=number, total=total, post_id=post_id)
        blocks = [*frame.before, *(block for block, _ in group), *frame.after]
        messages.append(SlackMessage(blocks=blocks, text=frame.text))
    return messages


class SectionLayouts:
    """Lays each section version out once; only the root's buttons carry the post id (a
    paper posted to hundreds of channels is rendered once per section, not once per post)."""

    def __init__(self, *, capacity: int = 256) -> None:
        self._capacity = capacity
        self._cache: dict[tuple[str, str], list[SlackMessage]] = {}

    def messages(self, section: Section, *, post_id: int) -> list[SlackMessage]:
        key = (section.id, section.version)
        laid_out = self._cache.get(key)
        if laid_out is None:
            if len(self._cache) >= self._capacity:
                self._cache.clear()
            laid_out = self._cache[key] = section_messages(section, post_id=0)
        root, *rest = laid_out
        blocks = [*root.blocks[:-1], _actions(post_id).to_dict()]  # the actions block is last
        return [SlackMessage(blocks=blocks, text=root.text), *rest]


def prompt_messages(text: str) -> list[SlackMessage]:
    """A scheduled prompt as one message, or more if it is very long (its text is written by
    organisers, so escaped)."""
    parts = fit(escape(text.strip()) or " ", SECTION_TEXT_LIMIT)
    fallback = escape(text[:300])
    room = _Frame(before=[], after=[], text=fallback).room(MESSAGE_BYTES_BUDGET)
    blocks = [SectionBlock(text=MarkdownTextObject(text=p)) for p in parts]
    groups = _group(blocks, first=room, rest=room, chars=None)
    return [SlackMessage(blocks=[b for b, _ in group], text=fallback) for group in groups]


@dataclass(frozen=True, kw_only=True)
class _Room:
    """What is left of a message for body blocks once its frame is in."""

    blocks: int
    bytes: int


@dataclass(frozen=True, kw_only=True)
class _Frame:
    """The blocks a message has before and after its body, and its fallback text."""

    before: list[dict[str, Any]]
    after: list[dict[str, Any]]
    text: str

    def room(self, byte_budget: int) -> _Room:
        return _Room(
            blocks=MAX_BLOCKS - len(self.before) - len(self.after),
            bytes=byte_budget - sent_size([*self.before, *self.after], self.text),
        )


def _frame(title: str, *, number: int, total: int, post_id: int) -> _Frame:
    if number == 1:
        after = (
            [_context(f"Continued in the thread ({total - 1} more part(s)) ↓")] if total > 1 else []
        )
        return _Frame(
            before=[HeaderBlock(text=PlainTextObject(text=title)).to_dict()],
            after=[*(a.to_dict() for a in after), _actions(post_id).to_dict()],
            text=escape(title),
        )
    return _Frame(
        before=[_context(f"*{escape(title)}* — part {number} of {total}").to_dict()],
        after=[],
        text=f"{escape(title)} (part {number} of {total})",
    )


def _body_texts(section: Section) -> list[str]:
    return pack(pieces(section.blocks, SECTION_TEXT_LIMIT), SECTION_TEXT_LIMIT)


def _footnote_texts(footnotes: Sequence[Footnote]) -> list[str]:
    # Through split_tokens, as paragraphs are: a long note is cut between words with its
    # formatting reopened, and a link in it is never cut.
    lines: list[Piece] = []
    for note in footnotes:
        label = [Token("word", f"{note.label}."), Token("space", " ")]
        for text in split_tokens([*label, *tokens(note.children)], SECTION_TEXT_LIMIT):
            lines.append(Piece(text, tight=True))
    return pack(lines, SECTION_TEXT_LIMIT)


def _group(
    blocks: Sequence[Block], *, first: _Room, rest: _Room, chars: int | None
) -> list[list[tuple[dict[str, Any], int]]]:
    """Blocks (as dicts, with their size as sent) in messages within the room each message's
    frame leaves and `chars` characters of text; a message is never empty, so the root
    always has some body."""
    groups: list[list[tuple[dict[str, Any], int]]] = [[]]
    used_chars = 0
    used_bytes = 0
    for block in blocks:
        as_dict = block.to_dict()
        size = len(json.dumps(as_dict)) + len(", ")  # the separator json.dumps puts between
        text = _text_size(block)
        room = first if len(groups) == 1 else rest
        full = (
            len(groups[-1]) >= room.blocks
            or used_bytes + size > room.bytes
            or (chars is not None and used_chars + text > chars)
        )
        if groups[-1] and full:
            groups.append([])
            used_chars = used_bytes = 0
        groups[-1].append((as_dict, size))
        used_chars += text
        used_bytes += size
    return groups


def _text_size(block: Block) -> int:
    if isinstance(block, SectionBlock) and block.text is not None:
        return len(block.text.text)
    if isinstance(block, ContextBlock):
        return sum(len(getattr(e, "text", "")) for e in block.elements)
    return 0


def _plain(text: str, limit: int) -> str:
    text = " ".join(text.split()) or "Untitled section"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _actions(post_id: int) -> ActionsBlock:
    return ActionsBlock(
        block_id=ACTIONS_BLOCK_ID,
        elements=[
            ButtonElement(
                text="Give feedback", action_id=FEEDBACK_ACTION, value=str(post_id), style="primary"
            ),
            ButtonElement(text="Reply in thread", action_id=REPLY_ACTION, value=str(post_id)),
        ],
    )
