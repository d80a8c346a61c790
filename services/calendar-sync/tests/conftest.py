"""One real PostgreSQL with calendar-sync's migrated database for every test folder that needs one."""

from __future__ import annotations

from pathlib import Path

from kontor.devstack.testing import database_fixtures

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

database_url, db = database_fixtures("calendar-sync", MIGRATIONS)
