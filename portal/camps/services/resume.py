"""Resume by code: a young person who started an application on one phone gets a short code
(shown, and sent by SMS or Telegram as they chose) and continues the draft on another phone
after signing in there. The code opens only its owner's draft: typed by anyone else it finds
nothing, and it stops working after a week, when the draft is sent, or when a new one is made."""

import secrets
from datetime import timedelta

import sqlalchemy as sa

from portal import reach
from portal.audit import audit_event
from portal.camps import policy
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.services.history import CampError
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import lazy_gettext as _l
from portal.links import local_path

#: Letters and digits that cannot be mistaken for each other when read off a screen or typed.
ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
LENGTH = 6
VALID_FOR = timedelta(days=7)
#: A code asked for again this soon (a double click, a page reloaded) is the same code, not a
#: new one and a second SMS.
SAME_CODE_WITHIN = timedelta(minutes=10)


def normalised(code: str) -> str:
    """The code as stored: upper case, without the spaces and dashes people type into it."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:32]


def shown(code: str) -> str:
    """The code as printed: two groups of three ("KHT-4PX")."""
    return f"{code[:3]}-{code[3:]}"


def issue_resume_code(application: Application, *, by) -> tuple[str, int]:
    """The draft's code and how many messages carry it: a new code (the old one stops
    working) sent to the person's phone, or the one made minutes ago, not sent again."""
    if not policy.can_edit_application(by, application):
        raise CampError(_l("Only a draft can be continued on another phone."))
    now = utcnow()
    expires = application.resume_code_expires_at
    if application.resume_code and expires and expires - VALID_FOR > now - SAME_CODE_WITHIN:
        return application.resume_code, 0
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    application.resume_code = code
    application.resume_code_expires_at = now + VALID_FOR
    audit_event("application.resume_code", application, actor=by)
    sent = reach.queue_text(
        application.applicant,
        _l("Your code to continue your application on another phone: %(code)s",
           code=shown(code)),
        link=local_path("camps.resume"), essential=True,
    )  # fmt: skip
    return code, sent


def draft_for_code(user, code: str) -> Application | None:
    """The signed-in person's own draft the code opens, or None (someone else's code, an old
    code or a mistyped one look the same)."""
    if len(normalised(code)) != LENGTH:
        return None
    application = db.session.scalar(
        sa.select(Application).where(
            Application.resume_code == normalised(code),
            Application.user_id == user.id,
            Application.status == S.DRAFT,
            Application.resume_code_expires_at > utcnow(),
        )
    )
    return application
