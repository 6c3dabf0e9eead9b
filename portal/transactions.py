"""One transaction per request: every view's changes are committed once, after it returns.

Views never commit. A view that returns normally (a page, a redirect, a form shown again with
its errors) has its changes committed here; a view that raises (a PortalError nobody caught,
an abort, a bug) has them rolled back by the error handlers and the session's teardown.
Indico's request handler does the same (RH.process).

A view that catches a PortalError to show it on its form runs the service inside
`db.session.begin_nested()`: a refused step then leaves nothing of itself behind, while what
the view did before it (a draft saved before a failed send) is still committed.

On SQLite a page view reads in a deferred transaction (portal/extensions.py); when it then
writes (an audit row for a minor's details seen) after another worker committed, SQLite cannot
upgrade its snapshot and answers "database is locked" at once, whatever the busy timeout. Such
a view is run once more as a writer, which queues for the lock like every POST.
"""

import sqlite3
from functools import wraps

import sqlalchemy as sa
from flask import g
from flask import request
from flask_login import current_user

from portal import stress_hooks
from portal.extensions import db
from portal.extensions import reads_only
from portal.notify import deliver_if_configured
from portal.notify import mark_page_read
from portal.stress_hooks import kill_point
from portal.web import without_user


def transactional(view):
    @wraps(view)
    def committing(*args, **kwargs):
        try:
            response = opened(view, args, kwargs)
            commit()
        except sa.exc.OperationalError as error:
            if not reader_lost_race(error):
                raise
            db.session.rollback()
            g.sqlite_writer = True  # the next BEGIN takes the write lock (extensions.py)
            response = opened(view, args, kwargs)
            commit()
        deliver_if_configured()  # development: queued mail goes out once it is committed
        return response

    committing.transactional = True
    return committing


def opened(view, args, kwargs):
    """Run the view; a page a signed-in person opens first marks read what leads to it."""
    # Never for /healthz or static files: they must answer without the database's user rows.
    if request.method == "GET" and not without_user() and current_user.is_authenticated:
        mark_page_read(current_user, request.path, request.full_path)
    return view(*args, **kwargs)


def commit() -> None:
    """Commit without expiring what is loaded: the view is done, and the signed-in user and
    the page's objects must not be fetched again by what runs after it (cookies, headers)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        if stress_hooks.ENABLED and session.in_transaction():
            session.flush()  # every write is sent, so a kill here lands after them
            kill_point("before-commit")
        session.commit()
    finally:
        session.expire_on_commit = True
    kill_point("after-commit")


def reader_lost_race(error: sa.exc.OperationalError) -> bool:
    """A page view on SQLite that began reading and could not start writing (SQLITE_BUSY)."""
    return (
        isinstance(error.orig, sqlite3.OperationalError)
        and any(words in str(error.orig).lower() for words in ("locked", "busy"))
        and reads_only(request.method)
        and not g.get("sqlite_writer")
    )


def init_app(app) -> None:
    """Wrap every view registered so far (call after the blueprints)."""
    for endpoint, view in app.view_functions.items():
        if endpoint != "static":
            app.view_functions[endpoint] = transactional(view)
