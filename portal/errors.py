"""The rule-error base class, and translated error pages; errors roll the transaction back."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.extensions import db


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
    db.session.rollback()
    return render_error(500)


def init_app(app) -> None:
    app.register_error_handler(PortalError, handle_portal_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_server_error)
