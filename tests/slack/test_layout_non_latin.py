"""Sections in any script fit Slack messages as they are sent: JSON escapes every non-ASCII
character (6 bytes, 12 for emoji), so a message is measured in serialised bytes, not characters."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.slack.layout import (
    MESSAGE_BYTES_BUDGET,
    MESSAGE_TEXT_BUDGET,
    prompt_messages,
    section_messages,
)
from bot.domain import Paragraph, PostState, Section, Text
from bot.forms import DEFAULT_FORM
from tests.fakes.slack_blockkit import message_problems
from tests.slack.conftest import MakeWorld
from tests.slack.world import GENERAL, SlackWorld

_CJK = "协作网络让各地团队分享经验并改进服务质量我们希望听到您的意见和建议"
_ARABIC = "تتبادل الفرق المحلية الخبرات وتحسن الخدمات معا ونرجو أن نسمع آراءكم"
_EMOJI = "🌱🌍🚀🎉🧩📚🤝💡"


def _cjk(count: int) -> list[str]:
    # No spaces, as CJK is written: each paragraph is one long run, numbered to check order.
    return [f"第{n}段" + (_CJK * 12)[: 380 + n % 7] + "。" for n in range(count)]


def _arabic(count: int) -> list[str]:
    return [f"فقرة {n} " + " ".join([_ARABIC] * 6) + "." for n in range(count)]


def _emoji(count: int) -> list[str]:
    words = (f"{_EMOJI[i % 8]}{_EMOJI[(i + 3) % 8]}{_EMOJI[(i + 5) % 8]}" for i in range(10**6))
    return [f"p{n} " + " ".join(next(words) for _ in range(120)) for n in range(count)]


def _section(paragraphs: list[str], title: str = "A section") -> Section:
    return Section(
        id="s",
        ordinal=1,
        title=title,
        anchor=None,
        blocks=tuple(Paragraph(children=(Text(text=p),)) for p in paragraphs),
        footnotes=(),
        form=DEFAULT_FORM,
        version="v1",
    )


def _sent_size(blocks: list[dict[str, object]], text: str) -> int:
    # What blocks and text take in the request body slack_sdk sends (json.dumps, ASCII escapes).
    return len(json.dumps(blocks).encode()) + len(json.dumps(text).encode())


def _body(blocks: list[dict[str, object]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("paragraphs", "title"),
    [
        (_cjk(30), "长篇中文章节"),
        (_arabic(40), "قسم طويل"),
        (_emoji(30), "Emoji 🌱 heavy"),
        # The widest blocks (1,496 emoji, 2,992 UTF-16 units) under the widest header.
        ([_EMOJI * 187] * 8, "🌱" * 150),
    ],
    ids=["cjk", "arabic", "emoji", "emoji-only"],
)
def test_every_message_of_a_non_latin_section_fits_the_size_budget_as_sent(
    paragraphs: list[str], title: str
) -> None:
    messages = section_messages(_section(paragraphs, title), post_id=123456789)
    assert len(messages) >= 2
    for message in messages:
        assert message_problems(message.blocks) == []
        assert _sent_size(message.blocks, message.text) <= MESSAGE_BYTES_BUDGET
    # Split between paragraphs only: each arrives whole, in order.
    assert "\n\n".join(t for m in messages for t in _body(m.blocks)) == "\n\n".join(paragraphs)


def test_a_run_without_spaces_longer_than_a_block_is_cut_between_characters() -> None:
    # 3,000 emoji are 3,000 characters but 6,000 UTF-16 units and 36 KB as sent.
    run = _EMOJI * 375
    messages = section_messages(_section([run, "After."]), post_id=1)
    texts = [t for m in messages for t in _body(m.blocks)]
    assert len(texts) >= 3
    assert all(len(t.encode("utf-16-le")) // 2 <= 3000 for t in texts)
    assert all(_sent_size(m.blocks, m.text) <= MESSAGE_BYTES_BUDGET for m in messages)
    *cut, after = "\n\n".join(texts).split("\n\n")
    assert "".join(cut) == run
    assert after == "After."


def test_a_long_prompt_in_cjk_is_split_into_messages_within_the_size_budget() -> None:
    text = "\n".join(_cjk(25))
    messages = prompt_messages(text)
    assert len(messages) >= 2
    assert all(_sent_size(m.blocks, m.text) <= MESSAGE_BYTES_BUDGET for m in messages)
    assert "\n".join(t for m in messages for t in _body(m.blocks)) == text


def _write_paper(folder: Path, title: str, paragraphs: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    page = "\n\n".join([f"# {title}", *paragraphs]) + "\n"
    (folder / "01-section.md").write_text(page, encoding="utf-8")
    (folder / "paper.toml").write_text(
        'title = "A paper in other scripts"\npages = ["01-section.md"]\n', encoding="utf-8"
    )
    return folder


@pytest.fixture(params=["cjk", "emoji"])
def script(request: pytest.FixtureRequest) -> tuple[str, list[str]]:
    if request.param == "cjk":
        return "长篇中文章节", _cjk(24)
    return "Emoji 🌱 heavy", _emoji(14)


@pytest.fixture
async def script_world(
    make_world: MakeWorld, tmp_path: Path, script: tuple[str, list[str]]
) -> AsyncIterator[SlackWorld]:
    title, paragraphs = script
    async with make_world(paper=_write_paper(tmp_path / "paper", title, paragraphs)) as started:
        await started.join()
        yield started


async def test_a_long_non_latin_section_is_delivered_as_root_and_continuations(
    script_world: SlackWorld, script: tuple[str, list[str]]
) -> None:
    world = script_world
    _, paragraphs = script
    # Too big for one message as sent, though within the characters one message may hold.
    assert len("\n\n".join(paragraphs)) < MESSAGE_TEXT_BUDGET
    assert len(json.dumps("\n\n".join(paragraphs))) > world.fake.max_payload_bytes
    (post,) = await world.publish(["1"])
    calls = world.fake.calls_to("chat.postMessage")
    assert [(c.status, c.error) for c in calls] == [(200, None)] * len(calls)
    assert post.state is PostState.SENT
    messages = world.fake.posted(GENERAL)
    assert len(messages) >= 2
    assert [m.ts for m in messages] == list(post.message_ids)
    root = messages[0].ts
    assert [m.thread_ts for m in messages] == [None, *[root] * (len(messages) - 1)]
    assert all(m.payload_bytes <= world.fake.max_payload_bytes for m in messages)
    assert "\n\n".join(t for m in messages for t in _body(m.blocks)) == "\n\n".join(paragraphs)
