"""One real PostgreSQL with contacts' migrated database for the address matching tests."""

from __future__ import annotations

from pathlib import Path

from kontor.devstack.testing import database_fixtures

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

database_url, db = database_fixtures("contacts", MIGRATIONS)
