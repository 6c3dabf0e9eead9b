"""Youth groups and their action plans, for members and mentors."""

import time

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from markupsafe import Markup

from portal import fragments
from portal.accounts import queries as account_queries
from portal.database import load_collections
from portal.extensions import db
from portal.extensions import utcnow
from portal.forms import ActionForm
from portal.groups import kept
from portal.groups import policy
from portal.groups import queries
from portal.groups import services
from portal.groups import transitions
from portal.groups.forms import ChooseMemberForm
from portal.groups.forms import ChooseMentorForm
from portal.groups.forms import CommentForm
from portal.groups.forms import GroupForm
from portal.groups.forms import InviteForm
from portal.groups.forms import PlanForm
from portal.groups.forms import ProgressForm
from portal.groups.forms import review_form_class
from portal.groups.labels import CRITERIA
from portal.groups.labels import SECTION_LABELS
from portal.groups.models import ActionPlan
from portal.groups.models import ProblemCategory
from portal.groups.models import YouthGroup
from portal.groups.transitions import Step
from portal.groups.versions import changes_between
from portal.i18n import gettext as _
from portal.i18n import locale_code
from portal.listing import paginate
from portal.listing import paginate_rows
from portal.listing import row_url
from portal.places import fill_place_choices
from portal.security import Role
from portal.security import require
from portal.security import role_required

bp = Blueprint("groups", __name__, cli_group="plans")


def load_group(group_id) -> YouthGroup:
    group = db.get_or_404(YouthGroup, group_id)
    load_collections(group, "memberships", "mentor_links")  # what the policy reads
    require(policy.can_view_group(current_user, group), 404)
    return group


def _plan(plan_id) -> ActionPlan:
    plan = db.get_or_404(ActionPlan, plan_id)
    load_collections(plan.group, "memberships", "mentor_links")  # what the policy reads
    require(policy.can_view_plan(current_user, plan), 404)
    return plan


@bp.get("/groups")
@login_required
def index():
    """The groups the user belongs to or mentors."""
    page = paginate(queries.my_groups(current_user))
    invitations = queries.invitations_for(current_user, utcnow())
    return render_template("groups/index.html", page=page, invitations=invitations)


@bp.route("/groups/new", methods=["GET", "POST"])
@role_required(Role.YOUTH, Role.ORGANISER)
def new_group():
    """Create a youth group; its creator becomes the lead."""
    form = GroupForm()
    places = fill_place_choices(form)
    if form.validate_on_submit():
        group = services.create_group(
            lead=current_user, name=form.name.data.strip(), region_code=form.region.data,
            district_code=form.district.data or None, community=(form.community.data or "").strip(),
        )  # fmt: skip
        flash(_("Your group is created. Invite members or share the join code."), "success")
        return redirect(url_for(".group", group_id=group.id))
    status = 400 if form.is_submitted() else 200
    return render_template("groups/new.html", form=form, places=places), status


def group_page(group, status=200, **forms):
    """The group page, with the forms a view hands back after a refused post."""
    can_invite = policy.can_invite(current_user, group)
    context = {
        "invite_form": InviteForm(formdata=None),
        "lead_form": lead_form(group),
        "action_form": ActionForm(),
        "mentor_form": None,
        "invitations": queries.invitations_sent(group, utcnow()) if can_invite else [],
    }
    if policy.can_manage_groups(current_user):
        mentor_form = ChooseMentorForm(formdata=None)
        mentor_form.mentor.choices = [(str(m.id), m.full_name) for m in queries.mentors()]
        context["mentor_form"] = mentor_form
    context.update(forms)
    page = paginate(queries.plans_of(group))
    return render_template("groups/group.html", group=group, plans=page, **context), status


def lead_form(group, submitted: bool = False):
    """Choose the new lead among the members who chose to join (from the request if sent)."""
    form = ChooseMemberForm() if submitted else ChooseMemberForm(formdata=None)
    form.member.choices = [(str(p.id), p.full_name) for p in policy.lead_candidates(group)]
    return form


@bp.get("/groups/<int:group_id>")
@login_required
def group(group_id):
    """A group: members, mentors, plans; invitations and the lead's tools."""
    return group_page(load_group(group_id))


@bp.post("/groups/<int:group_id>/plans")
@login_required
def new_plan(group_id):
    """Start a new action plan for the group."""
    group = load_group(group_id)
    require(policy.can_start_plan(current_user, group))
    plan = services.start_plan(group, by=current_user)
    return redirect(url_for(".plan", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>", methods=["GET", "POST"])
@login_required
def plan(plan_id):
    """The plan: a form while the group may edit it, with feedback beside each section."""
    plan = _plan(plan_id)
    if request.method == "GET":
        form = None  # only who may edit the plan gets its form (a mentor reads it)
        if policy.can_edit_plan(current_user, plan):
            form = PlanForm(obj=plan)
            # The select's options are the enum's values; without this the first one shows.
            form.category.data = plan.category.value
        return _plan_page(plan, form)
    form = PlanForm()
    if not policy.can_edit_plan(current_user, plan) and _sent_already(plan, form):
        # A second click on "save and send": the first one sent this very text. Show its result
        # (nothing is sent twice) rather than a refusal for a step that did happen.
        return _shown_as_sent(plan)
    require(policy.can_edit_plan(current_user, plan))
    if form.adding_row:
        return _plan_page(plan, form, 200 if form.activities.append_row() else 400)
    if form.sending:
        require(policy.can_submit_plan(current_user, plan))
    if not form.validate_on_submit():
        return _plan_page(plan, form, 400)
    try:
        services.save_draft(
            plan, by=current_user, activities=form.activity_rows(), **form.sections()
        )
    except services.GroupError:
        if _sent_already(plan, form):  # it was sending at the same moment
            return _shown_as_sent(plan)
        raise
    if not form.sending:
        flash(_("The plan is saved."), "success")
        return redirect(url_for(".plan", plan_id=plan.id))
    try:
        with db.session.begin_nested():
            version = services.submit(plan, by=current_user)
    except services.GroupError as error:
        # The draft is saved (committed after the view); the form keeps what was typed.
        flash(str(error), "error")
        return _plan_page(plan, form, 400)
    flash(_("Version %(number)d is sent to your mentors.", number=version.number), "success")
    return redirect(url_for(".plan_sent", plan_id=plan.id))


def _sent_already(plan, form) -> bool:
    """The lead sends again, unchanged, the text the plan's last version froze, and the plan
    has left editing since (a double click, or a second tab)."""
    return (
        form.sending
        and plan.status not in transitions.EDITABLE
        and policy.can_lead(current_user, plan.group)
        and form.validate_on_submit()
        and services.reads_as_latest_version(plan, form.sections(), form.activity_rows())
    )


def _shown_as_sent(plan):
    number = plan.latest_version.number
    flash(_("Version %(number)d is sent to your mentors.", number=number), "success")
    return redirect(url_for(".plan_sent", plan_id=plan.id))


@bp.get("/plans/<int:plan_id>/sent")
@login_required
def plan_sent(plan_id):
    """After "save and send": who reviews the plan, about when, and how the group hears."""
    plan = _plan(plan_id)
    if plan.latest_version is None or plan.status not in transitions.statuses_taking(Step.APPROVE):
        # Never sent, or reviewed since: the plan's own page says where it stands.
        return redirect(url_for(".plan", plan_id=plan.id))
    return render_template(
        "groups/sent.html", plan=plan, version=plan.latest_version,
        review_days=current_app.config["PLAN_REVIEW_DAYS"],
    )  # fmt: skip


def _plan_page(plan, form, status=200, progress_form=None):
    """The plan's page. A reader's (no form of the plan, no form sent back with errors) is kept
    rendered per worker under the plan's version: the same for everyone who may do the same
    on it, in one language, until anything it shows changes (portal/groups/kept.py)."""
    can = _plan_actions(plan)
    if status != 200 or progress_form is not None or can["edit"] or kept.changed_here(plan.id):
        content = _plan_content(plan, form, can, progress_form, fragments.csrf_input(),
                                _name)  # fmt: skip
    else:
        content = _kept_plan_content(plan, can)
    return render_template("groups/plan.html", plan=plan, content=content), status


def _plan_actions(plan) -> dict[str, bool]:
    """What the signed-in person may do on the plan: what its page offers them."""
    return {
        "edit": policy.can_edit_plan(current_user, plan),
        "submit": policy.can_submit_plan(current_user, plan),
        "review": policy.can_review_plan(current_user, plan),
        "post_progress": policy.can_post_progress(current_user, plan),
        "complete": policy.can_complete_plan(current_user, plan),
        "archive": policy.can_archive_plan(current_user, plan),
        "discuss": policy.can_discuss_plan(current_user, plan),
    }


def _name(person) -> str:
    return person.full_name if person is not None else ""


#: How long a reader's plan page is kept at most, in case someone changes the database by hand
#: (no version moves then).
PLAN_KEPT_SECONDS = 300


def _kept_plan_content(plan, can) -> Markup:
    """The reader's page content, kept under everything it shows: the plan's version (its rows
    and its reviews, updates and discussion), the group's name and state, what the reader may
    do, the language and the site's root. Names and the CSRF token are slots, filled here."""
    key = (
        "plan", locale_code(), request.script_root, plan.id, kept.version_of(plan.id),
        plan.group.name, plan.group.active, tuple(sorted(can.items())),
        int(time.time() // PLAN_KEPT_SECONDS),
    )  # fmt: skip
    html = fragments.kept_page(key, lambda: _plan_content(plan, None, can, None, fragments.CSRF,
                                                          fragments.name_slot))  # fmt: skip
    html = fragments.fill_names(html, account_queries.names_of(fragments.named_in(html)))
    return fragments.filled(html, {fragments.CSRF: fragments.csrf_input()})


def _plan_content(plan, form, can, progress_form, csrf_field, name_of) -> Markup:
    load_collections(plan, "activities", "versions")
    latest = plan.latest_version
    if latest:
        load_collections(latest, "reviews")
    reviews = latest.reviews if latest else []
    updates = queries.progress_of(plan)
    shows_progress = policy.shows_progress(plan, updates)
    if progress_form is None and shows_progress and can["post_progress"]:
        progress_form = ProgressForm(formdata=None)  # only who may post one gets the form
    return Markup(render_template(
        "groups/_plan_content.html",
        plan=plan,
        form=form,
        can=can,
        csrf_field=csrf_field,
        name_of=name_of,
        feedback=_feedback(reviews),
        reviews=reviews,
        comments=queries.comments_of(plan),
        updates=updates,
        shows_progress=shows_progress,
        comment_form=CommentForm(formdata=None),
        progress_form=progress_form,
        missing=services.missing_sections(plan),
        sections=SECTION_LABELS,
        criteria=CRITERIA,
    ))  # fmt: skip  # nosec B704: an autoescaped template's output


def _feedback(reviews) -> dict[str, list[str]]:
    """Section → the mentors' comments on it in the latest review round."""
    feedback: dict[str, list[str]] = {}
    for review in reviews:
        for section, comment in review.section_comments.items():
            feedback.setdefault(section, []).append(comment)
    return feedback


@bp.get("/plans/<int:plan_id>/versions/<int:number>")
@login_required
def version(plan_id, number):
    """One sent version with its reviews and what changed since the previous one."""
    plan = _plan(plan_id)
    if not 1 <= number <= len(plan.versions):
        abort(404)
    current = plan.versions[number - 1]
    previous = plan.versions[number - 2] if number > 1 else None
    return render_template(
        "groups/version.html",
        plan=plan,
        version=current,
        previous=previous,
        changes=changes_between(previous, current),
        sections=SECTION_LABELS,
        criteria=CRITERIA,
    )


@bp.route("/plans/<int:plan_id>/review", methods=["GET", "POST"])
@login_required
def review(plan_id):
    """A mentor's review of the latest version."""
    plan = _plan(plan_id)
    require(policy.can_review_plan(current_user, plan))
    form = review_form_class()()
    previous = queries.last_round_review(plan, current_user)
    if previous and not form.is_submitted():
        form.fill_scores_from(previous)
    if form.validate_on_submit():
        services.review(
            plan, mentor=current_user,
            scores={k: {"score": int(form[f"score_{k}"].data), "note": form[f"note_{k}"].data}
                    for k in CRITERIA},
            section_comments={k: (form[f"comment_{k}"].data or "").strip() for k in SECTION_LABELS},
            overall_comment=form.overall_comment.data, decision=form.decision.data,
        )  # fmt: skip
        flash(_("Your review is sent to the group."), "success")
        return redirect(url_for(".queue"))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "groups/review.html", plan=plan, version=plan.latest_version, form=form,
        sections=SECTION_LABELS, criteria=CRITERIA,
        filled_from=previous.version if previous and not form.is_submitted() else None,
        changes=changes_between(
            plan.versions[-2] if len(plan.versions) > 1 else None, plan.latest_version
        ),
    ), status  # fmt: skip


@bp.post("/plans/<int:plan_id>/comments")
@login_required
def comment(plan_id):
    """Add to the plan's discussion between the group and its mentors."""
    plan = _plan(plan_id)
    require(policy.can_discuss_plan(current_user, plan))
    form = CommentForm()
    if form.validate_on_submit():
        services.add_comment(plan, author=current_user, body=form.body.data.strip())
        flash(_("Message sent."), "success")
    else:
        for error in form.body.errors:
            flash(str(error), "error")
    return redirect(url_for(".plan", plan_id=plan.id, _anchor="discussion"))


@bp.post("/plans/<int:plan_id>/progress")
@login_required
def progress(plan_id):
    """Post a progress update with each activity's status."""
    plan = _plan(plan_id)
    require(policy.can_post_progress(current_user, plan))
    form = ProgressForm()
    if not form.validate_on_submit():
        return _plan_page(plan, PlanForm(formdata=None, obj=plan), 400, progress_form=form)
    services.post_progress(
        plan, by=current_user, percent=form.percent_complete.data,
        what_happened=form.what_happened.data, statuses=form.statuses(plan),
    )  # fmt: skip
    flash(_("Progress update posted."), "success")
    return redirect(url_for(".plan", plan_id=plan.id, _anchor="progress"))


@bp.post("/plans/<int:plan_id>/complete")
@login_required
def complete(plan_id):
    """Mark the plan as carried out (the lead only)."""
    plan = _plan(plan_id)
    require(policy.can_complete_plan(current_user, plan))
    services.complete(plan, by=current_user)
    flash(_("Well done: the plan is marked as carried out."), "success")
    return redirect(url_for(".plan", plan_id=plan.id))


@bp.get("/mentor/queue")
@role_required(Role.MENTOR)
def queue():
    """Plans waiting for the mentor's review, oldest first."""
    page = paginate_rows(queries.review_queue_rows(current_user), kept=True)
    link = row_url("groups.review", "plan_id")
    # Each row's values (groups/_queue_row.html), drawn in one call.
    rows = [(plan, waiting_days(plan), link(plan.id)) for plan in page.items]
    return render_template("groups/queue.html", page=page, rows=rows)


@bp.get("/mentor/reviews")
@role_required(Role.MENTOR)
def my_reviews():
    """The mentor's past reviews."""
    page = paginate(queries.past_reviews(current_user))
    return render_template("groups/my_reviews.html", page=page)


@bp.record_once
def register_template_globals(state) -> None:
    """What the group and plan pages draw with, set once as template globals."""
    from portal.groups.labels import ACTIVITY_STATUS_LABELS
    from portal.groups.labels import CATEGORY_LABELS
    from portal.groups.labels import PARTNER_LABELS
    from portal.groups.labels import STATUS_BADGE

    state.app.jinja_env.globals.update(
        {
            "group_policy": policy,
            "category_label": lambda category: CATEGORY_LABELS[category],
            "partner_label": lambda code: PARTNER_LABELS.get(code, code),
            "activity_status_labels": ACTIVITY_STATUS_LABELS,
            "category_label_value": lambda value: CATEGORY_LABELS[ProblemCategory(value)],
            "waiting_days": waiting_days,
            "switched_off_notice": services.SWITCHED_OFF,
            "plan_status_badge": STATUS_BADGE,
        }
    )


def waiting_days(plan) -> int:
    """Whole days since the plan was sent for review."""
    if plan.submitted_at is None:
        return 0
    return (utcnow() - plan.submitted_at).days
