"""Every change to a paper form: printing blank ones, typing one in, the young person's claim.

Typing a form in goes through the camps' own steps (start_application, save_answers, submit),
so the paper application meets the same rules as one sent online: applications open, the age
and region rule, one application per person and camp."""

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.audit import audit_event
from portal.camps import services as camps
from portal.camps.models import ApplicationStatus
from portal.camps.paper.models import PaperForm
from portal.camps.paper.models import PaperStatus as P
from portal.camps.paper.models import new_code
from portal.camps.paper.policy import MAX_PRINT
from portal.camps.paper.policy import paper_may_move
from portal.camps.policy import can_apply
from portal.camps.services import CampError
from portal.database import lock_again
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import lazy_gettext as _l


class PaperFormTaken(CampError):
    """The form has moved on meanwhile (typed in, or claimed): a second click, or a colleague."""


def print_forms(camp, count: int, *, locale: str, by) -> list[PaperForm]:
    """`count` blank forms for the camp, each with its own new code (audited once)."""
    if not 1 <= count <= MAX_PRINT:
        raise CampError(_l("Print between 1 and %(max)d forms at a time.", max=MAX_PRINT))
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {new_code() for _ in range(count - len(codes))}
        taken = set(db.session.scalars(sa.select(PaperForm.code).where(PaperForm.code.in_(wanted))))
        codes |= wanted - taken
    forms = [
        PaperForm(code=code, camp_id=camp.id, locale=locale, printed_by_id=by.id)
        for code in sorted(codes)
    ]
    db.session.add_all(forms)
    audit_event("paper.printed", camp, actor=by, count=count)
    return forms


def _lock(paper: PaperForm) -> PaperForm:
    """The camp, then the form, locked until commit (the order every camp step takes)."""
    camps.lock_camp(paper.camp_id)
    return lock_again(paper)


def enter(paper: PaperForm, *, person: dict, application: dict, by):
    """Type a paper form in: find the person by phone or make their phone-only account, then
    send their application through the camps' own steps; the form remembers it."""
    paper = _lock(paper)
    if not paper_may_move(paper.status, P.ENTERED):
        raise PaperFormTaken(_l("This paper form has already been typed in."))
    user = _person(person, locale=paper.locale, by=by)
    sent = camps.start_application(paper.camp, user)
    if sent.status is not ApplicationStatus.DRAFT:
        raise CampError(_l("This person has already applied to this camp."))
    camps.save_answers(sent, ethnicity=list(camps.ethnicity_of(sent)), **application)
    camps.submit(sent)
    paper.status = P.ENTERED
    paper.entered_by_id = by.id
    paper.entered_at = utcnow()
    paper.application_id = sent.id
    audit_event("paper.entered", sent, actor=by)
    return sent


def _person(details: dict, *, locale: str, by) -> User:
    """The account with this phone number, or a new phone-only youth account."""
    user = accounts.find_by_login(details["phone"])
    if user is None:
        try:
            # A colleague typing in another camp's form for the same new number may make the
            # account a moment before us; then it is theirs and ours (the phone is unique).
            with db.session.begin_nested():
                user = accounts.register_from_paper(
                    consent_locale=locale, by=by, locale=locale, **details
                )
                db.session.flush()
            return user
        except IntegrityError:
            user = accounts.find_by_login(details["phone"])
            if user is None:
                raise
    if not user.active or not can_apply(user):
        raise CampError(
            _l("This phone number belongs to an account that cannot apply to camps. Check it.")
        )
    return user


def claim(paper: PaperForm, person) -> None:
    """The young person takes the typed-in form over (after proving the code and phone)."""
    paper = _lock(paper)
    if not paper_may_move(paper.status, P.CLAIMED):
        raise PaperFormTaken(_l("This paper form has already been claimed. Sign in instead."))
    if paper.application is None or paper.application.user_id != person.id:
        raise CampError(_l("This paper form belongs to another account."))
    paper.status = P.CLAIMED
    paper.claimed_at = utcnow()
    audit_event("paper.claimed", paper.application, actor=person)
