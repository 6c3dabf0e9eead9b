"""The home page, the notification inbox and the health check."""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from portal import health
from portal.forms import ActionForm
from portal.i18n import gettext as _
from portal.listing import paginate
from portal.main import dashboard
from portal.main import tasks
from portal.main.events import describe
from portal.main.inbox import subject_names
from portal.main.nav import site_footer
from portal.main.nav import site_header
from portal.notify import inbox_query
from portal.notify import is_local_link
from portal.notify import mark_all_read
from portal.notify import open_notification as open_notification_of
from portal.notify import unread_count
from portal.security import Role
from portal.storage import storage

bp = Blueprint("main", __name__)
bp.add_app_template_global(site_header)  # every page's header and menu (base.html)
bp.add_app_template_global(site_footer)


@bp.get("/")
def home():
    """What the programme is, and after login what happens next for each of the user's roles,
    with the figures organisers and admins watch below."""
    context = {}
    if current_user.is_authenticated:
        context["unread"] = unread_count(current_user)
        context["sections"] = tasks.home_sections(current_user)
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
    return render_template(
        "main/notifications.html", page=page, form=ActionForm(),
        subjects=subject_names(page.items),
    )  # fmt: skip


@bp.get("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id):
    """Mark one's own notification read (with the others leading to the same page) and go to
    what it is about; someone else's is not found. Only local links are followed."""
    notification = open_notification_of(current_user, notification_id)
    if notification is None:
        abort(404)
    if is_local_link(notification.link):
        return redirect(notification.link)
    return redirect(url_for(".notifications"))


@bp.post("/notifications/read")
@login_required
def mark_notifications_read():
    """Mark every notification as read."""
    mark_all_read(current_user)
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for(".notifications"))
