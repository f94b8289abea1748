"""mrkdwn rendering: escaping, links, formatting, and cutting long paragraphs safely."""

from __future__ import annotations

import re

from adapters.slack.blocks import pieces
from adapters.slack.mrkdwn import escape, inline, link, split_tokens, tokens
from bot.domain import (
    Emphasis,
    FootnoteRef,
    Inline,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Strong,
    Text,
)

LINK = re.compile(r"<[^<>]*>")


def test_escape_turns_control_characters_into_entities() -> None:
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"


def test_user_text_with_mentions_can_never_ping_once_escaped() -> None:
    shown = escape("hi <!channel> and <!here> and <@U123> in <#C999|general>")
    assert "<" not in shown
    assert ">" not in shown
    assert "&lt;!channel&gt;" in shown


def test_link_label_with_pipe_and_angle_bracket_stays_one_link() -> None:
    text = link("https://example.org/a?x=1&y=|2", "this | that > other")
    assert LINK.fullmatch(text), text
    url, _, label = text[1:-1].partition("|")
    assert url == "https://example.org/a?x=1&amp;y=%7C2"
    assert "|" not in label
    assert "&gt;" in label


def test_link_with_unsafe_scheme_is_shown_as_text() -> None:
    shown = link("javascript:alert(1)", "click")
    assert "<" not in shown
    assert "javascript:alert(1)" in shown


def test_bold_keeps_its_trailing_space_outside_the_markers() -> None:
    # CommonMark leaves `**cost **` bold with a trailing space; Slack would show the stars.
    text = inline((Strong(children=(Text(text="cost "),)), Text(text="matters")))
    assert text == "*cost* matters"


def test_italic_bold_link_and_footnote_reference_render_as_mrkdwn() -> None:
    text = inline(
        (
            Emphasis(children=(Text(text="read"),)),
            Text(text=" the "),
            Link(href="https://example.org", children=(Text(text="notes"),)),
            FootnoteRef(label="13"),
        )
    )
    assert text == "_read_ the <https://example.org|notes>[13]"


def test_a_long_paragraph_is_cut_between_sentences_within_the_limit() -> None:
    sentence = "Each team keeps its own notes about what works. "
    parts = split_tokens(tokens((Text(text=sentence * 150),)), 3000)
    assert len(parts) > 1
    assert all(len(p) <= 3000 for p in parts)
    assert all(p.endswith("works.") for p in parts)
    assert " ".join(parts) == (sentence * 150).strip()


def test_a_long_paragraph_is_never_cut_inside_a_link_or_a_word() -> None:
    words: list[Inline] = [Text(text="word " * 40)]
    nodes: tuple[Inline, ...] = tuple(
        node
        for i in range(40)
        for node in (
            *words,
            Link(href=f"https://example.org/{i}", children=(Text(text=f"link {i}"),)),
        )
    )
    parts = split_tokens(tokens(nodes), 500)
    assert len(parts) > 2
    for part in parts:
        assert len(part) <= 500
        assert part.count("<") == part.count(">")  # every link whole
        assert not part.startswith("ord")
    rejoined = " ".join(parts)
    assert all(f"<https://example.org/{i}|link {i}>" in rejoined for i in range(40))


def test_a_long_bold_paragraph_reopens_its_formatting_in_each_part() -> None:
    parts = split_tokens(tokens((Strong(children=(Text(text="bold words " * 100),)),)), 300)
    assert len(parts) > 1
    assert all(p.startswith("*") and p.endswith("*") for p in parts)


def test_lists_get_bullets_and_numbers_and_nested_items_are_indented() -> None:
    block = ListBlock(
        ordered=False,
        items=(
            (Paragraph(children=(Text(text="one"),)),),
            (
                Paragraph(children=(Text(text="two"),)),
                ListBlock(ordered=True, items=((Paragraph(children=(Text(text="inner"),)),),)),
            ),
        ),
    )
    lines = "\n".join(p.text for p in pieces((block,), 3000)).split("\n")
    assert lines[0] == "• one"
    assert lines[1] == "• two"
    assert lines[2].strip() == "1. inner"
    assert lines[2].startswith("\u2003")


def test_quotes_prefix_every_line_and_escape_the_quoted_text() -> None:
    quote = Quote(children=(Paragraph(children=(Text(text="a > b <!here>"),)),))
    (piece,) = pieces((quote,), 3000)
    assert piece.text == "> a &gt; b &lt;!here&gt;"
