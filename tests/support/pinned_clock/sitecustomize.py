"""Pins the rate limiter's clock inside a server the harness starts (``sipadu serve`` is a
separate process, so the test cannot monkeypatch it).

Python imports ``sitecustomize`` at start-up from the first folder on its path that has one;
:func:`tests.support.clock.pinned_limiter_env` puts this folder first on ``PYTHONPATH`` and
the pinned time in ``HARNESS_LIMITER_TIME``. The limiter's modules then read that time from
``time.time()``, so a limit test sees one window however long it takes and whenever it runs.
Nothing else in the server is affected; without the variable this file does nothing.
"""

from __future__ import annotations

import os
import time
from typing import Any

_PINNED = os.environ.get("HARNESS_LIMITER_TIME")


class _PinnedTime:
    """The ``time`` module, except that ``time()`` answers the pinned instant."""

    def __init__(self, now: float) -> None:
        self._now = now

    def time(self) -> float:
        return self._now

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


if _PINNED:
    import limits.storage.memory
    import limits.strategies

    import sipadu.web.ratelimit_store

    _shim = _PinnedTime(float(_PINNED))
    for _module in (limits.storage.memory, limits.strategies, sipadu.web.ratelimit_store):
        setattr(_module, "time", _shim)  # noqa: B010 (the attribute is a module at type level)
