"""Instance-wide slots for case-key checks: a guessing flood cannot take every core.

Each case-key check costs one Argon2id derivation (a quarter of a second or more of a core
and 64 MiB). The per-process Argon2 gate bounds memory, but with one sync worker per core
a flood of wrong keys from many addresses would keep every worker deriving, and new reports
(which need a derivation of their own) would wait behind the guesses. So at most
``slots`` key checks run at once across all workers of the instance; a check that finds
every slot taken is refused at once (503 with ``Retry-After``) rather than queued, because a
queued guess would hold a worker just the same. The slots are ``flock`` locks on files in
``<instance>/run/``: the kernel releases them when a worker dies, so none can leak.

Several servers: file locks bound one server's checks only, so with Redis configured
(``SIPADU_REDIS_URL``) a check also takes one of ``slots`` leases in Redis, shared by every
server (``SharedKeyCheckSlots``): the stated bound is then for all servers together, and each
server still never runs more than ``slots`` itself. A lease names its holder and expires
after ``LEASE_SECONDS``, so a server that dies mid-check gives its lease back by then. While
Redis does not answer, each server keeps its own file slots (the bound multiplies by the
number of servers until Redis is back). Like the rate limiter (``redis_outage.py``), a
worker then tries Redis again only after a growing backoff, says the outage and the recovery
once each in the log, never from a reporter's request (case-key checks are all reporter
requests: ``/readyz`` says it, ``key_check_redis_down``), and ``/readyz`` answers
``ready, degraded: redis`` meanwhile.

Submissions and staff logins do not take a slot: they keep the cores the guesses cannot.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app
from flask_babel import lazy_gettext
from werkzeug.wrappers import Response

from sipadu.metrics import record
from sipadu.settings import Settings
from sipadu.web.argon2_gate import admit
from sipadu.web.errors import render_error
from sipadu.web.redis_outage import RedisOutage

RETRY_AFTER_SECONDS = 5
BUSY_TEXT = lazy_gettext(
    "Many case keys are being checked right now. Please wait a few "
    "seconds and try again. Nothing was counted against your case."
)
_EXTENSION = "sipadu.key_check_slots"
REDIS_KEY = "sipadu:key-check-slots"
LEASE_SECONDS = 60  # far longer than one Argon2id derivation, even queued at the gate
log = logging.getLogger("sipadu.key_check_slots")
# Drop expired leases, then lease a slot if one is free; Redis's own clock for every server.
_TAKE_LEASE = """
local now = redis.call('TIME')
local seconds = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', seconds)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], seconds + tonumber(ARGV[2]), ARGV[3])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]) + 1)
return 1
"""


class KeyCheckBusyError(Exception):
    """Every case-key check slot of the instance is taken."""


class KeyCheckSlots:
    """At most ``slots`` holders at once among every process using ``directory``."""

    def __init__(self, directory: Path, slots: int) -> None:
        if slots < 1:
            raise ValueError("key checks need at least one slot")
        self.paths = [directory / f"key-check-{number}.lock" for number in range(slots)]

    def prepare(self) -> None:
        """Create the folder (owner only) so the first check does not race to make it."""
        self.paths[0].parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold a free slot for the block, or raise ``KeyCheckBusyError`` without waiting."""
        fd = self._take_free_slot()
        try:
            yield
        finally:
            os.close(fd)  # closing the descriptor drops its lock

    def _take_free_slot(self) -> int:
        for path in self.paths:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        raise KeyCheckBusyError(f"all {len(self.paths)} case-key check slots are taken")


class SlotHolder(Protocol):
    """What ``case_key_check`` needs of the slots."""

    def prepare(self) -> None: ...

    def hold(self) -> AbstractContextManager[None]: ...


class SharedKeyCheckSlots:
    """This server's file slots, then one of ``slots`` leases in Redis shared by all servers."""

    def __init__(self, local: KeyCheckSlots, redis_url: str, slots: int, key: str = REDIS_KEY):
        # Imported here, not at the top: an instance without Redis (and every CLI run) is
        # spared the import; the methods below import the module again, from its cache.
        import redis

        self.local, self.slots, self.key = local, slots, key
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
        self._take = self.redis.register_script(_TAKE_LEASE)
        self.outage = RedisOutage(
            log,
            "key-check Redis unreachable (%s); bounding checks per server until it answers",
            "key-check Redis answers again; the bound holds across servers",
        )

    def prepare(self) -> None:
        """Create the server's slot folder."""
        self.local.prepare()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """A server slot and a shared lease for the block, or ``KeyCheckBusyError`` at once."""
        with self.local.hold():
            holder = self._take_lease()
            try:
                yield
            finally:
                if holder is not None:
                    self._give_back(holder)

    def _take_lease(self) -> str | None:
        """The lease's holder id; ``None`` while Redis is down (this server's slots only)."""
        import redis

        if not self.outage.should_try():
            return None  # a reporter waits for no timeout while Redis is known to be down
        holder = secrets.token_hex(8)
        try:
            taken = self._take(keys=[self.key], args=[self.slots, LEASE_SECONDS, holder])
        except redis.RedisError as error:
            self.outage.mark_down(error)
            return None
        self.outage.mark_up()
        if not taken:
            raise KeyCheckBusyError(f"all {self.slots} shared case-key check slots are taken")
        return holder

    def refresh(self) -> None:
        """``PING`` Redis when a retry is due or this (loggable) call has something to say."""
        import redis

        if not self.outage.check_due():
            return
        try:
            self.redis.ping()
        except redis.RedisError as error:
            self.outage.mark_down(error)
        else:
            self.outage.mark_up()

    def _give_back(self, holder: str) -> None:
        import redis

        with suppress(redis.RedisError):  # if not, the lease expires by itself
            self.redis.zrem(self.key, holder)


def shared_slots_key(settings: Settings) -> str:
    """The instance's Redis key: named after its rate-limit key file (every server shares
    ``keys/``), so two instances on one Redis never share slots and the name reveals nothing."""
    if settings.keyring is None:
        return REDIS_KEY
    tag = hmac.new(settings.keyring.ratelimit_key, b"key-check-slots", hashlib.sha256)
    return f"{REDIS_KEY}:{tag.hexdigest()[:16]}"


@contextmanager
def case_key_check() -> Iterator[None]:
    """``with case_key_check():`` around a case-key check: an instance slot, then the gate."""
    slots: SlotHolder = current_app.extensions[_EXTENSION]
    with ExitStack() as stack:
        try:
            stack.enter_context(slots.hold())
        except KeyCheckBusyError:
            record(lambda found: found.key_check_busy.inc())
            raise
        stack.enter_context(admit())
        yield


def key_check_redis_down(app: Flask) -> bool:
    """Whether this worker's key checks do without Redis now (each server bounds its own);
    asked by ``/readyz``, which also writes the lines a reporter's check held back."""
    slots = app.extensions.get(_EXTENSION)
    if not isinstance(slots, SharedKeyCheckSlots):
        return False
    slots.refresh()
    return slots.outage.down


def configure_key_check_slots(app: Flask, settings: Settings) -> None:
    """Give ``app`` the instance's slots and turn ``KeyCheckBusyError`` into a 503."""
    local = KeyCheckSlots(settings.instance_dir / "run", settings.case_key_check_slots)
    slots: SlotHolder = local
    if settings.redis_url:
        count, key = settings.case_key_check_slots, shared_slots_key(settings)
        slots = SharedKeyCheckSlots(local, settings.redis_url, count, key)
    slots.prepare()
    app.extensions[_EXTENSION] = slots

    @app.errorhandler(KeyCheckBusyError)
    def _busy(_error: KeyCheckBusyError) -> tuple[str | Response, int, dict[str, str]]:
        body, status = render_error(503, BUSY_TEXT)
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}
