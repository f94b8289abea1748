"""Group commit: writes that arrive together are applied in one transaction.

Under load each inbound event costing a transaction of its own makes the commit (and, on
SQLite, the turn of the one writer) the bottleneck. `GroupCommit.submit(item)` queues the item;
one worker takes everything queued so far (up to `max_batch`), applies the batch in ONE
transaction with `apply(items)` (which may use statements of many rows; `in_transaction` makes
one from a function of a `StoreSession`), and only once that has committed hands every caller
its result, so an acknowledgement still means "stored". While a batch commits the next one
gathers by itself, so there is no timer and no added wait when the load is light.

Where the database runs write transactions side by side (PostgreSQL), up to `workers` batches
are in flight at once, so the round trips of one overlap those of the next; on SQLite, whose
writers take turns anyway, one worker forms the largest batches. A worker lets `gather_turns`
turns of the loop go by before it takes the next batch, so the requests being read meanwhile
join it and the batch's fixed cost is shared by more: where storing a batch holds the event
loop (SQLite's statements run on its thread), nothing queues while it runs; where it does not,
a batch taken the moment the last one came back holds only what arrived in that moment.

`apply` must store all of a batch or none of it: if a batch fails (one bad item, a lost
connection, a conflict), each item is applied again on its own, so one bad item fails only
itself.
Workers run only while items are queued, so there is nothing to start, and `aclose()` just
waits for the current batches.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.ports import Store, StoreSession

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, kw_only=True)
class _Queued(Generic[T, R]):
    item: T
    result: asyncio.Future[R]


def in_transaction(
    store: Store, apply: Callable[[StoreSession, list[T]], Awaitable[list[R]]]
) -> Callable[[list[T]], Awaitable[list[R]]]:
    """`apply(tx, items)` run in a transaction of `store`'s, for a `GroupCommit`."""

    async def applied(items: list[T]) -> list[R]:
        async with store.transaction() as tx:
            return await apply(tx, items)

    return applied


class GroupCommit(Generic[T, R]):
    """Applies queued items with `apply(items) -> results` (one result per item, in order; all
    of them stored in one transaction, or none), many items per transaction."""

    def __init__(
        self,
        *,
        apply: Callable[[list[T]], Awaitable[list[R]]],
        max_batch: int = 256,
        workers: int = 1,
        gather_turns: int = 0,
    ) -> None:
        self._apply = apply
        self._max_batch = max_batch
        self._most_workers = max(1, workers)
        self._gather_turns = gather_turns
        self._queue: deque[_Queued[T, R]] = deque()
        self._workers: set[asyncio.Task[None]] = set()
        self._busy = 0  # workers applying a batch now
        self.batches = 0  # how many transactions were committed (for tests and benchmarks)

    async def submit(self, item: T) -> R:
        """Apply `item` and return its result once the transaction holding it has committed;
        raises what applying it raised."""
        loop = asyncio.get_running_loop()
        result: asyncio.Future[R] = loop.create_future()
        queued = _Queued(item=item, result=result)
        self._queue.append(queued)
        self._workers = {w for w in self._workers if not w.done() and w.get_loop() is loop}
        idle = len(self._workers) - self._busy
        if idle <= 0 and len(self._workers) < self._most_workers:
            worker = loop.create_task(self._drain(), name="group-commit")
            self._workers.add(worker)
        return await result

    async def aclose(self) -> None:
        """Wait until everything queued has been applied."""
        while running := {w for w in self._workers if not w.done()}:
            await asyncio.wait(running)  # waits without raising what a worker raised

    async def _drain(self) -> None:
        batch: list[_Queued[T, R]] = []
        try:
            while self._queue:
                for _ in range(self._gather_turns):
                    await asyncio.sleep(0)
                count = min(self._max_batch, len(self._queue))
                batch = [self._queue.popleft() for _ in range(count)]
                self._busy += 1
                try:
                    await self._apply_batch(batch)
                finally:
                    self._busy -= 1
                batch = []
        except BaseException as stopped:  # cancelled with the app: nobody may wait forever
            for queued in [*batch, *self._queue]:
                _reject(queued, stopped)
            self._queue.clear()
            raise

    async def _apply_batch(self, batch: list[_Queued[T, R]]) -> None:
        try:
            results = await self._apply([queued.item for queued in batch])
        except Exception as error:
            if len(batch) == 1:
                _reject(batch[0], error)
                return
            log.warning(
                "a batch of %d writes failed (%s: %s); applying each on its own",
                len(batch),
                type(error).__name__,
                error,
            )
            for queued in batch:
                await self._apply_batch([queued])
            return
        self.batches += 1
        for queued, result in zip(batch, results, strict=True):
            if not queued.result.done():  # done: the caller gave up; the write stands
                queued.result.set_result(result)


def _reject(queued: _Queued[T, R], error: BaseException) -> None:
    if queued.result.done():
        return
    if isinstance(error, Exception):
        queued.result.set_exception(error)
    else:
        queued.result.cancel()
