"""Posting to Teams: each section starts a new thread in its channel.

The root message (an Adaptive Card with the title and the *Give feedback* / *Reply* actions) is
created with `create_conversation`; a section too large for one message continues with more
cards posted into the thread. Each message is noted in the delivery's progress as soon as Teams
accepts it, so if the root went out and a continuation failed (or the process stopped), the
retry resumes with the missing continuations in the root's thread instead of posting the root
again. A continuation refused for good (403/404/413) ends the post with what was delivered,
logged as an error, so the root's reactions and replies still count.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
)
from urllib3.util.retry import Retry

from adapters.teams.cards import CARD_CONTENT_TYPE, Card, section_cards
from adapters.teams.connector_errors import delivery_error
from adapters.teams.personal import PersonalChats
from adapters.teams.references import reference_of
from adapters.teams.threads import thread_conversation_id
from bot.domain import Channel, Delivery, Platform, Post, Section
from bot.errors import PermanentDeliveryError
from bot.ports import Capabilities, DeliveryProgress, RateWindow

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_MESSAGE_BYTES = 28_000
MAX_PROMPT_CHARS = 20_000

CAPABILITIES = Capabilities(
    max_message_bytes=MAX_MESSAGE_BYTES,
    per_channel_limits=(
        RateWindow(count=7, seconds=1),
        RateWindow(count=8, seconds=2),
        RateWindow(count=60, seconds=30),
        RateWindow(count=1800, seconds=3600),
    ),
    per_workspace_limits=(RateWindow(count=50, seconds=1),),
)


class TeamsPlatform:
    """Teams as the core sees it: posts sections and prompts through the Bot Connector."""

    def __init__(
        self, *, auth: BotFrameworkAuthentication, app_id: str, personal: PersonalChats
    ) -> None:
        self._auth = auth
        self._app_id = app_id
        self._clients: dict[str, ConnectorClient] = {}
        self._personal = personal

    @property
    def platform(self) -> Platform:
        return Platform.TEAMS

    @property
    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    async def remember_personal(self, user_id: str, reference: ConversationReference) -> None:
        """Keep the 1:1 conversation with a member, for private messages."""
        await self._personal.remember(user_id, reference)

    async def forget_personal(self, user_id: str) -> None:
        """The member removed the app from their personal scope: stop writing to them."""
        await self._personal.forget(user_id)

    async def post_section(
        self, *, channel: Channel, section: Section, post: Post, progress: DeliveryProgress
    ) -> Delivery:
        reference = self._reference(channel)
        try:
            cards = section_cards(
                section,
                post_id=post.id,
                fits=lambda content: self._fits(reference, channel, content, summary=section.title),
            )
        except ValueError as error:
            raise PermanentDeliveryError(str(error)) from error
        client = await self._client(reference.service_url)
        if not progress.message_ids:
            root = _message(attachments=[_attachment(cards[0])], summary=section.title)
            root_id = await self._start_thread(client, reference, channel, root)
            await progress.sent(root_id, last=len(cards) == 1)
        thread_id = thread_conversation_id(channel.external_id, progress.message_ids[0])
        try:
            for index in range(len(progress.message_ids), len(cards)):
                sent = await self._call(
                    client.conversations.send_to_conversation(
                        thread_id,
                        _message(
                            attachments=[_attachment(cards[index])],
                            conversation=ConversationAccount(id=thread_id),
                        ),
                    ),
                    what=f"continuing section {section.id} in {channel.name}",
                )
                message_id = _id_of(sent, what="a continuation")
                await progress.sent(message_id, last=index == len(cards) - 1)
        except PermanentDeliveryError as error:
            log.error(
                "section %s in %s was cut short after %d of %d messages: %s",
                section.id, channel.name, len(progress.message_ids), len(cards), error,
            )  # fmt: skip
        return Delivery(message_ids=tuple(progress.message_ids))

    async def post_prompt(
        self, *, channel: Channel, text: str, post: Post, progress: DeliveryProgress
    ) -> Delivery:
        if not progress.message_ids:
            reference = self._reference(channel)
            client = await self._client(reference.service_url)
            message = _message(text=text[:MAX_PROMPT_CHARS])
            root_id = await self._start_thread(client, reference, channel, message)
            await progress.sent(root_id, last=True)
        return Delivery(message_ids=tuple(progress.message_ids))

    async def send_private(self, *, channel: Channel, user_id: str, text: str) -> None:
        """A 1:1 message if the member has talked to the bot (or installed it personally);
        otherwise skipped: Teams dialogs already confirm privately."""
        if not await self.send_personal(user_id, text):
            log.debug("no personal conversation with %s is known; private message skipped", user_id)

    async def knows_personal(self, user_id: str) -> bool:
        """Whether a 1:1 conversation with the member is known (so a private reply can go)."""
        return await self._personal.find(user_id) is not None

    async def send_personal(self, user_id: str, text: str) -> bool:
        """Send `text` (markdown) in the member's 1:1 chat with the bot. False when no such chat
        is known; a refused or failed send raises the matching DeliveryError."""
        reference = await self._personal.find(user_id)
        if reference is None or reference.conversation is None:
            return False
        client = await self._client(reference.service_url)
        conversation_id = reference.conversation.id
        await self._call(
            client.conversations.send_to_conversation(
                conversation_id,
                _message(text=text, conversation=ConversationAccount(id=conversation_id)),
            ),
            what=f"private message to {user_id}",
        )
        return True

    async def _start_thread(
        self,
        client: ConnectorClient,
        reference: ConversationReference,
        channel: Channel,
        activity: Activity,
    ) -> str:
        """Post `activity` as the root of a new thread; the root's message id."""
        result = await self._call(
            client.conversations.create_conversation(_parameters(reference, channel, activity)),
            what=f"starting a thread in {channel.name}",
        )
        return _id_of(result, what="the thread's root", attribute="activity_id")

    def _reference(self, channel: Channel) -> ConversationReference:
        reference = reference_of(channel)
        if reference is None:
            raise PermanentDeliveryError(
                f"{channel.name} has no stored conversation reference: reinstall the app in "
                "its team so the bot learns how to reach it"
            )
        return reference

    @staticmethod
    def _fits(
        reference: ConversationReference, channel: Channel, content: Card, *, summary: str
    ) -> bool:
        """Whether a request carrying this card stays within Teams' message size. The
        create-conversation request is measured: it is the larger of the two envelopes."""
        activity = _message(attachments=[_attachment(content)], summary=summary)
        body = _parameters(reference, channel, activity).serialize()
        return len(json.dumps(body)) <= MAX_MESSAGE_BYTES

    async def _client(self, service_url: str) -> ConnectorClient:
        client = self._clients.get(service_url)
        if client is None:
            claims = ClaimsIdentity(
                {
                    AuthenticationConstants.AUDIENCE_CLAIM: self._app_id,
                    AuthenticationConstants.APP_ID_CLAIM: self._app_id,
                    AuthenticationConstants.SERVICE_URL_CLAIM: service_url,
                },
                True,
            )
            factory = self._auth.create_connector_factory(claims)
            client = await factory.create(service_url, None)
            # The outbox retries with the platform's Retry-After and its own backoff; msrest's
            # retries would sleep in a worker thread and could post a thread root twice.
            client.config.retry_policy.policy = Retry(
                total=0, status_forcelist=None, respect_retry_after_header=False
            )
            self._clients[service_url] = client
        return client

    @staticmethod
    async def _call(call: Awaitable[T], *, what: str) -> T:
        try:
            return await call
        except Exception as error:
            mapped = delivery_error(error, what=what)
            if mapped is error:
                raise
            raise mapped from error


def _parameters(
    reference: ConversationReference, channel: Channel, activity: Activity
) -> ConversationParameters:
    return ConversationParameters(
        is_group=True,
        bot=reference.bot,
        tenant_id=channel.workspace_id,
        channel_data={"channel": {"id": channel.external_id}},
        activity=activity,
    )


def _message(
    *,
    text: str | None = None,
    attachments: list[Attachment] | None = None,
    summary: str | None = None,
    conversation: ConversationAccount | None = None,
) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        text=text,
        text_format="markdown" if text else None,
        attachments=attachments,
        summary=summary,
        conversation=conversation,
    )


def _attachment(content: Card) -> Attachment:
    return Attachment(content_type=CARD_CONTENT_TYPE, content=content)


def _id_of(response: Any, *, what: str, attribute: str = "id") -> str:
    value = getattr(response, attribute, None)
    if not value:
        raise PermanentDeliveryError(f"the Bot Connector accepted {what} but returned no id")
    return str(value)
