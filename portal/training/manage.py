"""Training for organisers: programmes, modules, sessions, enrolment, certificates, directory."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import User
from portal.accounts.services import find_by_login
from portal.audit import audit_event
from portal.camps.models import Camp
from portal.extensions import db
from portal.i18n import BISHKEK
from portal.i18n import localized
from portal.listing import paginate_rows
from portal.places import sorted_by_name
from portal.places import top_level_units
from portal.places import units_by_parent
from portal.security import organisers_only
from portal.security import recent_login_required
from portal.spreadsheets import Table
from portal.spreadsheets import send_table
from portal.training import queries
from portal.training import services
from portal.training.forms import DirectoryFilterForm
from portal.training.forms import EnrolCampForm
from portal.training.forms import EnrolListForm
from portal.training.forms import EnrolOneForm
from portal.training.forms import ModuleForm
from portal.training.forms import ProgrammeForm
from portal.training.forms import RevokeForm
from portal.training.forms import SessionForm
from portal.training.labels import ENROLMENT_LABELS
from portal.training.models import Certificate
from portal.training.models import Enrolment
from portal.training.models import Programme

bp = Blueprint("training_manage", __name__, url_prefix="/manage")


@bp.get("/programmes")
@organisers_only
def programmes():
    """Every programme with its active and completed enrolments."""
    page = paginate_rows(queries.programmes_with_counts())
    return render_template("training/manage/programmes.html", page=page)


@bp.route("/programmes/new", methods=["GET", "POST"])
@organisers_only
def new_programme():
    """Create a training programme."""
    form = ProgrammeForm()
    if form.validate_on_submit():
        programme = services.save_programme(Programme(), by=current_user, **form.programme_fields())
        flash(_("The programme is saved. Add its modules and sessions."), "success")
        return redirect(url_for(".programme", programme_id=programme.id))
    status = 400 if form.is_submitted() else 200
    return render_template("training/manage/programme_form.html", form=form, programme=None), status


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@organisers_only
def edit_programme(programme_id):
    """Change a programme's details and completion rule."""
    programme = db.get_or_404(Programme, programme_id)
    form = ProgrammeForm()
    if request.method == "GET":
        form.fill_from(programme)
    if form.validate_on_submit():
        services.save_programme(programme, by=current_user, **form.programme_fields())
        flash(_("The programme is saved."), "success")
        return redirect(url_for(".programme", programme_id=programme.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "training/manage/programme_form.html", form=form, programme=programme
    ), status


def _session_form(programme, submitted: bool = False) -> SessionForm:
    """The session form, filled from the request when `submitted`, else empty."""
    form = SessionForm() if submitted else SessionForm(formdata=None)
    form.module.choices = [("", _("No module"))] + [
        (str(module.id), module.display_title) for module in programme.modules
    ]
    trainers = queries.possible_trainers()
    form.trainer.choices = [("", _("Not decided yet"))] + [
        (str(u.id), u.full_name) for u in trainers
    ]
    return form


def _enrol_camp_form(submitted: bool = False) -> EnrolCampForm:
    form = EnrolCampForm() if submitted else EnrolCampForm(formdata=None)
    camps = queries.recent_camps()
    form.camp.choices = [("", _("Choose…"))] + [(str(c.id), c.display_title) for c in camps]
    return form


def _programme_page(programme, status=200, **forms):
    by_session = queries.session_rates(programme)
    context = {
        "module_form": ModuleForm(formdata=None),
        "session_form": _session_form(programme),
        "enrol_form": EnrolOneForm(formdata=None),
        "camp_form": _enrol_camp_form(),
        "list_form": EnrolListForm(formdata=None),
        "revoke_form": RevokeForm(formdata=None),
    }
    context.update(forms)
    return render_template(
        "training/manage/programme.html",
        programme=programme,
        session_rates=by_session,
        module_rates=queries.module_rates(programme, by_session),
        rate=queries.rate,
        enrolments=paginate_rows(queries.programme_enrolments(programme)),
        **context,
    ), status


@bp.get("/programmes/<int:programme_id>")
@organisers_only
def programme(programme_id):
    """A programme: modules, sessions with attendance rates, enrolments and certificates."""
    return _programme_page(db.get_or_404(Programme, programme_id))


@bp.post("/programmes/<int:programme_id>/modules")
@organisers_only
def add_module(programme_id):
    """Add a module."""
    programme = db.get_or_404(Programme, programme_id)
    form = ModuleForm()
    if not form.validate_on_submit():
        return _programme_page(programme, 400, module_form=form)
    services.add_module(programme, by=current_user, **form.module_fields())
    flash(_("The module is added."), "success")
    return redirect(url_for(".programme", programme_id=programme.id))


@bp.post("/programmes/<int:programme_id>/sessions")
@organisers_only
def add_session(programme_id):
    """Add a session with its time, place or channel, and trainer."""
    programme = db.get_or_404(Programme, programme_id)
    form = _session_form(programme, submitted=True)
    if not form.validate_on_submit():
        return _programme_page(programme, 400, session_form=form)
    trainer = db.session.get(User, int(form.trainer.data)) if form.trainer.data else None
    module_id = int(form.module.data) if form.module.data else None
    try:
        with db.session.begin_nested():
            services.add_session(
                programme,
                by=current_user,
                module_id=module_id,
                trainer=trainer,
                place=form.place.data.strip(),
                starts_at=form.starts_at.data.replace(tzinfo=BISHKEK),
            )
    except services.TrainingError as error:
        form.trainer.errors.append(str(error))
        return _programme_page(programme, 400, session_form=form)
    flash(_("The session is added."), "success")
    return redirect(url_for(".programme", programme_id=programme.id))


@bp.post("/programmes/<int:programme_id>/enrol")
@organisers_only
def enrol_one(programme_id):
    """Enrol one young person by e-mail or phone."""
    programme = db.get_or_404(Programme, programme_id)
    form = EnrolOneForm()
    if not form.validate_on_submit():
        return _programme_page(programme, 400, enrol_form=form)
    person = find_by_login(form.person.data)
    if person is None:
        form.person.errors.append(_("No account has this e-mail address or phone number."))
        return _programme_page(programme, 400, enrol_form=form)
    try:
        with db.session.begin_nested():
            _enrolment, changed = services.enrol(programme, person, by=current_user)
    except services.TrainingError as error:
        form.person.errors.append(str(error))
        return _programme_page(programme, 400, enrol_form=form)
    flash(_("Enrolled.") if changed else _("This person is already enrolled."), "success")
    return redirect(url_for(".programme", programme_id=programme.id))


@bp.post("/programmes/<int:programme_id>/enrol-camp")
@organisers_only
def enrol_camp(programme_id):
    """Enrol everyone who attended a camp."""
    programme = db.get_or_404(Programme, programme_id)
    form = _enrol_camp_form(submitted=True)
    if not form.validate_on_submit():
        return _programme_page(programme, 400, camp_form=form)
    camp = db.get_or_404(Camp, int(form.camp.data))
    count = services.enrol_camp_participants(programme, camp, by=current_user)
    flash(_("%(count)d camp participants enrolled.", count=count), "success")
    return redirect(url_for(".programme", programme_id=programme.id))


@bp.post("/programmes/<int:programme_id>/enrol-list")
@organisers_only
def enrol_list(programme_id):
    """Enrol people from a list of e-mail addresses and phone numbers."""
    programme = db.get_or_404(Programme, programme_id)
    form = EnrolListForm()
    if not form.validate_on_submit():
        return _programme_page(programme, 400, list_form=form)
    count, unknown = services.enrol_from_list(
        programme, form.people.data.splitlines(), by=current_user
    )
    flash(_("%(count)d young people enrolled.", count=count), "success")
    if unknown:
        flash(_("Not found: %(people)s", people=", ".join(unknown)), "error")
    return redirect(url_for(".programme", programme_id=programme.id))


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


@bp.post("/certificates/<int:certificate_id>/revoke")
@organisers_only
def revoke(certificate_id):
    """Revoke a certificate with a reason (its verification page then says so)."""
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        for error in form.reason.errors:
            flash(str(error), "error")
    else:
        try:
            with db.session.begin_nested():
                services.revoke_certificate(certificate, reason=form.reason.data, by=current_user)
        except services.TrainingError as error:
            flash(str(error), "error")
        else:
            flash(_("The certificate is revoked."), "success")
    return redirect(url_for(".programme", programme_id=certificate.enrolment.programme_id))


def _directory_form():
    form = DirectoryFilterForm(request.args)
    everyone = [("", _("All"))]
    form.region.choices = everyone + [(u.code, u.name) for u in sorted_by_name(top_level_units())]
    districts = [unit for units in units_by_parent().values() for unit in units]
    form.district.choices = everyone + [(u.code, u.name) for u in sorted_by_name(districts)]
    ambassador_programmes = queries.ambassador_programmes()
    form.programme.choices = everyone + [
        (str(programme_id), localized(title)) for programme_id, title in ambassador_programmes
    ]
    form.status.choices = everyone + [
        (s.value, str(label)) for s, label in ENROLMENT_LABELS.items()
    ]
    return form


@bp.get("/ambassadors")
@organisers_only
def ambassadors():
    """Everyone in an ambassador programme, with attendance rate; filters and export."""
    form = _directory_form()
    valid = form.validate()
    page = paginate_rows(queries.directory_query(filters=form.data if valid else {}))
    return render_template(
        "training/manage/ambassadors.html", form=form, page=page, rate=queries.rate
    ), (200 if valid else 400)


@bp.get("/ambassadors/export.<any(csv, xlsx):fmt>")
@organisers_only
@recent_login_required
def export_ambassadors(fmt):
    """The filtered directory as CSV or XLSX (audited; no phone numbers with anything sensitive)."""
    form = _directory_form()
    filters = form.data if form.validate() else {}
    rows = queries.directory_rows(filters)
    table = Table(
        title=_("Youth ambassadors"),
        header=[_("Name"), _("Region or city"), _("District or town"), _("Programme"),
                _("Status"), _("Attendance"), _("E-mail"), _("Mobile phone")],
        rows=[
            [e.person.full_name, e.person.region.name if e.person.region else "",
             e.person.district.name if e.person.district else "", e.programme.display_title,
             str(ENROLMENT_LABELS[e.status]), queries.rate(attended, held), e.person.email or "",
             e.person.phone or ""]
            for e, attended, held in rows
        ],
    )  # fmt: skip
    audit_event("ambassadors.exported", None, format=fmt, count=len(rows))
    return send_table(table, fmt, "ambassadors")
