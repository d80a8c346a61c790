"""One real PostgreSQL with contacts' migrated database for the address matching tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontor.devstack.testing import service_database
from kontor.platform import migrations
from kontor.platform.db import Database

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    with service_database(tmp_path_factory.mktemp("postgres"), "contacts") as url:
        migrations.upgrade(MIGRATIONS, url)
        yield url


@pytest.fixture
async def db(database_url):
    database = Database(database_url, pool_size=2)
    yield database
    await database.dispose()
