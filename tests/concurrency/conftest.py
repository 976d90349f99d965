"""Fixtures for the concurrency tests: the app served over real HTTP in a background thread.

`pg_url` serves the `pg` app (a fresh PostgreSQL database, migrated and demo-seeded; it
fails, never skips, when the server is unreachable) and `sqlite_url` the SQLite `app`.
Both yield the base URL; the server stops before the fixtures underneath reset the rows.
The frozen clock (autouse in tests/conftest.py) is a module global, so the server's
request threads see it too.
"""
import pytest

from tests.concurrency.harness import serving


@pytest.fixture
def pg_url(pg):
    with serving(pg) as url:
        yield url


@pytest.fixture
def sqlite_url(app):
    with serving(app) as url:
        yield url
