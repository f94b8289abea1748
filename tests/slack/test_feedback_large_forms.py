"""Page forms bigger than a Slack modal: more fields than it holds, selects of more than 100
choices, and field names Slack cannot use as block ids."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.feedback import NOT_SHOWN
from bot.domain import Post
from tests.slack import payloads
from tests.slack.conftest import MakeWorld
from tests.slack.payloads import text_state
from tests.slack.world import MEMBER, SlackWorld

COUNCILS = tuple(f"Council of {town}" for town in ("Ashby", "Brill", "Crewe")) + tuple(
    f"District {n:03d}" for n in range(147)
)
LONG_NAME = "q" * 300


def _paper(folder: Path, form: str) -> Path:
    folder.mkdir(parents=True)
    page = f"# A section with a big form\n\nTell us what you think.\n\n<form>\n{form}\n</form>\n"
    (folder / "01-big.md").write_text(page, encoding="utf-8")
    return folder


def _text(name: str, *, required: bool = False) -> str:
    flag = " required" if required else ""
    return f'<label for="{name}">Question {name}</label><input id="{name}" name="{name}"{flag}>'


def _select(name: str, options: tuple[str, ...]) -> str:
    listed = "".join(f"<option>{o}</option>" for o in options)
    select = f'<select id="{name}" name="{name}" required>{listed}</select>'
    return f'<label for="{name}">Your council</label>{select}'


@asynccontextmanager
async def _served(make_world: MakeWorld, paper: Path) -> AsyncIterator[tuple[SlackWorld, Post]]:
    """engage serving `paper`, with its one section posted to #general."""
    async with make_world(paper=paper) as world:
        await world.join()
        (post,) = await world.publish(["1"])
        yield world, post


@pytest.fixture
async def many_fields(
    make_world: MakeWorld, tmp_path: Path
) -> AsyncIterator[tuple[SlackWorld, Post]]:
    """A form of 120 text fields; three are required, two of them far past what fits."""
    required = {5, 110, 119}
    form = "\n".join(_text(f"f{i}", required=i in required) for i in range(120))
    async with _served(make_world, _paper(tmp_path / "paper", form)) as served:
        yield served


@pytest.fixture
async def long_select(
    make_world: MakeWorld, tmp_path: Path
) -> AsyncIterator[tuple[SlackWorld, Post]]:
    """A form whose required select has 150 choices."""
    form = _select("council", COUNCILS) + "\n" + _text("why")
    async with _served(make_world, _paper(tmp_path / "paper", form)) as served:
        yield served


async def _open(world: SlackWorld, post: Post) -> dict[str, Any]:
    reply = await world.press(post)
    assert reply.status == 200, reply.text
    assert world.fake.views, [c.error for c in world.fake.calls_to("views.open")]
    return world.fake.views[-1]


def _inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


async def test_a_form_longer_than_a_modal_can_be_sent_with_the_fields_it_shows(
    many_fields: tuple[SlackWorld, Post],
) -> None:
    world, post = many_fields
    view = await _open(world, post)
    shown = _inputs(view)
    assert {"f5", "f110", "f119"} <= set(shown)
    values = {block_id: text_state(None) for block_id in shown}
    values |= {name: text_state(f"answer {name}") for name in ("f5", "f110", "f119")}
    reply = await world.interact(payloads.view_submission(view=view, values=values, user=MEMBER))
    assert reply.status == 200
    assert reply.text == "", reply.json()  # accepted: the modal closes
    assert world.rows("feedback") == 1


async def test_fields_a_modal_cannot_hold_are_named_in_one_warning_per_form(
    many_fields: tuple[SlackWorld, Post], caplog: pytest.LogCaptureFixture
) -> None:
    world, post = many_fields
    caplog.set_level(logging.WARNING, logger="adapters.slack")
    first = await _open(world, post)
    second = await _open(world, post)
    assert _inputs(first).keys() == _inputs(second).keys()
    warnings = [r.getMessage() for r in caplog.records if "not shown" in r.getMessage()]
    assert len(warnings) == 1, warnings
    left_out = sorted({f"f{i}" for i in range(120)} - _inputs(first).keys())
    assert left_out
    assert all(f"'{name}'" in warnings[0] for name in left_out[:3])
    assert "100 blocks" in warnings[0]


async def test_a_form_with_more_required_fields_than_fit_says_so_on_a_field_it_shows(
    make_world: MakeWorld, tmp_path: Path
) -> None:
    form = "\n".join(_text(f"f{i}", required=True) for i in range(100))
    async with _served(make_world, _paper(tmp_path / "paper", form)) as (world, post):
        view = await _open(world, post)
        shown = _inputs(view)
        values = {block_id: text_state("an answer") for block_id in shown}
        reply = await world.interact(
            payloads.view_submission(view=view, values=values, user=MEMBER)
        )
        # Slack refuses errors for blocks a modal does not have; the member must learn why.
        assert reply.json()["errors"] == {next(iter(shown)): NOT_SHOWN}
        assert world.rows("feedback") == 0


async def test_a_select_of_many_choices_offers_those_matching_what_the_member_types(
    long_select: tuple[SlackWorld, Post],
) -> None:
    options = (await _council_choices(*long_select, typed="  brILL "))["options"]
    assert [o["text"]["text"] for o in options] == ["Council of Brill"]
    assert options[0]["value"] == str(COUNCILS.index("Council of Brill"))


async def test_a_select_of_many_choices_offers_at_most_a_hundred_and_says_to_type(
    long_select: tuple[SlackWorld, Post],
) -> None:
    (group,) = (await _council_choices(*long_select, typed=""))["option_groups"]
    label = group["label"]["text"]
    assert len(label) <= 75
    assert "150" in label
    assert "type" in label.lower()
    assert [o["text"]["text"] for o in group["options"]] == list(COUNCILS[:100])


async def test_a_choice_from_a_select_of_many_choices_is_stored(
    long_select: tuple[SlackWorld, Post],
) -> None:
    world, post = long_select
    view = await _open(world, post)
    element = _inputs(view)["council"]["element"]
    assert element["type"] == "external_select"
    chosen = {"text": {"type": "plain_text", "text": COUNCILS[140]}, "value": "140"}
    values = {
        "council": {element["action_id"]: {"type": "external_select", "selected_option": chosen}},
        "why": text_state("Because"),
    }
    reply = await world.interact(payloads.view_submission(view=view, values=values, user=MEMBER))
    assert reply.status == 200
    assert reply.text == "", reply.json()
    assert world.rows("feedback") == 1


async def test_option_requests_for_a_modal_engage_did_not_open_get_no_options(
    long_select: tuple[SlackWorld, Post],
) -> None:
    world, post = long_select
    view = {**(await _open(world, post)), "private_metadata": "{not ours"}
    reply = await world.interact(_suggestion(view, block_id="council", typed="Council"))
    assert reply.status == 200, reply.text
    assert reply.json() == {"options": []}


async def test_a_long_field_name_and_one_named_like_its_fallback_each_get_their_own_error(
    make_world: MakeWorld, tmp_path: Path
) -> None:
    form = "\n".join(_text(name, required=True) for name in (LONG_NAME, "field-0", "field-1"))
    async with _served(make_world, _paper(tmp_path / "paper", form)) as (world, post):
        view = await _open(world, post)
        shown = _inputs(view)
        assert len(shown) == 4  # three fields and the quote choice
        values = {block_id: text_state(None) for block_id in shown}
        reply = await world.interact(
            payloads.view_submission(view=view, values=values, user=MEMBER)
        )
        errors = reply.json()["errors"]
        assert len(errors) == 3
        assert set(errors) < set(shown)


async def _council_choices(world: SlackWorld, post: Post, *, typed: str) -> dict[str, Any]:
    """What engage answers when Slack asks for the council menu's choices, `typed` typed."""
    view = await _open(world, post)
    reply = await world.interact(_suggestion(view, block_id="council", typed=typed))
    assert reply.status == 200, reply.text
    answer: dict[str, Any] = reply.json()
    return answer


def _suggestion(view: dict[str, Any], *, block_id: str, typed: str) -> dict[str, Any]:
    """A block_suggestion: Slack asking for the choices of an external select."""
    element = _inputs(view)[block_id]["element"]
    return {
        "type": "block_suggestion",
        "user": {"id": MEMBER, "username": "member", "team_id": payloads.TEAM},
        "container": {"type": "view", "view_id": view["id"]},
        "api_app_id": payloads.APP,
        "token": "legacy-verification-token",
        "action_id": element["action_id"],
        "block_id": block_id,
        "value": typed,
        "team": {"id": payloads.TEAM, "domain": "fake"},
        "view": {**view, "state": {"values": {}}},
    }
