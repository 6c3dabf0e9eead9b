"""News beyond the inbox: SMS and Telegram as each person chose, against local fake providers."""

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from portal import outbox
from portal import reach
from portal import sms
from portal import telegram
from portal.accounts import privacy
from portal.accounts import services as account_services
from portal.audit import AuditEvent
from portal.camps.models import ApplicationStatus as S
from portal.extensions import utcnow
from portal.i18n import PerLanguage
from portal.i18n import lazy_gettext as _l
from portal.notify import OutboundEmail
from portal.notify import notify
from portal.outbox import DeliveryStatus
from portal.sms import OutboundSms
from portal.telegram import OutboundTelegram
from portal.telegram import TelegramLink
from portal.training import services as training_services
from tests.factories import ApplicationFactory
from tests.factories import GuardianConsentFactory
from tests.factories import ProgrammeFactory
from tests.factories import UserFactory
from tests.fake_servers import FakeProvider
from tests.helpers import translated
from tests.helpers import years_ago

SECRET_HEADER = {"X-Telegram-Bot-Api-Secret-Token": "testing-webhook-secret"}


def phone_only(**attributes):
    attributes.setdefault("phone", "+996555123456")
    return UserFactory(email=None, **attributes)


def deliver(channel) -> outbox.RunResult:
    return outbox.deliver_due(channel)


def webhook(client, text, chat_id=5550001, language="ky", headers=SECRET_HEADER):
    update = {"update_id": 1, "message": {
        "message_id": 7, "text": text, "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "language_code": language},
    }}  # fmt: skip
    return client.post("/telegram/webhook", json=update, headers=headers)


# --- the decision by SMS ----------------------------------------------------------------------


def test_a_phone_only_15_year_old_gets_the_decision_by_sms_in_kyrgyz(
    client, login_as, db, provider
):
    young = phone_only(locale="ky", date_of_birth=years_ago(15))
    application = ApplicationFactory(applicant=young)
    GuardianConsentFactory(application=application)
    db.session.commit()
    login_as("organiser")
    # A forged Host and X-Forwarded-Host must not reach the link in the SMS.
    response = client.post(
        f"/manage/applications/{application.id}/decide", data={"decision": "accepted"},
        headers={"X-Forwarded-Host": "evil.example"},
    )  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(application), application.id).status is S.ACCEPTED, response.location

    result = deliver(sms.SMS)
    assert (result.sent, result.failed) == (1, 0)
    [sent] = provider.sms()
    assert sent["to"] == "+996555123456" and sent["from"] == "Jashtar"
    notice = translated(
        "Good news: you have a place at the camp! Please confirm it before the deadline.", "ky"
    )
    assert notice in sent["text"]
    assert f"https://portal.example.org/applications/{application.id}" in sent["text"]
    assert "evil.example" not in sent["text"]
    assert provider.requests[0]["authorization"] == "Bearer gateway-secret"
    row = db.session.scalar(sa.select(OutboundSms))
    assert row.status is DeliveryStatus.SENT and row.provider_id == "sms-1"
    assert row.locale == "ky"
    # No e-mail address, so no e-mail; the inbox has it too.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 0


def test_nothing_sensitive_leaves_by_sms_a_reason_typed_by_someone_becomes_a_plain_notice(db):
    person = phone_only(locale="ru")
    notify(person, _l("%(camp)s: a note", camp=PerLanguage({"ru": "Лагерь"})), link="/camps")
    notify(person, _l("Reason: %(reason)s", reason="у неё эпилепсия"), link="/applications")
    db.session.commit()
    bodies = [row.body for row in db.session.scalars(sa.select(OutboundSms).order_by("id"))]
    assert "эпилепсия" not in " ".join(bodies)
    assert bodies[1] == (
        f"Jashtar: {translated('You have news on Jashtar.', 'ru')} "
        "https://portal.example.org/applications"
    )
    assert reach.is_plain_notice(_l("%(camp)s: a note", camp=PerLanguage({"ru": "Лагерь"})))
    assert not reach.is_plain_notice(_l("Reason: %(reason)s", reason="x"))
    assert not reach.is_plain_notice("plain text")


def test_an_sms_longer_than_its_limit_keeps_its_link_whole():
    link = "https://portal.example.org/applications/123"
    body = sms.shortened("Jashtar: " + "сөз " * 100 + link)
    assert len(body) <= sms.MAX_SMS_LENGTH and body.endswith("… " + link)


# --- who gets what ----------------------------------------------------------------------------


def test_the_defaults_e_mail_for_those_with_one_sms_for_phone_only_people(db):
    with_email = UserFactory(phone="+996555222333")
    only_phone = phone_only()
    assert reach.reach_of(with_email) == reach.Reach(with_email.email, None, None)
    assert reach.reach_of(only_phone) == reach.Reach(None, "+996555123456", None)


def test_a_person_chooses_their_channels_on_the_profile(client, login_as, db):
    person = login_as("youth", phone="+996555444555")
    page = client.get("/account/messages")
    assert page.status_code == 200
    assert re.search(r'<input checked[^>]*name="email"', page.text)
    assert not re.search(r'<input checked[^>]*name="sms"', page.text)
    assert 'name="telegram"' not in page.text  # not linked yet: nothing to tick
    response = client.post("/account/messages", data={"sms": "y"})
    assert response.status_code == 302
    assert reach.reach_of(person) == reach.Reach(None, "+996555444555", None)
    assert reach.choices(person) == {"email": False, "sms": True, "telegram": True}
    # News goes by SMS only now; a password reset still goes by e-mail.
    notify(person, _l("You are now the mentor of a youth group."), link="/groups")
    account_services.request_password_reset(person.email)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundSms)) == 1
    assert db.session.scalars(sa.select(OutboundEmail.subject)).all() == [
        translated("Set a new password for Jashtar", "ky")
    ]
    action = db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "user.channels_chosen")
    )
    assert action == "user.channels_chosen"


def test_news_e_mail_follows_the_choice_and_essential_e_mail_does_not(db):
    from portal.notify import queue_email

    person = UserFactory()
    reach.choose(person, email=False, sms=False, telegram=False)
    assert queue_email(person, _l("News about your camp application"), "password_changed") is None
    essential = queue_email(person, _l("Your Jashtar password was changed"), "password_changed",
                            essential=True)  # fmt: skip
    assert essential is not None and essential.to_address == person.email


def test_sms_is_off_until_a_gateway_is_configured(db, monkeypatch):
    monkeypatch.setitem(current_app.config, "SMS_BACKEND", "off")
    person = phone_only()
    notify(person, _l("You are now the mentor of a youth group."), link="/groups")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundSms)) == 0


# --- the gateway failing ----------------------------------------------------------------------


def queued_sms(db, count=1):
    rows = [sms.queue_sms(f"+99655500010{n}", "Jashtar: test", locale="ky") for n in range(count)]
    db.session.commit()
    return rows


def test_a_gateway_error_is_tried_again_later_and_a_refusal_is_given_up_at_once(db, provider):
    [first] = queued_sms(db)
    provider.answer(503, {"error": "maintenance"})
    assert deliver(sms.SMS) == outbox.RunResult(0, 1, 0)
    db.session.refresh(first)
    assert first.status is DeliveryStatus.PENDING and first.attempts == 1
    assert first.last_error == "503 maintenance"
    assert first.next_attempt_at > utcnow() + timedelta(seconds=50)

    [second] = queued_sms(db)
    provider.answer(400, {"error": "invalid destination number"})
    assert deliver(sms.SMS) == outbox.RunResult(0, 1, 1)
    db.session.refresh(second)
    assert second.status is DeliveryStatus.FAILED
    assert second.last_error == "400 invalid destination number"


def test_a_gateway_that_times_out_or_is_down_leaves_the_batch_for_later(db, provider):
    rows = queued_sms(db, 3)
    provider.delay = 3  # over SMS_TIMEOUT (2 s)
    result = deliver(sms.SMS)
    assert (result.sent, result.failed) == (0, 3)
    assert len(provider.sms()) == 1  # the others were not tried one by one against silence
    provider.delay = 0
    provider.stop_answering()
    for row in rows:
        db.session.refresh(row)
        assert row.status is DeliveryStatus.PENDING and row.attempts == 1
        assert "timed out" in row.last_error.lower() or "timeout" in row.last_error.lower()


def test_the_failed_sms_page_shows_the_masked_number_and_the_answer(client, login_as, db, provider):
    [row] = queued_sms(db)
    provider.answer(400, {"error": "invalid destination number"})
    deliver(sms.SMS)
    login_as("organiser")
    page = client.get("/manage/outbox/sms")
    assert page.status_code == 200
    assert "+996 *** *** 00" in page.text and "invalid destination number" in page.text
    assert "+996555000100" not in page.text


# --- Telegram ---------------------------------------------------------------------------------


def link_page_code(client) -> str:
    page = client.post("/account/messages/telegram")
    assert page.status_code == 200
    found = re.search(r"https://t\.me/jashtar_test_bot\?start=([A-Za-z0-9_-]+)", page.text)
    assert found, page.text
    return found.group(1)


def test_an_uzbek_ambassador_links_telegram_and_gets_news_in_uzbek(client, login_as, db, provider):
    person = login_as("youth", locale="uz_Cyrl")
    code = link_page_code(client)
    assert webhook(client, f"/start {code}", language="ru").status_code == 200
    link = db.session.get(TelegramLink, person.id)
    assert link is not None and link.chat_id == 5550001
    training_services.enrol(ProgrammeFactory(), person, by=UserFactory())
    db.session.commit()
    result = deliver(telegram.TELEGRAM)
    assert result.failed == 0 and result.sent == 2
    confirmation, news = provider.telegrams()
    assert confirmation["chat_id"] == 5550001
    # The bot answers in the person's language, not in the Telegram app's.
    assert (
        translated("Done: Jashtar will not write to you here any more.", "uz_Cyrl")
        not in (confirmation["text"])
    )
    assert confirmation["text"].startswith(translated(
        "Your Jashtar account is linked. News about your camps, training and group will come "
        "here. Send /stop to stop them.", "uz_Cyrl",
    ))  # fmt: skip
    assert (
        translated("You are enrolled in a training programme. See it under My training.", "uz_Cyrl")
        in news["text"]
    )
    assert "https://portal.example.org/training" in news["text"]
    assert provider.requests[0]["path"] == f"/bot{FakeProvider.TOKEN}/sendMessage"


def test_a_link_code_works_once_and_not_after_it_expires(client, login_as, db):
    person = login_as("youth")
    code = link_page_code(client)
    assert webhook(client, f"/start {code}").status_code == 200
    webhook(client, f"/start {code}", chat_id=5550002)  # someone replays it from another chat
    assert db.session.get(TelegramLink, person.id).chat_id == 5550001
    late = link_page_code(client)
    found = db.session.scalar(sa.select(telegram.TelegramLinkCode))
    found.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert (
        telegram.handle_update(
            {"message": {"text": f"/start {late}", "chat": {"id": 5550003, "type": "private"}}}
        )
        == "expired"
    )
    assert db.session.scalar(
        sa.select(TelegramLink.chat_id).where(TelegramLink.user_id == person.id)
    ) == 5550001  # fmt: skip


def test_the_webhook_takes_only_telegrams_secret(client, login_as, db):
    person = login_as("youth")
    code = link_page_code(client)
    assert webhook(client, f"/start {code}", headers={}).status_code == 403
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
    assert webhook(client, f"/start {code}", headers=wrong).status_code == 403
    assert db.session.get(TelegramLink, person.id) is None


def test_unlinking_is_one_tap_or_stop_in_the_chat(client, login_as, db):
    person = login_as("youth")
    webhook(client, f"/start {link_page_code(client)}")
    assert 'name="telegram"' in client.get("/account/messages").text
    assert client.post("/account/messages/telegram/unlink").status_code == 302
    assert db.session.get(TelegramLink, person.id) is None
    webhook(client, f"/start {link_page_code(client)}")
    assert webhook(client, "/stop").status_code == 200
    assert db.session.get(TelegramLink, person.id) is None
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("telegram.%"))
    ).all()
    assert sorted(actions) == ["telegram.linked"] * 2 + ["telegram.unlinked"] * 2


def test_a_person_who_blocked_the_bot_is_unlinked_and_the_message_given_up(db, provider):
    person = UserFactory()
    db.session.add(TelegramLink(user_id=person.id, chat_id=42))
    notify(person, _l("You are now the mentor of a youth group."), link="/groups")
    db.session.commit()
    provider.answer(403, {"ok": False, "error_code": 403,
                          "description": "Forbidden: bot was blocked by the user"})  # fmt: skip
    assert deliver(telegram.TELEGRAM) == outbox.RunResult(0, 1, 1)
    row = db.session.scalar(sa.select(OutboundTelegram))
    assert row.last_error == "403 Forbidden: bot was blocked by the user"
    assert db.session.get(TelegramLink, person.id) is None


def test_set_webhook_sends_the_address_from_base_url_and_the_secret(app, db, provider):
    result = app.test_cli_runner().invoke(args=["telegram", "set-webhook"])
    assert result.exit_code == 0, result.output
    [request] = [r for r in provider.requests if r["path"].endswith("/setWebhook")]
    assert request["json"]["url"] == "https://portal.example.org/telegram/webhook"
    assert request["json"]["secret_token"] == "testing-webhook-secret"


# --- erasure ----------------------------------------------------------------------------------


def test_erasure_forgets_the_numbers_chats_and_choices(db):
    person = phone_only()
    reach.choose(person, email=False, sms=True, telegram=True)
    db.session.add(TelegramLink(user_id=person.id, chat_id=77))
    notify(person, _l("You are now the mentor of a youth group."), link="/groups")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundTelegram)) == 1
    privacy.erase(person, by=None)
    db.session.commit()
    for model in (OutboundSms, OutboundTelegram, TelegramLink, reach.ChannelChoice):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
