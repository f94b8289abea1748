"""`/engage export`: an organiser gets the export as files in a DM through Slack's external
upload flow; anyone else is refused and nothing is uploaded."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from openpyxl import load_workbook

from adapters.slack.export import PREPARING, USAGE
from adapters.slack.mount import SLACK
from tests.slack import payloads
from tests.slack.world import GENERAL, MEMBER, ORGANISER, Reply, SlackWorld

DM = "D" + ORGANISER[1:]
REPLY_TEXT = "We tried this in our team and it worked."


@pytest.fixture
async def responses(world: SlackWorld) -> SlackWorld:
    """Section 1 posted in #general, with one reaction and one thread reply."""
    await world.join()
    (post,) = await world.publish(["1"])
    assert post.root_message_id is not None
    root = post.root_message_id
    reaction = payloads.reaction(
        "reaction_added", user=MEMBER, emoji="thumbsup", channel=GENERAL, ts=root
    )
    reply = payloads.reply(
        user=MEMBER, text=REPLY_TEXT, channel=GENERAL, ts="1800000000.000100", thread_ts=root
    )
    for event in (reaction, reply):
        assert (await world.event(event)).status == 200
    return world


async def _export(world: SlackWorld, text: str, *, user: str = ORGANISER) -> Reply:
    reply = await world.command(text, user=user)
    assert reply.status == 200, reply.text
    await world.client.app[SLACK].background.wait()
    return reply


def _audit(world: SlackWorld) -> list[tuple[str, str]]:
    with sqlite3.connect(world.db) as conn:
        return [(a, b) for a, b in conn.execute("SELECT actor, action FROM audit_log")]


async def test_an_organiser_receives_the_xlsx_export_in_a_direct_message(
    responses: SlackWorld,
) -> None:
    world = responses
    reply = await _export(world, "export xlsx")
    assert reply.json() == {"response_type": "ephemeral", "text": PREPARING}
    (shared,) = world.fake.files.shared
    assert shared.channel == DM
    assert shared.filename.endswith(".xlsx")
    assert "1 replies, 1 reactions" in (shared.initial_comment or "")
    book = load_workbook(io.BytesIO(shared.data), read_only=True)
    assert {"Summary", "feedback", "replies", "reactions"} <= set(book.sheetnames)
    replies = list(book["replies"].iter_rows(values_only=True))
    assert len(replies) == 2  # the header and our one reply
    assert REPLY_TEXT in replies[1]
    reactions = list(book["reactions"].iter_rows(values_only=True))
    assert "thumbsup" in reactions[1]


async def test_no_format_means_xlsx(responses: SlackWorld) -> None:
    await _export(responses, "export")
    (shared,) = responses.fake.files.shared
    assert shared.filename.endswith(".xlsx")


async def test_a_csv_export_arrives_as_one_file_per_table(responses: SlackWorld) -> None:
    world = responses
    await _export(world, "export csv")
    shared = world.fake.files.shared_in(DM)
    names = sorted(f.filename.rsplit("-", 1)[-1] for f in shared)
    assert names == ["feedback.csv", "reactions.csv", "replies.csv"]
    # One message carries all three: a single files.completeUploadExternal.
    assert len(world.fake.calls_to("files.completeUploadExternal")) == 1
    (replies,) = [f for f in shared if f.filename.endswith("replies.csv")]
    rows = list(csv.DictReader(io.StringIO(replies.data.decode("utf-8-sig"))))
    assert [r["text"] for r in rows] == [REPLY_TEXT]


async def test_every_uploaded_file_arrived_whole_before_completion(
    responses: SlackWorld,
) -> None:
    world = responses
    await _export(world, "export csv")
    declared = {u.id: u.length for u in world.fake.files.uploads.values() if u.completed}
    received = dict(world.fake.files.posts)
    assert declared == received
    assert len(declared) == 3


async def test_a_jsonl_export_leaves_out_empty_tables(responses: SlackWorld) -> None:
    world = responses
    await _export(world, "export jsonl")
    shared = world.fake.files.shared_in(DM)
    # No feedback yet: an empty JSON Lines file cannot be uploaded (Slack refuses length 0).
    assert sorted(f.filename.rsplit("-", 1)[-1] for f in shared) == [
        "reactions.jsonl",
        "replies.jsonl",
    ]
    (replies,) = [f for f in shared if f.filename.endswith("replies.jsonl")]
    (line,) = replies.data.decode().splitlines()
    assert json.loads(line)["text"] == REPLY_TEXT


async def test_an_export_with_nothing_in_it_says_so_and_uploads_nothing(
    world: SlackWorld,
) -> None:
    world.fake.add_channel(GENERAL, "general")
    await _export(world, "export jsonl")
    assert world.fake.files.uploads == {}
    (told,) = world.fake.ephemerals
    assert told["user"] == ORGANISER
    assert "nothing to export yet" in told["text"]


async def test_the_export_is_audited_under_the_organisers_slack_id(
    responses: SlackWorld,
) -> None:
    await _export(responses, "export csv")
    assert (f"slack:{ORGANISER}", "export") in _audit(responses)


async def test_someone_who_is_not_an_organiser_is_refused_and_nothing_is_uploaded(
    responses: SlackWorld,
) -> None:
    world = responses
    reply = await _export(world, "export csv", user=MEMBER)
    assert "only the consultation's organisers can export responses" in reply.json()["text"]
    assert world.fake.files.uploads == {}
    assert world.fake.calls_to("files.completeUploadExternal") == []
    assert (f"slack:{MEMBER}", "export.refused") in _audit(world)
    assert ("slack:" + MEMBER, "export") not in _audit(world)


async def test_an_unknown_format_is_answered_with_the_choices(responses: SlackWorld) -> None:
    reply = await _export(responses, "export pdf")
    assert reply.json()["text"] == USAGE
    assert responses.fake.files.uploads == {}
    assert (f"slack:{ORGANISER}", "export") not in _audit(responses)


async def test_a_refused_upload_is_reported_to_the_organiser_privately(
    responses: SlackWorld,
) -> None:
    world = responses
    world.fake.fail_next("files.getUploadURLExternal", "file_uploads_disabled")
    await _export(world, "export xlsx")
    assert world.fake.files.shared == []
    (told,) = world.fake.ephemerals
    assert told["user"] == ORGANISER
    assert "Slack refused the upload (file_uploads_disabled)" in told["text"]
    assert "files:write" in told["text"]
