"""The outbox: retries with backoff over a day, one runner per message, requeue, the worker,
and the organisers' page of failed messages. Delivery goes to a fake SMTP server on 127.0.0.1."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import initialize
from hypothesis.stateful import invariant
from hypothesis.stateful import rule
from hypothesis.stateful import run_state_machine_as_test

from portal import outbox
from portal.audit import AuditEvent
from portal.extensions import db as _db
from portal.extensions import utcnow
from portal.notify import EMAIL
from portal.notify import OutboundEmail
from portal.notify import deliver_pending
from portal.outbox import DeliveryStatus
from tests.factories import FailedEmailFactory
from tests.factories import OutboundEmailFactory
from tests.fake_servers import FakeSMTP

ROOT = Path(__file__).resolve().parent.parent
MINUTE = timedelta(minutes=1)


@pytest.fixture
def smtp(db, monkeypatch):
    """A fake SMTP server that the test's deliveries go to."""
    with FakeSMTP() as server:
        for key, value in server.settings().items():
            monkeypatch.setitem(current_app.config, key, value)
        yield server


def statuses(db) -> dict[DeliveryStatus, int]:
    rows = db.session.execute(
        sa.select(OutboundEmail.status, sa.func.count()).group_by(OutboundEmail.status)
    ).all()
    return dict(rows)


def test_a_mail_server_down_for_five_minutes_loses_none_of_26_messages(db, smtp):
    """The issue: cron every minute, the server refusing for five, then back."""
    emails = OutboundEmailFactory.create_batch(26)
    start = utcnow()
    smtp.refusing = True
    minute = 0
    while statuses(db).get(DeliveryStatus.SENT, 0) < 26 and minute < 24 * 60:
        smtp.refusing = minute < 5
        deliver_pending(now=start + minute * MINUTE)
        minute += 1
    db.session.expire_all()
    assert statuses(db) == {DeliveryStatus.SENT: 26}
    assert sorted(smtp.subjects()) == sorted(email.subject for email in emails)  # once each
    tries = max(email.attempts for email in emails)
    print(f"\n26 messages delivered {minute - 1} min after the first try; "
          f"at most {tries} tries each, {smtp.connections} SMTP connections")  # fmt: skip
    assert minute - 1 <= 36  # the third retry, 30 min after the second


def test_a_message_is_retried_over_a_day_then_kept_failed_with_the_last_answer(db, smtp):
    email = OutboundEmailFactory()
    smtp.refusing = True
    now = utcnow()
    delays = current_app.config["OUTBOX_RETRY_DELAYS"]
    waited = timedelta()
    for attempt, delay in enumerate([*delays, None], start=1):
        assert deliver_pending(now=now) == (0, 1)
        db.session.refresh(email)
        assert email.attempts == attempt
        if delay is None:
            break
        assert email.status is DeliveryStatus.PENDING
        assert email.next_attempt_at == now + timedelta(seconds=delay)
        assert deliver_pending(now=now + timedelta(seconds=delay - 1)) == (0, 0)  # not yet due
        now += timedelta(seconds=delay)
        waited += timedelta(seconds=delay)
    assert email.status is DeliveryStatus.FAILED and email.failed_at == now
    assert email.last_error.startswith("421 4.3.2 Service not available")
    print(f"\n{email.attempts} tries over {waited} before giving up")
    assert timedelta(hours=20) <= waited <= timedelta(hours=26)
    assert deliver_pending(now=now + timedelta(days=7)) == (0, 0)


def test_a_recipient_refused_for_good_is_failed_at_once_and_the_others_go(db, smtp):
    bounce = OutboundEmailFactory(to_address="bounce@example.org")
    fine = OutboundEmailFactory()
    assert deliver_pending() == (1, 1)
    db.session.refresh(bounce)
    db.session.refresh(fine)
    assert (bounce.status, bounce.attempts) == (DeliveryStatus.FAILED, 1)
    assert "550 5.1.1" in bounce.last_error
    assert fine.status is DeliveryStatus.SENT
    assert smtp.subjects() == [fine.subject]


def test_a_runner_that_lost_its_claim_sends_nothing(db, smtp, app):
    """A runner that stalled past OUTBOX_CLAIM_SECONDS loses its messages to another."""
    email = OutboundEmailFactory()
    now = utcnow()
    stalled = outbox._claim(EMAIL, "stalled-runner", 10, now)
    assert [message.id for message in stalled] == [email.id]
    assert deliver_pending(now=now) == (0, 0)  # claimed, so not taken while the claim holds
    later = now + timedelta(seconds=current_app.config["OUTBOX_CLAIM_SECONDS"] + 1)
    assert deliver_pending(now=later) == (1, 0)  # taken over
    result, _reachable = outbox._deliver_claimed(EMAIL, "stalled-runner", stalled, later)
    assert result == (0, 0, 0)
    assert smtp.subjects() == [email.subject]


def test_requeue_command_puts_failed_messages_back(app, db, smtp, monkeypatch):
    for key, value in smtp.settings().items():
        monkeypatch.setitem(app.config, key, value)
    first, second, third = FailedEmailFactory.create_batch(3)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["outbox", "requeue"]).exit_code == 2  # ids or --all
    # Ids are per channel: with e-mail, SMS and Telegram, ids alone are refused.
    assert runner.invoke(args=["outbox", "requeue", str(first.id)]).exit_code == 2
    result = runner.invoke(args=["outbox", "requeue", "--channel", "email", str(first.id)])
    assert "Requeued 1." in result.output
    db.session.expire_all()
    assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 0)
    assert first.last_error.startswith("421")  # what happened before stays readable
    assert second.status is DeliveryStatus.FAILED
    assert "Requeued 2." in runner.invoke(args=["outbox", "requeue", "--all"]).output
    assert "Sent 3, failed 0." in runner.invoke(args=["outbox", "send"]).output
    assert sorted(smtp.subjects()) == sorted(m.subject for m in (first, second, third))
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("outbox.%"))
    ).all()
    assert set(actions) == {"outbox.requeued", "outbox.requeued_all"}


def test_the_send_command_says_what_it_gave_up_on(app, db, smtp, monkeypatch):
    for key, value in smtp.settings().items():
        monkeypatch.setitem(app.config, key, value)
    OutboundEmailFactory(to_address="bounce@example.org")
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 1
    assert "Sent 0, failed 1." in result.output and "Given up on 1" in result.output


# --- overlapping runners, on real connections -----------------------------------------------


@pytest.fixture
def committed_emails(app):
    """`committed_emails(n)`: n queued e-mails committed for real (several connections see
    them); removed afterwards."""
    made = []

    def make(count):
        with app.app_context():
            emails = [
                OutboundEmail(
                    to_address=f"runner{n}@example.org",
                    locale="ky",
                    subject=f"Overlap {n}",
                    body="Салам",
                )  # fmt: skip
                for n in range(count)
            ]
            _db.session.add_all(emails)
            _db.session.commit()
            made.extend(email.id for email in emails)
            _db.session.remove()
        return list(made)

    yield make
    with app.app_context():
        _db.session.execute(sa.delete(OutboundEmail).where(OutboundEmail.id.in_(made)))
        _db.session.commit()
        _db.session.remove()


def test_two_overlapping_runners_deliver_each_message_exactly_once(
    app, committed_emails, monkeypatch
):
    ids = committed_emails(16)
    with FakeSMTP(delay=0.05) as smtp:
        for key, value in {**smtp.settings(), "OUTBOX_BATCH": 3}.items():
            monkeypatch.setitem(app.config, key, value)
        start = threading.Barrier(2)
        results = []

        def runner():
            with app.app_context():
                start.wait()
                try:
                    results.append(deliver_pending())
                finally:
                    _db.session.remove()

        began = time.perf_counter()
        threads = [threading.Thread(target=runner) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        took = time.perf_counter() - began
        subjects = smtp.subjects()
    print(f"\ntwo runners (sent, failed): {results} in {took:.2f} s")
    assert sorted(subjects) == sorted(f"Overlap {n}" for n in range(16))  # each exactly once
    assert sorted(sent for sent, _failed in results) != [0, 16]  # they did overlap
    assert sum(sent for sent, _failed in results) == 16
    with app.app_context():
        rows = _db.session.execute(
            sa.select(OutboundEmail.status, OutboundEmail.attempts).where(OutboundEmail.id.in_(ids))
        ).all()
        _db.session.remove()
    assert set(rows) == {(DeliveryStatus.SENT, 1)}


def test_the_worker_delivers_as_messages_fall_due_and_stops_on_sigterm(
    app, committed_emails, database_uri
):
    with FakeSMTP(delay=0.3) as smtp:
        environment = {
            **os.environ,
            "FLASK_APP": "wsgi",
            "PORTAL_ENV": "testing",
            "JASHTAR_SQLALCHEMY_DATABASE_URI": database_uri,
            "JASHTAR_MAIL_BACKEND": "smtp",
            "JASHTAR_MAIL_SERVER": "127.0.0.1",
            "JASHTAR_MAIL_PORT": str(smtp.port),
            "JASHTAR_OUTBOX_BATCH": "10",
        }
        worker = subprocess.Popen(  # noqa: S603 (our own command)
            [sys.executable, "-m", "flask", "outbox", "work", "--interval", "0.2"],
            cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        try:
            ids = committed_emails(2)
            deadline = time.monotonic() + 30
            while len(smtp.subjects()) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(smtp.subjects()) == 2  # picked up while it was already running
            ids = committed_emails(5)  # five more; stop it while it is sending them
            while len(smtp.subjects()) < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            asked = time.monotonic()
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=20)
            stopped_in = time.monotonic() - asked
        finally:
            if worker.poll() is None:
                worker.kill()
        delivered = smtp.subjects()
    print(f"\nworker stopped {stopped_in:.2f} s after SIGTERM; delivered {len(delivered)} of 7")
    assert worker.returncode == 0, output
    assert "Outbox worker stopped." in output
    assert stopped_in < 5
    with app.app_context():
        rows = _db.session.execute(
            sa.select(OutboundEmail.status, OutboundEmail.claim_token).where(
                OutboundEmail.id.in_(ids)
            )
        ).all()
        _db.session.remove()
    sent = [status for status, _token in rows if status is DeliveryStatus.SENT]
    assert len(sent) == len(delivered)  # the message under way was finished and recorded
    assert {token for _status, token in rows} == {None}  # the rest were given back


# --- the organisers' page ---------------------------------------------------------------------


def test_organisers_see_failed_messages_masked_and_send_one_again(client, login_as, db):
    organiser = login_as("organiser")
    failed = FailedEmailFactory(
        to_address="aigerim@example.org",
        subject="Сиздин арызыңыз кабыл алынды",
        last_error="550 5.1.1 <aigerim@example.org>: mailbox full",
    )
    OutboundEmailFactory(subject="Still being tried")
    page = client.get("/manage/outbox/email?lang=en").text
    assert "a***@example.org" in page and "aigerim@" not in page
    assert "Сиздин арызыңыз кабыл алынды" in page and "mailbox full" in page
    assert "Still being tried" not in page
    assert f'action="/manage/outbox/email/{failed.id}/requeue"' in page
    response = client.post(f"/manage/outbox/email/{failed.id}/requeue")
    assert response.status_code == 302
    db.session.refresh(failed)
    assert failed.status is DeliveryStatus.PENDING
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "outbox.requeued"))
    assert (event.actor_id, event.object_id, event.details) == (
        organiser.id, failed.id, {"channel": "email"},
    )  # fmt: skip
    again = client.post(
        f"/manage/outbox/email/{failed.id}/requeue",
        headers={"Referer": "http://localhost/manage/outbox/email"},
    )
    assert again.status_code == 303  # no longer failed: said so, nothing done
    assert client.post("/manage/outbox/email/999999/requeue").status_code == 404


def test_send_all_again_and_the_list_is_paged(client, login_as, db):
    login_as("organiser")
    FailedEmailFactory.create_batch(30)
    assert client.get("/manage/outbox/email?page=2").status_code == 200
    assert client.get("/manage/outbox/email?page=3").status_code == 404
    assert client.post("/manage/outbox/email/requeue").status_code == 302
    assert statuses(db) == {DeliveryStatus.PENDING: 30}
    assert "Every message has been delivered" in client.get("/manage/outbox/email?lang=en").text


def test_healthz_reports_the_outbox_backlog(client, db):
    OutboundEmailFactory(next_attempt_at=utcnow() - timedelta(hours=2))
    FailedEmailFactory()
    report = client.get("/healthz").json
    assert report["status"] == "degraded"
    assert report["checks"]["outbox"]["status"] == "degraded"
    assert report["checks"]["outbox"]["email"]["due"] == 1
    assert report["checks"]["outbox"]["email"]["failed"] == 1
    assert report["checks"]["outbox"]["email"]["oldest_due_seconds"] >= 7200


# --- the outbox's rules on paths nobody walked (hypothesis) ------------------------------------


class ScriptedProvider:
    """A provider the state machine switches on and off; "bounce" addresses are refused for
    good. It counts what it was given, per message."""

    def __init__(self):
        self.up = True
        self.delivered: Counter[int] = Counter()

    @contextmanager
    def transport(self, config):
        if not self.up:
            raise outbox.ProviderUnreachable("421 4.3.2 down for maintenance")
        yield self

    def send(self, message):
        if message.to_address.startswith("bounce"):
            raise outbox.DeliveryError("550 5.1.1 no such user", permanent=True)
        self.delivered[message.id] += 1


def test_the_outbox_keeps_its_rules_whatever_happens(db):
    delays = current_app.config["OUTBOX_RETRY_DELAYS"]

    class Outbox(RuleBasedStateMachine):
        @initialize()
        def start(self):
            db.session.execute(sa.delete(OutboundEmail))
            db.session.commit()
            self.provider = ScriptedProvider()
            self.channel = outbox.Channel(
                name="scripted", label="", model=OutboundEmail,
                transport=self.provider.transport, recipient=str,
            )  # fmt: skip
            self.now = utcnow()

        @rule(count=st.integers(1, 3), bounce=st.booleans())
        def queue(self, count, bounce):
            for number in range(count):
                address = f"{'bounce' if bounce else 'reader'}{number}@example.org"
                OutboundEmailFactory(to_address=address, next_attempt_at=self.now)

        @rule(up=st.booleans())
        def switch_provider(self, up):
            self.provider.up = up

        @rule(minutes=st.sampled_from([1, 5, 30, 120, 600, 1500]))
        def wait(self, minutes):
            self.now += timedelta(minutes=minutes)

        @rule()
        def run(self):
            outbox.deliver_due(self.channel, limit=50, now=self.now)

        @rule()
        def requeue_everything(self):
            outbox.requeue(self.channel, now=self.now)
            db.session.commit()

        @invariant()
        def each_message_is_delivered_at_most_once_and_recorded_so(self):
            rows = db.session.scalars(sa.select(OutboundEmail)).all()
            assert all(count == 1 for count in self.provider.delivered.values())
            sent = {row.id for row in rows if row.status is DeliveryStatus.SENT}
            assert sent == set(self.provider.delivered)
            for row in rows:
                assert row.claim_token is None  # no run leaves a claim behind
                if row.status is DeliveryStatus.FAILED:
                    assert row.failed_at is not None and row.last_error
                    if row.last_error.startswith("550"):  # refused for good: no more tries
                        assert row.to_address.startswith("bounce")
                        assert row.attempts <= len(delays) + 1
                    else:  # given up only once every delay was used
                        assert row.attempts == len(delays) + 1
                elif row.status is DeliveryStatus.PENDING:
                    assert row.attempts <= len(delays)
                    if row.attempts:
                        assert row.next_attempt_at == row.last_attempt_at + timedelta(
                            seconds=delays[row.attempts - 1]
                        )

        def teardown(self):
            db.session.execute(sa.delete(OutboundEmail))
            db.session.commit()

    began = time.perf_counter()
    run_state_machine_as_test(
        Outbox,
        settings=settings(
            max_examples=30, stateful_step_count=20, deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )  # fmt: skip
    print(f"\noutbox state machine: {time.perf_counter() - began:.1f} s")
