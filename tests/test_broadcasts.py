"""Broadcasts: an organiser writes once, each person gets it on their channels, in their
language, once; the delivery page says who got it."""

import itertools
import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import invariant
from hypothesis.stateful import precondition
from hypothesis.stateful import rule

from portal import outbox
from portal import sms
from portal import telegram
from portal.accounts import privacy
from portal.audit import AuditEvent
from portal.broadcasts import services
from portal.broadcasts.models import Broadcast
from portal.broadcasts.models import BroadcastRecipient
from portal.broadcasts.services import BroadcastError
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.extensions import db as _db
from portal.notify import EMAIL
from portal.notify import Notification
from portal.notify import OutboundEmail
from portal.security import Role
from portal.sms import OutboundSms
from portal.telegram import OutboundTelegram
from portal.telegram import TelegramLink
from portal.training.models import EnrolmentStatus
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import EnrolmentFactory
from tests.factories import GuardianConsentFactory
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory
from tests.factories import minor
from tests.helpers import error_summary
from tests.helpers import translated

#: Each camp's people get their own numbers (numbers are unique per account).
PHONES = itertools.count()
TEXTS = {"text_ky": "Автобус эртең саат 8де Ош базарынан чыгат.",
         "text_ru": "Автобус отправляется завтра в 8:00 от Ошского базара."}  # fmt: skip


def count(model, *where) -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def a_camp_with_people(db):
    """Confirmed: one with e-mail (Russian), one phone-only (Kyrgyz), one on Telegram (Uzbek),
    a minor with a guardian's phone; accepted and waitlisted ones who must not get it."""
    camp = CampFactory()
    step = next(PHONES)
    people = {
        "email": UserFactory(locale="ru"),
        "phone": UserFactory(email=None, phone=f"+9965551{step:03d}01", locale="ky"),
        "telegram": UserFactory(locale="uz_Cyrl"),
        "minor": minor(email=None, phone=f"+9965551{step:03d}02", locale="ky"),
        "accepted": UserFactory(),
        "waitlisted": UserFactory(),
    }
    for name, person in people.items():
        status = {"accepted": S.ACCEPTED, "waitlisted": S.WAITLISTED}.get(name, S.CONFIRMED)
        application = ApplicationFactory(camp=camp, applicant=person, status=status)
        if name == "minor":
            application.guardian_phone = f"+9965551{step:03d}09"
            GuardianConsentFactory(application=application)
    db.session.add(
        TelegramLink(user_id=people["telegram"].id, chat_id=9000 + people["telegram"].id)
    )
    db.session.commit()
    return camp, people


def write(client, camp, **data):
    data = {**TEXTS, "statuses": ["confirmed"], **data}
    return client.post(f"/manage/broadcasts/camp/{camp.id}/new", data=data)


def test_an_organiser_writes_to_the_confirmed_participants_and_sees_who_got_it(
    client, login_as, db, provider
):
    camp, people = a_camp_with_people(db)
    login_as("organiser")
    response = write(client, camp, include_guardians="y")
    assert response.status_code == 302
    broadcast = db.session.scalar(sa.select(Broadcast))
    assert broadcast.sent_at is None  # a draft until "Send now"

    preview = client.get(response.location + "?lang=en").text
    assert "On the site: 4" in preview and "E-mail: 2" in preview
    assert "SMS: 2" in preview and "Telegram: 1" in preview and "Guardians by SMS: 1" in preview
    assert people["accepted"].full_name not in preview
    assert count(OutboundSms) == count(OutboundEmail) == 0  # nothing sent by the preview

    sent = client.post(f"/manage/broadcasts/{broadcast.id}/send")
    assert sent.status_code == 302
    for channel in (EMAIL, sms.SMS, telegram.TELEGRAM):
        assert outbox.deliver_due(channel).failed == 0
    texts = {message["to"]: message["text"] for message in provider.sms()}
    phone, minors = people["phone"].phone, people["minor"].phone
    guardian = db.session.scalar(
        sa.select(Application.guardian_phone).where(Application.user_id == people["minor"].id)
    )
    assert set(texts) == {phone, minors, guardian}
    assert texts[phone].startswith("Jashtar: " + TEXTS["text_ky"])
    assert "https://portal.example.org/applications/" in texts[phone]
    assert f"https://portal.example.org/camps/{camp.id}" in texts[guardian]
    [on_telegram] = provider.telegrams()
    # No Uzbek text was written: the Uzbek reader gets the Kyrgyz one.
    assert (
        on_telegram["chat_id"] == 9000 + people["telegram"].id
        and TEXTS["text_ky"] in on_telegram["text"]
    )
    russian = db.session.scalar(
        sa.select(OutboundEmail).where(OutboundEmail.to_address == people["email"].email)
    )
    assert TEXTS["text_ru"] in russian.body and russian.locale == "ru"
    for name in ("accepted", "waitlisted"):
        assert count(Notification, Notification.user_id == people[name].id) == 0

    delivery = client.get(f"/manage/broadcasts/{broadcast.id}?lang=en").text
    assert "Delivered 2" in delivery and "Delivered 1" in delivery  # e-mail/SMS, Telegram
    assert "0 of 4 read" in delivery
    assert f"Guardian of {people['minor'].full_name}" in delivery
    assert guardian not in delivery
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("broadcast.%"))
    ).all()
    assert sorted(actions) == ["broadcast.drafted", "broadcast.sent"]


def test_the_inbox_shows_the_message_in_the_readers_language_when_read(client, login_as, db):
    camp, people = a_camp_with_people(db)
    organiser = UserFactory(roles={Role.ORGANISER})
    texts = {"ky": "Саламатсызбы!", "ru": "Здравствуйте!"}
    broadcast = services.draft(organiser, camp, texts=texts, statuses=["confirmed"])
    services.send(broadcast, by=organiser)
    db.session.commit()
    note = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == people["email"].id)
    )
    with force_locale("ru"):
        assert "Здравствуйте!" in note.text
    with force_locale("ky"):
        assert "Саламатсызбы!" in note.text
        assert note.text.startswith(translated(
            "A message from the organisers: %(text)s", "ky", text="Саламатсызбы!"
        ))  # fmt: skip


def test_a_double_click_sends_once(client, login_as, db):
    camp, _people = a_camp_with_people(db)
    login_as("organiser")
    write(client, camp)
    broadcast = db.session.scalar(sa.select(Broadcast))
    first = client.post(f"/manage/broadcasts/{broadcast.id}/send")
    second = client.post(f"/manage/broadcasts/{broadcast.id}/send")
    assert first.status_code == second.status_code == 302
    assert count(BroadcastRecipient) == 4
    assert count(OutboundSms) == 2 and count(OutboundTelegram) == 1  # phone-only: 2
    with pytest.raises(BroadcastError):  # a second server that read it as a draft
        services.send(broadcast, by=None)
    # Once sent, it is no longer a draft to change or throw away.
    assert client.get(f"/manage/broadcasts/{broadcast.id}/edit").status_code == 403
    assert client.post(f"/manage/broadcasts/{broadcast.id}/discard").status_code == 403


def test_bad_input_is_refused_with_a_message_and_kept(client, login_as, db):
    camp, _people = a_camp_with_people(db)
    login_as("organiser")
    empty = write(client, camp, text_ky="", text_ru="", statuses=["accepted"])
    assert empty.status_code == 400
    assert translated("Write the message in at least one language.", "ky") in error_summary(
        empty.text
    )
    assert re.search(r'<input checked[^>]*value="accepted"', empty.text)
    too_long = write(client, camp, text_ky="а" * 281)
    assert too_long.status_code == 400 and "а" * 281 in too_long.text
    # A status the form does not offer (rejected people), and a list ten times longer.
    odd = write(client, camp, statuses=["rejected"] + ["confirmed"] * 30)
    assert odd.status_code == 400
    assert count(Broadcast) == 0


def test_a_camp_with_nobody_in_the_list_has_nothing_to_send(client, login_as, db):
    camp = CampFactory()
    login_as("organiser")
    write(client, camp)
    broadcast = db.session.scalar(sa.select(Broadcast))
    preview = client.get(f"/manage/broadcasts/{broadcast.id}")
    assert f"/manage/broadcasts/{broadcast.id}/send" not in preview.text
    client.post(f"/manage/broadcasts/{broadcast.id}/send")
    db.session.expire_all()
    assert db.session.get(Broadcast, broadcast.id).sent_at is None


def test_sending_is_rate_limited_per_organiser(app, client, login_as, db, monkeypatch):
    monkeypatch.setitem(app.config, "BROADCAST_LIMIT", "2 per hour")
    camp, _people = a_camp_with_people(db)
    login_as("organiser")
    answers = []
    for _ in range(3):
        write(client, camp)
        latest = db.session.scalar(sa.select(Broadcast).order_by(Broadcast.id.desc()))
        answers.append(client.post(f"/manage/broadcasts/{latest.id}/send").status_code)
    assert answers == [302, 302, 429]


def test_a_programmes_active_people_and_a_groups_members(client, login_as, db):
    active = EnrolmentFactory()
    EnrolmentFactory(programme=active.programme, status=EnrolmentStatus.DROPPED)
    group = YouthGroupFactory()
    organiser = UserFactory(roles={Role.ORGANISER})
    to_programme = services.draft(organiser, active.programme, texts={"ky": "Сабак жума күнү."})
    assert services.send(to_programme, by=organiser) == 1
    to_group = services.draft(organiser, group, texts={"ru": "Встреча в пятницу."})
    assert services.send(to_group, by=organiser) == 1
    db.session.commit()
    recipients = db.session.scalars(sa.select(BroadcastRecipient.user_id)).all()
    assert sorted(recipients) == sorted([active.person.id, group.lead.id])


def test_a_broadcast_as_long_as_the_form_takes_goes_by_sms_whole(db):
    camp, people = a_camp_with_people(db)
    organiser = UserFactory(roles={Role.ORGANISER})
    longest = "ж" * 280
    broadcast = services.draft(organiser, camp, texts={"ky": longest}, statuses=["confirmed"])
    services.send(broadcast, by=organiser)
    body = db.session.scalar(
        sa.select(OutboundSms.body).where(OutboundSms.user_id == people["phone"].id)
    )
    assert longest in body and "https://portal.example.org/applications/" in body


def test_an_erased_person_is_not_written_to(db):
    camp, people = a_camp_with_people(db)
    privacy.erase(people["phone"], by=None)
    organiser = UserFactory(roles={Role.ORGANISER})
    broadcast = services.draft(organiser, camp, texts={"ky": "Салам"}, statuses=["confirmed"])
    assert services.send(broadcast, by=organiser) == 3
    assert count(OutboundSms, OutboundSms.user_id == people["phone"].id) == 0


class BroadcastMachine(RuleBasedStateMachine):
    """Drafts are written, changed, sent (twice, as a double click would), thrown away; after
    every step: a sent broadcast has exactly one recipient row per person it named, each
    person at most one message per channel, and what a page offers is what the service takes."""

    def __init__(self):
        super().__init__()
        self.camp, self.people = a_camp_with_people(_db)
        self.organiser = UserFactory(roles={Role.ORGANISER})
        self.sent_texts: dict[int, dict] = {}

    def drafts(self):
        return _db.session.scalars(
            sa.select(Broadcast)
            .where(Broadcast.camp_id == self.camp.id, Broadcast.sent_at.is_(None))
            .order_by(Broadcast.id)
        ).all()

    @rule(
        # What a form can send: the portal refuses a NUL byte (web.py), PostgreSQL cannot store it.
        text=st.text(st.characters(exclude_characters="\x00"), min_size=1, max_size=20).filter(
            str.strip
        ),
        statuses=st.lists(st.sampled_from(services.CAMP_STATUSES), min_size=1, unique=True),
    )
    def write(self, text, statuses):  # fmt: skip
        services.draft(self.organiser, self.camp, texts={"ky": text}, statuses=statuses)
        _db.session.commit()

    @precondition(lambda self: self.drafts())
    @rule(data=st.data())
    def send_twice(self, data):
        broadcast = data.draw(st.sampled_from(self.drafts()))
        services.send(broadcast, by=self.organiser)
        _db.session.commit()
        self.sent_texts[broadcast.id] = dict(broadcast.texts)
        with pytest.raises(BroadcastError):
            services.send(broadcast, by=self.organiser)
        _db.session.rollback()

    @rule(data=st.data())
    def change_any(self, data):
        every = _db.session.scalars(
            sa.select(Broadcast).where(Broadcast.camp_id == self.camp.id).order_by(Broadcast.id)
        ).all()
        if not every:
            return
        broadcast = data.draw(st.sampled_from(every))
        if broadcast.sent_at is None:
            services.draft(self.organiser, self.camp, broadcast=broadcast, texts={"ru": "Новое"},
                           statuses=["confirmed"])  # fmt: skip
            _db.session.commit()
        else:
            with pytest.raises(BroadcastError):
                services.draft(self.organiser, self.camp, broadcast=broadcast, texts={"ru": "x"})
            with pytest.raises(BroadcastError):
                services.discard(broadcast, by=self.organiser)
            _db.session.rollback()

    @precondition(lambda self: self.drafts())
    @rule(data=st.data())
    def discard(self, data):
        services.discard(data.draw(st.sampled_from(self.drafts())), by=self.organiser)
        _db.session.commit()

    @invariant()
    def sent_ones_keep_their_words_and_reach_each_person_once(self):
        for broadcast_id, texts in self.sent_texts.items():
            broadcast = _db.session.get(Broadcast, broadcast_id)
            assert broadcast.texts == texts
            named = {p.id for p, _link in services.queries.people_of(broadcast)}
            rows = _db.session.scalars(
                sa.select(BroadcastRecipient.user_id).where(
                    BroadcastRecipient.broadcast_id == broadcast_id,
                    BroadcastRecipient.guardian.is_(False),
                )
            ).all()
            assert sorted(rows) == sorted(named) and broadcast.recipient_count >= len(rows)
            for model in (OutboundEmail, OutboundSms, OutboundTelegram):
                per_person = _db.session.execute(
                    sa.select(model.user_id, sa.func.count())
                    .join(BroadcastRecipient, BroadcastRecipient.id == model.broadcast_recipient_id)
                    .where(BroadcastRecipient.broadcast_id == broadcast_id,
                           BroadcastRecipient.guardian.is_(False))
                    .group_by(model.user_id)
                ).all()  # fmt: skip
                assert all(number == 1 for _user, number in per_person), model


def test_broadcasts_hold_their_rules_on_every_path(db):
    BroadcastMachine.TestCase.settings = settings(max_examples=15, stateful_step_count=8,
                                                  deadline=None)  # fmt: skip
    BroadcastMachine.TestCase().runTest()
