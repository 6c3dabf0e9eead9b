"""The home page, the notification inbox and the health check."""

from flask import Blueprint
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from portal import health
from portal.main.events import describe
from portal.forms import ActionForm
from portal.listing import paginate
from portal.main import dashboard
from portal.notify import inbox_query
from portal.notify import mark_all_read
from portal.notify import unread_count
from portal.security import Role
from portal.storage import storage

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """What the programme is, and after login a dashboard for each of the user's roles."""
    context = {}
    if current_user.is_authenticated:
        context["unread"] = unread_count(current_user)
        if current_user.has_role(Role.ORGANISER):
            context["youth"] = dashboard.youth_counts()
        if current_user.has_role(Role.ADMIN):
            context["roles"] = dashboard.role_counts()
            context["events"] = describe(dashboard.recent_audit_events())
    return render_template("main/home.html", **context)


@bp.get("/healthz")
def healthz():
    """Machine-readable health of each part (portal/health.py): 200 while the portal serves,
    even degraded; 503 when the database is down."""
    body, status = health.report()
    checks = body["checks"]
    # The first two names are an interface older than the list of checks: kept stable.
    body["database"] = "ok" if checks["database"]["status"] == health.OK else "unavailable"
    body["schema"] = checks.get("schema", {}).get("database")
    uploads = checks.get("uploads", {})
    body["uploads"] = "ok" if uploads.get("status") == health.OK else uploads.get("reason")
    body["uploads_backend"] = storage().backend
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, status


@bp.get("/notifications")
@login_required
def notifications():
    """The user's inbox, newest first."""
    page = paginate(inbox_query(current_user))
    return render_template("main/notifications.html", page=page, form=ActionForm())


@bp.post("/notifications/read")
@login_required
def mark_notifications_read():
    """Mark every notification as read."""
    mark_all_read(current_user)
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for(".notifications"))
