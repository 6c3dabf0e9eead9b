"""Notifications and the e-mail outbox."""

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.notify import EmailStatus
from portal.notify import Notification
from portal.notify import OutboundEmail
from portal.notify import notify
from portal.notify import queue_email
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
    assert '<span class="badge">1' in client.get("/").text

    assert client.post("/notifications/read").status_code == 302
    unread = db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(Notification.read_at.is_(None))
    )
    assert unread == 1  # only the other person's
    assert 'class="badge"' not in client.get("/").text


def test_inbox_query_count_does_not_grow_with_rows(login_as, assert_constant_queries):
    user = login_as("youth")
    NotificationFactory(user_id=user.id)

    def add_rows():
        for _ in range(30):
            NotificationFactory(user_id=user.id)

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
