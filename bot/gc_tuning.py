"""The garbage collector, tuned for a server whose start-up objects live as long as it does.

CPython's full (generation 2) collection walks every tracked object. Once the app has started
that is mostly modules, SQLAlchemy and Bolt internals and the paper, which never become
garbage; under load each such pass stopped the event loop for 120-145 ms, so a request that
arrived meanwhile waited that long (the ingest benchmark's p99). `gc.freeze()` moves everything
alive at start-up out of the collector's sight, so later passes walk only what requests made.
A larger first threshold also lets most of a request's short-lived objects die before they are
examined at all, so fewer survive into the older generations, whose passes cost the most.

`long_lived_heap()` does both while the app runs and undoes them when it stops, so processes
that start and stop many apps (the tests) leave nothing frozen and the thresholds as they were.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Objects allocated (net) before a young collection: CPython's default is 700, which under load
# runs one for every few hundred objects a request allocates and promotes many of them to
# generation 1 while the request is still using them.
YOUNG_THRESHOLD = 10_000

_active = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def long_lived_heap() -> Iterator[None]:
    """While the block runs: what is alive now is frozen, and young collections run less often.
    Nested blocks (two apps in one process) are fine: the last one out restores."""
    global _active, _saved
    if _active == 0:
        _saved = gc.get_threshold()
        _, middle, old = _saved
        gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    _active += 1
    gc.freeze()
    try:
        yield
    finally:
        _active -= 1
        if _active == 0 and _saved is not None:
            gc.set_threshold(*_saved)
            _saved = None
            # Back into the oldest generation: what has become garbage meanwhile is collected.
            gc.unfreeze()
