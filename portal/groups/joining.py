"""Coming into a group and leaving it: invitations, the join code, the lead role."""

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from portal.extensions import db
from portal.extensions import limiter
from portal.extensions import signed_in_key
from portal.extensions import utcnow
from portal.forms import ActionForm
from portal.groups import members
from portal.groups import policy
from portal.groups.forms import InviteForm
from portal.groups.forms import JoinForm
from portal.groups.models import GroupInvitation
from portal.groups.routes import group_page
from portal.groups.routes import lead_form
from portal.groups.routes import load_group
from portal.groups.services import GroupError
from portal.i18n import gettext as _
from portal.security import Role
from portal.security import require
from portal.security import role_required

bp = Blueprint("group_members", __name__)


def _limit(name: str):
    return lambda: current_app.config[name]


def _refused(response) -> bool:
    """Only wrong codes count towards the limit; joining answers with a redirect."""
    return response.status_code != 302


def _too_many_codes() -> str:
    return _("You typed too many wrong codes. Wait a while and ask your group's lead for the code.")


def _too_many_invitations() -> str:
    return _("You have sent many invitations in the last hour. Wait a while, then invite more.")


def _invitation(invitation_id) -> GroupInvitation:
    """An invitation the signed-in person received; anyone else's answers 404."""
    invitation = db.get_or_404(GroupInvitation, invitation_id)
    require(policy.can_answer_invitation(current_user, invitation), 404)
    return invitation


@bp.route("/groups/join", methods=["GET", "POST"])
@role_required(Role.YOUTH)
@limiter.limit(_limit("RATELIMIT_JOIN_CODE"), key_func=signed_in_key, methods=["POST"],
               deduct_when=_refused, error_message=_too_many_codes)  # fmt: skip
@limiter.limit(_limit("RATELIMIT_JOIN_CODE_ADDRESS"), methods=["POST"], deduct_when=_refused,
               error_message=_too_many_codes)  # fmt: skip
def join():
    """Join a group with the code its lead shared."""
    form = JoinForm()
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                group = members.join_by_code(form.code.data, current_user)
        except GroupError as error:
            form.code.errors.append(str(error))
        else:
            flash(_("Welcome to the group!"), "success")
            return redirect(url_for("groups.group", group_id=group.id))
    status = 400 if form.is_submitted() else 200
    return render_template("groups/join.html", form=form), status


@bp.post("/groups/<int:group_id>/members")
@login_required
@limiter.limit(_limit("RATELIMIT_GROUP_INVITE"), key_func=signed_in_key,
               error_message=_too_many_invitations)  # fmt: skip
def invite(group_id):
    """Invite a young person by e-mail or phone; the answer never says who uses the contact."""
    group = load_group(group_id)
    require(policy.can_invite(current_user, group))
    form = InviteForm()
    if not form.validate_on_submit():
        return group_page(group, 400, invite_form=form)
    members.invite(group, form.contact, by=current_user)
    flash(_("If a young person uses this contact, they will get an invitation."), "success")
    return redirect(url_for("groups.group", group_id=group.id, _anchor="invite-title"))


@bp.post("/groups/<int:group_id>/invitations/<int:invitation_id>/cancel")
@login_required
def cancel_invitation(group_id, invitation_id):
    """Take back an invitation that has not been accepted."""
    group = load_group(group_id)
    invitation = db.get_or_404(GroupInvitation, invitation_id)
    require(invitation.group_id == group.id, 404)
    require(policy.can_cancel_invitation(current_user, invitation))
    members.cancel(invitation, by=current_user)
    flash(_("The invitation is cancelled."), "success")
    return redirect(url_for("groups.group", group_id=group.id, _anchor="invite-title"))


@bp.get("/invitations/<int:invitation_id>")
@login_required
def invitation(invitation_id):
    """An invitation to a group: who invites, until when; accept or decline."""
    invitation = _invitation(invitation_id)
    return render_template(
        "groups/invitation.html",
        invitation=invitation,
        is_open=invitation.is_open(utcnow()),
        action_form=ActionForm(),
    )


@bp.post("/invitations/<int:invitation_id>/accept")
@login_required
def accept(invitation_id):
    """Say yes: only now does the person become a member."""
    invitation = _invitation(invitation_id)
    try:
        with db.session.begin_nested():
            members.accept(invitation, current_user)
    except GroupError as error:
        flash(str(error), "error")
        return redirect(url_for(".invitation", invitation_id=invitation.id))
    flash(_("Welcome to the group!"), "success")
    return redirect(url_for("groups.group", group_id=invitation.group_id))


@bp.post("/invitations/<int:invitation_id>/decline")
@login_required
def decline(invitation_id):
    """Say no; the group's lead is not told and cannot invite the person again."""
    invitation = _invitation(invitation_id)
    try:
        with db.session.begin_nested():
            members.decline(invitation, current_user)
    except GroupError as error:
        flash(str(error), "error")
        return redirect(url_for(".invitation", invitation_id=invitation.id))
    flash(_("You declined the invitation. The group will not invite you again."), "success")
    return redirect(url_for("groups.index"))


@bp.post("/groups/<int:group_id>/join-code")
@login_required
def reset_code(group_id):
    """Give the group a new join code (the old one stops working)."""
    group = load_group(group_id)
    require(policy.can_lead(current_user, group))
    members.reset_join_code(group, by=current_user)
    flash(_("The group has a new join code."), "success")
    return redirect(url_for("groups.group", group_id=group.id))


@bp.post("/groups/<int:group_id>/stay")
@login_required
def stay(group_id):
    """Someone a lead added without asking chooses to stay in the group."""
    group = load_group(group_id)
    require(policy.must_confirm_membership(current_user, group))
    members.confirm_membership(group, current_user)
    flash(_("Thank you: you stay in the group."), "success")
    return redirect(url_for("groups.group", group_id=group.id))


@bp.post("/groups/<int:group_id>/leave")
@login_required
def leave(group_id):
    """Leave the group (its plans are then no longer visible)."""
    group = load_group(group_id)
    try:
        with db.session.begin_nested():
            members.leave(group, current_user)
    except GroupError as error:
        flash(str(error), "error")
        return redirect(url_for("groups.group", group_id=group.id))
    flash(_("You left the group."), "success")
    return redirect(url_for("groups.index"))


@bp.post("/groups/<int:group_id>/lead")
@login_required
def hand_over(group_id):
    """Hand the lead role to a member who chose to join."""
    group = load_group(group_id)
    require(policy.can_lead(current_user, group))
    form = lead_form(group, submitted=True)
    if not form.validate_on_submit():
        return group_page(group, 400, lead_form=form)
    new_lead = next(p for p in policy.lead_candidates(group) if str(p.id) == form.member.data)
    members.hand_over_lead(group, new_lead, by=current_user)
    flash(_("The lead role is handed over."), "success")
    return redirect(url_for("groups.group", group_id=group.id))
