"""A section as Adaptive Cards (version 1.5): a root card with the title and the actions, and
continuation cards when the section does not fit in one Teams message."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from adapters.teams.markdown import footnote_mark, inline_markdown
from bot.domain import Block, CodeBlock, Heading, ListBlock, Paragraph, Quote, Section
from bot.plaintext import block_text

Card = dict[str, Any]
Element = dict[str, Any]

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
# No single element may take more than this, so any element fits next to a card's heading.
MAX_ELEMENT_BYTES = 12_000


def card(body: list[Element], actions: list[Element] | None = None) -> Card:
    """An Adaptive Card 1.5 with this body and these actions."""
    result: Card = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION}
    result["body"] = body
    if actions:
        result["actions"] = actions
    return result


def attachment(content: Card) -> dict[str, Any]:
    """A card as a message attachment."""
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


def text_block(text: str, **style: Any) -> Element:
    """A wrapping TextBlock."""
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def section_actions(post_id: int) -> list[Element]:
    """*Give feedback* and *Reply*: both open a dialog (task module), so neither needs the
    channel-message permission that thread replies depend on."""
    return [
        _dialog_action("Give feedback", action="feedback", post_id=post_id),
        _dialog_action("Reply", action="reply", post_id=post_id),
    ]


def _dialog_action(title: str, *, action: str, post_id: int) -> Element:
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {
            "msteams": {"type": "task/fetch"},
            "engage": {"action": action, "postId": post_id},
        },
    }


def section_cards(section: Section, *, post_id: int, fits: Callable[[Card], bool]) -> list[Card]:
    """The section as one card, or as a root card plus continuation cards, each accepted by
    `fits` (which measures the message that would carry it). Cards split between blocks; a
    block too big for any card is split between lines or words first."""
    title = text_block(section.title, size="Large", weight="Bolder")
    root = card([title], section_actions(post_id))
    if not fits(root):
        raise ValueError(f"section {section.id}: even the bare title card is too large to post")
    cards: list[Card] = []
    current = root
    for element in [*body_elements(section), *footnote_elements(section)]:
        candidate = {**current, "body": [*current["body"], element]}
        if fits(candidate):
            current = candidate
            continue
        cards.append(current)
        heading = text_block(f"{section.title} (continued)", size="Small", isSubtle=True)
        current = card([heading, element])
        if not fits(current):
            raise ValueError(f"section {section.id}: a block does not fit in a message")
    cards.append(current)
    return cards


def body_elements(section: Section) -> list[Element]:
    """The section's blocks as card elements, none larger than MAX_ELEMENT_BYTES."""
    elements: list[Element] = []
    for block in section.blocks:
        for element in _block_elements(block):
            elements.extend(_split(element))
    return elements


def footnote_elements(section: Section) -> list[Element]:
    """Footnotes as small, subtle lines under a separator."""
    elements = [
        text_block(
            f"{footnote_mark(f.label)} {inline_markdown(f.children)}", size="Small", isSubtle=True
        )
        for f in section.footnotes
    ]
    if elements:
        elements[0] = {**elements[0], "separator": True, "spacing": "Medium"}
    return [piece for element in elements for piece in _split(element)]


def _block_elements(block: Block) -> Iterator[Element]:
    match block:
        case Paragraph(children=children):
            text = inline_markdown(children).strip()
            if text:
                yield text_block(text)
        case Heading(level=level, children=children):
            size = "Medium" if level <= 2 else "Default"
            yield text_block(
                inline_markdown(children).strip(), size=size, weight="Bolder", spacing="Medium"
            )
        case ListBlock():
            yield text_block(_list_text(block))
        case Quote(children=children):
            for child in children:
                for element in _block_elements(child):
                    yield {"type": "Container", "style": "emphasis", "items": [element]}
        case CodeBlock(text=text):
            if text.strip():
                yield text_block(text.rstrip("\n"), fontType="Monospace")


def _list_text(block: ListBlock, depth: int = 0) -> str:
    """List items as "- " or "1. " lines; Teams separates list lines with "\\r"."""
    lines: list[str] = []
    for number, item in enumerate(block.items, start=block.start):
        marker = f"{number}. " if block.ordered else "- "
        words: list[str] = []
        nested: list[str] = []
        for child in item:
            if isinstance(child, ListBlock):
                nested.append(_list_text(child, depth + 1))
            elif isinstance(child, Paragraph | Heading):
                words.append(inline_markdown(child.children).strip())
            else:
                words.append(block_text(child).strip())
        lines.append("  " * depth + marker + " ".join(w for w in words if w))
        lines.extend(nested)
    return "\r".join(lines)


def _size(element: Element) -> int:
    return len(json.dumps(element))


def _split(element: Element) -> list[Element]:
    """An element small enough, or the same element cut into several between lines or words."""
    if _size(element) <= MAX_ELEMENT_BYTES:
        return [element]
    if element["type"] == "Container" and len(element["items"]) == 1:
        return [{**element, "items": [piece]} for piece in _split(element["items"][0])]
    if element["type"] != "TextBlock":
        return [element]
    return [{**element, "text": chunk} for chunk in _chunks(element["text"])]


def _chunks(text: str) -> list[str]:
    """Text cut into pieces whose JSON stays under the element limit, preferring line breaks,
    then spaces, then any character."""
    budget = MAX_ELEMENT_BYTES - 200
    pieces: list[str] = []
    rest = text
    while len(json.dumps(rest)) > budget:
        limit = budget
        while True:
            cut = _cut_point(rest, limit=limit)
            # JSON escaping can make one character take six bytes ("\\u00e9"): shrink until it fits.
            if len(json.dumps(rest[:cut])) <= budget:
                break
            limit = max(limit * 3 // 4, 1)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _cut_point(text: str, *, limit: int) -> int:
    window = text[:limit]
    for separator in ("\r", "\n", ". ", " "):
        at = window.rfind(separator)
        if at > limit // 2:
            return at + len(separator)
    return limit
