"""Training for organisers: enrolling young people (from a day they choose), an enrolment's
page with its date, progress and certificates, and ending an enrolment."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from portal.accounts.services import find_by_login
from portal.camps.models import Camp
from portal.extensions import db
from portal.i18n import BISHKEK
from portal.i18n import gettext as _
from portal.i18n import local_today
from portal.i18n import ngettext
from portal.security import organisers_only
from portal.training import policy
from portal.training import services
from portal.training.forms import EnrolListForm
from portal.training.forms import EnrolmentDateForm
from portal.training.forms import EnrolOneForm
from portal.training.manage import bp
from portal.training.manage.programmes import enrol_camp_form
from portal.training.manage.programmes import programme_page
from portal.training.models import Enrolment
from portal.training.models import Programme


def _show_refusal(form, error: services.TrainingError, field) -> None:
    """A refused date goes beside the date field, anything else beside `field`."""
    target = form.enrolled_on if isinstance(error, services.EnrolmentDateError) else field
    target.errors = [*target.errors, str(error)]


@bp.post("/programmes/<int:programme_id>/enrol")
@organisers_only
def enrol_one(programme_id):
    """Enrol one young person by e-mail or phone, from the day given (or today)."""
    programme = db.get_or_404(Programme, programme_id)
    form = EnrolOneForm()
    if not form.validate_on_submit():
        return programme_page(programme, 400, enrol_form=form)
    person = find_by_login(form.person.data)
    if person is None:
        form.person.errors.append(_("No account has this e-mail address or phone number."))
        return programme_page(programme, 400, enrol_form=form)
    try:
        with db.session.begin_nested():
            _enrolment, changed = services.enrol(
                programme, person, by=current_user, enrolled_on=form.enrolled_on.data
            )
    except services.TrainingError as error:
        _show_refusal(form, error, form.person)
        return programme_page(programme, 400, enrol_form=form)
    flash(_("Enrolled.") if changed else _("This person is already enrolled."), "success")
    return redirect(url_for(".programme", programme_id=programme.id))


@bp.post("/programmes/<int:programme_id>/enrol-camp")
@organisers_only
def enrol_camp(programme_id):
    """Enrol everyone who attended a camp."""
    programme = db.get_or_404(Programme, programme_id)
    form = enrol_camp_form(submitted=True)
    if not form.validate_on_submit():
        return programme_page(programme, 400, camp_form=form)
    camp = db.get_or_404(Camp, int(form.camp.data))
    try:
        with db.session.begin_nested():
            count = services.enrol_camp_participants(
                programme, camp, by=current_user, enrolled_on=form.enrolled_on.data
            )
    except services.TrainingError as error:
        _show_refusal(form, error, form.camp)
        return programme_page(programme, 400, camp_form=form)
    flash(ngettext("%(num)d camp participant enrolled.", "%(num)d camp participants enrolled.",
                   count), "success")  # fmt: skip
    return redirect(url_for(".programme", programme_id=programme.id))


@bp.post("/programmes/<int:programme_id>/enrol-list")
@organisers_only
def enrol_list(programme_id):
    """Enrol people from a list of e-mail addresses and phone numbers."""
    programme = db.get_or_404(Programme, programme_id)
    form = EnrolListForm()
    if not form.validate_on_submit():
        return programme_page(programme, 400, list_form=form)
    try:
        with db.session.begin_nested():
            count, unknown = services.enrol_from_list(
                programme, form.people.data.splitlines(), by=current_user,
                enrolled_on=form.enrolled_on.data,
            )  # fmt: skip
    except services.TrainingError as error:
        _show_refusal(form, error, form.people)
        return programme_page(programme, 400, list_form=form)
    flash(ngettext("%(num)d young person enrolled.", "%(num)d young people enrolled.", count),
          "success")  # fmt: skip
    if unknown:
        flash(_("Not found: %(people)s", people=", ".join(unknown)), "error")
    return redirect(url_for(".programme", programme_id=programme.id))


def _enrolment_page(enrolment, form, status=200):
    return render_template(
        "training/manage/enrolment.html",
        enrolment=enrolment,
        progress=services.progress(enrolment),
        history=services.attendance_history(enrolment),
        earliest=policy.earliest_enrolment_date(enrolment.programme, local_today()),
        form=form,
    ), status


@bp.get("/enrolments/<int:enrolment_id>")
@organisers_only
def enrolment(enrolment_id):
    """One enrolment: its date (to correct), progress, attendance and certificates."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    form = EnrolmentDateForm(formdata=None)
    form.enrolled_on.data = enrolment.enrolled_at.astimezone(BISHKEK).date()
    return _enrolment_page(enrolment, form)


@bp.post("/enrolments/<int:enrolment_id>/date")
@organisers_only
def change_enrolment_date(enrolment_id):
    """Correct the day someone was enrolled from (audited); completion follows the change."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    form = EnrolmentDateForm()
    if not form.validate_on_submit():
        return _enrolment_page(enrolment, form, 400)
    try:
        with db.session.begin_nested():
            changed = services.change_enrolment_date(
                enrolment, form.enrolled_on.data, by=current_user
            )
    except services.TrainingError as error:
        _show_refusal(form, error, form.enrolled_on)
        return _enrolment_page(enrolment, form, 400)
    flash(_("The enrolment date is saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for(".enrolment", enrolment_id=enrolment.id))


@bp.post("/enrolments/<int:enrolment_id>/drop")
@organisers_only
def drop(enrolment_id):
    """Mark that someone left the programme."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    try:
        with db.session.begin_nested():
            services.drop(enrolment, by=current_user)
    except services.TrainingError as error:
        flash(str(error), "error")
    else:
        flash(_("The enrolment is ended."), "success")
    return redirect(url_for(".programme", programme_id=enrolment.programme_id))
