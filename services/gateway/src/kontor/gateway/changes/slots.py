"""At most N open change streams per user, counted across every gateway replica.

Each open stream holds a lease in a Redis sorted set per user (member: the stream's id, score: when
the lease ends). A stream renews its lease while it runs and removes it when it ends; a replica that
dies leaves leases that lapse after ``LEASE_S``, so a crash never locks a user out for long. When
Redis is unreachable the limit is counted per replica instead (logged): streams stay bounded, and an
outage of the counter store does not take the stream down with it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from kontor.gateway.edge.limits import LimitExceeded

log = logging.getLogger(__name__)

LEASE_S = 60.0
RENEW_EVERY_S = LEASE_S / 3
RETRY_AFTER_S = 10

# Drop lapsed leases, then add (or renew) ours if it is already there or there is room. Returns 1 if held.
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""


class TooManyStreams(LimitExceeded):
    def __init__(self, limit: int):
        super().__init__(f"You already have {limit} open change streams, the most allowed. Close one (e.g. another "
                         "browser tab) or wait for the seconds in the Retry-After header, then connect again.",
                         RETRY_AFTER_S, code="too_many_streams")


class Slot:
    def __init__(self, slots: StreamSlots, user: str, member: str, *, local: bool):
        self._slots = slots
        self.user = user
        self.member = member
        self.local = local

    async def renew(self) -> None:
        if self.local:
            return
        try:
            await self._slots._take(self.user, self.member)  # noqa: SLF001 - one feature, two classes
        except RedisError as exc:  # keep streaming; the lease lapses if Redis stays away
            log.warning("change stream slot not renewed", extra={"error": type(exc).__name__})

    async def release(self) -> None:
        await self._slots._release(self)  # noqa: SLF001


class StreamSlots:
    def __init__(self, redis: Redis, limit: int, *, clock: Callable[[], float] = time.time):
        self._redis = redis
        self.limit = limit
        self._clock = clock
        self._script = redis.register_script(_TAKE)
        self._local: Counter[str] = Counter()

    @staticmethod
    def _key(user: str) -> str:
        return f"kontor:gateway:change-streams:{user}"

    async def _take(self, user: str, member: str) -> bool:
        now_ms = int(self._clock() * 1000)
        lease_ms = int(LEASE_S * 1000)
        held = await self._script(keys=[self._key(user)],
                                  args=[now_ms, now_ms + lease_ms, member, self.limit, lease_ms])
        return bool(held)

    async def acquire(self, user: str) -> Slot:
        """A slot for one stream of ``user`` (tenant-qualified); TooManyStreams when all are taken."""
        member = uuid.uuid4().hex
        try:
            if not await self._take(user, member):
                raise TooManyStreams(self.limit)
            return Slot(self, user, member, local=False)
        except RedisError as exc:
            log.warning("change stream limit counted per replica: redis unavailable",
                        extra={"error": type(exc).__name__})
        if self._local[user] >= self.limit:
            raise TooManyStreams(self.limit)
        self._local[user] += 1
        return Slot(self, user, member, local=True)

    async def _release(self, slot: Slot) -> None:
        if slot.local:
            self._local[slot.user] -= 1
            if self._local[slot.user] <= 0:
                del self._local[slot.user]
            return
        try:
            await self._redis.zrem(self._key(slot.user), slot.member)
        except RedisError as exc:  # the lease lapses by itself
            log.warning("change stream slot not released", extra={"error": type(exc).__name__})
