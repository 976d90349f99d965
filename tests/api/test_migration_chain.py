"""The migration chain against the models, on SQLite and on PostgreSQL.

- Upgrading an empty database to head gives exactly the schema the models declare (alembic's
  autogenerate comparison finds nothing), so `flask db migrate` would have nothing to write.
- The revisions form one line: one base, one head, every parent present, and every revision can
  be applied and undone one step at a time, each undo giving back the schema of the step before.

Only `app.create_app` and `app.extensions.db` are imported from the application (create_app imports
every model), so this module does not depend on where the models live.
"""
import runpy
import uuid
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata, produce_migrations, render_python_code
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import Column, Constraint, Index, Table, create_engine, inspect, text
from sqlalchemy.engine import Connection

from app import create_app
from app.extensions import db
from tests.conftest import _psycopg, pg_admin_url

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "migrations"
COMPARE_OPTS = {"compare_type": True, "compare_server_default": False}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    """An empty database: a SQLite file, or a throwaway PostgreSQL database dropped afterwards even
    when the test fails. Never skipped: an unreachable server is a failure."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'chain.db'}"
        return
    admin_url = _psycopg(pg_admin_url())
    name = f"onewindow_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _app(url: str, instance: Path) -> Iterator[Flask]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance,
                      "MIGRATIONS_DIR": str(MIGRATIONS), "TESTING": True})
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()  # before the database is dropped


@pytest.fixture
def empty_app(database_url, tmp_path) -> Iterator[Flask]:
    yield from _app(database_url, tmp_path)


# --- models against migrations ---------------------------------------------------------------

def _describe(obj) -> str:
    if isinstance(obj, Table):
        return f"table {obj.name}"
    if isinstance(obj, Column):
        return f"column {obj.table.name}.{obj.name} {obj.type!r} nullable={obj.nullable}"
    if isinstance(obj, Index | Constraint):
        columns = ", ".join(c.name for c in obj.columns)
        return f"{type(obj).__name__} {obj.name} on {obj.table.name}({columns})"
    return obj if isinstance(obj, str) else repr(obj)


def _readable(diff: list) -> str:
    """One line per difference found by compare_metadata."""
    lines = []
    for entry in diff:
        for change in entry if isinstance(entry, list) else [entry]:
            if change[0].startswith("modify_"):  # (op, schema, table, column, existing, old, new)
                op, _, table, column, _, old, new = change
                lines.append(f"{op} {table}.{column}: database {old!r} -> models {new!r}")
            else:
                lines.append(f"{change[0]} " + "; ".join(_describe(part) for part in change[1:] if part is not None))
    return "\n".join(lines)


def test_migrated_schema_matches_models(empty_app):
    _chain()  # a broken revision graph says so here too, rather than as alembic's KeyError
    upgrade(directory=str(MIGRATIONS))
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=COMPARE_OPTS)
        diff = compare_metadata(context, db.metadata)
        fix = ""
        if diff:
            fix = render_python_code(produce_migrations(context, db.metadata).upgrade_ops)
    assert not diff, (f"{db.engine.dialect.name}: the migrated schema differs from the models in "
                      f"{len(diff)} place(s):\n{_readable(diff)}\n\na migration would need:\n{fix}")


# --- the revision graph ----------------------------------------------------------------------

def _declared() -> dict[str, dict]:
    """Each migration file's own revision identifiers, read without building alembic's revision
    map (which stops at the first missing parent with a bare KeyError)."""
    declared = {}
    for path in sorted((MIGRATIONS / "versions").glob("[!_]*.py")):
        module = runpy.run_path(str(path))
        revision = module["revision"]
        if revision in declared:
            pytest.fail(f"{path.name} reuses revision {revision!r} of {declared[revision]['file']}")
        declared[revision] = {"file": path.name, "parents": module["down_revision"], "depends_on": module["depends_on"]}
    return declared


def _as_tuple(value) -> tuple:
    return () if value is None else (value,) if isinstance(value, str) else tuple(value)


def _chain() -> list[str]:
    """The revisions from base to head, checked to be a single line."""
    declared = _declared()
    for revision, info in declared.items():
        for parent in _as_tuple(info["parents"]) + _as_tuple(info["depends_on"]):
            if parent not in declared:
                pytest.fail(f"{info['file']} (revision {revision!r}) names {parent!r} as its parent, "
                            f"but no migration has that revision; known: {sorted(declared)}")
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    if len(scripts.get_bases()) != 1:
        pytest.fail(f"not exactly one base revision: {scripts.get_bases()}")
    if len(scripts.get_heads()) != 1:
        pytest.fail(f"not exactly one head revision (branches to merge?): {scripts.get_heads()}")
    chain = [script.revision for script in scripts.walk_revisions("base", "heads")][::-1]
    assert sorted(chain) == sorted(declared), f"revisions off the line from base to head: {set(declared) - set(chain)}"
    for parent, child in pairwise(chain):
        assert _as_tuple(scripts.get_revision(child).down_revision) == (parent,), f"{child} is not a plain child of {parent}"
    return chain


def test_revision_graph_is_one_line():
    assert _chain()


def _current(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert len(versions) <= 1, f"alembic_version holds several revisions: {versions}"
    return versions[0] if versions else None


# 0003's downgrade adds these NOT NULL columns back to a table that has rows, so it gives them a
# server default ('' and 1) to fill them before copying the real values from the guides; it leaves
# the defaults in place, where 0002 had none. Harmless (0003's upgrade drops the columns again), so
# their defaults are not compared; every other default is.
DOWNGRADE_DEFAULTS = {("service_item", "process_key"), ("service_item", "promised_limit_days"),
                      ("service_item", "legal_limit_days")}


def _schema(conn: Connection) -> dict:
    """What a migration step should give back when undone: tables, columns, keys, indexes, checks, defaults."""
    schema = {}
    found = inspect(conn)
    for table in found.get_table_names():
        if table == "alembic_version":
            continue
        schema[table] = {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)),
            "primary key": found.get_pk_constraint(table)["constrained_columns"],
            "foreign keys": sorted((fk["name"] or "", fk["constrained_columns"], fk["referred_table"], fk["referred_columns"])
                                   for fk in found.get_foreign_keys(table)),
            "indexes": sorted((ix["name"], ix["column_names"], bool(ix["unique"])) for ix in found.get_indexes(table)),
            "unique": sorted((uq["name"] or "", uq["column_names"]) for uq in found.get_unique_constraints(table)),
            "checks": sorted((ck["name"] or "", ck["sqltext"]) for ck in found.get_check_constraints(table)),
            "defaults": sorted((c["name"], str(c["default"])) for c in found.get_columns(table)
                               if c["default"] is not None and (table, c["name"]) not in DOWNGRADE_DEFAULTS),
        }
    return schema


def _schema_diff(before: dict, after: dict) -> str:
    lines = [f"table {t}: {'dropped' if t in before else 'left behind'}" for t in sorted(before.keys() ^ after.keys())]
    for table in sorted(before.keys() & after.keys()):
        for part, was in before[table].items():
            now = after[table][part]
            if now != was:
                if isinstance(was, list) and isinstance(now, list):
                    lost, gained = [x for x in was if x not in now], [x for x in now if x not in was]
                    lines.append(f"{table} {part}: lost {lost}, gained {gained}")
                else:
                    lines.append(f"{table} {part}: was {was}, now {now}")
    return "\n".join(lines)


def test_each_revision_upgrades_and_downgrades_one_step_at_a_time(empty_app):
    chain = _chain()
    steps = [None, *chain]  # steps[i]: the revision after the first i migrations (None: base)
    directory = str(MIGRATIONS)

    def state():
        with db.engine.connect() as conn:
            return _current(conn), _schema(conn)

    revision, schema = state()
    assert revision is None and schema == {}, f"the database is not empty: {revision}, {sorted(schema)}"
    schemas = [schema]  # schemas[i]: the schema after the first i migrations
    for i in range(1, len(steps)):
        upgrade(directory=directory, revision="+1")
        revision, schema = state()
        assert revision == steps[i], f"upgrade +1 from {steps[i - 1] or 'base'} reached {revision}, expected {steps[i]}"
        schemas.append(schema)
    for i in range(len(chain), 0, -1):
        downgrade(directory=directory, revision="-1")
        revision, schema = state()
        assert revision == steps[i - 1], \
            f"downgrade -1 from {steps[i]} left alembic_version at {revision}, expected {steps[i - 1]}"
        assert schema == schemas[i - 1], (f"{db.engine.dialect.name}: downgrading {steps[i]} did not give back the schema "
                                          f"of {steps[i - 1] or 'base'}:\n{_schema_diff(schemas[i - 1], schema)}")
