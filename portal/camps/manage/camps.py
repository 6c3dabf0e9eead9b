"""Organisers set up camps: details and status (the extra questions: questions.py)."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from portal.camps import queries
from portal.camps import services
from portal.camps import transitions
from portal.camps.forms.camps import CampForm
from portal.camps.forms.camps import CampStatusForm
from portal.camps.forms.questions import question_form as new_question_form
from portal.camps.manage import bp
from portal.camps.manage.lookup import managed_camp
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import ApplicationStatus
from portal.camps.models import Camp
from portal.camps.models import CampStatus
from portal.confirm import confirmation_page
from portal.extensions import db
from portal.forms import ActionForm
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.listing import paginate
from portal.places import sorted_by_name
from portal.places import top_level_units
from portal.security import organisers_only


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
    camp = managed_camp(camp_id)
    form = _camp_form(CampForm())
    if request.method == "GET":
        form.fill_from(camp)
    valid = form.validate_on_submit()
    problem = services.capacity_problem(camp, form.capacity.data) if valid else None
    if problem:
        form.capacity.errors = [*form.capacity.errors, problem]
    elif valid:
        services.save_camp(camp, by=current_user, **form.camp_fields())
        flash(_("The camp is saved."), "success")
        return redirect(url_for(".camp", camp_id=camp.id))
    status = 400 if form.is_submitted() else 200
    return render_template("camps/manage/camp_form.html", form=form, camp=camp), status


@bp.get("/camps/<int:camp_id>")
@organisers_only
def camp(camp_id):
    """A camp's overview for organisers: status, places, questions, links to every tool."""
    return camp_page(managed_camp(camp_id))


def camp_page(camp, status=200, question_form=None):
    """The camp's overview, with the question builder's form as a view hands it back."""
    counts = queries.status_counts([camp.id])[camp.id]
    return render_template(
        "camps/manage/camp.html",
        camp=camp,
        counts=counts,
        seats_taken=services.seats_taken(camp),
        status_form=CampStatusForm(),
        question_form=question_form or new_question_form(camp),
        action_form=ActionForm(),
    ), status


@bp.post("/camps/<int:camp_id>/status")
@organisers_only
def camp_status(camp_id):
    """Publish, close or cancel a camp."""
    camp = managed_camp(camp_id)
    form = CampStatusForm()
    if not form.validate_on_submit():
        abort(400)
    status = CampStatus(form.status.data)
    final = transitions.camp_status_is_final(status)
    if final and transitions.camp_may_move(camp.status, status) and not form.confirmed():
        return _cancel_confirmation(camp, form)
    try:
        with db.session.begin_nested():
            services.set_camp_status(camp, status, by=current_user)
    except services.CampError as error:
        flash(str(error), "error")
    else:
        flash(_("The camp's status is changed."), "success")
    return redirect(url_for(".camp", camp_id=camp.id))


def _cancel_confirmation(camp, form):
    """What cancelling does: for good, and everyone who applied is told."""
    counts = queries.status_counts([camp.id])[camp.id]
    told = sum(counts.get(status, 0) for status in services.TOLD_ON_CANCEL)
    holding = sum(counts.get(status, 0) for status in services.TOLD_ON_CANCEL
                  if status in SEAT_STATUSES)  # fmt: skip
    consequences = [
        _("The camp will be cancelled for good: it cannot be published or opened again."),
        ngettext(
            "%(num)d person who applied will be told at once that the camp is cancelled.",
            "%(num)d people who applied will be told at once that the camp is cancelled.",
            told,
        )
        if told
        else _("Nobody has applied yet, so nobody needs to be told."),
    ]
    if holding:
        consequences.append(
            ngettext(
                "%(num)d of them has a place at the camp (accepted or confirmed).",
                "%(num)d of them have a place at the camp (accepted or confirmed).",
                holding,
            )
        )
    return confirmation_page(
        form,
        title=_("Cancel the camp “%(title)s”?", title=camp.display_title),
        consequences=consequences,
        button=_("Yes, cancel the camp"),
        back=url_for(".camp", camp_id=camp.id),
        resend=[("status", form.status.data)],
    )
