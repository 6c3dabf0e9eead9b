"""Organisers build a camp's extra questions: add, change and remove them."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from portal.camps import services
from portal.camps.forms.questions import question_form
from portal.camps.manage import bp
from portal.camps.manage.camps import camp_page
from portal.camps.manage.lookup import managed_camp
from portal.camps.manage.lookup import managed_question
from portal.i18n import gettext as _
from portal.security import organisers_only


@bp.post("/camps/<int:camp_id>/questions")
@organisers_only
def add_question(camp_id):
    """Add an extra question to the camp's application form."""
    camp = managed_camp(camp_id)
    form = question_form(camp, submitted=True)
    if form.adding_rows:  # "More option rows": the same form again, nothing saved
        form.add_option_rows()
        return camp_page(camp, 200, question_form=form)
    if not form.validate_on_submit():
        return camp_page(camp, 400, question_form=form)
    services.add_question(camp, by=current_user, **form.question_fields())
    flash(_("The question is added."), "success")
    return redirect(url_for(".camp", camp_id=camp.id, _anchor="questions-title"))


@bp.route("/camps/<int:camp_id>/questions/<int:question_id>", methods=["GET", "POST"])
@organisers_only
def edit_question(camp_id, question_id):
    """Change an extra question: its kind, wording, options, whether it is required, when."""
    question = managed_question(camp_id, question_id)
    camp = question.camp
    form = question_form(camp, editing=question, submitted=request.method == "POST")
    status = 200
    if request.method == "POST":
        if form.adding_rows:
            form.add_option_rows()
        elif form.validate_on_submit():
            services.change_question(question, by=current_user, **form.question_fields())
            flash(_("The question is saved."), "success")
            return redirect(url_for(".camp", camp_id=camp.id, _anchor="questions-title"))
        else:
            status = 400
    return render_template(
        "camps/manage/question.html", camp=camp, question=question, form=form
    ), status


@bp.post("/camps/<int:camp_id>/questions/<int:question_id>/delete")
@organisers_only
def delete_question(camp_id, question_id):
    """Remove an extra question (answers already given stay in the applications)."""
    question = managed_question(camp_id, question_id)
    services.remove_question(question, by=current_user)
    flash(_("The question is removed."), "success")
    return redirect(url_for(".camp", camp_id=camp_id))
