"""The camp on paper: the participant list, a check-in sheet per day and name badges as PDFs."""

from datetime import date

from flask import abort
from flask import request

from portal.audit import audit_event
from portal.camps import pdfs
from portal.camps import queries
from portal.camps.manage import bp
from portal.camps.manage.lookup import managed_camp
from portal.pdf import send_pdf
from portal.security import organisers_only
from portal.security import recent_login_required


@bp.get("/camps/<int:camp_id>/participants.pdf")
@organisers_only
@recent_login_required
def participants_pdf(camp_id):
    """The participant list with phones and guardian consent, to print (audited)."""
    camp = managed_camp(camp_id)
    data = pdfs.participant_list(camp, queries.camp_people(camp))
    audit_event("camp.exported", camp, who="participants", format="pdf", health=False)
    return send_pdf(data, pdfs.file_name(camp, "participants"))


@bp.get("/camps/<int:camp_id>/checkin.pdf")
@organisers_only
def checkin_pdf(camp_id):
    """The check-in sheet of one camp day (?day=YYYY-MM-DD) to tick and sign on paper."""
    camp = managed_camp(camp_id)
    day = _camp_day_or_404(camp, request.args.get("day", ""))
    data = pdfs.checkin_sheet(camp, day, queries.checkin_rows(camp, day))
    return send_pdf(data, pdfs.file_name(camp, "checkin", day))


def _camp_day_or_404(camp, value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        abort(404)
    if day not in camp.days():
        abort(404)
    return day


@bp.get("/camps/<int:camp_id>/badges.pdf")
@organisers_only
def badges_pdf(camp_id):
    """Name badges to cut out; ?minors=first-name prints minors' first names alone."""
    camp = managed_camp(camp_id)
    first_names = request.args.get("minors") == "first-name"
    data = pdfs.badges(camp, queries.camp_people(camp), first_names_of_minors=first_names)
    return send_pdf(data, pdfs.file_name(camp, "badges"))
