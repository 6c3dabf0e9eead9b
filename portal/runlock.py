"""One run at a time of a cron chore, whichever host starts it.

Cron is meant to run on exactly one host (docs/deploy.md), but a second crontab left on another
app server, or a slow run still going when the next minute starts, must not send every camp
reminder twice. `single_run("camps-remind")` wraps a command so that a run starts only when it
holds the chore's lock, and a run that finds the lock taken does nothing and says so:

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its
  own, seen by every host on that database and released by the server if the run dies;
- SQLite: an exclusive `flock` on a file beside the database (a SQLite database lives on one
  host, and the kernel releases the lock when the process dies).
"""

import fcntl
import functools
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import sqlalchemy as sa

from portal.extensions import db


def lock_key(name: str) -> int:
    """The chore's advisory lock key: a stable signed 64-bit number derived from its name."""
    return int.from_bytes(
        hashlib.sha256(f"jashtar:{name}".encode()).digest()[:8], "big", signed=True
    )


@contextmanager
def held(name: str) -> Iterator[bool]:
    """Try to take the chore's lock; yield whether it was taken, and release it afterwards."""
    engine = db.engine.engine  # the Engine itself, even where tests bind a Connection
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            key = lock_key(name)
            taken = connection.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
            connection.commit()
            try:
                yield bool(taken)
            finally:
                if taken:
                    connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    connection.commit()
        return
    path = _lock_path(engine.url.database, name)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _lock_path(database: str | None, name: str) -> Path:
    from flask import current_app

    if database and database != ":memory:":
        folder = Path(database).resolve().parent
    else:  # an in-memory database belongs to one process; any private folder will do
        folder = Path(current_app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f".jashtar-{name}.lock"


def single_run(name: str):
    """Decorate a click command: it runs only while holding the lock called `name`."""

    def decorate(command):
        @functools.wraps(command)
        def run(*args, **kwargs):
            with held(name) as taken:
                if not taken:
                    click.echo(f"Another run of {name} is under way; nothing done.")
                    return None
                return command(*args, **kwargs)

        return run

    return decorate
