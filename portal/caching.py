"""Caches shared by every app server, with versions counted by the database.

Flask-Caching keeps the values: Redis when CACHE_REDIS_URL is set (every server sees the same
entries), one SimpleCache per worker otherwise, NullCache in tests. A value that must never be
older than the database is kept under a *version*: a counter row in `cache_version`, bumped in
the same transaction as the change it versions. Every server reads the counter from the
database before it looks in the cache, so a change committed on one server changes the key
every server computes, whatever the servers' clocks say. The old value is also deleted after
the commit, which frees Redis at once (an unreachable key would expire on its own anyway).

A cache that fails (Redis down, slow or refusing) never fails a page: the value is computed as
if nothing were kept, and the worker leaves the cache alone for CACHE_RETRY_SECONDS.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import Session
from sqlalchemy.orm import mapped_column

from portal.extensions import Model
from portal.extensions import cache
from portal.extensions import db

log = logging.getLogger(__name__)

#: session.info keys: names changed in this transaction, and counters bumped at its commit.
_CHANGED = "cache_versions_changed"
_BUMPED = "cache_versions_bumped"


class CacheVersion(Model):
    """A counter per cached thing (e.g. "camp:12"), bumped by every change to what it counts."""

    __tablename__ = "cache_version"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: Only ever goes up, by one per committed transaction that changed the thing named.
    counter: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def init_app(app) -> None:
    """Choose the backend (Redis when a URL is set) and bind the shared `cache` to `app`."""
    config = app.config
    if not config.get("CACHE_TYPE"):
        config["CACHE_TYPE"] = "RedisCache" if config.get("CACHE_REDIS_URL") else "SimpleCache"
    if config["CACHE_TYPE"] == "RedisCache" and not config.get("CACHE_OPTIONS"):
        # A Redis that hangs must cost a page half a second, not the worker's whole timeout.
        timeout = config["CACHE_REDIS_TIMEOUT"]
        config["CACHE_OPTIONS"] = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    cache.init_app(app)
    app.extensions["portal_cache"] = {"down_until": 0.0}


# --- reading and writing, never failing ------------------------------------------------------


def _usable() -> bool:
    return time.monotonic() >= current_app.extensions["portal_cache"]["down_until"]


def _failed(error: Exception) -> None:
    """Leave the cache alone for a while: a Redis that is down would slow every page."""
    seconds = current_app.config["CACHE_RETRY_SECONDS"]
    current_app.extensions["portal_cache"]["down_until"] = time.monotonic() + seconds
    log.warning("cache unavailable (%s); pages are computed without it for %ss",
                type(error).__name__, seconds)  # fmt: skip


#: How long a request waits for the one computing a missing value (on any server) before it
#: computes the value itself, and how often it looks.
COMPUTE_WAIT_SECONDS = 10.0
COMPUTE_POLL_SECONDS = 0.05


def remember(
    key: str, compute: Callable[[], Any], timeout: int | None = None, *, stamped: bool = False
) -> Any:
    """The value kept under `key`, or `compute()` (then kept for `timeout` seconds; `stamped`
    keeps when it was computed beside it, for `refresh`).

    A missing value is computed once, not by every request that finds it missing: the first
    claims `computing:<key>` (an atomic add, shared by every server on Redis) and the others
    wait for its value. Cold figures thus cost one computation, not one per worker; if the one
    computing dies, its claim expires and the waiters compute the value themselves."""
    value = _get(key)
    if value is not None:
        return value
    claim = f"computing:{key}"
    if not _claim(claim):
        value = _wait_for(key)
        if value is not None:
            return value
    return _compute_and_keep(key, claim, compute, timeout, stamped=stamped)


def refresh(key: str, compute: Callable[[], Any], timeout: int, ahead: int) -> bool:
    """Compute `key`'s value afresh, and keep it for `timeout` seconds, when the value kept
    expires within `ahead` seconds or none is kept; True when it did. For figures a scheduled
    job keeps warm (`flask reports warm`), so that no request waits for them: pages go on
    reading the value kept until the new one replaces it. The age is read from the stamp kept
    beside the value (here, and by `remember(stamped=True)`), so a value a request computed a
    moment ago is not computed again. While another server computes the value (it holds the
    claim), nothing is done."""
    stamp = _get(_stamp_key(key))
    if not _usable():  # the cache did not answer: what would be computed could not be kept
        return False
    if stamp is not None and _now() - stamp < timeout - ahead and _get(key) is not None:
        return False
    claim = f"computing:{key}"
    if not _claim(claim):
        return False
    _compute_and_keep(key, claim, compute, timeout, stamped=True)
    return True


def _compute_and_keep(
    key: str, claim: str, compute: Callable[[], Any], timeout: int | None, *, stamped: bool
) -> Any:
    """`compute()`, kept under `key` (with its stamp when `stamped`), the claim then given up."""
    try:
        value = compute()
        keep(key, value, timeout)
        if stamped:
            keep(_stamp_key(key), _now(), timeout)
    finally:
        forget(claim)
    return value


def _stamp_key(key: str) -> str:
    return f"kept-at:{key}"


def _now() -> float:
    """Seconds since the epoch: a stamp is read by other servers (tests move it)."""
    return time.time()


def answering() -> bool:
    """Whether the cache answered its last question (or it is time to ask it again)."""
    return _usable()


def shared_between_processes() -> bool:
    """Whether every process of every server sees the same cache (Redis): a job run from
    cron warms the pages' cache only then."""
    return current_app.config.get("CACHE_TYPE") not in ("SimpleCache", "NullCache", "null")


def keep(key: str, value: Any, timeout: int | None = None) -> None:
    """Keep `value` under `key` for `timeout` seconds (best effort)."""
    if _usable():
        try:
            cache.set(key, value, timeout=timeout)
        except Exception as error:
            _failed(error)


def _get(key: str) -> Any:
    if not _usable():
        return None
    try:
        return cache.get(key)
    except Exception as error:  # any backend failure: compute as if nothing were kept
        _failed(error)
        return None


def _claim(claim: str) -> bool:
    """Whether this request is the one to compute (True too when the cache cannot tell)."""
    if not _usable():
        return True
    try:
        return bool(cache.add(claim, 1, timeout=int(COMPUTE_WAIT_SECONDS) + 1))
    except Exception as error:
        _failed(error)
        return True


def _wait_for(key: str) -> Any:
    deadline = time.monotonic() + COMPUTE_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(COMPUTE_POLL_SECONDS)
        value = _get(key)
        if value is not None or not _usable():
            return value
    return None


def forget(*keys: str) -> None:
    """Delete `keys` from the cache (best effort)."""
    if keys and has_app_context() and _usable():
        try:
            cache.delete_many(*keys)
        except Exception as error:
            _failed(error)


# --- versions counted by the database --------------------------------------------------------


#: session.info key: the counters this transaction has read, by name.
_READ = "cache_versions_read"
#: Built once: the statement of version_of, asked on every page that keeps a count.
_COUNTER = sa.select(CacheVersion.counter).where(CacheVersion.name == sa.bindparam("name"))


def version_of(name: str) -> int:
    """The counter of `name` (0 before its first change): one primary-key read, the first time
    a transaction asks (a page asking twice gets the same counter, hence the same keys)."""
    read = db.session.info.setdefault(_READ, {})
    if name not in read:
        read[name] = db.session.scalar(_COUNTER, {"name": name}) or 0
    return read[name]


def changed_here(name: str) -> bool:
    """Whether this transaction has changed what `name` counts (its counter moves when it
    commits): what it computes now is not what the counter read stands for, and must be
    neither kept under it nor taken from it."""
    return name in db.session.info.get(_CHANGED, ())


def versioned_key(name: str, version: int) -> str:
    return f"v:{name}@{version}"


def remember_versioned(
    name: str, compute: Callable[[], Any], timeout: int | None = None, *, what: str = ""
) -> Any:
    """`compute()` kept as `what` until `name` changes (read the version first: the value
    computed after it can only be as new or newer). A transaction that has changed what `name`
    counts computes it afresh and keeps nothing: its own changes are not what the counter read
    stands for, and a rollback must leave no figure that never was."""
    key = versioned_key(name, version_of(name))
    db.session.flush()  # a change still pending is noted as `name`'s (at flush)
    if changed_here(name):
        return compute()
    return remember(f"{key}:{what}" if what else key, compute, timeout)


def changed(session: Session, name: str) -> None:
    """Note that this transaction changes `name`; its counter is bumped when it commits."""
    session.info.setdefault(_CHANGED, set()).add(name)


def _upsert(dialect_name: str, names: list[str]):
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    statement = insert(CacheVersion).values([{"name": name, "counter": 1} for name in names])
    return statement.on_conflict_do_update(
        index_elements=[CacheVersion.name], set_={"counter": CacheVersion.counter + 1}
    ).returning(CacheVersion.name, CacheVersion.counter)


@event.listens_for(Session, "before_commit")
def _bump_changed_versions(session: Session) -> None:
    """Bump the counters of everything this transaction changed, as its last statement.

    Last, so the counter rows' locks are taken after every other lock (a camp row locked for
    a decision) and in name order: two transactions never wait for each other in a circle.
    """
    session.flush()  # changes still pending would otherwise be flushed after this hook
    names = sorted(session.info.pop(_CHANGED, ()))
    if not names:
        return
    connection = session.connection()
    rows = connection.execute(_upsert(connection.dialect.name, names)).all()
    session.info.setdefault(_BUMPED, []).extend(rows)


@event.listens_for(Session, "after_commit")
def _forget_old_versions(session: Session) -> None:
    bumped = session.info.pop(_BUMPED, None)
    if bumped:
        forget(*(versioned_key(name, counter - 1) for name, counter in bumped))


@event.listens_for(Session, "after_rollback")
def _nothing_was_bumped(session: Session) -> None:
    session.info.pop(_BUMPED, None)


@event.listens_for(Session, "after_transaction_end")
def _transaction_over(session: Session, transaction) -> None:
    """The next transaction reads the counters afresh, and has changed nothing yet (changes
    rolled back are gone; a savepoint's end leaves the transaction around it as it was)."""
    if transaction.parent is None:
        session.info.pop(_READ, None)
        session.info.pop(_CHANGED, None)


def health():
    """Is the shared cache answering? (Pages are computed without it when it is not.)"""
    from portal.health import DEGRADED
    from portal.health import OK
    from portal.health import Check

    backend = current_app.config["CACHE_TYPE"]
    if backend != "RedisCache":
        return Check(OK, {"backend": backend})
    if not _usable():
        return Check(DEGRADED, {"backend": backend, "error": "unreachable, pages computed"})
    try:
        cache.has("health-probe")
    except Exception as error:  # any backend failure: the cache is skipped for a while
        _failed(error)
        return Check(DEGRADED, {"backend": backend, "error": "unreachable, pages computed"})
    return Check(OK, {"backend": backend})
