"""Training for organisers: programmes, their modules and sessions, and the programme page."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from portal.accounts.models import User
from portal.extensions import db
from portal.forms import ActionForm
from portal.forms import per_language
from portal.i18n import BISHKEK
from portal.i18n import gettext as _
from portal.listing import paginate_rows
from portal.security import organisers_only
from portal.training import queries
from portal.training import services
from portal.training.forms import EnrolCampForm
from portal.training.forms import EnrolListForm
from portal.training.forms import EnrolOneForm
from portal.training.forms import ModuleForm
from portal.training.forms import ProgrammeForm
from portal.training.forms import SessionForm
from portal.training.manage import bp
from portal.training.models import Programme


@bp.get("/programmes")
@organisers_only
def programmes():
    """Every programme with its active and completed enrolments."""
    page = paginate_rows(queries.programmes_with_counts())
    return render_template(
        "training/manage/programmes.html", page=page, flagged=queries.flagged_count()
    )


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


def enrol_camp_form(submitted: bool = False) -> EnrolCampForm:
    form = EnrolCampForm() if submitted else EnrolCampForm(formdata=None)
    camps = queries.recent_camps()
    form.camp.choices = [("", _("Choose…"))] + [(str(c.id), c.display_title) for c in camps]
    return form


def programme_page(programme, status=200, **forms):
    """The programme page, with `forms` shown again (their errors and what was typed)."""
    by_session = queries.session_rates(programme)
    context = {
        "module_form": ModuleForm(formdata=None),
        "session_form": _session_form(programme),
        "enrol_form": EnrolOneForm(formdata=None),
        "camp_form": enrol_camp_form(),
        "list_form": EnrolListForm(formdata=None),
        "action_form": ActionForm(),
    }
    context.update(forms)
    return render_template(
        "training/manage/programme.html",
        programme=programme,
        session_rates=by_session,
        module_rates=queries.module_rates(programme, by_session),
        rate=queries.rate,
        enrolments=paginate_rows(queries.programme_enrolments(programme)),
        flagged=queries.flagged_count(programme),
        **context,
    ), status


@bp.get("/programmes/<int:programme_id>")
@organisers_only
def programme(programme_id):
    """A programme: modules, sessions with attendance rates, enrolments and certificates."""
    return programme_page(db.get_or_404(Programme, programme_id))


@bp.post("/programmes/<int:programme_id>/modules")
@organisers_only
def add_module(programme_id):
    """Add a module."""
    programme = db.get_or_404(Programme, programme_id)
    form = ModuleForm()
    if not form.validate_on_submit():
        return programme_page(programme, 400, module_form=form)
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
        return programme_page(programme, 400, session_form=form)
    trainer = db.session.get(User, int(form.trainer.data)) if form.trainer.data else None
    module_id = int(form.module.data) if form.module.data else None
    try:
        with db.session.begin_nested():
            services.add_session(
                programme,
                by=current_user,
                module_id=module_id,
                trainer=trainer,
                place=per_language(form, "place"),
                starts_at=form.starts_at.data.replace(tzinfo=BISHKEK),
            )
    except services.TrainingError as error:
        form.trainer.errors.append(str(error))
        return programme_page(programme, 400, session_form=form)
    flash(_("The session is added."), "success")
    return redirect(url_for(".programme", programme_id=programme.id))
