"""Admin pages: people and their roles, and the audit log."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from portal.accounts import privacy
from portal.accounts import services
from portal.accounts.models import ErasureRequest
from portal.accounts.models import User
from portal.admin import queries
from portal.admin.forms import AuditFilterForm
from portal.admin.forms import RolesForm
from portal.admin.forms import UserFilterForm
from portal.admin.forms import role_labels
from portal.confirm import confirmation_page
from portal.extensions import db
from portal.extensions import utcnow
from portal.forms import ActionForm
from portal.i18n import gettext as _
from portal.listing import paginate
from portal.main.events import describe
from portal.places import filter_choices
from portal.security import Role
from portal.security import recent_login_required
from portal.security import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    """Everyone with an account, searchable and filtered by role, region and status."""
    form = UserFilterForm(request.args)
    form.role.choices = [("", _("All roles"))] + [
        (role.value, label) for role, label in role_labels().items()
    ]
    form.region.choices = [("", _("All regions"))] + filter_choices()[0]
    valid = form.validate()
    filters = form.data if valid else {}
    page = paginate(
        queries.user_list_query(
            q=filters.get("q"),
            role=filters.get("role"),
            region=filters.get("region"),
            status=filters.get("status"),
        )
    )
    return render_template("admin/users.html", form=form, page=page, role_labels=role_labels()), (
        200 if valid else 400
    )


@bp.get("/users/<int:user_id>")
@role_required(Role.ADMIN)
def user(user_id):
    """One person's account, roles and recent audit events."""
    person = db.get_or_404(User, user_id)
    form = RolesForm(data={"roles": [role.value for role in person.roles]})
    return _user_page(person, form)


def _user_page(person, roles_form, status=200):
    events = describe(queries.recent_events_about(person))
    return render_template(
        "admin/user.html",
        person=person,
        roles_form=roles_form,
        action_form=ActionForm(),
        events=events,
        role_labels=role_labels(),
    ), status


@bp.post("/users/<int:user_id>/roles")
@role_required(Role.ADMIN)
@recent_login_required
def change_roles(user_id):
    """Give or take roles."""
    person = db.get_or_404(User, user_id)
    form = RolesForm()
    if not form.validate_on_submit():
        return _user_page(person, form, 400)
    roles = {Role(value) for value in form.roles.data}
    removed = person.roles - roles
    allowed = services.roles_problem(person, roles, by=current_user) is None
    if removed and allowed and not form.confirmed():
        return _removal_confirmation(person, form, removed)
    try:
        with db.session.begin_nested():
            services.change_roles(person, roles, by=current_user)
    except services.AccountError as error:
        form.roles.errors.append(str(error))
        return _user_page(person, form, 400)
    flash(_("Roles saved."), "success")
    return redirect(url_for(".user", user_id=person.id))


def _removal_confirmation(person, form, removed):
    """Taking a role away cuts off its pages at once; the page says which."""
    labels = role_labels()
    names = ", ".join(str(labels[role]) for role in sorted(removed, key=lambda r: r.value))
    consequences = [
        _("%(name)s will lose these roles: %(roles)s.", name=person.full_name, roles=names),
        _("The pages and actions of these roles close for them at once, also where they are "
          "signed in now."),
    ]  # fmt: skip
    if Role.ADMIN in removed:
        consequences.append(_("They will no longer manage accounts or read the audit log."))
    return confirmation_page(
        form,
        title=_("Remove roles from %(name)s?", name=person.full_name),
        consequences=consequences,
        button=_("Yes, remove the roles"),
        back=url_for(".user", user_id=person.id),
        resend=[("roles", value) for value in form.roles.data],
    )


@bp.post("/users/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate(user_id):
    """Switch an account off; the person is signed out at once."""
    return _set_active(user_id, False, _("The account is switched off."))


@bp.post("/users/<int:user_id>/reactivate")
@role_required(Role.ADMIN)
def reactivate(user_id):
    """Switch an account back on."""
    return _set_active(user_id, True, _("The account is switched on again."))


def _set_active(user_id, active, message):
    person = db.get_or_404(User, user_id)
    try:
        with db.session.begin_nested():
            services.set_active(person, active, by=current_user)
    except services.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for(".user", user_id=person.id))
    flash(message, "success")
    return redirect(url_for(".user", user_id=person.id))


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit():
    """The audit log, newest first, filtered by action, person and dates."""
    form = AuditFilterForm(request.args)
    valid = form.validate()
    filters = form.data if valid else {}
    page = paginate(
        queries.audit_query(
            action=filters.get("action"),
            actor=filters.get("actor"),
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
    )
    return render_template("admin/audit.html", form=form, page=page, events=describe(page.items)), (
        200 if valid else 400
    )


@bp.get("/erasure")
@role_required(Role.ADMIN)
def erasure_requests():
    """Pending and recent erasure requests."""
    page = paginate(queries.erasure_requests())
    return render_template("admin/erasure.html", page=page, form=ActionForm())


@bp.post("/erasure/<int:request_id>")
@role_required(Role.ADMIN)
@recent_login_required
def carry_out_erasure(request_id):
    """Erase the person: anonymised, uploads deleted, aggregates kept (audited)."""
    erasure = db.get_or_404(ErasureRequest, request_id)
    if erasure.done_at is None:
        privacy.erase(erasure.person, by=current_user)
        erasure.done_at = utcnow()
        erasure.done_by_id = current_user.id
        flash(_("The person's data is erased."), "success")
    return redirect(url_for(".erasure_requests"))
