"""What every change to an application leaves behind: its history, and news for the applicant."""

from portal.camps.models import Application
from portal.camps.models import ApplicationEvent
from portal.camps.models import ApplicationStatus as S
from portal.camps.transitions import Who
from portal.camps.transitions import application_may_move
from portal.errors import PortalError
from portal.i18n import lazy_gettext as _l
from portal.links import external_url
from portal.links import local_path
from portal.notify import Subject
from portal.notify import notify
from portal.notify import queue_email

#: How notifications were headed before they named their subject: older rows still use this key.
_HEADED = _l("%(camp)s: %(message)s", camp="", message="")


class CampError(PortalError):
    """A step the rules do not allow now; the message is translated for the person."""


def move(application: Application, status: S, *, actor, who: Who, reason: str = "") -> None:
    """Take one step of the application's transition table, and write it in its history."""
    previous = application.status
    if not application_may_move(previous, status, who):
        raise CampError(_l("This application cannot change to that status now."))
    application.status = status
    record(application, previous, status, actor=actor, who=who, reason=reason)


def record(application, previous, status, *, actor, who: Who, reason: str = "") -> None:
    application.events.append(
        ApplicationEvent(
            from_status=previous,
            to_status=status,
            actor_id=getattr(actor, "id", None),
            who=who,
            reason=reason,
        )
    )


def tell(application: Application, message) -> None:
    """In-app notification (about the camp, whose title the inbox shows with it, both in the
    reader's language when it is read) and e-mail (in the applicant's language when queued)."""
    user = application.applicant
    link = local_path("camps.application", application_id=application.id)
    notify(user, message, link=link, about=Subject("camp", application.camp_id))
    queue_email(
        user, _l("News about your camp application"), "application_news",
        message=message, camp=application.camp,
        link=external_url("camps.application", application_id=application.id),
    )  # fmt: skip
