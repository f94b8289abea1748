"""`SlackPlatform`: the core's ChatPlatform over the Slack Web API."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.api_errors import delivery_errors
from adapters.slack.clients import SlackClients
from adapters.slack.layout import SectionLayouts, SlackMessage, prompt_messages
from adapters.slack.mrkdwn import escape
from bot.domain import Channel, Delivery, Platform, Post, Section
from bot.errors import PermanentDeliveryError
from bot.ports import Capabilities, Clock, DeliveryProgress, RateWindow

log = logging.getLogger(__name__)

# chat.postMessage allows about one message per second per channel.
PER_CHANNEL = RateWindow(count=1, seconds=1.0)


class SlackPlatform:
    """Posts sections, prompts and private messages to Slack.

    A section too long for one message is a root message plus continuations in its thread.
    Each message is noted in the delivery's progress as soon as Slack accepts it, so the
    outbox's retry of the row (after a 429, a 5xx or a crash) resumes with the next
    continuation instead of posting the root again. A permanent failure part-way raises
    PermanentDeliveryError naming the messages that did go out.
    """

    def __init__(self, *, clients: SlackClients, clock: Clock) -> None:
        self._clients = clients
        self._clock = clock
        self._layouts = SectionLayouts()
        self._last_sent: dict[str, datetime] = {}

    @property
    def platform(self) -> Platform:
        return Platform.SLACK

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(max_message_bytes=40_000, per_channel_limits=(PER_CHANNEL,))

    async def post_section(
        self, *, channel: Channel, section: Section, post: Post, progress: DeliveryProgress
    ) -> Delivery:
        messages = self._layouts.messages(section, post_id=post.id)
        return await self._post_all(channel, messages, progress)

    async def post_prompt(
        self, *, channel: Channel, text: str, post: Post, progress: DeliveryProgress
    ) -> Delivery:
        return await self._post_all(channel, prompt_messages(text), progress)

    async def send_private(self, *, channel: Channel, user_id: str, text: str) -> None:
        client = await self._clients.for_team(channel.workspace_id)
        async with delivery_errors():
            await client.chat_postEphemeral(
                channel=channel.external_id, user=user_id, text=escape(text), link_names=False
            )

    async def _post_all(
        self, channel: Channel, messages: list[SlackMessage], progress: DeliveryProgress
    ) -> Delivery:
        client = await self._clients.for_team(channel.workspace_id)
        try:
            for index in range(len(progress.message_ids), len(messages)):
                await self._pace(channel.external_id)
                root = progress.message_ids[:1]
                sent = await self._post(client, channel, messages[index], root=root)
                await progress.sent(sent, last=index == len(messages) - 1)
        except PermanentDeliveryError as error:
            posted = progress.message_ids
            if posted:
                raise PermanentDeliveryError(
                    f"{error} — after {len(posted)} of {len(messages)} message(s) went out "
                    f"(root {posted[0]}); they are not posted again"
                ) from error
            raise
        # RateLimited and TransientDeliveryError leave the progress for the retry.
        return Delivery(message_ids=tuple(progress.message_ids))

    async def _post(
        self,
        client: AsyncWebClient,
        channel: Channel,
        message: SlackMessage,
        *,
        root: Sequence[str],
    ) -> str:
        async with delivery_errors():
            response = await client.chat_postMessage(
                channel=channel.external_id,
                blocks=message.blocks,
                text=message.text,
                thread_ts=root[0] if root else None,
                link_names=False,
                unfurl_links=False,
                unfurl_media=False,
            )
        self._last_sent[channel.external_id] = self._clock.now()
        return str(response["ts"])

    async def _pace(self, channel: str) -> None:
        """Keep to the channel's rate across messages: the outbox paces one call per post, but a
        long post is several messages, and the next post must wait for its last one."""
        last = self._last_sent.get(channel)
        if last is not None:
            due = last + timedelta(seconds=PER_CHANNEL.seconds)
            wait = (due - self._clock.now()).total_seconds()
            if wait > 0:
                await self._clock.sleep(wait)
