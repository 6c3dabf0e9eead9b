"""What every page shares: template globals, the unread count and basic security headers."""

import time
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from flask import abort
from flask import flash
from flask import g
from flask import has_request_context
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import logout_user
from flask_login import user_loaded_from_cookie
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup
from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError

from portal.clocks import clamp_to_now
from portal.clocks import timed_serializer
from portal.extensions import db
from portal.forms import characters_left_messages
from portal.forms import error_list
from portal.forms import filter_fields
from portal.forms import is_required
from portal.forms import kept_fields
from portal.fragments import drawn_row
from portal.fragments import drawn_rows
from portal.i18n import lazy_gettext as _l
from portal.i18n import locale_code
from portal.listing import page_url
from portal.listing import row_url
from portal.notify import unread_count
from portal.security import Role

#: A signed "last active at" for the remember-me cookie (the session cookie holds its own).
LAST_SEEN_COOKIE = "last_seen"
#: Answered without loading the signed-in user, so without the database: static files, and
#: the health check (which asks the database itself, and must answer while it is down).
WITHOUT_USER = frozenset({"static", "main.healthz"})


def without_user() -> bool:
    return request.endpoint in WITHOUT_USER


def last_seen_serializer() -> URLSafeTimedSerializer:
    return timed_serializer("last-seen")


def last_seen_from_cookie(user_id: int) -> int | None:
    """When this browser was last active for `user_id`, from the signed cookie (None if unknown)."""
    value = request.cookies.get(LAST_SEEN_COOKIE)
    if not value:
        return None
    try:
        owner, signed_at = last_seen_serializer().loads(value, return_timestamp=True)
    except BadSignature:
        return None
    if owner != user_id:
        return None
    return int(signed_at.timestamp())


def badge(label, tone: str = "neutral") -> Markup:
    """A status as a badge: its words and a colour by tone (neutral, info, ok, warn, alert).
    A function, not a macro: a list draws one per row, and a Jinja macro call costs ten times
    as much; escape() into an f-string, since Markup.format costs three times that."""
    return Markup(f'<span class="badge badge-{escape(tone)}">{escape(label)}</span>')  # nosec B704: escaped


def status_badges(labels: Mapping, tones: Mapping) -> Callable[[Any], Markup]:
    """A function drawing `badge(labels[value], tones[value])` for a status of one of a
    module's fixed tables, each badge made once per language and value and then kept: a list
    draws the same few on every row, and each costs a translation, two escapes and a Markup."""
    made: dict[tuple[str, Any], Markup] = {}

    def drawn(value) -> Markup:
        key = (locale_code(), value)
        html = made.get(key)
        if html is None:
            html = made[key] = badge(labels[value], tones[value])
        return html

    return drawn


def init_app(app) -> None:
    from portal import accesslog
    from portal.extensions import login_manager

    accesslog.init_app(app)

    login_manager.login_message = _l("Please sign in to open this page.")
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["row_url"] = row_url
    app.jinja_env.globals["form_errors"] = error_list
    app.jinja_env.globals["filter_fields"] = filter_fields
    app.jinja_env.globals["kept_fields"] = kept_fields
    app.jinja_env.globals["is_required"] = is_required
    app.jinja_env.globals["characters_left_messages"] = characters_left_messages
    app.jinja_env.globals["badge"] = badge
    app.jinja_env.globals["drawn_row"] = drawn_row
    app.jinja_env.globals["drawn_rows"] = drawn_rows

    @app.context_processor
    def page_context():
        # Outside a request (an e-mail rendered by `flask seed-demo` or a cron command)
        # Flask-Login has no current user at all.
        signed_in = has_request_context() and current_user.is_authenticated
        try:
            unread = unread_count(current_user) if signed_in else 0
        except SQLAlchemyError:  # an error page must render even when the database is down
            db.session.rollback()
            unread = 0
        return {"Role": Role, "unread_notifications": unread}

    @app.before_request
    def refuse_nul_bytes():
        """No person types a NUL byte, and PostgreSQL cannot store one: refuse such a request."""
        if (
            "\x00" in request.path
            or b"%00" in request.query_string
            or b"\x00" in request.query_string
        ):
            abort(400)
        if request.method == "POST" and any("\x00" in value for value in request.form.values()):
            abort(400)
        return None

    @user_loaded_from_cookie.connect_via(app)
    def note_restored_session(sender, user):
        g.restored_from_cookie = True

    @app.before_request
    def end_idle_sessions():
        """Sign out a session left unused for IDLE_TIMEOUT (a shared phone at a camp).

        A session restored from the "remember me" cookie has no `seen` of its own: its last
        activity comes from the signed last-seen cookie, so remembering does not outlive the
        idle timeout either.
        """
        # Static files and /healthz first: they never load the signed-in user.
        if without_user() or not current_user.is_authenticated:
            return None
        now = int(time.time())
        idle = app.config["IDLE_TIMEOUT"].total_seconds()
        seen = session.get("seen")
        if seen is None and g.get("restored_from_cookie"):
            seen = last_seen_from_cookie(current_user.id) or 0
        if seen is not None:
            # Written by a server whose clock may run a little ahead; far ahead counts as stale.
            seen = clamp_to_now(seen, now) or 0
        if seen is not None and now - seen > idle:
            logout_user()
            session.clear()
            g.forget_last_seen = True
            flash(_l("You were signed out after a long time without activity."), "info")
            return redirect(url_for("accounts.login", next=request.full_path))
        if not seen or now - seen > 60:  # refresh at most once a minute: fewer cookie writes
            session["seen"] = now
            g.refresh_last_seen = True
        return None

    @app.after_request
    def keep_last_seen(response):
        if without_user() or g.get("database_down"):
            return response  # nobody was loaded: the cookie stays as it is
        if g.get("refresh_last_seen") and current_user.is_authenticated:
            response.set_cookie(
                LAST_SEEN_COOKIE,
                last_seen_serializer().dumps(current_user.id),
                max_age=int(app.config["REMEMBER_COOKIE_DURATION"].total_seconds()),
                secure=app.config.get("SESSION_COOKIE_SECURE", False),
                httponly=True,
                samesite="Lax",
            )
        elif g.get("forget_last_seen") or (
            LAST_SEEN_COOKIE in request.cookies and not current_user.is_authenticated
        ):
            response.delete_cookie(LAST_SEEN_COOKIE)
        return response

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if not without_user() and current_user.is_authenticated:
            # Pages of signed-in users carry personal data: keep them out of shared caches.
            response.headers["Cache-Control"] = "no-store"
        return response
