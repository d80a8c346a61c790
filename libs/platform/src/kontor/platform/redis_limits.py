"""Limits that hold across every process and host, kept in Redis.

* :class:`LeaseSemaphore`: at most ``limit`` holders per key. Each holder owns a lease in a sorted set
  (member: a random holder id, score: when the lease ends). Holders renew their lease while they work and
  remove it when done; a process that dies leaves leases that lapse after ``lease_s``, so a crash never
  keeps a slot for long (the "expiring lease" semaphore).
* :class:`TokenBucket`: ``capacity`` requests at once, refilled at ``rate`` per second, in one hash per key.
  Over any ``T`` seconds at most ``capacity + rate·T`` pass, whoever asks. A ``hold`` key per bucket (a 429's
  Retry-After) stops every taker until it expires.

Every check-and-update is one Lua script, so concurrent callers cannot slip past a limit between a read and
a write. Time is Redis's own (``TIME``), so hosts with skewed clocks still agree. Keys expire on their own:
nothing needs cleaning up.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis

# Drop lapsed leases, then add (or renew) ours if it is there already or there is room.
# Returns 0 when held, else the milliseconds until the earliest lease lapses (the longest wait for a slot).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[3]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], lease)
  return 0
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(first[2]) - now)
"""

# Extend a lease that is still ours; 0 if it lapsed meanwhile (someone else may hold the slot now).
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not score or tonumber(score) <= now then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
"""

# Live leases only: lapsed ones are dropped first.
_COUNT = """
local t = redis.call('TIME')
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
return redis.call('ZCARD', KEYS[1])
"""

# {1, "0"} taken; {0, wait} the bucket is empty for ``wait`` seconds; {2, wait} held for ``wait`` seconds.
# Floats travel as strings: Redis turns Lua numbers into integers.
_TAKE = """
local held = redis.call('PTTL', KEYS[2])
if held > 0 then return {2, tostring(held / 1000)} end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens, stamp = tonumber(state[1]), tonumber(state[2])
if not tokens then tokens, stamp = capacity, now end
tokens = math.min(capacity, tokens + math.max(0, now - stamp) * rate)
local taken = 0
if tokens >= 1 then tokens, taken = tokens - 1, 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
-- Idle longer than a full refill (plus a minute): the bucket would be full again, so it may go.
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity / rate + 60) * 1000))
if taken == 1 then return {1, '0'} end
return {0, tostring((1 - tokens) / rate)}
"""

# Hold for at least ARGV[1] ms; never shortens a longer hold already there.
_HOLD = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
"""


def hashed(*parts: str) -> str:
    """A key part that does not show what it counts (a mailbox address is personal data)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class LeaseSemaphore:
    def __init__(self, redis: Redis, *, namespace: str, limit: int, lease_s: float):
        if limit < 1 or lease_s <= 0:
            raise ValueError("a semaphore needs at least one slot and a positive lease")
        self._redis = redis
        self._namespace = namespace
        self.limit = limit
        self.lease_ms = max(1, int(lease_s * 1000))
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(_RENEW)
        self._count = redis.register_script(_COUNT)

    def key(self, name: str) -> str:
        return f"{self._namespace}:slots:{name}"

    @staticmethod
    def holder() -> str:
        return uuid.uuid4().hex

    async def try_acquire(self, name: str, holder: str) -> float:
        """0.0 when ``holder`` holds a slot now; else the seconds until the earliest lease lapses."""
        waited_ms = await self._acquire(keys=[self.key(name)], args=[self.limit, self.lease_ms, holder])
        return int(waited_ms) / 1000

    async def renew(self, name: str, holder: str) -> bool:
        return bool(await self._renew(keys=[self.key(name)], args=[self.lease_ms, holder]))

    async def release(self, name: str, holder: str) -> None:
        await self._redis.zrem(self.key(name), holder)

    async def holders(self, name: str) -> int:
        """Live leases on ``name`` now."""
        return int(await self._count(keys=[self.key(name)]))


@dataclass(frozen=True)
class Take:
    taken: bool
    wait_s: float  # until a unit is there (empty bucket) or the hold ends
    held: bool = False


class TokenBucket:
    def __init__(self, redis: Redis, *, namespace: str, capacity: float, rate: float):
        if capacity < 1 or rate <= 0:
            raise ValueError("a token bucket needs a capacity of at least 1 and a positive rate")
        self._redis = redis
        self._namespace = namespace
        self.capacity = capacity
        self.rate = rate
        self._take = redis.register_script(_TAKE)
        self._hold = redis.register_script(_HOLD)

    def _keys(self, name: str) -> list[str]:
        return [f"{self._namespace}:bucket:{name}", f"{self._namespace}:hold:{name}"]

    async def take(self, name: str) -> Take:
        status, wait = await self._take(keys=self._keys(name), args=[repr(self.capacity), repr(self.rate)])
        status = int(status)
        return Take(taken=status == 1, wait_s=float(wait), held=status == 2)

    async def hold(self, name: str, seconds: float) -> None:
        """Nobody takes from ``name`` for ``seconds`` (e.g. a 429's Retry-After), whichever process asks."""
        await self._hold(keys=[self._keys(name)[1]], args=[max(1, int(seconds * 1000))])
