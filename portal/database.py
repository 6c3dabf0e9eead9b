"""How long the portal waits for its database, and which errors mean "the database is down".

A database that hangs must cost a page seconds, not minutes: PostgreSQL connections are
opened with a connect timeout and carry a statement and a lock timeout; the pool gives up
after DB_POOL_TIMEOUT; SQLite waits SQLITE_BUSY_TIMEOUT_MS for the write lock
(portal/extensions.py). What runs out of time, or finds nobody listening, raises one of the
errors `is_database_failure` recognises, and portal/errors.py answers it with a "try again"
page that needs no database.
"""

import sqlite3
from functools import cache
from typing import Any

import psycopg
import sqlalchemy as sa
from flask import current_app
from flask import g
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Mapper
from sqlalchemy.orm import RelationshipProperty
from sqlalchemy.orm.attributes import set_committed_value

from portal.bounded import kept_in

#: SQLite's words for "busy or gone", as opposed to a broken query (which is also an
#: OperationalError there: SQLite has no ProgrammingError for syntax).
SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o error", "readonly database")


def engine_options(config) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS with the timeouts of the database in `config`.

    Settings an installation gives in SQLALCHEMY_ENGINE_OPTIONS (instance/config.py) win.
    """
    configured = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        return configured
    connect_args = {
        "connect_timeout": max(2, int(config["DB_CONNECT_TIMEOUT"])),  # libpq's minimum is 2
        # Server-side limits, in milliseconds, for every session of this pool.
        "options": (
            f"-c statement_timeout={int(config['DB_STATEMENT_TIMEOUT'] * 1000)} "
            f"-c lock_timeout={int(config['DB_LOCK_TIMEOUT'] * 1000)}"
        ),
        # A server that vanishes mid-query (host down, cable cut) is noticed by the kernel:
        # keepalives on an idle connection, and unacknowledged data given up after the
        # statement timeout, instead of TCP's ~15 minutes of retransmissions.
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        "tcp_user_timeout": int(config["DB_STATEMENT_TIMEOUT"] * 1000),
    }
    options: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_timeout": config["DB_POOL_TIMEOUT"],
        **configured,
    }
    options["connect_args"] = {**connect_args, **configured.get("connect_args", {})}
    return options


def is_database_failure(error: BaseException | None) -> bool:
    """True when `error` says the database is unreachable, too slow or locked (not a bug)."""
    if isinstance(error, (sa.exc.TimeoutError, sa.exc.DisconnectionError)):
        return True  # no free connection in the pool; a connection lost
    if isinstance(error, sa.exc.DBAPIError):
        if error.connection_invalidated:
            return True
        original = error.orig
        if isinstance(original, sqlite3.OperationalError):
            text = str(original).lower()
            return any(words in text for words in SQLITE_UNAVAILABLE)
        # psycopg's OperationalError: refused, timed out, statement or lock timeout, shutdown.
        return isinstance(original, psycopg.OperationalError)
    return False


# --- health checks (registered in portal/__init__.py) ----------------------------------------


def schema_revision() -> str | None:
    """The Alembic revision the database is at (raises if it is unreachable or not migrated)."""
    from portal.extensions import db

    return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))


@cache
def code_heads(directory: str) -> tuple[str, ...]:
    """The newest revision(s) in the migrations folder (read once per process)."""
    from alembic.script import ScriptDirectory

    return tuple(sorted(ScriptDirectory(directory).get_heads()))


def database_health():
    """Is the database answering? (Its schema revision is read on the way.)"""
    from portal.extensions import db
    from portal.health import DOWN
    from portal.health import OK
    from portal.health import Check

    try:
        g.schema_revision = schema_revision()
    except sa.exc.SQLAlchemyError as error:
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:
            db.session.close()
        reason = "unavailable" if is_database_failure(error) else "not migrated"
        return Check(DOWN, {"error": reason})
    return Check(OK)


def schema_health():
    """Is the database's schema the one this code's migrations end with?"""
    from portal.health import DEGRADED
    from portal.health import OK
    from portal.health import Check

    heads = code_heads(current_app.extensions["migrate"].directory)
    found = g.get("schema_revision")
    status = OK if (found,) == heads else DEGRADED
    return Check(status, {"database": found, "code": heads[0] if len(heads) == 1 else list(heads)})


def lock_again(row, *, expire: tuple[str, ...] = ()):
    """Lock `row` until the commit and read it again (`SELECT … FOR UPDATE`; SQLite queues
    writers at BEGIN instead): two clicks or two people at once take turns, and the second sees
    what the first did. `expire` names relationships to read again too (a consent, version or
    certificate added meanwhile)."""
    from portal.extensions import db

    db.session.flush()  # a row made in this transaction has its id
    model = type(row)
    locked = db.session.scalars(
        sa.select(model)
        .where(model.id == row.id)
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    ).one()
    if expire:
        db.session.expire(locked, list(expire))
    return locked


# --- statements built once ----------------------------------------------------------------------

#: Statements by key, per worker (portal/bounded.py).
BUILT: dict[tuple, Any] = {}
MAX_BUILT = 128


def built(key: tuple, build):
    """The statement `build()` makes for `key`, built once per worker.

    A statement is immutable, and SQLAlchemy remembers the cache key of each statement object:
    one used again costs neither its building nor the walk over it that makes its key (a
    list's filtered select, its count and its page window cost 0.3 ms a request that way).
    `key` must hold everything the statement is made of (a statement it is made from counts
    by identity); a key that cannot be hashed (a list in a filter) is built every time."""
    try:
        hash(key)
    except TypeError:
        return build()
    return kept_in(BUILT, MAX_BUILT, key, build)


# --- collections loaded by statements built once ----------------------------------------------

#: Each one-to-many relationship's SELECT, by (class, name), built once per worker.
_COLLECTIONS: dict[tuple[type, str], Any] = {}


def load_collections(obj, *names: str) -> None:
    """Load `obj`'s one-to-many relationships `names` (those not loaded yet), each by a SELECT
    built once, as if its lazy load had run: a page reading several saves a lazy load's own
    statement building, 0.2 ms each against 0.09 ms (an application's history and its camp's
    questions, a group's members and mentors, a plan's activities and versions). The objects
    are the session's own, in the relationship's order, and nothing is marked changed."""
    from portal.extensions import db

    state = sa.inspect(obj)
    for name in names:
        statement = _collection_statement(type(obj), name)
        if name in state.dict:  # loaded already (or changed in this transaction)
            continue
        values = {f"key_{number}": getattr(obj, column_key) for number, column_key in
                  enumerate(_local_keys(type(obj), name))}  # fmt: skip
        found = db.session.execute(statement, values).unique().scalars().all()
        set_committed_value(obj, name, list(found))


def _relationship(cls: type, name: str) -> RelationshipProperty:
    prop: RelationshipProperty = sa.inspect(cls).relationships[name]
    if not prop.uselist or prop.secondary is not None:
        raise ValueError(f"{cls.__name__}.{name} is not a plain one-to-many relationship")
    return prop


def _local_keys(cls: type, name: str) -> list[str]:
    mapper: Mapper = sa.inspect(cls)
    return [
        mapper.get_property_by_column(local).key
        for local, _remote in _relationship(cls, name).local_remote_pairs or ()
    ]


def _collection_statement(cls: type, name: str):
    key = (cls, name)
    statement = _COLLECTIONS.get(key)
    if statement is None:
        prop = _relationship(cls, name)
        target = prop.mapper.class_
        statement = sa.select(target).where(
            *(
                remote == sa.bindparam(f"key_{number}", type_=remote.type)
                for number, (_local, remote) in enumerate(prop.local_remote_pairs or ())
            )
        )
        if prop.order_by:
            statement = statement.order_by(*prop.order_by)
        _COLLECTIONS[key] = statement = statement.execution_options(autoflush=False)
    return statement
