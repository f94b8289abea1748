"""Sections as Adaptive Cards: Teams' markdown subset, footnotes, actions, and splitting a
section that does not fit in one message."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.teams.cards import MAX_ELEMENT_BYTES, section_cards
from adapters.teams.markdown import inline_markdown
from bot.domain import (
    CodeBlock,
    Emphasis,
    Footnote,
    FootnoteRef,
    Heading,
    LineBreak,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Section,
    Strong,
    Text,
)
from bot.forms import DEFAULT_FORM
from tests.teams.conftest import CardSchema


def section(*blocks: Any, footnotes: tuple[Footnote, ...] = ()) -> Section:
    return Section(
        id="s", ordinal=1, title="Why it matters", anchor=None, blocks=tuple(blocks),
        footnotes=footnotes, form=DEFAULT_FORM, version="v1",
    )  # fmt: skip


def under(limit: int) -> Any:
    return lambda card: len(json.dumps(card)) <= limit


def test_bold_italic_and_links_use_the_markdown_teams_renders() -> None:
    nodes = (
        Strong(children=(Text(text="cost "),)),
        Text(text="and "),
        Emphasis(children=(Text(text="care"),)),
        Text(text=", see "),
        Link(href="https://example.org/a (b)", children=(Text(text="the [full] note"),)),
        FootnoteRef(label="13"),
        LineBreak(),
        Link(href="#section-2", children=(Text(text="section 2"),)),
        Link(href="javascript:alert(1)", children=(Text(text="click"),)),
    )

    text = inline_markdown(nodes)

    assert text == (
        "**cost** and _care_, see [the \\[full\\] note](https://example.org/a%20%28b%29)¹³\n"
        "section 2click"
    )


def test_a_short_section_is_one_card_with_title_body_footnotes_and_actions(
    card_schema: CardSchema,
) -> None:
    content = section(
        Heading(level=2, children=(Text(text="Background"),)),
        Paragraph(children=(Text(text="Practice travels slowly"), FootnoteRef(label="1"))),
        ListBlock(
            ordered=True,
            start=3,
            items=(
                (Paragraph(children=(Text(text="one"),)),),
                (Paragraph(children=(Text(text="two"),)),),
            ),
        ),
        Quote(children=(Paragraph(children=(Text(text="A quoted voice"),)),)),
        CodeBlock(text="a = 1\n"),
        footnotes=(Footnote(label="1", children=(Text(text="A survey, 2025."),)),),
    )  # fmt: skip

    (card,) = section_cards(content, post_id=7, fits=under(28_000))

    assert card_schema.errors(card) == []
    title, heading, paragraph, items, quote, code, footnote = card["body"]
    assert (title["text"], title["size"], title["weight"], title["wrap"]) == (
        "Why it matters",
        "Large",
        "Bolder",
        True,
    )
    assert heading["weight"] == "Bolder"
    assert paragraph["text"] == "Practice travels slowly¹"
    assert items["text"] == "3. one\r4. two"
    assert quote["type"] == "Container"
    assert quote["items"][0]["text"] == "A quoted voice"
    assert code["fontType"] == "Monospace"
    assert (footnote["text"], footnote["size"], footnote["isSubtle"], footnote["separator"]) == (
        "¹ A survey, 2025.", "Small", True, True,
    )  # fmt: skip
    feedback, reply = card["actions"]
    assert feedback["data"] == {
        "msteams": {"type": "task/fetch"},
        "engage": {"action": "feedback", "postId": 7},
    }
    assert reply["data"]["engage"] == {"action": "reply", "postId": 7}


def test_a_section_too_big_for_one_message_continues_in_more_cards_split_between_blocks(
    card_schema: CardSchema,
) -> None:
    paragraphs = [
        Paragraph(children=(Text(text=f"Block {n}: " + "word " * 300),)) for n in range(20)
    ]

    cards = section_cards(section(*paragraphs), post_id=1, fits=under(10_000))

    assert len(cards) > 1
    assert all(len(json.dumps(c)) <= 10_000 for c in cards)
    assert all(card_schema.errors(c) == [] for c in cards)
    texts = [b["text"] for c in cards for b in c["body"][1:]]
    assert texts == [p.children[0].text.strip() for p in paragraphs]  # type: ignore[union-attr]
    assert "actions" in cards[0]
    assert all("actions" not in c for c in cards[1:])


def test_a_single_block_larger_than_a_message_is_cut_between_words_without_losing_any() -> None:
    words = [f"réunion{n}" for n in range(6_000)]  # JSON escapes é: the cut must count bytes
    content = section(Paragraph(children=(Text(text=" ".join(words)),)))

    cards = section_cards(content, post_id=1, fits=under(28_000))

    pieces = [b for c in cards for b in c["body"][1:]]
    assert len(pieces) > 1
    assert all(len(json.dumps(p)) <= MAX_ELEMENT_BYTES for p in pieces)
    assert " ".join(p["text"] for p in pieces).split() == words


def test_a_limit_too_small_for_even_the_title_is_an_error() -> None:
    with pytest.raises(ValueError, match="too large"):
        section_cards(section(), post_id=1, fits=under(100))


def test_the_card_schema_check_rejects_a_card_teams_would_not_render(
    card_schema: CardSchema,
) -> None:
    if not card_schema.available:
        pytest.skip(
            "the Adaptive Cards 1.5 schema is not in ../shared/specs: cards are not checked"
        )
    bad = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "txt": "typo"}]}

    assert card_schema.errors(bad) != []
