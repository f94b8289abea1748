"""Plain-text rendering of the block tree."""

from __future__ import annotations

import pytest

from bot.domain import (
    CodeBlock,
    Emphasis,
    FootnoteRef,
    Heading,
    InlineCode,
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
from bot.plaintext import block_text, blocks_to_text, inline_text, section_text


def test_inline_text_keeps_words_and_shows_footnotes_in_brackets() -> None:
    nodes = (
        Text(text="See "),
        Strong(children=(Emphasis(children=(Text(text="the"),)),)),
        Text(text=" "),
        Link(href="https://x.example", children=(Text(text="report"),)),
        FootnoteRef(label="7"),
        LineBreak(),
        InlineCode(text="a*b"),
    )
    assert inline_text(nodes) == "See the report[7]\na*b"


def test_lists_number_from_their_start_and_indent_continuations() -> None:
    listing = ListBlock(
        ordered=True,
        start=3,
        items=(
            (Paragraph(children=(Text(text="three"),)),),
            (
                Paragraph(children=(Text(text="four"),)),
                Quote(children=(Paragraph(children=(Text(text="quoted"),)),)),
            ),
        ),
    )
    assert block_text(listing) == "3. three\n4. four\n  quoted"


def test_code_block_loses_only_its_final_newline() -> None:
    assert block_text(CodeBlock(text="x = 1\n\n", language="py")) == "x = 1"


def test_blocks_are_separated_by_blank_lines_and_empty_ones_skipped() -> None:
    blocks = (
        Heading(level=2, children=(Text(text="Part"),), anchor="part"),
        Paragraph(children=()),
        Paragraph(children=(Text(text="Body"),)),
    )
    assert blocks_to_text(blocks) == "Part\n\nBody"


def test_section_text_does_not_repeat_the_title() -> None:
    section = Section(
        id="t",
        ordinal=1,
        title="Title",
        anchor=None,
        blocks=(Paragraph(children=(Text(text="Body"),)),),
        footnotes=(),
        form=DEFAULT_FORM,
        version="0" * 16,
    )
    assert section_text(section) == "Body"


def test_block_text_rejects_something_that_is_not_a_block() -> None:
    with pytest.raises(TypeError, match="not a block"):
        block_text(Text(text="inline"))  # type: ignore[arg-type]
