"""Notifications and the e-mail outbox."""

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from portal.camps.models import ApplicationStatus
from portal.camps.services.applications import DECISION_MESSAGES
from portal.camps.services.history import tell
from portal.i18n import PerLanguage
from portal.notify import EmailStatus
from portal.notify import Notification
from portal.notify import OutboundEmail
from portal.notify import notify
from portal.notify import queue_email
from portal.translit import to_latin
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import NotificationFactory
from tests.factories import UserFactory
from tests.helpers import translated


def queued(db, user):
    email = queue_email(user, _l("Your Jashtar password was changed"), "password_changed")
    db.session.commit()
    return email


def test_email_is_rendered_in_the_recipients_language(db):
    user = UserFactory(locale="uz_Cyrl", full_name="Бобур")
    email = queued(db, user)
    assert email.locale == "uz_Cyrl"
    assert email.subject == translated("Your Jashtar password was changed", "uz_Cyrl")
    assert translated("Hello, %(name)s!", "uz_Cyrl", name="Бобур") in email.body


def test_no_email_for_a_phone_only_user(db):
    user = UserFactory(email=None, phone="+996555000111")
    assert queued(db, user) is None


def test_outbox_send_command_delivers_pending_mail(app, db, outbox):
    email = queued(db, UserFactory(email="bobur@example.org"))
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0
    assert "Sent 1, failed 0." in result.output
    db.session.refresh(email)
    assert email.status is EmailStatus.SENT and email.sent_at is not None
    assert outbox[0]["To"] == "bobur@example.org"


def test_notification_is_written_in_the_users_language(db):
    user = UserFactory(locale="ru")
    notification = notify(user, _l("Welcome to Jashtar! Your account is ready."))
    assert notification.message == translated("Welcome to Jashtar! Your account is ready.", "ru")


def test_inbox_shows_only_ones_own_notifications_and_marks_them_read(client, login_as, db):
    user = login_as("youth")
    NotificationFactory(user_id=user.id, message="Сиздин арызыңыз кабыл алынды")
    NotificationFactory(message="Someone else's news")

    page = client.get("/notifications").text
    assert "Сиздин арызыңыз кабыл алынды" in page
    assert "Someone else's news" not in page
    assert '<span class="badge"><span aria-hidden="true">1<' in client.get("/").text

    assert client.post("/notifications/read").status_code == 302
    unread = db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(Notification.read_at.is_(None))
    )
    assert unread == 1  # only the other person's
    assert 'class="badge"' not in client.get("/").text


def test_a_notification_follows_its_reader_into_another_language(client, login_as, db):
    user = login_as("youth", locale="ky")
    notify(user, _l("Welcome to Jashtar! Your account is ready."))
    db.session.commit()
    welcome = "Welcome to Jashtar! Your account is ready."
    assert translated(welcome, "ky") in client.get("/notifications").text

    user.locale = "ru"  # the reader switches language after the notification was written
    db.session.commit()
    page = client.get("/notifications").text
    assert translated(welcome, "ru") in page
    assert translated(welcome, "ky") not in page
    assert translated(welcome, "uz_Cyrl") in client.get("/notifications?lang=uz").text


def test_a_camp_title_in_a_notification_follows_the_reader(client, login_as, db):
    user = login_as("youth", locale="ky")
    title = {"ky": "Ош: Тынчтык лагери", "ru": "Ош: лагерь мира", "uz_Cyrl": "Ўш: тинчлик лагери"}
    application = ApplicationFactory(applicant=user, camp=CampFactory(title=title))
    tell(application, DECISION_MESSAGES[ApplicationStatus.WAITLISTED])
    db.session.commit()
    decision = DECISION_MESSAGES[ApplicationStatus.WAITLISTED]._args[0]

    for lang, locale in (("ky", "ky"), ("ru", "ru"), ("uz", "uz_Cyrl")):
        page = client.get(f"/notifications?lang={lang}").text
        # The camp it is about heads the message, both in the reader's language.
        assert f'<span class="inbox-subject">{title[locale]}</span>' in page
        assert translated(decision, locale) in page
    assert to_latin(title["uz_Cyrl"]) in client.get("/notifications?lang=uz-Latn").text


def test_a_notification_keeps_its_key_count_and_parameters(db):
    user = UserFactory(locale="ky")
    notification = notify(user, lazy_ngettext("%(num)d unread", "%(num)d unread", 3))
    db.session.commit()
    assert (notification.msgid, notification.msgid_plural, notification.count) == (
        "%(num)d unread", "%(num)d unread", 3,
    )  # fmt: skip
    with force_locale("ru"):
        assert notification.text == translated(
            "%(num)d unread", "ru", plural="%(num)d unread", num=3
        )
    camp = PerLanguage({"ky": "Баткен", "ru": "Баткен-ru"})
    headed = notify(user, _l("%(camp)s: %(message)s", camp=camp, message=_l("New")))
    assert headed.params == {
        "camp": {"per_language": {"ky": "Баткен", "ru": "Баткен-ru"}},
        "message": {"message": ["New", None, None, None], "params": {}},
    }


def test_a_notification_needs_a_message_key_not_text():
    with pytest.raises(TypeError):
        notify(UserFactory.build(locale="ky"), "Текст бир эле тилде")


def test_an_older_notification_shows_its_stored_text_in_every_language(client, login_as, db):
    user = login_as("youth", locale="ru")
    NotificationFactory(user_id=user.id, message="Сиздин арызыңыз кабыл алынды")
    for lang in ("ky", "ru", "uz"):
        assert "Сиздин арызыңыз кабыл алынды" in client.get(f"/notifications?lang={lang}").text


def test_inbox_query_count_does_not_grow_with_rows(login_as, assert_constant_queries, db):
    user = login_as("youth")
    NotificationFactory(user_id=user.id)
    # One query names the camps of a page, whatever their number (one per kind of subject).
    tell(ApplicationFactory(applicant=user), _l("Your camp starts soon. We are waiting for you!"))
    db.session.commit()

    def add_rows():
        for _ in range(30):
            NotificationFactory(user_id=user.id)
        for _ in range(10):  # with keys and a camp's title as parameters
            tell(
                ApplicationFactory(applicant=user),
                _l("Your camp starts soon. We are waiting for you!"),
            )
        db.session.commit()

    assert_constant_queries("/notifications", add_rows)


@pytest.mark.parametrize("status", list(EmailStatus))
def test_email_status_is_stored_by_value(db, status):
    email = OutboundEmail(
        to_address="a@example.org", locale="ky", subject="s", body="b", status=status
    )
    db.session.add(email)
    db.session.commit()
    stored = db.session.execute(sa.text("SELECT status FROM outbound_email")).scalar()
    assert stored == status.value


def test_an_email_is_rendered_outside_any_request(app, db):
    """Cron commands and `flask seed-demo` queue mail with no request, so no current user."""
    import contextvars

    user = UserFactory(locale="ru", full_name="Бобур")

    def in_a_command():
        with app.app_context():
            return queue_email(
                db.session.get(type(user), user.id),
                _l("Your Jashtar password was changed"),
                "password_changed",
            ).body

    body = contextvars.Context().run(in_a_command)
    assert translated("Hello, %(name)s!", "ru", name="Бобур") in body


def test_console_mail_prints_the_reset_link_and_kyrgyz_text_readably(
    client, db, capsys, monkeypatch
):
    """Development prints mail (MAIL_BACKEND=console): headers and the decoded text, never
    base64, so a newcomer follows the reset link from the terminal."""
    import re

    from flask import current_app

    from portal.notify import deliver_pending

    UserFactory(email="aigerim@example.org", locale="ky", full_name="Айгерим Маматова")
    client.post("/auth/reset", data={"email": "aigerim@example.org"})
    email = db.session.scalar(sa.select(OutboundEmail))
    link = re.search(r"https?://\S+/auth/reset/\S+", email.body).group(0)
    monkeypatch.setitem(current_app.config, "MAIL_BACKEND", "console")
    capsys.readouterr()
    assert deliver_pending() == (1, 0)
    printed = capsys.readouterr().err
    assert link in printed
    assert "To: aigerim@example.org" in printed
    assert f"Subject: {translated('Set a new password for Jashtar', 'ky')}" in printed
    assert translated("Hello, %(name)s!", "ky", name="Айгерим Маматова") in printed
    assert "base64" not in printed and "=?utf-8?" not in printed


# --- opening a notification ---------------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, login_as, db):
    user = login_as("youth")
    application = ApplicationFactory(applicant=user)
    tell(application, DECISION_MESSAGES[ApplicationStatus.WAITLISTED])
    tell(application, _l("Your camp starts soon. We are waiting for you!"))
    other_page = NotificationFactory(user_id=user.id, link="/training")
    db.session.commit()
    first, second = db.session.scalars(
        sa.select(Notification)
        .where(Notification.link == f"/applications/{application.id}")
        .order_by(Notification.id)
    ).all()
    inbox = client.get("/notifications?lang=en").text
    assert f'href="/notifications/{first.id}"' in inbox and inbox.count('class="unread"') == 3
    response = client.get(f"/notifications/{first.id}")
    assert (response.status_code, response.headers["Location"]) == (
        302, f"/applications/{application.id}",
    )  # fmt: skip
    db.session.expire_all()
    # Both lead to the same page, which shows them: both are read; the other one is not.
    assert first.read_at is not None and second.read_at is not None
    assert other_page.read_at is None
    read_at = first.read_at
    assert client.get(f"/notifications/{first.id}").status_code == 302  # again: no change
    db.session.expire_all()
    assert first.read_at == read_at
    assert client.get("/notifications?lang=en").text.count('class="unread"') == 1


def test_someone_elses_notification_is_not_found_and_stays_unread(client, login_as, db):
    login_as("youth")
    theirs = NotificationFactory(link="/camps")
    assert client.get(f"/notifications/{theirs.id}").status_code == 404
    db.session.expire_all()
    assert theirs.read_at is None


def test_a_notification_never_leads_to_another_site(client, login_as, db):
    user = login_as("youth")
    for link in ("https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example"):
        notification = NotificationFactory(user_id=user.id, link=link)
        response = client.get(f"/notifications/{notification.id}")
        assert response.headers["Location"] == "/notifications", link
    assert (
        client.get(f"/notifications/{NotificationFactory(user_id=user.id).id}").headers["Location"]
        == "/notifications"
    )


def test_the_inbox_names_the_plan_and_programme_a_notification_is_about(client, login_as, db):
    from portal.groups import services as group_services
    from portal.training import services as training_services
    from tests.factories import ActionPlanFactory
    from tests.factories import ProgrammeFactory
    from tests.factories import YouthGroupFactory

    user = login_as("youth", locale="ru")
    group = YouthGroupFactory(members=[user])
    plan = ActionPlanFactory(group=group, title="Кыздар мектепте калсын")
    untitled = ActionPlanFactory(group=group, title="")
    for each in (plan, untitled):
        group_services.add_comment(each, author=group.lead, body="Салам!")
    programme = ProgrammeFactory(title={"ky": "Элчилер", "ru": "Послы"})
    training_services.enrol(programme, user, by=user)
    db.session.commit()
    page = client.get("/notifications?lang=ru").text
    assert '<span class="inbox-subject">Кыздар мектепте калсын</span>' in page
    untitled_name = translated("Action plan of %(group)s", "ru", group=group.name)
    assert f'<span class="inbox-subject">{untitled_name}</span>' in page
    assert '<span class="inbox-subject">Послы</span>' in page
    assert '<span class="inbox-subject">Элчилер</span>' in client.get("/notifications?lang=ky").text


def test_a_page_asks_about_what_leads_to_it_only_with_the_user(client, login_as, count_queries, db):
    """The user's own statement says whether an unread notification leads to this page: one
    leading elsewhere costs nothing more, one leading here costs the one update that marks it
    (its address with the query string counts too), and the same page after it nothing."""
    user = login_as("youth")
    client.get("/account/data")  # the first request of a process reads the reference data once
    with count_queries() as nothing_unread:
        client.get("/account/data")
    elsewhere = NotificationFactory(user_id=user.id, link="/training")
    here = NotificationFactory(user_id=user.id, link="/account/data?from=mail")
    db.session.commit()
    with count_queries() as nothing_leads_here:
        client.get("/account/data")
    assert nothing_leads_here.total == nothing_unread.total
    with count_queries() as another_address:
        client.get("/account/data?from=mail&lang=en")
    db.session.expire_all()
    assert here.read_at is None
    with count_queries() as marked:
        page = client.get("/account/data?from=mail")
    with count_queries() as read_already:
        client.get("/account/data?from=mail")
    assert another_address.total == nothing_leads_here.total
    assert marked.total == nothing_leads_here.total + 1
    assert read_already.total == nothing_leads_here.total
    db.session.expire_all()
    assert here.read_at is not None and elsewhere.read_at is None
    badge = '<span class="badge"><span aria-hidden="true">1</span>'
    assert badge in page.text  # the badge on that very page counts it read already


def test_a_user_loaded_another_way_is_asked_what_leads_to_the_page(db):
    from portal.notify import mark_page_read

    person = UserFactory()
    here = NotificationFactory(user_id=person.id, link="/camps")
    elsewhere = NotificationFactory(user_id=person.id, link="/training")
    mark_page_read(person, "/camps", "/camps?")
    db.session.expire_all()
    assert here.read_at is not None and elsewhere.read_at is None


def test_opening_the_page_itself_marks_its_notifications_read(client, login_as, db):
    """A plan opened from the home page, a bookmark or the e-mail's link is read as surely as
    one opened from the inbox; the badge on that very page counts it read already."""
    user = login_as("youth")
    application = ApplicationFactory(applicant=user)
    tell(application, DECISION_MESSAGES[ApplicationStatus.WAITLISTED])
    other_page = NotificationFactory(user_id=user.id, link="/training")
    theirs = NotificationFactory(link=f"/applications/{application.id}")
    db.session.commit()
    page = client.get(f"/applications/{application.id}?lang=en").text
    db.session.expire_all()
    mine = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == user.id, Notification.link == f"/applications/{application.id}"
        )
    )
    assert mine.read_at is not None
    assert other_page.read_at is None and theirs.read_at is None
    assert client.get("/notifications?lang=en").text.count('class="unread"') == 1
    assert "1 unread" in page and "2 unread" not in page  # the badge counts one, not two
