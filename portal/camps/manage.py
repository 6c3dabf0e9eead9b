"""Camps for organisers: set up camps and questions, review, decide, consent, waitlist, check-in."""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.audit import audit_event
from portal.camps import policy
from portal.camps import queries
from portal.camps import services
from portal.camps.filters import ReviewFilterForm
from portal.camps.forms.applications import BulkDecisionForm
from portal.camps.forms.applications import DecisionForm
from portal.camps.forms.applications import ReviewForm
from portal.camps.forms.camps import CampForm
from portal.camps.forms.camps import CampStatusForm
from portal.camps.forms.camps import QuestionForm
from portal.camps.forms.consent import GuardianConsentForm
from portal.camps.forms.waitlist import WaitlistMoveForm
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus
from portal.camps.models import Camp
from portal.camps.models import CampQuestion
from portal.camps.models import CampStatus
from portal.camps.models import ConsentMethod
from portal.camps.models import GuardianConsent
from portal.extensions import db
from portal.forms import ActionForm
from portal.listing import paginate
from portal.places import sorted_by_name
from portal.places import top_level_units
from portal.security import organisers_only
from portal.uploads import remove_on_rollback
from portal.uploads import store_upload
from portal.uploads import upload_path

bp = Blueprint("camps_manage", __name__, url_prefix="/manage")


@bp.get("/camps")
@organisers_only
def camps():
    """Every camp with its applications counted by status."""
    page = paginate(queries.all_camps())
    counts = queries.status_counts([camp.id for camp in page.items])
    return render_template(
        "camps/manage/camps.html", page=page, counts=counts, statuses=list(ApplicationStatus)
    )


def _camp_form(form: CampForm) -> CampForm:
    regions = sorted_by_name(top_level_units())
    form.region.choices = [("", _("Choose…"))] + [(unit.code, unit.name) for unit in regions]
    form.eligible_regions.choices = [(unit.code, unit.name) for unit in regions]
    return form


@bp.route("/camps/new", methods=["GET", "POST"])
@organisers_only
def new_camp():
    """Create a camp (it stays a draft until published)."""
    form = _camp_form(CampForm())
    if form.validate_on_submit():
        camp = services.save_camp(Camp(), by=current_user, **form.camp_fields())
        flash(_("The camp is saved as a draft. Add questions, then publish it."), "success")
        return redirect(url_for(".camp", camp_id=camp.id))
    status = 400 if form.is_submitted() else 200
    return render_template("camps/manage/camp_form.html", form=form, camp=None), status


@bp.route("/camps/<int:camp_id>/edit", methods=["GET", "POST"])
@organisers_only
def edit_camp(camp_id):
    """Change a camp's details."""
    camp = db.get_or_404(Camp, camp_id)
    form = _camp_form(CampForm())
    if request.method == "GET":
        form.fill_from(camp)
    if form.validate_on_submit():
        services.save_camp(camp, by=current_user, **form.camp_fields())
        flash(_("The camp is saved."), "success")
        return redirect(url_for(".camp", camp_id=camp.id))
    status = 400 if form.is_submitted() else 200
    return render_template("camps/manage/camp_form.html", form=form, camp=camp), status


@bp.get("/camps/<int:camp_id>")
@organisers_only
def camp(camp_id):
    """A camp's overview for organisers: status, places, questions, links to every tool."""
    camp = db.get_or_404(Camp, camp_id)
    counts = queries.status_counts([camp.id])[camp.id]
    return render_template(
        "camps/manage/camp.html",
        camp=camp,
        counts=counts,
        seats_taken=services.seats_taken(camp),
        status_form=CampStatusForm(),
        question_form=_question_form(camp),
        action_form=ActionForm(),
    )


@bp.post("/camps/<int:camp_id>/status")
@organisers_only
def camp_status(camp_id):
    """Publish, close or cancel a camp."""
    camp = db.get_or_404(Camp, camp_id)
    form = CampStatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with db.session.begin_nested():
            services.set_camp_status(camp, CampStatus(form.status.data), by=current_user)
    except services.CampError as error:
        flash(str(error), "error")
    else:
        flash(_("The camp's status is changed."), "success")
    return redirect(url_for(".camp", camp_id=camp.id))


def _question_form(camp, formdata=None):
    form = QuestionForm(formdata=formdata) if formdata is not None else QuestionForm(formdata=None)
    form.condition_question.choices = [("", _("Always"))] + [
        (str(question.id), question.display_label) for question in camp.questions
    ]
    return form


@bp.post("/camps/<int:camp_id>/questions")
@organisers_only
def add_question(camp_id):
    """Add an extra question to the camp's application form."""
    camp = db.get_or_404(Camp, camp_id)
    form = _question_form(camp, request.form)
    if not form.validate_on_submit():
        counts = queries.status_counts([camp.id])[camp.id]
        return render_template(
            "camps/manage/camp.html", camp=camp, counts=counts,
            seats_taken=services.seats_taken(camp), status_form=CampStatusForm(),
            question_form=form, action_form=ActionForm(),
        ), 400  # fmt: skip
    services.add_question(camp, by=current_user, **form.question_fields())
    flash(_("The question is added."), "success")
    return redirect(url_for(".camp", camp_id=camp.id))


@bp.post("/camps/<int:camp_id>/questions/<int:question_id>/delete")
@organisers_only
def delete_question(camp_id, question_id):
    """Remove an extra question (answers already given stay in the applications)."""
    question = db.get_or_404(CampQuestion, question_id)
    if question.camp_id != camp_id:
        abort(404)
    services.remove_question(question, by=current_user)
    flash(_("The question is removed."), "success")
    return redirect(url_for(".camp", camp_id=camp_id))


@bp.get("/camps/<int:camp_id>/applications")
@organisers_only
def applications(camp_id):
    """The camp's applications with filters, search, sorting and bulk decisions."""
    camp = db.get_or_404(Camp, camp_id)
    form = ReviewFilterForm.for_camp(camp, request.args)
    valid = form.validate()
    page = paginate(queries.review_query(camp, filters=form.data if valid else {}))
    return render_template(
        "camps/manage/applications.html",
        camp=camp,
        form=form,
        page=page,
        bulk_form=BulkDecisionForm(formdata=None),
        age_band=queries.age_band,
    ), (200 if valid else 400)


@bp.post("/camps/<int:camp_id>/applications/decide")
@organisers_only
def bulk_decide(camp_id):
    """The same decision for every ticked application; each one is checked on its own."""
    camp = db.get_or_404(Camp, camp_id)
    form = BulkDecisionForm()
    if not form.validate_on_submit():
        for error in [*form.applications.errors, *form.decision.errors, *form.reason.errors]:
            flash(str(error), "error")
        return redirect(url_for(".applications", camp_id=camp.id))
    done, refused = 0, []
    for application in queries.applications_by_id(camp, form.applications.data):
        try:
            with db.session.begin_nested():
                services.decide(
                    application, form.decision.data, reason=form.reason.data or "", by=current_user
                )
        except services.CampError as error:
            refused.append(f"{application.applicant.full_name}: {error}")
        else:
            done += 1
    flash(_("Decision saved for %(count)d applications.", count=done), "success")
    for message in refused:
        flash(message, "error")
    return redirect(url_for(".applications", camp_id=camp.id))


def managed_application(application_id) -> Application:
    """An application the organiser may see; a draft not yet sent answers 404."""
    application = db.get_or_404(Application, application_id)
    if not policy.can_review(current_user, application):
        abort(404)
    return application


def _application_page(application, status=200, **forms):
    if application.is_minor:
        # Seeing a minor's health and guardian details is recorded every time.
        audit_event("application.sensitive_viewed", application)
    context = {
        "review_form": ReviewForm(
            formdata=None, data={"score": str(application.score or ""), "notes": application.notes}
        ),
        "decision_form": DecisionForm(formdata=None),
        "consent_form": GuardianConsentForm(formdata=None),
        "waitlist_form": WaitlistMoveForm(formdata=None),
        "action_form": ActionForm(),
    }
    context.update(forms)
    return render_template(
        "camps/manage/application.html",
        application=application,
        ethnicity_hidden=True,
        age_band=queries.age_band,
        **context,
    ), status


@bp.get("/applications/<int:application_id>")
@organisers_only
def application(application_id):
    """One application in full, with review, decision, consent and history."""
    return _application_page(managed_application(application_id))


@bp.post("/applications/<int:application_id>/review")
@organisers_only
def review(application_id):
    """Save the score and private notes."""
    application = managed_application(application_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _application_page(application, 400, review_form=form)
    services.review(
        application, score=int(form.score.data) if form.score.data else None,
        notes=form.notes.data or "", by=current_user,
    )  # fmt: skip
    flash(_("Review saved."), "success")
    return redirect(url_for(".application", application_id=application.id))


@bp.post("/applications/<int:application_id>/decide")
@organisers_only
def decide(application_id):
    """Accept, waitlist or reject one application."""
    application = managed_application(application_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _application_page(application, 400, decision_form=form)
    try:
        with db.session.begin_nested():
            services.decide(
                application, form.decision.data, reason=form.reason.data or "", by=current_user
            )
    except services.CampError as error:
        form.decision.errors.append(str(error))
        return _application_page(managed_application(application_id), 400, decision_form=form)
    flash(_("Decision saved."), "success")
    return redirect(url_for(".application", application_id=application.id))


@bp.post("/applications/<int:application_id>/consent")
@organisers_only
def record_consent(application_id):
    """Record a guardian's consent: a scanned paper form or a phone call."""
    application = managed_application(application_id)
    form = GuardianConsentForm()
    if not form.validate_on_submit():
        return _application_page(application, 400, consent_form=form)
    scan = form.checked_scan
    try:
        with db.session.begin_nested():
            services.record_guardian_consent(
                application, ConsentMethod(form.method.data), by=current_user,
                note=form.note.data or "", file=(scan.name, scan.mime) if scan else None,
            )  # fmt: skip
    except services.CampError as error:
        form.method.errors.append(str(error))
        return _application_page(application, 400, consent_form=form)
    # Written only now that the consent is accepted, and removed if the request's commit fails.
    if scan:
        store_upload(scan)
        remove_on_rollback(scan.name)
    flash(_("The guardian's consent is recorded."), "success")
    return redirect(url_for(".application", application_id=application.id))


def _managed_consent(consent_id) -> GuardianConsent:
    consent = db.get_or_404(GuardianConsent, consent_id)
    managed_application(consent.application_id)
    return consent


@bp.post("/consents/<int:consent_id>/withdraw")
@organisers_only
def withdraw_consent(consent_id):
    """Mark a guardian's consent as withdrawn."""
    consent = _managed_consent(consent_id)
    services.withdraw_guardian_consent(consent, by=current_user)
    flash(_("The consent is marked as withdrawn."), "success")
    return redirect(url_for(".application", application_id=consent.application_id))


@bp.get("/consents/<int:consent_id>/scan")
@organisers_only
def consent_scan(consent_id):
    """The scanned consent form, for organisers only."""
    consent = _managed_consent(consent_id)
    if not consent.file_name:
        abort(404)
    try:
        path = upload_path(consent.file_name)
    except FileNotFoundError:
        abort(404)
    if not path.exists():
        abort(404)
    audit_event("consent.scan_viewed", consent.application)
    # Downloaded, never shown in the portal's own origin: a file is only as safe as its reader.
    extension = path.suffix or ""
    response = send_file(
        path, mimetype=consent.file_type, max_age=0, as_attachment=True,
        download_name=f"consent-{consent.id}{extension}",
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/applications/<int:application_id>/remind-consent")
@organisers_only
def remind_consent(application_id):
    """Tell the applicant that their guardian's consent is still missing."""
    application = managed_application(application_id)
    services.remind_missing_consent(application, by=current_user)
    flash(_("The applicant is reminded."), "success")
    return redirect(url_for(".application", application_id=application.id))
