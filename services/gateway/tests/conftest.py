"""A real redis-server (the one `make dev` runs) for the throttling and rate-limit tests."""

import pytest
from redis.asyncio import Redis

from kontor.devstack.testing import redis_server


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
async def redis(redis_url):
    client = Redis.from_url(redis_url)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.aclose()
