"""Groups and plans for organisers: every plan, mentor assignment, switching off, archiving."""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from portal.accounts.models import User
from portal.extensions import db
from portal.groups import members
from portal.groups import policy
from portal.groups import queries
from portal.groups import services
from portal.groups.forms import ChooseMentorForm
from portal.groups.forms import GroupSwitchForm
from portal.groups.forms import PlanFilterForm
from portal.groups.models import ActionPlan
from portal.groups.models import YouthGroup
from portal.groups.routes import lead_form
from portal.i18n import gettext as _
from portal.listing import paginate
from portal.places import filter_choices
from portal.security import organisers_only

bp = Blueprint("groups_manage", __name__, url_prefix="/manage")


@bp.get("/plans")
@organisers_only
def plans():
    """Every action plan by status, region, problem and mentor, with waiting times."""
    form = PlanFilterForm(request.args)
    form.fill_status_and_category()
    everyone = [("", _("All"))]
    form.region.choices = everyone + filter_choices()[0]
    form.mentor.choices = everyone + [(str(m.id), m.full_name) for m in queries.mentors()]
    valid = form.validate()
    page = paginate(queries.all_plans(form.data if valid else {}))
    return render_template("groups/manage/plans.html", form=form, page=page), (
        200 if valid else 400
    )


@bp.get("/groups")
@organisers_only
def groups():
    """Every youth group with its lead and mentors."""
    page = paginate(queries.all_groups(request.args.get("q")))
    return render_template("groups/manage/groups.html", page=page)


def _mentor_form(submitted: bool = False):
    form = ChooseMentorForm() if submitted else ChooseMentorForm(formdata=None)
    form.mentor.choices = [(str(m.id), m.full_name) for m in queries.mentors()]
    return form


@bp.post("/groups/<int:group_id>/mentors")
@organisers_only
def assign_mentor(group_id):
    """Assign a mentor to the group."""
    group = db.get_or_404(YouthGroup, group_id)
    form = _mentor_form(submitted=True)
    if form.validate_on_submit():
        services.assign_mentor(group, db.session.get(User, int(form.mentor.data)), by=current_user)
        flash(_("The mentor is assigned."), "success")
    else:
        for error in form.mentor.errors:
            flash(str(error), "error")
    return redirect(url_for("groups.group", group_id=group.id))


@bp.post("/groups/<int:group_id>/mentors/<int:mentor_id>/remove")
@organisers_only
def remove_mentor(group_id, mentor_id):
    """Take a mentor off the group (they lose access to its plans)."""
    group = db.get_or_404(YouthGroup, group_id)
    services.remove_mentor(group, mentor_id, by=current_user)
    flash(_("The mentor is removed from the group."), "success")
    return redirect(url_for("groups.group", group_id=group.id))


@bp.post("/groups/<int:group_id>/lead")
@organisers_only
def reassign_lead(group_id):
    """Give the group a new lead among the members who chose to join."""
    group = db.get_or_404(YouthGroup, group_id)
    form = lead_form(group, submitted=True)
    if form.validate_on_submit():
        new_lead = next(p for p in policy.lead_candidates(group) if str(p.id) == form.member.data)
        members.hand_over_lead(group, new_lead, by=current_user)
        flash(_("The group has a new lead."), "success")
    else:
        for error in form.member.errors:
            flash(str(error), "error")
    return redirect(url_for("groups.group", group_id=group.id))


@bp.post("/groups/<int:group_id>/active")
@organisers_only
def toggle_group(group_id):
    """Switch a group off (its plans stay readable) or on again."""
    group = db.get_or_404(YouthGroup, group_id)
    form = GroupSwitchForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_group_active(group, form.state.data == "on", by=current_user)
    flash(
        _("The group is switched on.") if group.active else _("The group is switched off."),
        "success",
    )
    return redirect(url_for("groups.group", group_id=group.id))


@bp.post("/plans/<int:plan_id>/archive")
@organisers_only
def archive(plan_id):
    """Archive a plan."""
    plan = db.get_or_404(ActionPlan, plan_id)
    services.archive(plan, by=current_user)
    flash(_("The plan is archived."), "success")
    return redirect(url_for("groups.plan", plan_id=plan.id))
