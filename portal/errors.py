"""The rule-error base class, and translated error pages; errors roll the transaction back."""

import logging
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask import flash
from flask import g
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import RequestEntityTooLarge

from portal.database import is_database_failure
from portal.extensions import db
from portal.extensions import login_manager
from portal.i18n import lazy_gettext as _l

log = logging.getLogger(__name__)


class PortalError(Exception):
    """A step the rules do not allow; the message is translated for the person.

    Each domain's error (AccountError, CampError, GroupError, TrainingError) is one of these. A
    view that shows the message on its own form catches it; any other reaches
    `handle_portal_error`: the request's changes are rolled back, the message is shown on the
    page the person came from.
    """


MESSAGES = {
    400: (
        _l("Something in the request was wrong"),
        _l("The page could not understand what was sent. Go back, check the form and try again."),
    ),
    403: (
        _l("You cannot do this"),
        _l("Your account does not have permission for this page or action."),
    ),
    404: (
        _l("Page not found"),
        _l("There is no page at this address, or you cannot see it. Check the address."),
    ),
    405: (
        _l("This action is not allowed here"),
        _l("Use the buttons and links on the pages instead."),
    ),
    413: (
        _l("The file is too large"),
        _l("The file you sent is bigger than the portal accepts. Send a smaller file."),
    ),
    429: (
        _l("Too many attempts"),
        _l("You tried too many times in a short while. Wait a few minutes and try again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("The error is recorded. Nothing you sent was half-saved. Please try again later."),
    ),
}
CSRF_MESSAGE = _l(
    "The form had expired or came from somewhere else. Open the page again and resend it."
)


def render_error(status: int, message=None):
    title, default_message = MESSAGES.get(status, MESSAGES[400])
    return render_template(
        "errors/error.html", status=status, title=title, message=message or default_message
    ), status


def handle_http_error(error: HTTPException):
    if error.code is None or error.code < 400 or request.path.startswith("/static/"):
        return error
    if isinstance(error, RateLimitExceeded) and error.limit.error_message:
        return render_error(429, error.description)  # the limit's own translated message
    return render_error(error.code if error.code in MESSAGES else 400)


#: Endpoint → the page that shows the endpoint's own form again, its file field saying the file is
#: too large, for a body over MAX_CONTENT_LENGTH (which cannot be read, so its fields are lost).
TOO_LARGE_PAGES: dict[str, Callable[..., Any]] = {}


def shows_its_form_when_too_large(endpoint: str):
    """Register the decorated function as `endpoint`'s page for a body over the limit. It takes
    the endpoint's view arguments, checks access as the view does and answers 413."""

    def register(page):
        TOO_LARGE_PAGES[endpoint] = page
        return page

    return register


def handle_too_large(error: RequestEntityTooLarge):
    """A body over MAX_CONTENT_LENGTH: the form it came from with the message beside the file
    field, not a dead end; the plain page where there is no such form or it is not theirs."""
    from portal.transactions import commit

    page = TOO_LARGE_PAGES.get(request.endpoint or "")
    if page is None:
        return handle_http_error(error)
    try:
        response = make_response(page(**(request.view_args or {})))
    except HTTPException:  # hidden (404) or forbidden (403): say nothing about it
        _roll_back()
        return render_error(413)
    if response.status_code != 413:  # signed out: the login redirect is no answer to an upload
        _roll_back()
        return render_error(413)
    commit()  # what the page recorded (a minor's details seen)
    return response


def handle_csrf_error(error: CSRFError):
    return render_error(400, CSRF_MESSAGE)


def handle_portal_error(error: PortalError):
    from portal.security import is_safe_next_url

    db.session.rollback()
    flash(str(error), "error")
    back = request.referrer or ""
    root = request.host_url.rstrip("/")
    back = back[len(root) :] if back.startswith(root) else ""
    return redirect(back if is_safe_next_url(back) else url_for("main.home"), 303)


def handle_server_error(error):
    if is_database_failure(getattr(error, "original_exception", None)):
        return render_unavailable(error.original_exception)
    _roll_back()
    return render_error(500)


# --- the database is down: a page that needs no database ------------------------------------

#: Fields never written back into a page: passwords (and their confirmation) and the old CSRF
#: token (a fresh one is issued).
SECRET_FIELDS = re.compile(r"password|^confirm$|^csrf_token$")


def handle_database_error(error: sa.exc.SQLAlchemyError):
    """Unreachable, too slow or locked: "try again" (503). Any other database error is a bug
    and goes on to the 500 page (and the error log)."""
    if not is_database_failure(error):
        raise error
    return render_unavailable(error)


def render_unavailable(error: BaseException):
    """The 503 page, in the reader's language, without asking the database anything.

    Nobody is loaded as the signed-in user (that would wait for the database once more), and
    the page has its own small layout, without the menu that depends on who is signed in. What
    a POST sent comes back as hidden fields under "Try again", so nothing typed is lost.
    """
    log.warning("database unavailable: %s", type(getattr(error, "orig", None) or error).__name__)
    g.database_down = True
    g._login_user = login_manager.anonymous_user()  # never ask the database who is signed in
    _roll_back()
    resend = None
    if request.method == "POST":
        resend = {
            "fields": [
                (name, value)
                for name, value in request.form.items(multi=True)
                if not SECRET_FIELDS.search(name)
            ],
            "files": sorted({name for name, file in request.files.items(multi=True) if file}),
            "dropped_secret": any(
                SECRET_FIELDS.search(name) and name != "csrf_token" for name in request.form
            ),  # fmt: skip
            "csrf_token": generate_csrf(),
            "action": request.full_path.rstrip("?"),
        }
    response = make_response(render_template("errors/unavailable.html", resend=resend), 503)
    response.headers["Retry-After"] = str(current_app.config["DB_RETRY_AFTER"])
    response.headers["Cache-Control"] = "no-store"
    return response


def _roll_back() -> None:
    """Roll the request's transaction back; a connection that is gone has nothing to undo."""
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        db.session.close()


def init_app(app) -> None:
    app.register_error_handler(sa.exc.SQLAlchemyError, handle_database_error)
    app.register_error_handler(PortalError, handle_portal_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_server_error)
