"""The home page, the notification inbox and the health check."""

import sqlalchemy as sa
from flask import Blueprint
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from portal.backups import schema_head
from portal.extensions import db
from portal.forms import ActionForm
from portal.listing import paginate
from portal.main import dashboard
from portal.main import queries
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
            context["events"] = dashboard.recent_audit_events()
    return render_template("main/home.html", **context)


@bp.get("/healthz")
def healthz():
    """Machine-readable health: the database answering at the code's schema, and uploads
    storage that takes a file."""
    uploads = storage().check() or "ok"
    try:
        revision = queries.schema_revision()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unavailable or not migrated", uploads=uploads), 503
    expected = schema_head()
    database = "ok" if revision == expected else f"schema {revision}, the code needs {expected}"
    healthy = database == "ok" and uploads == "ok"
    return jsonify(
        status="ok" if healthy else "error",
        database=database,
        schema=revision,
        uploads=uploads,
        uploads_backend=storage().backend,
    ), (200 if healthy else 503)


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
