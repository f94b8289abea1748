"""The ports of the core: what it needs from a chat platform, from storage and from time.

Adapters implement `ChatPlatform`; `storage` implements `Store`. The core depends only on these
Protocols, so every part can be exercised with a fake.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol, runtime_checkable

from bot.domain import (
    Channel,
    Delivery,
    Paper,
    Participant,
    Platform,
    Post,
    PostKind,
    Section,
    SectionCounts,
)
from bot.ports_export import ExportSession
from bot.ports_scheduling import SchedulingSession


class Clock(Protocol):
    """Time, injectable so tests never sleep on the wall clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` (a fake clock advances instead)."""
        ...


@dataclass(frozen=True, kw_only=True)
class RateWindow:
    """At most `count` requests in any `seconds`-long window."""

    count: int
    seconds: float


@dataclass(frozen=True, kw_only=True)
class Capabilities:
    """What a platform can do and how fast it may be driven."""

    max_message_bytes: int
    threads: bool = True
    reactions: bool = True
    forms: bool = True
    per_channel_limits: tuple[RateWindow, ...] = ()
    per_workspace_limits: tuple[RateWindow, ...] = ()


class DeliveryProgress(Protocol):
    """The messages of one post the platform has accepted so far, kept where a retry finds them.

    A post can take several messages (a root and its continuations). The platform notes each
    one as soon as it is accepted, so a retry, even by another process after a crash, carries
    on after it instead of posting the root again."""

    @property
    def message_ids(self) -> Sequence[str]:
        """The post's messages already accepted (root first), by this attempt or earlier ones."""
        ...

    async def sent(self, message_id: str, *, last: bool) -> None:
        """Note the post's next message, just accepted by the platform; `last` when no more
        messages of the post follow (the delivery's record then covers it)."""
        ...


class ChatPlatform(Protocol):
    """One chat platform as the core sees it. Implementations live in `adapters/`.

    Errors are reported with the exceptions of `bot.errors`: `RateLimited` (with the platform's
    Retry-After), `TransientDeliveryError` (worth retrying) and `PermanentDeliveryError`.
    """

    @property
    def platform(self) -> Platform:
        """Which platform this is."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """Limits and features of the platform."""
        ...

    async def post_section(
        self, *, channel: Channel, section: Section, post: Post, progress: DeliveryProgress
    ) -> Delivery:
        """Post a section (root message, then continuations in its thread if it does not fit),
        starting after the messages `progress` already holds and noting each new one there."""
        ...

    async def post_prompt(
        self, *, channel: Channel, text: str, post: Post, progress: DeliveryProgress
    ) -> Delivery:
        """Post a scheduled prompt (a reminder, follow-up or nudge) to a channel, resuming and
        noting its messages like `post_section`."""
        ...

    async def send_private(self, *, channel: Channel, user_id: str, text: str) -> None:
        """Send a message only `user_id` sees (a confirmation after feedback, for example)."""
        ...


@dataclass(frozen=True, kw_only=True)
class NewPost:
    """An outbox row to be written; `idempotency_key` makes writing it twice a no-op."""

    kind: PostKind
    channel_id: int
    idempotency_key: str
    paper_id: str | None = None
    section_id: str | None = None
    section_version: str | None = None
    body: str | None = None
    prompt_id: int | None = None


class EventKey(NamedTuple):
    """An inbound event as the platform names it, for storing each delivery once."""

    platform: Platform
    workspace_id: str
    event_id: str


class PersonKey(NamedTuple):
    """A platform user: the key of a stored participant."""

    platform: Platform
    workspace_id: str
    user_id: str


@dataclass(frozen=True, kw_only=True)
class NewParticipant:
    """A participant to create, or to update with a name or organisation that is given."""

    person: PersonKey
    display_name: str | None = None
    organisation: str | None = None


@dataclass(frozen=True, kw_only=True)
class NewReaction:
    """A reaction to record (or to make stand again, if it was withdrawn)."""

    post_id: int
    participant_id: int
    emoji: str
    message_id: str


@dataclass(frozen=True, kw_only=True)
class AddedReaction:
    """An emoji added to `message_id`, one of the messages of a post."""

    emoji: str
    message_id: str


@dataclass(frozen=True, kw_only=True)
class AddedReply:
    """A reply posted in a post's thread; `external_id` is the platform's id for it."""

    external_id: str
    text: str


@dataclass(frozen=True, kw_only=True)
class NewAddition:
    """A reaction added or a reply posted on one of our posts, with the delivery that brought
    it and the person who made it: what `StoreSession.store_additions` stores."""

    event: EventKey
    person: NewParticipant
    post_id: int
    added: AddedReaction | AddedReply


@dataclass(frozen=True, kw_only=True)
class StoredReply:
    """A reply as stored, for rendering threads (web channel) and exports."""

    id: int
    post_id: int
    participant: Participant
    external_id: str
    text: str
    created_at: datetime
    edited_at: datetime | None = None
    deleted_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """One line of the append-only audit log."""

    id: int
    at: datetime
    actor: str
    action: str
    detail: Mapping[str, object]


class StoreSession(SchedulingSession, ExportSession, Protocol):
    """The repository operations, all inside one transaction.

    Nothing here commits: the `Store.transaction()` context commits when its block ends without an
    exception and rolls back otherwise.
    """

    # Papers and sections
    async def save_paper(self, *, paper: Paper, now: datetime) -> None:
        """Store the paper and its sections; an unchanged section version is kept, a changed one
        is added as a new version and becomes current."""
        ...

    async def load_paper(self, *, paper_id: str) -> Paper | None:
        """The paper with its current sections, or None."""
        ...

    async def get_section(
        self, *, paper_id: str, section_id: str, version: str | None = None
    ) -> Section | None:
        """A section: its current version, or the version asked for."""
        ...

    # Channels
    async def upsert_channel(
        self,
        *,
        platform: Platform,
        workspace_id: str,
        external_id: str,
        name: str,
        reference: Mapping[str, object] | None = None,
        active: bool = True,
    ) -> Channel:
        """Create the channel or update its name, reference and active flag; tags are kept."""
        ...

    async def get_channel(self, *, channel_id: int) -> Channel | None:
        """A channel by our id."""
        ...

    async def find_channel(
        self, *, platform: Platform, workspace_id: str, external_id: str
    ) -> Channel | None:
        """A channel by the platform's ids."""
        ...

    async def list_channels(
        self,
        *,
        platform: Platform | None = None,
        tag: str | None = None,
        active_only: bool = True,
    ) -> Sequence[Channel]:
        """Channels, optionally of one platform or carrying one sector tag, ordered by id."""
        ...

    async def set_channel_tags(self, *, channel_id: int, tags: frozenset[str]) -> Channel:
        """Replace a channel's sector tags."""
        ...

    async def set_channel_active(self, *, channel_id: int, active: bool) -> Channel:
        """Mark a channel active or inactive (an uninstall)."""
        ...

    # The outbox
    async def enqueue_post(self, *, new: NewPost, now: datetime) -> tuple[Post, bool]:
        """Write an outbox row; returns the row and True, or the existing row with the same
        idempotency key and False."""
        ...

    async def claim_posts(
        self, *, platform: Platform, now: datetime, lease_seconds: float, limit: int
    ) -> Sequence[Post]:
        """Atomically claim due rows of a platform (pending with `next_attempt_at` reached, or
        sending with an expired lease), oldest first, and mark them sending until the lease
        ends. Two claimers never get the same row."""
        ...

    async def mark_post_sent(
        self, *, post_id: int, message_ids: Sequence[str], now: datetime
    ) -> Post:
        """Record a delivery: the platform message ids, root first."""
        ...

    async def mark_posts_sent(
        self, *, deliveries: Mapping[int, Sequence[str]], now: datetime
    ) -> None:
        """`mark_post_sent` for many posts at once: post id -> platform message ids."""
        ...

    async def add_post_message(self, *, post_id: int, part: int, message_id: str) -> None:
        """Record one message of a post still being delivered (part 0 is the root); a part
        already recorded is left as it is. `mark_post_sent` later records the whole list."""
        ...

    async def mark_post_retry(
        self, *, post_id: int, error: str, retry_at: datetime, now: datetime
    ) -> Post:
        """Record a failed attempt that will be retried at `retry_at`."""
        ...

    async def mark_post_failed(self, *, post_id: int, error: str, now: datetime) -> Post:
        """Record a failure that will not be retried."""
        ...

    async def get_post(self, *, post_id: int) -> Post | None:
        """An outbox row by id."""
        ...

    async def find_post_by_message(
        self, *, platform: Platform, workspace_id: str, channel_external_id: str, message_id: str
    ) -> Post | None:
        """The post one of whose messages (root or continuation) has this platform id."""
        ...

    async def list_posts(
        self, *, channel_id: int | None = None, kind: PostKind | None = None
    ) -> Sequence[Post]:
        """Outbox rows, oldest first."""
        ...

    # Private chats
    async def save_private_chat(
        self,
        *,
        platform: Platform,
        workspace_id: str,
        user_id: str,
        reference: Mapping[str, Any],
        now: datetime,
    ) -> None:
        """Keep (or replace) how to reach a member privately; `reference` is the platform's."""
        ...

    async def find_private_chat(
        self, *, platform: Platform, user_id: str
    ) -> Mapping[str, Any] | None:
        """How to reach a member privately, if they have opened a private chat with the bot."""
        ...

    async def forget_private_chat(self, *, platform: Platform, user_id: str) -> bool:
        """Drop a member's private chat (they removed the bot); False if none was kept."""
        ...

    # People
    async def upsert_participant(
        self,
        *,
        platform: Platform,
        workspace_id: str,
        user_id: str,
        display_name: str | None,
        organisation: str | None,
        now: datetime,
    ) -> Participant:
        """The stored participant for a platform user, created with a fresh pseudonymous key
        the first time; a given name or organisation updates the stored one."""
        ...

    async def find_participant(
        self, *, platform: Platform, workspace_id: str, user_id: str
    ) -> Participant | None:
        """The stored participant for a platform user, or None if they have not acted yet."""
        ...

    # Inbound events
    async def claim_event(
        self, *, platform: Platform, workspace_id: str, event_id: str, now: datetime
    ) -> bool:
        """Note an inbound event id; False if it was noted before (a retry or replay)."""
        ...

    # Many at once: batch forms of the methods above (a group commit uses `store_additions`).
    async def claim_events(self, *, keys: Sequence[EventKey], now: datetime) -> set[EventKey]:
        """Note inbound event ids; returns those not noted before (each of them once)."""
        ...

    async def upsert_participants(
        self, *, people: Sequence[NewParticipant], now: datetime
    ) -> Mapping[PersonKey, Participant]:
        """`upsert_participant` for many people (a person given twice: the last name and
        organisation given win); returns the stored participant of each."""
        ...

    async def add_reactions(self, *, reactions: Sequence[NewReaction], now: datetime) -> int:
        """`add_reaction` for many reactions; returns how many were new (or stand again)."""
        ...

    async def store_additions(
        self, *, additions: Sequence[NewAddition], now: datetime
    ) -> list[bool]:
        """Store reactions added and replies posted, each with its event id and participant, in
        as few round trips as the database allows. For each addition, in order: True if it was
        stored, False if it is a duplicate: its event id was claimed before (or earlier in the
        list), or it is a reply stored before (or earlier in the list). The participant of
        every addition whose event id is claimed here is upserted as `upsert_participants`
        does, and a reaction added again stands again, as `add_reactions` does."""
        ...

    async def add_reaction(
        self, *, post_id: int, participant_id: int, emoji: str, message_id: str, now: datetime
    ) -> bool:
        """Record a reaction; False if the participant already had it on the post."""
        ...

    async def remove_reaction(
        self, *, post_id: int, participant_id: int, emoji: str, now: datetime
    ) -> bool:
        """Withdraw a reaction; False if there was none."""
        ...

    async def active_reactions(
        self, *, post_id: int, participant_id: int | None = None
    ) -> Mapping[str, int]:
        """Counts of the reactions standing on a post by emoji (of one participant, if given)."""
        ...

    async def add_reply(
        self, *, post_id: int, participant_id: int, external_id: str, text: str, now: datetime
    ) -> StoredReply:
        """Record a reply in a post's thread."""
        ...

    async def find_reply(self, *, platform: Platform, external_id: str) -> StoredReply | None:
        """A reply by the platform's id for it."""
        ...

    async def edit_reply(self, *, reply_id: int, text: str, now: datetime) -> StoredReply:
        """Replace a reply's text, keeping the previous text in the reply's history."""
        ...

    async def delete_reply(self, *, reply_id: int, now: datetime) -> StoredReply:
        """Mark a reply deleted and drop its text."""
        ...

    async def list_replies(
        self, *, post_id: int, include_deleted: bool = False
    ) -> Sequence[StoredReply]:
        """The replies of a post, oldest first."""
        ...

    async def add_feedback(
        self,
        *,
        post_id: int,
        participant_id: int,
        values: Mapping[str, str],
        event_id: str,
        now: datetime,
    ) -> int:
        """Store a feedback response; returns its id."""
        ...

    async def section_counts(self, *, paper_id: str) -> Sequence[SectionCounts]:
        """Per current section of the paper: posts sent, standing reactions, replies not deleted,
        feedback responses."""
        ...

    # Audit
    async def append_audit(
        self, *, actor: str, action: str, detail: Mapping[str, object], now: datetime
    ) -> AuditEntry:
        """Append a line to the audit log."""
        ...

    async def list_audit(self, *, limit: int = 100) -> Sequence[AuditEntry]:
        """The newest audit lines, newest first."""
        ...


class Store(Protocol):
    """A database: hands out transactions and says whether it is reachable."""

    def transaction(self) -> AbstractAsyncContextManager[StoreSession]:
        """A transaction; commits on normal exit, rolls back on an exception."""
        ...

    async def ping(self) -> bool:
        """True when the database answers."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class ReadingStore(Store, Protocol):
    """A store that also hands out transactions that only read."""

    def reading(self) -> AbstractAsyncContextManager[StoreSession]:
        """A transaction that only reads: it neither waits for writers nor holds them up
        (on SQLite, writers take turns), and writing in it fails."""
        ...


@runtime_checkable
class AdditionsStore(Store, Protocol):
    """A store that stores a run of additions in a transaction of its own more cheaply than
    through `transaction()` (`SqlStore`: one round trip on PostgreSQL, no session on SQLite)."""

    async def store_additions(
        self, *, additions: Sequence[NewAddition], now: datetime
    ) -> list[bool]:
        """`StoreSession.store_additions`, committed before it returns."""
        ...


class StoresAdditions(Protocol):
    """Stores a run of additions in a transaction of its own (see `additions_storer`)."""

    async def __call__(self, *, additions: Sequence[NewAddition], now: datetime) -> list[bool]: ...


def additions_storer(store: Store) -> StoresAdditions:
    """`StoreSession.store_additions` in a transaction of its own: the store's own way where it
    offers one (`AdditionsStore`), else in an ordinary transaction. Look it up once and keep
    it: a check against a runtime protocol is slow enough to notice once per group commit."""
    if isinstance(store, AdditionsStore):
        return store.store_additions

    async def in_a_transaction(*, additions: Sequence[NewAddition], now: datetime) -> list[bool]:
        async with store.transaction() as tx:
            return await tx.store_additions(additions=additions, now=now)

    return in_a_transaction


def read_transaction(store: Store) -> AbstractAsyncContextManager[StoreSession]:
    """`store.reading()` where the store offers it (`SqlStore` does), else an ordinary
    transaction: for the core's pure reads (outbox channel lookups, status, post lookups)."""
    if isinstance(store, ReadingStore):
        return store.reading()
    return store.transaction()


def batch_gathering_turns(store: Store) -> int:
    """How many turns of the event loop a group commit lets go by before it takes a batch:
    what the store's `gather_turns` says (`SqlStore`: a few on SQLite, whose writes hold the
    loop while they run; none on PostgreSQL), else none."""
    return _store_count(store, "gather_turns", least=0)


def write_parallelism(store: Store) -> int:
    """How many write transactions are worth running side by side on `store`: what its
    `parallel_writes` says (`SqlStore`: 1 on SQLite, whose writers take turns), else 1."""
    return _store_count(store, "parallel_writes", least=1)


def _store_count(store: Store, name: str, *, least: int) -> int:
    # A tuning hint a store may offer; one it does not offer, or offers nonsense for, is `least`.
    value = getattr(store, name, least)
    return value if isinstance(value, int) and value > least else least
