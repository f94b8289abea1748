"""A section as Block Kit messages: within Slack's limits, long sections split in order."""

from __future__ import annotations

import json
import re

import pytest

from adapters.slack.layout import (
    FEEDBACK_ACTION,
    REPLY_ACTION,
    SectionLayouts,
    section_messages,
)
from bot.config import EXAMPLE_PAPER
from bot.domain import Paper, Paragraph, Section, Text
from bot.forms import DEFAULT_FORM
from bot.paper import load_paper
from tests.fakes.slack_blockkit import message_problems
from tests.slack.long_paper import LONG_ID, write_long_paper


@pytest.fixture(scope="module")
def long_paper(tmp_path_factory: pytest.TempPathFactory) -> Paper:
    return load_paper(write_long_paper(tmp_path_factory.mktemp("paper")))


def _section(paper: Paper, section_id: str) -> Section:
    section = paper.section(section_id)
    assert section is not None
    return section


def _texts(blocks: list[dict[str, object]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]  # type: ignore[index]


def test_every_section_of_the_example_paper_fits_slacks_limits() -> None:
    for section in load_paper(EXAMPLE_PAPER).sections:
        for message in section_messages(section, post_id=1):
            assert message_problems(message.blocks) == []
            assert message.text


def test_a_long_section_becomes_a_root_and_continuations_within_limits(long_paper: Paper) -> None:
    messages = section_messages(_section(long_paper, LONG_ID), post_id=7)
    assert len(messages) >= 3
    for message in messages:
        assert message_problems(message.blocks) == []
        assert len(message.blocks) <= 50
        assert len(json.dumps(message.blocks)) < 20_000
        assert all(len(t) <= 3000 for t in _texts(message.blocks))
    assert messages[0].blocks[0]["type"] == "header"
    assert "part 2 of" in messages[1].text


def test_the_split_keeps_the_text_in_order_and_whole(long_paper: Paper) -> None:
    messages = section_messages(_section(long_paper, LONG_ID), post_id=7)
    body = "\n\n".join(t for m in messages for t in _texts(m.blocks))
    numbers = [int(n) for n in re.findall(r"/notes/(\d+)\?", body)]
    assert numbers == list(range(40))
    assert body.count("<") == len(re.findall(r"<https://[^<>|]*\|[^<>]*>", body))  # links whole
    assert "<https://example.org/report|the long report ∣ part one &gt; summary>" in body


def test_the_root_carries_the_buttons_with_our_post_id(long_paper: Paper) -> None:
    messages = section_messages(_section(long_paper, LONG_ID), post_id=42)
    actions = [b for b in messages[0].blocks if b["type"] == "actions"]
    assert len(actions) == 1
    elements = actions[0]["elements"]
    assert [e["action_id"] for e in elements] == [FEEDBACK_ACTION, REPLY_ACTION]
    assert {e["value"] for e in elements} == {"42"}
    assert all(b["type"] != "actions" for m in messages[1:] for b in m.blocks)


def test_footnotes_go_in_context_blocks_numbered_with_their_links(long_paper: Paper) -> None:
    messages = section_messages(_section(long_paper, LONG_ID), post_id=1)
    contexts = [
        e["text"]
        for m in messages
        for b in m.blocks
        if b["type"] == "context"
        for e in b["elements"]
    ]
    assert any(
        t.startswith("1. Our own illustrative note, see <https://example.org/notes|")
        for t in contexts
    )


def test_a_section_of_many_short_paragraphs_never_exceeds_fifty_blocks() -> None:
    # Each paragraph packs into the same section block until 3000 characters; make each one
    # too big to share, so the block count is what forces the split.
    paragraph = Paragraph(children=(Text(text="x " * 1400),))
    section = Section(
        id="many",
        ordinal=1,
        title="Many",
        anchor=None,
        blocks=(paragraph,) * 120,
        footnotes=(),
        form=DEFAULT_FORM,
        version="v1",
    )
    messages = section_messages(section, post_id=1, budget=10**9, byte_budget=10**9)
    assert len(messages) >= 3
    assert all(len(m.blocks) <= 50 for m in messages)


def test_a_title_longer_than_a_header_allows_is_shortened_with_an_ellipsis() -> None:
    section = Section(
        id="t",
        ordinal=1,
        title="A " * 100,
        anchor=None,
        blocks=(),
        footnotes=(),
        form=DEFAULT_FORM,
        version="v1",
    )
    (message,) = section_messages(section, post_id=1)
    header = message.blocks[0]["text"]["text"]
    assert len(header) <= 150
    assert header.endswith("…")


def test_section_text_is_escaped_so_it_cannot_ping_a_channel() -> None:
    section = Section(
        id="p",
        ordinal=1,
        title="<!channel> title",
        anchor=None,
        blocks=(Paragraph(children=(Text(text="Hello <!here> and <@U1>"),)),),
        footnotes=(),
        form=DEFAULT_FORM,
        version="v1",
    )
    (message,) = section_messages(section, post_id=1)
    # plain_text (the header) is never parsed for mentions; mrkdwn and the fallback text are.
    mrkdwn = [message.text, *_texts(message.blocks)]
    assert all("<!" not in t and "<@" not in t for t in mrkdwn)
    assert message.blocks[0]["text"] == {"type": "plain_text", "text": "<!channel> title"}


def test_a_cached_layout_differs_only_in_the_post_id_of_its_buttons(long_paper: Paper) -> None:
    layouts = SectionLayouts()
    section = _section(long_paper, LONG_ID)
    first = layouts.messages(section, post_id=1)
    second = layouts.messages(section, post_id=2)
    assert first == section_messages(section, post_id=1)
    assert second == section_messages(section, post_id=2)
