"""The fake's external upload flow refuses what Slack refuses, so the export tests can trust
it: no completion before the declared bytes arrive, once per file, into a real channel."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlackApi
from tests.slack.world import TOKEN


@pytest.fixture
def web(fake: FakeSlackApi) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=fake.base_url, retry_handlers=[])


async def _error(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response.data.get("error", ""))


async def _start(web: AsyncWebClient, data: bytes, *, length: int | None = None) -> tuple[str, str]:
    answer = await web.files_getUploadURLExternal(
        filename="f.csv", length=len(data) if length is None else length
    )
    return str(answer["file_id"]), str(answer["upload_url"])


async def _post(url: str, data: bytes) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, data=data) as response:
        return response.status


async def test_the_whole_flow_shares_exactly_the_bytes_sent(
    web: AsyncWebClient, fake: FakeSlackApi
) -> None:
    dm = (await web.conversations_open(users=["U1"]))["channel"]["id"]
    await web.files_upload_v2(
        content=b"a,b\r\n1,2\r\n", filename="t.csv", title="T", channel=dm, initial_comment="hi"
    )
    (shared,) = fake.files.shared_in(dm)
    assert (shared.data, shared.title, shared.initial_comment) == (b"a,b\r\n1,2\r\n", "T", "hi")


async def test_completing_before_the_bytes_arrive_is_refused(web: AsyncWebClient) -> None:
    file_id, _ = await _start(web, b"12345")
    assert await _error(web.files_completeUploadExternal(files=[{"id": file_id}])) == (
        "upload_incomplete"
    )


async def test_bytes_of_another_length_than_declared_are_refused(
    web: AsyncWebClient, fake: FakeSlackApi
) -> None:
    file_id, url = await _start(web, b"12345")
    assert await _post(url, b"1234") == 200
    assert await _error(web.files_completeUploadExternal(files=[{"id": file_id}])) == (
        "upload_incomplete"
    )
    assert fake.files.shared == []


async def test_a_file_can_be_completed_once(web: AsyncWebClient, fake: FakeSlackApi) -> None:
    file_id, url = await _start(web, b"12345")
    await _post(url, b"12345")
    await web.files_completeUploadExternal(files=[{"id": file_id, "title": "x"}])
    assert await _error(web.files_completeUploadExternal(files=[{"id": file_id}])) == (
        "file_not_found"
    )
    assert await _post(url, b"12345") == 404
    assert len(fake.files.shared) == 1


async def test_a_zero_length_upload_is_refused(web: AsyncWebClient) -> None:
    assert await _error(web.files_getUploadURLExternal(filename="e.jsonl", length=0)) == (
        "missing_argument"
    )


async def test_completing_into_an_unknown_channel_is_refused(web: AsyncWebClient) -> None:
    file_id, url = await _start(web, b"1")
    await _post(url, b"1")
    assert await _error(
        web.files_completeUploadExternal(files=[{"id": file_id}], channel_id="C0NOWHERE")
    ) == ("channel_not_found")


async def test_a_multipart_upload_is_read_like_raw_bytes(
    web: AsyncWebClient, fake: FakeSlackApi
) -> None:
    file_id, url = await _start(web, b"abc")
    form = aiohttp.FormData()
    form.add_field("filename", b"abc", filename="f.csv")
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as response:
        assert response.status == 200
    await web.files_completeUploadExternal(files=[{"id": file_id}])
    assert fake.files.shared[0].data == b"abc"


async def test_a_dm_is_the_same_conversation_each_time_and_needs_a_user(
    web: AsyncWebClient,
) -> None:
    first = (await web.conversations_open(users=["U1"]))["channel"]["id"]
    again = (await web.conversations_open(users=["U1"]))["channel"]["id"]
    assert first == again
    assert first.startswith("D")
    assert await _error(web.conversations_open(users=[])) == "users_list_not_supplied"
