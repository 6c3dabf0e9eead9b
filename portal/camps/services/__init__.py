"""Every change to camps and applications: checks the transition, writes history, audit, news.

One module per subject; the public names are gathered here so callers write
`services.submit(...)`.
"""

from portal.camps.services.applications import DECISION_MESSAGES
from portal.camps.services.applications import birth_date_change_problem
from portal.camps.services.applications import confirm
from portal.camps.services.applications import decide
from portal.camps.services.applications import decide_each
from portal.camps.services.applications import decline
from portal.camps.services.applications import ethnicity_of
from portal.camps.services.applications import expire_offers
from portal.camps.services.applications import review
from portal.camps.services.applications import save_answers
from portal.camps.services.applications import start_application
from portal.camps.services.applications import submit
from portal.camps.services.applications import withdraw
from portal.camps.services.applications import withdraw_photo_consent
from portal.camps.services.camps import LATE_OFFER_DAYS
from portal.camps.services.camps import TOLD_ON_CANCEL
from portal.camps.services.camps import add_question
from portal.camps.services.camps import applications_of
from portal.camps.services.camps import camp_organisers
from portal.camps.services.camps import capacity_problem
from portal.camps.services.camps import change_question
from portal.camps.services.camps import eligibility_problem
from portal.camps.services.camps import is_accepting_applications
from portal.camps.services.camps import lock_application
from portal.camps.services.camps import lock_camp
from portal.camps.services.camps import offer_deadline
from portal.camps.services.camps import places_free
from portal.camps.services.camps import remove_question
from portal.camps.services.camps import save_camp
from portal.camps.services.camps import seats_taken
from portal.camps.services.camps import send_camp_reminders
from portal.camps.services.camps import send_confirmation_reminders
from portal.camps.services.camps import set_camp_status
from portal.camps.services.camps import shown_places_free
from portal.camps.services.checkin import mark_attendance
from portal.camps.services.consent import record_guardian_consent
from portal.camps.services.consent import remind_missing_consent
from portal.camps.services.consent import withdraw_guardian_consent
from portal.camps.services.history import CampError
from portal.camps.services.resume import draft_for_code
from portal.camps.services.resume import issue_resume_code
from portal.camps.services.waitlist import move_on_waitlist
from portal.camps.services.waitlist import next_waitlist_position
from portal.camps.services.waitlist import promote_from_waitlist
from portal.camps.services.waitlist import renumber_waitlist
from portal.camps.services.waitlist import waitlist

__all__ = [
    "CampError",
    "DECISION_MESSAGES",
    "LATE_OFFER_DAYS",
    "TOLD_ON_CANCEL",
    "add_question",
    "applications_of",
    "birth_date_change_problem",
    "camp_organisers",
    "capacity_problem",
    "change_question",
    "confirm",
    "decide",
    "decide_each",
    "decline",
    "eligibility_problem",
    "ethnicity_of",
    "expire_offers",
    "is_accepting_applications",
    "lock_application",
    "lock_camp",
    "mark_attendance",
    "move_on_waitlist",
    "next_waitlist_position",
    "offer_deadline",
    "places_free",
    "promote_from_waitlist",
    "record_guardian_consent",
    "remind_missing_consent",
    "remove_question",
    "renumber_waitlist",
    "review",
    "save_answers",
    "save_camp",
    "seats_taken",
    "shown_places_free",
    "send_camp_reminders",
    "send_confirmation_reminders",
    "draft_for_code",
    "issue_resume_code",
    "set_camp_status",
    "start_application",
    "submit",
    "waitlist",
    "withdraw",
    "withdraw_guardian_consent",
    "withdraw_photo_consent",
]
