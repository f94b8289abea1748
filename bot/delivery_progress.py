"""Keeping a post's delivered messages where a retry finds them (`bot.ports.DeliveryProgress`).

`StoredProgress` writes each message that has more of its post to follow in a transaction of
its own, as soon as the platform accepts it: if the process dies before the rest go out, the
outbox's next claim of the post (here or in another replica) carries on after it. The last
message needs no write of its own: the delivery's record follows at once. A failed write is
logged, not raised, because the message did go out: the delivery's record still holds it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.domain import Post
from bot.ports import Store

log = logging.getLogger(__name__)


class StoredProgress:
    """A post's delivery progress, written through the store as it happens."""

    def __init__(self, *, store: Store, post: Post) -> None:
        self._store = store
        self._post_id = post.id
        self._message_ids = list(post.message_ids)

    @property
    def message_ids(self) -> Sequence[str]:
        return tuple(self._message_ids)

    async def sent(self, message_id: str, *, last: bool) -> None:
        part = len(self._message_ids)
        self._message_ids.append(message_id)
        if last:
            return
        try:
            async with self._store.transaction() as tx:
                await tx.add_post_message(post_id=self._post_id, part=part, message_id=message_id)
        except Exception as error:  # the message is out: losing it here must not re-send it
            log.warning(
                "post %d: message %d (%s) was delivered but could not be noted yet (%s: %s); "
                "it is recorded with the delivery",
                self._post_id, part, message_id, type(error).__name__, error,
            )  # fmt: skip


class MemoryProgress:
    """Delivery progress kept in memory: for a platform used outside the outbox (benchmarks,
    tests, one-off sends)."""

    def __init__(self, message_ids: Sequence[str] = ()) -> None:
        self._message_ids = list(message_ids)

    @property
    def message_ids(self) -> Sequence[str]:
        return tuple(self._message_ids)

    async def sent(self, message_id: str, *, last: bool) -> None:
        self._message_ids.append(message_id)
