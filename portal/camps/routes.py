"""Camps for young people: browse, apply, follow the application, confirm, decline, withdraw."""

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from portal.camps import policy
from portal.camps import queries
from portal.camps import services
from portal.camps.forms.applications import ResumeCodeForm
from portal.camps.forms.applications import application_form_class
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus
from portal.camps.models import Camp
from portal.camps.services.resume import shown
from portal.confirm import confirmation_page
from portal.extensions import db
from portal.extensions import failed_attempt
from portal.extensions import limiter
from portal.extensions import user_key
from portal.extensions import wrong_password_given
from portal.forms import ActionForm
from portal.forms import ConfirmForm
from portal.forms import parse_month
from portal.i18n import gettext as _
from portal.i18n import local_today
from portal.i18n import short_date
from portal.listing import paginate
from portal.places import sorted_by_name
from portal.places import top_level_units
from portal.security import Role
from portal.security import require
from portal.security import role_required

bp = Blueprint("camps", __name__)


@bp.get("/camps")
def index():
    """Published camps, filtered by region and month: open ones first, then closed and past."""
    region = request.args.get("region") or None
    month = parse_month(request.args.get("month"))
    today = local_today()
    page = paginate(queries.published_camps(region=region, month=month, today=today))
    # The page's camps under the heading of their phase, in the query's order.
    sections = [
        (phase, [camp for camp in page.items if policy.camp_phase(camp, today) == phase])
        for phase in (policy.OPEN, policy.APPLICATIONS_CLOSED, policy.PAST)
    ]
    regions = sorted_by_name(top_level_units())
    return render_template(
        "camps/index.html",
        page=page,
        sections=[(phase, camps) for phase, camps in sections if camps],
        today=today,
        regions=regions,
        region=region,
        month=month,
    )


@bp.get("/camps/<int:camp_id>")
def camp(camp_id):
    """One camp: what, where, when, for whom."""
    camp = db.get_or_404(Camp, camp_id)
    require(policy.can_view_camp(current_user, camp), 404)
    mine = None
    problem = None
    if current_user.is_authenticated:
        mine = queries.my_application_to(camp, current_user)
        problem = services.eligibility_problem(camp, current_user)
    return render_template(
        "camps/camp.html", camp=camp, mine=mine, problem=problem, form=ActionForm()
    )


@bp.post("/camps/<int:camp_id>/apply")
@role_required(Role.YOUTH)
def apply(camp_id):
    """Start (or reopen) one's application to a camp."""
    camp = db.get_or_404(Camp, camp_id)
    require(policy.can_view_camp(current_user, camp), 404)
    try:
        with db.session.begin_nested():
            application = services.start_application(camp, current_user)
    except services.CampError as error:
        flash(str(error), "error")
        return redirect(url_for(".camp", camp_id=camp.id))
    return redirect(url_for(".application", application_id=application.id))


@bp.get("/applications")
@login_required
def applications():
    """The young person's own applications."""
    page = paginate(queries.my_applications(current_user))
    return render_template("camps/applications.html", page=page)


def _own_application(application_id) -> Application:
    application = db.get_or_404(Application, application_id)
    require(policy.can_view_application(current_user, application), 404)
    return application


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@login_required
def application(application_id):
    """The application: a form while it is a draft, its status and decision afterwards."""
    application = _own_application(application_id)
    if not policy.can_edit_application(current_user, application):
        if request.method == "POST":
            return _no_longer_a_draft(application)
        return render_template(
            "camps/application.html", application=application, form=ActionForm(),
            problem=services.eligibility_problem(application.camp, current_user),
        )  # fmt: skip
    camp = application.camp
    form_class = application_form_class(camp, minor=application.is_minor)
    form = form_class(obj=application) if request.method == "GET" else form_class()
    if request.method == "GET":
        form.fill_from(application, services.ethnicity_of(application))
    if not form.is_submitted():
        return render_template(
            "camps/application_form.html", application=application, form=form, camp=camp
        )
    valid = form.validate_on_submit()
    missing = form.missing()
    for name, message in missing.items():
        form[name].errors = [*form[name].errors, str(message)]
    # Save what was typed even when something is missing or wrong, so nothing is lost: a
    # refused answer keeps what the draft held and comes back as typed, with its message.
    if valid:
        fields = form.application_fields()
    else:
        fields = form.savable_fields(application, services.ethnicity_of(application))
    if fields is not None:
        try:
            services.save_answers(application, **fields)
        except services.CampError:
            return _no_longer_a_draft(application)  # the first click sent it meanwhile
        if valid and not missing:
            return _save_or_send(application, form.sending)
    return render_template(
        "camps/application_form.html", application=application, form=form, camp=camp,
        draft_kept=fields is not None,
    ), 400  # fmt: skip


def _no_longer_a_draft(application):
    """A second click on Send (or a form posted after the application left the draft): the
    application as it is now, calmly."""
    if policy.is_sent(application):
        flash(_("This application has already been sent."), "info")
    else:
        flash(_("This application is already closed."), "info")
    return redirect(url_for(".application", application_id=application.id))


def _save_or_send(application, sending: bool):
    if not sending:
        flash(_("Your draft is saved. You can come back and finish it later."), "success")
    else:
        try:
            with db.session.begin_nested():
                services.submit(application)
        except services.CampError as error:
            flash(str(error), "error")
        else:
            flash(_("Your application is sent. Good luck!"), "success")
            return redirect(url_for(".application_sent", application_id=application.id))
    return redirect(url_for(".application", application_id=application.id))


@bp.post("/applications/<int:application_id>/resume-code")
@login_required
def resume_code(application_id):
    """A code to continue this draft on another phone: shown here and sent by SMS."""
    application = _own_application(application_id)
    try:
        code, sent = services.issue_resume_code(application, by=current_user)
    except services.CampError:
        return _no_longer_a_draft(application)
    response = make_response(
        render_template(
            "camps/resume_code.html", application=application, code=shown(code), sent=sent
        )  # fmt: skip
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/applications/resume", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config["RATELIMIT_RESUME"], key_func=user_key, methods=["POST"],
    deduct_when=failed_attempt,
)  # fmt: skip
def resume():
    """Continue a draft started on another phone, with its code."""
    form = ResumeCodeForm()
    if form.validate_on_submit():
        application = services.draft_for_code(current_user, form.code.data)
        if application is not None:
            return redirect(url_for(".application", application_id=application.id))
        wrong_password_given()  # a wrong code counts towards the limit, a right one never
        form.code.errors = [_("This code opens none of your drafts. Check it, or ask for a new "
                              "one on the phone where you started.")]  # fmt: skip
    status = 400 if form.is_submitted() else 200
    return render_template("camps/resume.html", form=form), status


@bp.get("/applications/<int:application_id>/sent")
@login_required
def application_sent(application_id):
    """After sending: what happens next and when (the decision, confirming, a guardian's
    consent for a minor)."""
    application = _own_application(application_id)
    if not policy.is_sent(application) or application.status is not ApplicationStatus.SUBMITTED:
        # Not sent, or decided since: the application's own page says where it stands.
        return redirect(url_for(".application", application_id=application.id))
    return render_template("camps/sent.html", application=application, camp=application.camp)


@bp.post("/applications/<int:application_id>/confirm")
@login_required
def confirm(application_id):
    """Take the offered place."""
    return _applicant_step(
        application_id, services.confirm, _("Your place is confirmed. See you at the camp!"),
        result=ApplicationStatus.CONFIRMED,
    )  # fmt: skip


@bp.post("/applications/<int:application_id>/decline")
@login_required
def decline(application_id):
    """Give the offered place back."""
    return _applicant_step(
        application_id, services.decline, _("You declined the place. Thank you for telling us."),
        result=ApplicationStatus.DECLINED,
    )  # fmt: skip


@bp.post("/applications/<int:application_id>/withdraw")
@login_required
def withdraw(application_id):
    """Withdraw the application (also leaves the waiting list), once the page has said what
    that gives up."""
    application = _own_application(application_id)
    form = ConfirmForm()
    if policy.can_withdraw(current_user, application) and not form.confirmed():
        return confirmation_page(
            form,
            title=_("Withdraw your application?"),
            consequences=_withdrawal_consequences(application),
            button=_("Yes, withdraw my application"),
            back=url_for(".application", application_id=application.id),
        )
    return _applicant_step(
        application_id, services.withdraw, _("Your application is withdrawn."),
        result=ApplicationStatus.WITHDRAWN,
    )  # fmt: skip


def _withdrawal_consequences(application) -> list[str]:
    camp = application.camp
    consequences = [
        _("Your application to “%(title)s” will be withdrawn.", title=camp.display_title)
    ]
    if application.status in SEAT_STATUSES:
        consequences.append(
            _("You will give up your place: it goes to the next person on the waiting list, "
              "and you cannot get it back.")
        )  # fmt: skip
    elif application.status is ApplicationStatus.WAITLISTED and application.waitlist_position:
        consequences.append(
            _("You will leave the waiting list, where you are number %(position)d.",
              position=application.waitlist_position)
        )  # fmt: skip
    if services.is_accepting_applications(camp):
        consequences.append(
            _("You can apply again while applications are open, until %(date)s.",
              date=short_date(camp.applications_close))
        )  # fmt: skip
    else:
        consequences.append(_("Applications for this camp are closed: you cannot apply again."))
    return consequences


@bp.post("/applications/<int:application_id>/photo-consent/withdraw")
@login_required
def withdraw_photo_consent(application_id):
    """Take back the consent to photos and videos (at any time; audited)."""
    return _applicant_step(
        application_id, services.withdraw_photo_consent,
        _("Your consent to photos and videos is withdrawn."),
    )  # fmt: skip


def _applicant_step(application_id, step, message, result=None):
    application = _own_application(application_id)
    try:
        with db.session.begin_nested():
            step(application)
    except services.CampError as error:
        # A second click (or a retry) finds the step done: it is told as done, not refused.
        done = result is not None and application.status is result
        flash(message if done else str(error), "success" if done else "error")
    else:
        flash(message, "success")
    return redirect(url_for(".application", application_id=application_id))


@bp.record_once
def register_template_globals(state) -> None:
    """What the camp pages draw with, set once as template globals (a context processor would
    build them again for every template rendered)."""
    from portal.camps.labels import CAMP_STATUS_BADGE
    from portal.camps.labels import CONSENT_METHOD_LABELS
    from portal.camps.labels import PAPER_STATUS_LABELS
    from portal.camps.labels import STATUS_BADGE
    from portal.camps.labels import STATUS_LABELS
    from portal.camps.labels import consent_badge
    from portal.camps.labels import photo_badge
    from portal.camps.labels import spoken_languages

    state.app.jinja_env.globals.update(
        {
            "status_label": lambda status: STATUS_LABELS[status],
            "consent_method_label": lambda method: CONSENT_METHOD_LABELS[method],
            "paper_status_label": lambda status: PAPER_STATUS_LABELS[status],
            "spoken_languages": spoken_languages,
            "consent_badge": consent_badge,
            "photo_badge": photo_badge,
            "camp_policy": policy,
            "status_badge": STATUS_BADGE,
            "camp_status_badge": CAMP_STATUS_BADGE,
        }
    )
