"""A section as Slack messages: a root message, and continuations for its thread if it does
not fit one message.

Blocks are built with `slack_sdk.models.blocks`, whose `to_dict()` checks the per-block limits
(section text 3000, header 150, button text 75). Slack also refuses a message of more than 50
blocks and very large payloads, which slack_sdk does not check: `messages()` enforces those.
"""

from __future__ import annotations

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
from adapters.slack.mrkdwn import escape, inline
from bot.domain import Footnote, Section

MAX_BLOCKS = 50
SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
# Characters of text per message. Slack's own ceiling is higher; a reader scrolls less and a
# payload stays far from `msg_too_long` this way.
MESSAGE_TEXT_BUDGET = 12_000
FEEDBACK_ACTION = "engage_feedback"
REPLY_ACTION = "engage_reply"
ACTIONS_BLOCK_ID = "engage_actions"


@dataclass(frozen=True, kw_only=True)
class SlackMessage:
    """One chat.postMessage worth of content: blocks as dicts, and the fallback text."""

    blocks: list[dict[str, Any]]
    text: str


def section_messages(
    section: Section, *, post_id: int, budget: int = MESSAGE_TEXT_BUDGET
) -> list[SlackMessage]:
    """The root message, then continuation messages, for a section."""
    body = [SectionBlock(text=MarkdownTextObject(text=t)) for t in _body_texts(section)]
    notes = [
        ContextBlock(elements=[MarkdownTextObject(text=t)])
        for t in _footnote_texts(section.footnotes)
    ]
    groups = _group([*body, *notes], first_reserved=3, reserved=1, budget=budget)
    total = len(groups)
    title = _plain(section.title, HEADER_LIMIT)
    messages: list[SlackMessage] = []
    for number, group in enumerate(groups, start=1):
        if number == 1:
            blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=title)), *group]
            if total > 1:
                blocks.append(_context(f"Continued in the thread ({total - 1} more part(s)) ↓"))
            blocks.append(_actions(post_id))
            text = escape(section.title)
        else:
            blocks = [_context(f"*{escape(title)}* — part {number} of {total}"), *group]
            text = f"{escape(section.title)} (part {number} of {total})"
        messages.append(SlackMessage(blocks=[b.to_dict() for b in blocks], text=text))
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
    """A scheduled prompt as one message (its text is written by organisers, so escaped)."""
    parts = fit(escape(text.strip()) or " ", SECTION_TEXT_LIMIT)
    blocks = [SectionBlock(text=MarkdownTextObject(text=p)).to_dict() for p in parts]
    return [
        SlackMessage(blocks=blocks[i : i + MAX_BLOCKS], text=escape(text[:300]))
        for i in range(0, len(blocks), MAX_BLOCKS)
    ]


def _body_texts(section: Section) -> list[str]:
    return pack(pieces(section.blocks, SECTION_TEXT_LIMIT), SECTION_TEXT_LIMIT)


def _footnote_texts(footnotes: Sequence[Footnote]) -> list[str]:
    lines: list[Piece] = []
    for note in footnotes:
        for text in fit(f"{escape(note.label)}. {inline(note.children)}", SECTION_TEXT_LIMIT):
            lines.append(Piece(text, tight=True))
    return pack(lines, SECTION_TEXT_LIMIT)


def _group(
    blocks: Sequence[Block], *, first_reserved: int, reserved: int, budget: int
) -> list[list[Block]]:
    """Blocks in messages of at most MAX_BLOCKS (less the blocks each message adds) and
    `budget` characters; a message is never empty, so the root always has some body."""
    groups: list[list[Block]] = [[]]
    used = 0
    for block in blocks:
        size = _text_size(block)
        room = MAX_BLOCKS - (first_reserved if len(groups) == 1 else reserved)
        if groups[-1] and (len(groups[-1]) >= room or used + size > budget):
            groups.append([])
            used = 0
        groups[-1].append(block)
        used += size
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
