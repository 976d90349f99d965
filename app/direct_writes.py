"""The commit writes the rows of a few hot models (a case, its tasks and jobs) with prebuilt Core
statements in its batch, instead of through the ORM's unit of work.

Every engine step changes the case row and one or two task rows and adds one: through the unit of
work that costs ~1.5 ms of CPU an action (dependency sort, history, per-row statements) and, on
PostgreSQL, a round trip per statement. Here the commit takes what changed on the objects of the
registered models (`written_directly`) the way the ORM would (changed columns only, compared with
what was loaded; the version column checked; every UPDATE must match its one row, else
StaleDataError, as the ORM raises), marks the objects clean and hands the statements to the
commit's batch (app.database), which sends them before the deferred rows, in one round trip on
PostgreSQL. An object the ORM must write itself is left to it: one deleted, one with a changed
relationship or an expired column, a new one without its full primary key (an autoincrement id:
the ORM reads it back) or with a server-side default.

New rows become persistent in the session as a flush would leave them (every column loaded, so
presenting them needs no SQL); a rollback of the transaction takes them out of the session again.
They go out after what the ORM still writes at that commit, so a row the ORM inserts in the same
commit must not refer to one of them (a step's rows refer to the case, which exists by then).
Only at the outermost commit: a flush before it (an autoflush, a savepoint) is the ORM's as ever.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ClauseElement, Insert, Table, Update, and_, bindparam, insert, inspect, update
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.orm import Mapper, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import NO_VALUE, set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.state import InstanceState

_INSERTED = "direct_writes_inserted"  # objects this transaction's commit inserted (rollback: expunge)


class _Shape:
    """What the writer needs of one model, worked out once."""

    def __init__(self, model: type, order: int) -> None:
        mapper: Mapper = inspect(model)
        self.order = order  # statements go out in a fixed order: by model, then by key
        self.table: Table = cast(Table, mapper.local_table)  # a plain mapped table (no inheritance)
        self.columns: dict[str, Any] = {}  # attribute key -> its column
        for prop in mapper.column_attrs:
            if len(prop.columns) != 1 or prop.columns[0].table is not self.table:
                raise TypeError(f"{model.__name__}.{prop.key}: only single-table column attributes are written directly")
            self.columns[prop.key] = prop.columns[0]
        self.keys = [mapper.get_property_by_column(column).key for column in mapper.primary_key]
        version = mapper.version_id_col
        self.version = mapper.get_property_by_column(version).key if version is not None else None
        self.pk_params = [f"pk_{column.key}" for column in mapper.primary_key]
        where = [column == bindparam(f"pk_{column.key}") for column in mapper.primary_key]
        if version is not None:
            where.append(version == bindparam("version_"))
        self.update: Update = update(self.table).where(and_(*where))  # SET: the columns each call names
        self.insert: Insert = insert(self.table).inline()
        self.viewonly = {rel.key for rel in mapper.relationships if rel.viewonly}
        self.written = [rel.key for rel in mapper.relationships if not rel.viewonly]  # the ORM syncs keys from these

    def changes(self, state: InstanceState) -> dict | None:
        """{column key: new value} of a modified object; None: the ORM must write it (a changed
        relationship, key or expired column, a SQL expression as the value)."""
        values, current = {}, state.dict
        for key, old in state.committed_state.items():
            column = self.columns.get(key)
            if column is None and key in self.viewonly:
                continue  # the ORM never writes a view-only relationship either
            if column is None or key not in current or (old is NO_VALUE and key in self.keys):
                return None
            value = current[key]
            if isinstance(value, ClauseElement) or hasattr(value, "__clause_element__"):
                return None
            if state.manager[key].impl.is_equal(value, old) is not True:
                if key in self.keys:
                    return None  # the ORM moves the object's identity along
                values[column.key] = value
        return values

    def row(self, state: InstanceState) -> tuple[dict, dict] | None:
        """(the column values to insert, the defaults to fill in on the object) of a new object;
        None: the ORM must insert it. Columns it leaves unset are left out of the INSERT (SQL NULL,
        as the ORM leaves them; a JSON column would otherwise store JSON null)."""
        current = state.dict
        if any(current.get(key) is None for key in self.keys) or any(current.get(key) for key in self.written):
            return None
        row: dict = {}
        fill: dict = {}
        for key, column in self.columns.items():
            if key in current:
                value = current[key]
                if isinstance(value, ClauseElement) or hasattr(value, "__clause_element__"):
                    return None
                row[column.key] = value
                continue
            default = cast(Any, column.default)  # a ColumnDefault when it is a value or a function
            if column.server_default is not None or (default is not None and not (default.is_scalar or default.is_callable)):
                return None
            if default is None:
                fill[key] = None  # loaded as None, as the database holds it
            else:
                fill[key] = row[column.key] = default.arg if default.is_scalar else default.arg(None)
        return row, fill


_MODELS: dict[type, int] = {}
_SHAPES: dict[type, _Shape] = {}  # worked out at the first commit, once every mapper is configured
_REFERS: dict[type, bool] = {}  # whether a model's table refers to one written directly


def written_directly(model: type) -> type:
    """Class decorator: the commit writes this model's rows itself (see the module's docstring)."""
    _MODELS.setdefault(model, len(_MODELS))
    return model


def _shape(model: type) -> _Shape | None:
    shape = _SHAPES.get(model)
    if shape is None and model in _MODELS:
        shape = _SHAPES[model] = _Shape(model, _MODELS[model])
    return shape


def _refers_to_direct(model: type) -> bool:
    """Whether rows of `model` (written by the ORM) may refer to rows of a directly written model:
    they go out first, so new rows of those must then be inserted by the ORM too."""
    refers = _REFERS.get(model)
    if refers is None:
        tables = {cast(Any, inspect(m).local_table) for m in _MODELS}
        table = cast(Any, inspect(model).local_table)
        refers = _REFERS[model] = any(fk.column.table in tables for fk in table.foreign_keys)
    return refers


@dataclass
class _Write:
    statement: Update | Insert
    params: dict
    checked: bool  # an UPDATE: exactly one row must match
    result: CursorResult | None = None


def take(session: Session) -> list[_Write]:
    """The statements for what the registered models' objects changed; those objects are clean
    (and the new ones persistent) afterwards, as after a flush. All statements are worked out
    before any object is touched: if that fails, the session is as it was."""
    if not _MODELS:
        return []
    identity = session.identity_map
    deleted = session._deleted  # noqa: SLF001 - the unit of work's own bookkeeping
    updates: list[tuple[tuple, _Write, InstanceState]] = []
    for state in identity._modified:  # noqa: SLF001
        shape = _shape(state.class_)
        if shape is None or state in deleted or state.key is None:
            continue
        values = shape.changes(state)
        if values is None:
            continue
        current = state.dict
        write = None
        if values:
            version = state.committed_state.get(shape.version, current.get(shape.version)) if shape.version else None
            if shape.version is not None and (version is None or version is NO_VALUE):
                continue  # its version is not loaded: the ORM reads it before writing
            params = dict(zip(shape.pk_params, state.key[1], strict=True))  # the identity, loaded or not
            if shape.version is not None:
                params["version_"] = version
            write = _Write(shape.update, {**values, **params}, checked=True)
        updates.append(((shape.order, str(state.key[1])), write, state))  # type: ignore[arg-type]
    inserts: list[tuple[tuple, _Write, InstanceState, dict]] = []
    pending = list(session._new)  # noqa: SLF001
    if not any(_refers_to_direct(state.class_) for state in pending if state.class_ not in _MODELS):
        taken_keys = {state.key for state in deleted}
        for state in pending:
            shape = _shape(state.class_)
            made = shape.row(state) if shape is not None else None
            if shape is None or made is None:
                continue
            key = inspect(state.class_).identity_key_from_primary_key([state.dict[k] for k in shape.keys])
            if key in identity or key in taken_keys:
                continue  # a row switch (deleted, then added again) or a clash: the ORM's to handle
            taken_keys.add(key)
            inserts.append(((shape.order, str(key[1])), _Write(shape.insert, made[0], checked=False), state, made[1]))
    # nothing has been touched so far; from here on nothing fails
    updates.sort(key=lambda entry: entry[0])
    inserts.sort(key=lambda entry: entry[0])
    InstanceState._commit_all_states([(state, state.dict) for _, _, state in updates], identity)  # noqa: SLF001
    for _, _, state, fill in inserts:
        obj = state.obj()
        for key, value in fill.items():
            set_committed_value(obj, key, value)
        session.expunge(obj)
        make_transient_to_detached(obj)  # every column is loaded: nothing is marked expired
        session.add(obj)  # persistent, as the flush would leave it
        session.info.setdefault(_INSERTED, []).append(obj)
    return [write for _, write, _ in updates if write is not None] + [write for _, write, _, _ in inserts]


def execute(connection: Connection, writes: list[_Write]) -> None:
    for write in writes:
        write.result = connection.execute(write.statement, write.params)


def check(writes: list[_Write], failed: Exception | None = None) -> None:
    """After the statements' results arrived (on PostgreSQL, at the end of the pipeline): each
    UPDATE matched its row, else StaleDataError. After a failure in the batch (`failed`), only
    the UPDATEs that ran before it are judged."""
    for write in writes:
        if write.checked and write.result is not None:
            # the driver's count: SQLAlchemy's own was taken when the statement was sent (-1 in a pipeline)
            matched = write.result.context.cursor.rowcount
            if failed is not None and matched < 0:
                continue  # its result never came: the batch stopped before it
            if matched != 1:
                raise StaleDataError(f"UPDATE statement on table '{write.statement.table}' expected to update "
                                     f"1 row(s); {matched} were matched.") from failed


def forget_inserted(session: Session, rolled_back: bool) -> None:
    """At the end of the outermost transaction; after a rollback the rows it inserted are gone."""
    inserted = session.info.pop(_INSERTED, None)
    if rolled_back and inserted:
        for obj in inserted:
            if obj in session:
                session.expunge(obj)
