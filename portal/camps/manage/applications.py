"""Organisers review applications: the list, one application, scores and decisions."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.audit import audit_event
from portal.camps import policy
from portal.camps import queries
from portal.camps import services
from portal.camps.filters import ReviewFilterForm
from portal.camps.forms.applications import BulkDecisionForm
from portal.camps.forms.applications import DecisionForm
from portal.camps.forms.applications import ReviewForm
from portal.camps.forms.consent import GuardianConsentForm
from portal.camps.forms.waitlist import WaitlistMoveForm
from portal.camps.manage import bp
from portal.camps.manage.lookup import managed_application
from portal.camps.manage.lookup import managed_camp
from portal.extensions import db
from portal.forms import ActionForm
from portal.listing import paginate
from portal.security import organisers_only


@bp.get("/camps/<int:camp_id>/applications")
@organisers_only
def applications(camp_id):
    """The camp's applications with filters, search, sorting and bulk decisions."""
    camp = managed_camp(camp_id)
    form = ReviewFilterForm.for_camp(camp, request.args)
    valid = form.validate()
    page = paginate(queries.review_query(camp, filters=form.data if valid else {}))
    bulk_form = BulkDecisionForm(formdata=None)
    offered = {
        decision.value
        for decision in policy.camp_decisions(
            current_user, camp, places_free=services.places_free(camp)
        )
    }
    decision = bulk_form.decision
    decision.choices = [(value, label) for value, label in decision.choices if value in offered]
    return render_template(
        "camps/manage/applications.html",
        camp=camp,
        form=form,
        page=page,
        bulk_form=bulk_form,
        age_band=queries.age_band,
    ), (200 if valid else 400)


@bp.post("/camps/<int:camp_id>/applications/decide")
@organisers_only
def bulk_decide(camp_id):
    """The same decision for every ticked application; each one is checked on its own."""
    camp = managed_camp(camp_id)
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
    flash(ngettext("Decision saved for %(num)d application.",
                   "Decision saved for %(num)d applications.", done), "success")  # fmt: skip
    for message in refused:
        flash(message, "error")
    return redirect(url_for(".applications", camp_id=camp.id))


def application_page(application, status=200, **forms):
    if application.is_minor:
        # Seeing a minor's health and guardian details is recorded every time.
        audit_event("application.sensitive_viewed", application)
    blank_forms = {
        "review_form": lambda: ReviewForm(
            formdata=None, data={"score": str(application.score or ""), "notes": application.notes}
        ),
        "decision_form": lambda: DecisionForm(formdata=None),
        "consent_form": lambda: GuardianConsentForm(formdata=None),
        "waitlist_form": lambda: WaitlistMoveForm(formdata=None),
        "action_form": ActionForm,
    }
    # Only the forms not handed in are made (a body too large to read must not be read).
    context = {name: forms[name] if name in forms else make() for name, make in blank_forms.items()}
    context.update(forms)
    # Only the decisions the service would take now are offered.
    free = services.places_free(application.camp)
    allowed = {
        decision.value
        for decision in policy.decisions_for(current_user, application, places_free=free)
    }
    decision = context["decision_form"].decision
    decision.choices = [(value, label) for value, label in decision.choices if value in allowed]
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
    return application_page(managed_application(application_id))


@bp.post("/applications/<int:application_id>/review")
@organisers_only
def review(application_id):
    """Save the score and private notes."""
    application = managed_application(application_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return application_page(application, 400, review_form=form)
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
        return application_page(application, 400, decision_form=form)
    try:
        with db.session.begin_nested():
            services.decide(
                application, form.decision.data, reason=form.reason.data or "", by=current_user
            )
    except services.CampError as error:
        form.decision.errors.append(str(error))
        return application_page(managed_application(application_id), 400, decision_form=form)
    flash(_("Decision saved."), "success")
    return redirect(url_for(".application", application_id=application.id))
