"""Reminders on the channels each person chose: the next training session (once per session
and person), the end of the time to confirm a place (once per offer)."""

from datetime import timedelta

import sqlalchemy as sa

from portal import outbox
from portal import telegram
from portal.camps import services as camp_services
from portal.camps.models import ApplicationStatus as S
from portal.extensions import utcnow
from portal.i18n import local_today
from portal.i18n import short_date
from portal.i18n import short_datetime
from portal.notify import Notification
from portal.sms import OutboundSms
from portal.training.models import EnrolmentStatus
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import EnrolmentFactory
from tests.factories import ProgrammeFactory
from tests.factories import TrainingSessionFactory
from tests.factories import UserFactory
from tests.helpers import translated

SECRET_HEADER = {"X-Telegram-Bot-Api-Secret-Token": "testing-webhook-secret"}
UZ_TITLE = "Ёшлар элчилари"
UZ_PLACE = "Ўш ёшлар маркази"


def remind(app) -> str:
    return app.test_cli_runner().invoke(args=["training", "remind"]).output


def session_in(hours, programme, **attributes):
    return TrainingSessionFactory(
        programme=programme, starts_at=utcnow() + timedelta(hours=hours), **attributes
    )


def test_an_uzbek_ambassador_links_telegram_and_gets_the_next_sessions_reminder_in_uzbek(
    app, client, login_as, db, provider
):
    person = login_as("youth", locale="uz_Cyrl", phone=None)
    page = client.post("/account/messages/telegram")
    code = page.text.split("?start=")[1].split('"')[0]
    update = {"update_id": 1, "message": {
        "message_id": 7, "text": f"/start {code}", "chat": {"id": 5550009, "type": "private"},
        "from": {"id": 5550009, "language_code": "ru"},
    }}  # fmt: skip
    assert client.post("/telegram/webhook", json=update, headers=SECRET_HEADER).status_code == 200
    programme = ProgrammeFactory(title={"ky": "Жаштар элчилери", "uz_Cyrl": UZ_TITLE})
    EnrolmentFactory(programme=programme, person=person)
    session = session_in(20, programme, place={"ky": "Ош жаштар борбору", "uz_Cyrl": UZ_PLACE})
    session_in(24 * 5, programme)  # next week's: not yet
    db.session.commit()
    outbox.deliver_due(telegram.TELEGRAM)  # the "linked" answer
    provider.requests.clear()

    assert "Reminded 1 people" in remind(app)
    result = outbox.deliver_due(telegram.TELEGRAM)
    assert (result.sent, result.failed) == (1, 0)
    [sent] = provider.telegrams()
    assert sent["chat_id"] == 5550009
    expected = translated(
        "Reminder: training session of %(programme)s on %(when)s, %(place)s.", "uz_Cyrl",
        programme=UZ_TITLE, when=short_datetime(session.starts_at), place=UZ_PLACE,
    )  # fmt: skip
    assert expected in sent["text"] and "Эслатма" in sent["text"]
    assert "https://portal.example.org/training" in sent["text"]
    # The inbox has it too, and a second run (or an overlapping one) tells nobody again.
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == person.id, Notification.msgid.like("Reminder:%")
        )
    ) == 1  # fmt: skip
    assert "Reminded 0 people" in remind(app)


def test_only_active_enrolments_of_the_sessions_programme_are_reminded(app, db):
    programme = ProgrammeFactory()
    active = EnrolmentFactory(programme=programme)
    EnrolmentFactory(programme=programme, status=EnrolmentStatus.DROPPED)
    EnrolmentFactory(programme=programme, person=UserFactory(active=False))
    EnrolmentFactory()  # another programme
    session_in(3, programme, place={})
    session_in(-3, programme)  # already started
    db.session.commit()
    assert "Reminded 1 people" in remind(app)
    [note] = db.session.scalars(sa.select(Notification).where(Notification.msgid.like("Rem%")))
    assert note.user_id == active.user_id
    assert note.msgid == "Reminder: training session of %(programme)s on %(when)s."


def test_a_phone_only_person_gets_the_reminder_by_sms(app, db):
    person = UserFactory(email=None, phone="+996555777111", locale="ky")
    programme = ProgrammeFactory()
    EnrolmentFactory(programme=programme, person=person)
    session_in(5, programme)
    db.session.commit()
    remind(app)
    [row] = db.session.scalars(sa.select(OutboundSms))
    assert row.to_number == "+996555777111" and "Эскертүү" in row.body


def test_the_time_to_confirm_is_reminded_once_per_offer(app, db):
    camp = CampFactory()
    tomorrow = local_today() + timedelta(days=1)
    offered = ApplicationFactory(camp=camp, status=S.ACCEPTED, offer_expires_on=tomorrow)
    ApplicationFactory(camp=camp, status=S.ACCEPTED,
                       offer_expires_on=local_today() + timedelta(days=5))  # fmt: skip
    ApplicationFactory(camp=camp, status=S.CONFIRMED, offer_expires_on=tomorrow)
    db.session.commit()
    output = app.test_cli_runner().invoke(args=["camps", "remind"]).output
    assert "and 1 people offered a place" in output
    note = db.session.scalar(sa.select(Notification).where(Notification.msgid.like("Your place%")))
    assert note.user_id == offered.user_id
    assert note.params["date"] == short_date(tomorrow)
    assert note.params["camp"] == {"per_language": camp.title}
    assert camp_services.send_confirmation_reminders() == 0
    # A new deadline (a late offer moved) is a new offer to remind of.
    offered.offer_expires_on = local_today()
    db.session.commit()
    assert camp_services.send_confirmation_reminders() == 1
