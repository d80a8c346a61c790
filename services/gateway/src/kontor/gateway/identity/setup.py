"""Start and stop what login, sessions and rate limits need (called from main's on_start/on_stop)."""

from redis.asyncio import Redis

from kontor.platform.runtime import Runtime

from kontor.gateway import tokens
from kontor.gateway.edge.limits import ApiRateLimiter
from kontor.gateway.edge.request_ids import install_log_filter
from kontor.gateway.identity.directory import Directory
from kontor.gateway.identity.service import Auth
from kontor.gateway.identity.throttle import LoginThrottle
from kontor.gateway.upstreams import Upstreams


async def start(rt: Runtime, upstreams: Upstreams) -> None:
    install_log_filter()
    keys = await tokens.install(rt)
    redis = Redis.from_url(rt.settings.redis_url.get_secret_value())
    rt.extras["redis"] = redis
    rt.extras["rate_limiter"] = ApiRateLimiter(redis, rt.settings)
    rt.extras["auth"] = Auth(db=rt.db, keys=keys, directory=Directory(upstreams, keys),
                             throttle=LoginThrottle(redis, rt.settings), settings=rt.settings)


async def stop(rt: Runtime) -> None:
    rt.extras["key_reloader"].cancel()
    await rt.extras["redis"].aclose()
