"""The records and settings of the fake Slack Web API (tests/fakes/slack_api.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Bot:
    """A bot token's identity."""

    team_id: str
    user_id: str = "UBOT"
    bot_id: str = "BBOT"
    app_id: str = "AENGAGE"


@dataclass(kw_only=True)
class FakeChannel:
    """A channel the fake knows; the bot must be a member to post."""

    id: str
    name: str
    member: bool = True
    archived: bool = False
    private: bool = False
    im: bool = False  # a direct message (conversations.open)


@dataclass(frozen=True, kw_only=True)
class Call:
    """One request the fake answered."""

    method: str
    args: Mapping[str, Any]
    token: str | None
    at: float
    status: int
    error: str | None


@dataclass(frozen=True, kw_only=True)
class Message:
    """A message the fake accepted."""

    channel: str
    ts: str
    thread_ts: str | None
    text: str
    blocks: list[dict[str, Any]]
    payload_bytes: int
    at: float


@dataclass(kw_only=True)
class Faults:
    """Answer a fraction of calls with 429 (Retry-After `retry_after`) or a 5xx."""

    rate: float = 0.0
    kinds: tuple[str, ...] = ("429",)
    methods: frozenset[str] = frozenset({"chat.postMessage"})
    retry_after: float = 1.0
    seed: int = 7


@dataclass(kw_only=True)
class Scripted:
    """A failure queued for a method: "429", "503", or a Slack error code such as
    "channel_not_found"; `skip` calls to the method succeed first."""

    method: str
    kind: str
    retry_after: float = 1.0
    skip: int = 0
