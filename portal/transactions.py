"""One transaction per request: every view's changes are committed once, after it returns.

Views never commit. A view that returns normally (a page, a redirect, a form shown again with
its errors) has its changes committed here; a view that raises (a PortalError nobody caught,
an abort, a bug) has them rolled back by the error handlers and the session's teardown.
Indico's request handler does the same (RH.process).

A view that catches a PortalError to show it on its form runs the service inside
`db.session.begin_nested()`: a refused step then leaves nothing of itself behind, while what
the view did before it (a draft saved before a failed send) is still committed.
"""

from functools import wraps

from portal.extensions import db
from portal.notify import deliver_if_configured


def transactional(view):
    @wraps(view)
    def committing(*args, **kwargs):
        response = view(*args, **kwargs)
        commit()
        deliver_if_configured()  # development: queued mail goes out once it is committed
        return response

    committing.transactional = True
    return committing


def commit() -> None:
    """Commit without expiring what is loaded: the view is done, and the signed-in user and
    the page's objects must not be fetched again by what runs after it (cookies, headers)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def init_app(app) -> None:
    """Wrap every view registered so far (call after the blueprints)."""
    for endpoint, view in app.view_functions.items():
        if endpoint != "static":
            app.view_functions[endpoint] = transactional(view)
