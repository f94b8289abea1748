"""Links in mrkdwn stay whole: line breaks in a label, and links too long for a block."""

from __future__ import annotations

import logging
import re

import pytest

from adapters.slack.blocks import pieces
from adapters.slack.layout import section_messages
from adapters.slack.mrkdwn import split_tokens, tokens
from bot.domain import (
    Footnote,
    Inline,
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
from tests.fakes.slack_blockkit import message_problems

# A `<…>` run that is a whole link: no `<`, `>` or line break inside.
WHOLE_LINK = re.compile(r"<[^<>\n]*>")


def _broken_label() -> Link:
    return Link(
        href="https://example.org/a",
        children=(Text(text="first"), LineBreak(), Text(text="second")),
    )


def _links_are_whole(text: str) -> bool:
    """Every `<` opens a link that closes on the same line with nothing inserted."""
    return text.count("<") == len(WHOLE_LINK.findall(text))


def test_a_link_label_with_a_hard_break_stays_one_link_inside_a_quote() -> None:
    quote = Quote(children=(Paragraph(children=(Text(text="See "), _broken_label())),))
    (piece,) = pieces((quote,), 3000)
    assert "<https://example.org/a|first second>" in piece.text
    assert _links_are_whole(piece.text), piece.text


def test_a_link_label_with_a_hard_break_stays_one_link_inside_a_list_item() -> None:
    item = (Paragraph(children=(Text(text="See "), _broken_label())),)
    listing = ListBlock(ordered=True, items=(item, item))
    text = "\n".join(p.text for p in pieces((listing,), 3000))
    assert text.count("<https://example.org/a|first second>") == 2
    assert _links_are_whole(text), text


def test_a_link_with_a_label_longer_than_a_block_becomes_its_label_and_bare_address(
    caplog: pytest.LogCaptureFixture,
) -> None:
    label = " ".join(f"word{i}" for i in range(700))  # about 5,500 characters
    nodes: tuple[Inline, ...] = (
        Text(text="Before "),
        Link(href="https://example.org/report", children=(Text(text=label),)),
        Text(text=" after."),
    )
    with caplog.at_level(logging.WARNING, logger="adapters.slack.mrkdwn"):
        parts = split_tokens(tokens(nodes), 3000)
    assert len(parts) >= 2
    assert all(len(p) <= 3000 for p in parts)
    assert all(_links_are_whole(p) for p in parts), [p[:80] for p in parts]
    joined = " ".join(parts)
    assert joined == f"Before {label} <https://example.org/report> after."
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "https://example.org/report" in record.getMessage()
    assert "shorten" in record.getMessage().lower()


def test_a_link_whose_address_alone_is_too_long_keeps_only_its_label(
    caplog: pytest.LogCaptureFixture,
) -> None:
    href = "https://example.org/" + "x" * 3500
    nodes: tuple[Inline, ...] = (
        Strong(children=(Link(href=href, children=(Text(text="the full report"),)),)),
    )
    with caplog.at_level(logging.WARNING, logger="adapters.slack.mrkdwn"):
        parts = split_tokens(tokens(nodes), 3000)
    assert parts == ["*the full report*"]
    (record,) = caplog.records
    assert "address" in record.getMessage()
    assert "shorten" in record.getMessage().lower()


def test_a_bare_link_too_long_for_a_block_is_named_by_its_host_and_never_cut() -> None:
    href = "https://example.org/" + "y" * 3500
    parts = split_tokens(tokens((Link(href=href, children=()),)), 3000)
    assert len(parts) == 1
    assert "example.org" in parts[0]
    assert "<" not in parts[0]


def test_a_footnote_with_a_link_longer_than_a_block_is_posted_within_limits() -> None:
    label = " ".join(f"source{i}" for i in range(600))
    note = Footnote(
        label="1",
        children=(Link(href="https://example.org/source", children=(Text(text=label),)),),
    )
    section = Section(
        id="n",
        ordinal=1,
        title="Notes",
        anchor=None,
        blocks=(Paragraph(children=(Text(text="Body."),)),),
        footnotes=(note,),
        form=DEFAULT_FORM,
        version="v1",
    )
    for message in section_messages(section, post_id=1):
        assert message_problems(message.blocks) == []
        for block in message.blocks:
            for element in block.get("elements", []):
                if "text" in element and isinstance(element["text"], str):
                    assert _links_are_whole(element["text"]), element["text"][:80]
