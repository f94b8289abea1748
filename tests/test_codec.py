"""Section content survives the trip to JSON and back unchanged."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import (
    Block,
    CodeBlock,
    Emphasis,
    FieldKind,
    Footnote,
    FootnoteRef,
    FormField,
    FormSpec,
    Heading,
    Inline,
    InlineCode,
    LineBreak,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Strong,
    Text,
)
from storage.codec import SectionContent, decode_content, encode_content
from tests.storage.samples import FORM, RICH_BLOCKS, RICH_FOOTNOTES

# Strings only pass through JSON, so a few awkward ones do; the structure is what varies.
words = st.sampled_from(["", "plain", "“quoted” ✓", "<b>&amp;</b>", "line\nbreak", "\\"])
labels = st.sampled_from(["1", "13", "a"])


def inlines() -> st.SearchStrategy[Inline]:
    leaves: st.SearchStrategy[Inline] = st.one_of(
        st.builds(Text, text=words),
        st.builds(InlineCode, text=words),
        st.builds(FootnoteRef, label=labels),
        st.just(LineBreak()),
    )

    def nest(children: st.SearchStrategy[Inline]) -> st.SearchStrategy[Inline]:
        kids = st.lists(children, max_size=3).map(tuple)
        return st.one_of(
            st.builds(Emphasis, children=kids),
            st.builds(Strong, children=kids),
            st.builds(Link, href=words, children=kids),
        )

    return st.recursive(leaves, nest, max_leaves=6)


def blocks() -> st.SearchStrategy[Block]:
    runs = st.lists(inlines(), max_size=3).map(tuple)
    leaves: st.SearchStrategy[Block] = st.one_of(
        st.builds(Paragraph, children=runs),
        st.builds(
            Heading,
            level=st.integers(2, 6),
            children=runs,
            anchor=st.none() | words,
        ),
        st.builds(CodeBlock, text=words, language=st.none() | words),
    )

    def nest(children: st.SearchStrategy[Block]) -> st.SearchStrategy[Block]:
        seq = st.lists(children, max_size=3).map(tuple)
        return st.one_of(
            st.builds(Quote, children=seq),
            st.builds(
                ListBlock,
                ordered=st.booleans(),
                items=st.lists(seq, max_size=3).map(tuple),
                start=st.integers(0, 99),
            ),
        )

    return st.recursive(leaves, nest, max_leaves=8)


fields = st.builds(
    FormField,
    name=labels,
    kind=st.sampled_from(FieldKind),
    label=words,
    required=st.booleans(),
    min_length=st.none() | st.integers(0, 50),
    max_length=st.none() | st.integers(0, 500),
    options=st.lists(words, max_size=3).map(tuple),
    placeholder=st.none() | words,
)

contents = st.builds(
    SectionContent,
    blocks=st.lists(blocks(), max_size=4).map(tuple),
    footnotes=st.lists(
        st.builds(Footnote, label=labels, children=st.lists(inlines(), max_size=3).map(tuple)),
        max_size=3,
    ).map(tuple),
    form=st.builds(FormSpec, fields=st.lists(fields, max_size=4).map(tuple)),
)


def through_json(content: SectionContent) -> SectionContent:
    return decode_content(json.loads(json.dumps(encode_content(content))))


def test_every_kind_of_node_round_trips() -> None:
    content = SectionContent(blocks=RICH_BLOCKS, footnotes=RICH_FOOTNOTES, form=FORM)
    assert through_json(content) == content


def test_an_empty_section_round_trips() -> None:
    content = SectionContent(blocks=(), footnotes=(), form=FormSpec(fields=()))
    assert through_json(content) == content


@settings(max_examples=60, deadline=None, database=None)
@given(contents)
def test_any_content_round_trips(content: SectionContent) -> None:
    assert through_json(content) == content


def test_encoded_content_names_its_format_and_node_types() -> None:
    encoded = encode_content(
        SectionContent(
            blocks=(Paragraph(children=(Text(text="hi"),)),), footnotes=(), form=FormSpec(fields=())
        )
    )
    assert encoded == {
        "format": 1,
        "blocks": [{"type": "paragraph", "children": [{"type": "text", "text": "hi"}]}],
        "footnotes": [],
        "form": {"fields": []},
    }


def test_unknown_formats_and_node_types_are_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        decode_content({"format": 99, "blocks": [], "footnotes": [], "form": {"fields": []}})
    with pytest.raises(ValueError, match="unknown block node type 'table'"):
        decode_content(
            {"format": 1, "blocks": [{"type": "table"}], "footnotes": [], "form": {"fields": []}}
        )
