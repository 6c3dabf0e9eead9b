"""What every page shares: template globals, the unread count and basic security headers."""

import time

from flask import abort
from flask import flash
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_login import logout_user
from sqlalchemy.exc import SQLAlchemyError

from portal.accounts import policy
from portal.extensions import db
from portal.forms import ActionForm
from portal.forms import error_list
from portal.listing import page_url
from portal.notify import unread_count
from portal.security import Role


def init_app(app) -> None:
    from portal import accesslog
    from portal.extensions import login_manager

    accesslog.init_app(app)

    login_manager.login_message = _l("Please sign in to open this page.")
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["form_errors"] = error_list

    @app.context_processor
    def page_context():
        try:
            unread = unread_count(current_user) if current_user.is_authenticated else 0
        except SQLAlchemyError:  # an error page must render even when the database is down
            db.session.rollback()
            unread = 0
        return {
            "Role": Role,
            "policy": policy,
            "unread_notifications": unread,
            # Only signed-in pages show the sign-out button (a form costs a CSRF signature).
            "logout_form": ActionForm(formdata=None) if current_user.is_authenticated else None,
        }

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

    @app.before_request
    def end_idle_sessions():
        """Sign out a session left unused for IDLE_TIMEOUT (a shared phone at a camp)."""
        if not current_user.is_authenticated or request.path.startswith("/static/"):
            return None
        now = int(time.time())
        seen = session.get("seen")
        if seen and now - seen > app.config["IDLE_TIMEOUT"].total_seconds():
            logout_user()
            session.clear()
            flash(_l("You were signed out after a long time without activity."), "info")
            return redirect(url_for("accounts.login", next=request.full_path))
        if not seen or now - seen > 60:  # refresh at most once a minute: fewer cookie writes
            session["seen"] = now
        return None

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
        if current_user.is_authenticated and not request.path.startswith("/static/"):
            # Pages of signed-in users carry personal data: keep them out of shared caches.
            response.headers["Cache-Control"] = "no-store"
        return response
