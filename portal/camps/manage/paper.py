"""Organisers' paper application forms: print blank ones, find one by its code, type it in."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from portal.camps.manage import bp
from portal.camps.manage.lookup import managed_camp
from portal.camps.paper import policy
from portal.camps.paper import queries
from portal.camps.paper import services
from portal.camps.paper.forms import LookupForm
from portal.camps.paper.forms import PrintForm
from portal.camps.paper.forms import entry_form_class
from portal.camps.paper.models import PaperForm
from portal.camps.paper.sheet import paper_forms_pdf
from portal.camps.services import CampError
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import locale_code
from portal.i18n import short_date
from portal.pdf import send_pdf
from portal.places import fill_place_choices
from portal.security import organisers_only
from portal.security import require


def managed_paper_form(paper_form_id) -> PaperForm:
    paper = db.get_or_404(PaperForm, paper_form_id)
    require(policy.can_manage_paper(current_user, paper.camp))
    return paper


def _paper_page(camp, status=200, print_form=None, lookup_form=None):
    if print_form is None:
        print_form = PrintForm(formdata=None, locale=locale_code())
    return render_template(
        "camps/manage/paper.html", camp=camp, counts=queries.status_counts(camp),
        waiting=queries.waiting_forms(camp), print_form=print_form,
        lookup_form=lookup_form or LookupForm(formdata=None),
    ), status  # fmt: skip


@bp.get("/camps/<int:camp_id>/paper")
@organisers_only
def paper_forms(camp_id):
    """The camp's paper forms: how many are printed, typed in and claimed; print; find one."""
    return _paper_page(managed_camp(camp_id))


@bp.post("/camps/<int:camp_id>/paper/print")
@organisers_only
def print_paper_forms(camp_id):
    """Blank forms for the camp as one PDF, each with its own new code."""
    camp = managed_camp(camp_id)
    form = PrintForm()
    if not form.validate_on_submit():
        return _paper_page(camp, 400, print_form=form)
    forms = services.print_forms(camp, form.count.data, locale=form.locale.data, by=current_user)
    name = f"paper-forms-{camp.id}-{short_date(forms[0].printed_at)}"
    return send_pdf(paper_forms_pdf(camp, forms, form.locale.data), name)


@bp.post("/camps/<int:camp_id>/paper/find")
@organisers_only
def find_paper_form(camp_id):
    """Find a paper form by the code written on it, however it is typed."""
    camp = managed_camp(camp_id)
    form = LookupForm()
    if form.validate_on_submit():
        paper = queries.form_by_code(form.code.data)
        if paper is None:
            form.code.errors.append(_("No paper form has this code. Check the code on the form."))
        elif not policy.can_enter(paper):
            form.code.errors.append(
                _("This form was already typed in on %(date)s.", date=short_date(paper.entered_at))
            )
        else:
            return redirect(url_for(".enter_paper_form", paper_form_id=paper.id))
    return _paper_page(camp, 400, lookup_form=form)


@bp.route("/paper/<int:paper_form_id>", methods=["GET", "POST"])
@organisers_only
def enter_paper_form(paper_form_id):
    """Type in a paper form as written; everything typed stays when something is wrong."""
    paper = managed_paper_form(paper_form_id)
    if not policy.can_enter(paper):
        return _already_entered(paper)
    form = entry_form_class(paper.camp)()
    places = fill_place_choices(form)
    problem = None
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                application = services.enter(
                    paper, person=form.person_details(), application=form.application_fields(),
                    by=current_user,
                )  # fmt: skip
        except services.PaperFormTaken:
            return _already_entered(paper)  # a second click, or a colleague was quicker
        except CampError as error:
            problem = str(error)
        else:
            flash(_("The paper form is typed in and the application is sent."), "success")
            return redirect(url_for(".application", application_id=application.id))
    return render_template(
        "camps/manage/paper_entry.html", paper=paper, camp=paper.camp, form=form, places=places,
        problem=problem,
    ), 400 if form.is_submitted() else 200  # fmt: skip


def _already_entered(paper):
    flash(_("This paper form has already been typed in."), "info")
    if paper.application_id:
        return redirect(url_for(".application", application_id=paper.application_id))
    return redirect(url_for(".paper_forms", camp_id=paper.camp_id))
