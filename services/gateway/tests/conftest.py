"""A real redis-server (the one `make dev` runs) for the throttling and rate-limit tests."""

import pytest
from redis.asyncio import Redis

from kontor.devstack.ports import free_port
from kontor.devstack.servers import RedisServer


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"), free_port())
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def redis(redis_url):
    client = Redis.from_url(redis_url)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.aclose()
