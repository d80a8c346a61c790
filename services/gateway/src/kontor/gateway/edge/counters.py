"""Fixed-window counters in Redis, shared by every gateway replica.

A window starts with its first hit and lasts ``window_s``; the key expires with
it, so Redis needs no clean-up and the time left is the honest Retry-After.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from redis.asyncio import Redis

# INCR and PEXPIRE in one step: a crash between them would leave a counter that never expires.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
"""

# Only a live, positive counter is decremented: DECR on a key whose window just ended would
# create a negative counter without expiry.
_TAKE_BACK = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Count:
    """Hits so far in the current window and the seconds until it ends."""

    hits: int
    limit: int
    resets_in_s: int

    @property
    def exceeded(self) -> bool:
        return self.hits > self.limit


class FixedWindowCounter:
    def __init__(self, redis: Redis, *, namespace: str, limit: int, window_s: int):
        self._redis = redis
        self._namespace = namespace
        self.limit = limit
        self.window_s = window_s
        self._hit = redis.register_script(_HIT)
        self._take_back = redis.register_script(_TAKE_BACK)

    def _key(self, key: str) -> str:
        return f"kontor:gateway:{self._namespace}:{key}"

    def _count(self, hits: int, ttl_ms: int) -> Count:
        # PTTL is -1/-2 for a key without expiry or a missing key: then a full window is the safe answer.
        seconds = math.ceil(ttl_ms / 1000) if ttl_ms > 0 else self.window_s
        return Count(hits=hits, limit=self.limit, resets_in_s=max(1, seconds))

    async def hit(self, key: str) -> Count:
        hits, ttl_ms = await self._hit(keys=[self._key(key)], args=[self.window_s * 1000])
        return self._count(int(hits), int(ttl_ms))

    async def take_back(self, key: str) -> None:
        """Undo one hit (a login attempt that turned out not to be a failure)."""
        await self._take_back(keys=[self._key(key)])

    async def clear(self, key: str) -> None:
        await self._redis.delete(self._key(key))
