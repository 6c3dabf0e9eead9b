"""Resume by code: a draft started on one phone continues on another after signing in there,
with a short code shown and sent by SMS; the code opens only its owner's draft."""

import time
from datetime import timedelta

import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.services import resume
from portal.extensions import utcnow
from portal.sms import OutboundSms
from tests.factories import ApplicationFactory
from tests.helpers import translated

CODE_PAGE = 'id="resume-code">'


def shown_code(page) -> str:
    assert page.status_code == 200, page.text
    assert page.headers["Cache-Control"] == "no-store"
    return page.text.split(CODE_PAGE)[1].split("<")[0]


def other_phone(app, user):
    """The same person signed in on a second phone (its own cookies)."""
    phone = app.test_client()
    with phone.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["auth_at"] = session["seen"] = int(time.time())
    return phone


def test_a_draft_continues_on_another_phone_with_the_code_sent_by_sms(app, client, login_as, db):
    young = login_as("youth", email=None, phone="+996555123999", locale="ky")
    draft = ApplicationFactory(applicant=young, status=S.DRAFT, submitted_at=None)
    db.session.commit()
    form = client.get(f"/applications/{draft.id}")
    assert translated("Continue on another phone", "ky") in form.text
    code = shown_code(client.post(f"/applications/{draft.id}/resume-code"))
    assert len(code) == 7 and code[3] == "-"
    [sms] = db.session.scalars(sa.select(OutboundSms))
    assert sms.to_number == "+996555123999" and code in sms.body
    assert "https://portal.example.org/applications/resume" in sms.body
    audit = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "application.resume_code")
    )
    assert audit is not None and code.replace("-", "") not in str(audit.details)

    # A double click shows the same code and sends nothing more.
    assert shown_code(client.post(f"/applications/{draft.id}/resume-code")) == code
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundSms)) == 1

    # On the other phone, typed in lower case with a space instead of the dash.
    phone = other_phone(app, young)
    typed = code.lower().replace("-", " ")
    response = phone.post("/applications/resume", data={"code": typed})
    assert response.status_code == 302
    assert response.location.endswith(f"/applications/{draft.id}")


def issued(db, application) -> str:
    code, _ = resume.issue_resume_code(application, by=application.applicant)
    db.session.commit()
    return code


def test_someone_elses_code_an_old_code_or_a_sent_draft_open_nothing(app, client, login_as, db):
    me = login_as("youth")
    theirs = ApplicationFactory(status=S.DRAFT, submitted_at=None)
    their_code = issued(db, theirs)
    mine = ApplicationFactory(applicant=me, status=S.DRAFT, submitted_at=None)
    my_code = issued(db, mine)
    refused = translated("This code opens none of your drafts. Check it, or ask for a new one "
                         "on the phone where you started.", "ky")  # fmt: skip
    for typed in (their_code, "ABC", "X" * 500, "KHT-4PX"):
        page = client.post("/applications/resume", data={"code": typed})
        assert page.status_code == 400
        assert refused in page.text and f'value="{typed[:32]}"' in page.text  # kept as typed
    empty = client.post("/applications/resume", data={"code": " "})
    assert empty.status_code == 400 and translated("Type the code you got.", "ky") in empty.text
    # An old code (a new one was made) or a code past its week opens nothing.
    mine_row = db.session.get(Application, mine.id)
    mine_row.resume_code_expires_at = utcnow() - timedelta(minutes=11) + resume.VALID_FOR
    db.session.commit()
    new_code = issued(db, mine_row)
    assert new_code != my_code
    assert resume.draft_for_code(me, my_code) is None
    assert resume.draft_for_code(me, new_code).id == mine.id
    mine_row.resume_code_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert resume.draft_for_code(me, new_code) is None
    # A sent application is no draft to continue.
    mine_row.resume_code_expires_at = utcnow() + timedelta(days=1)
    mine_row.status = S.SUBMITTED
    db.session.commit()
    assert resume.draft_for_code(me, new_code) is None


def test_no_code_for_someone_elses_or_a_sent_application(client, login_as, db):
    login_as("youth")
    theirs = ApplicationFactory(status=S.DRAFT, submitted_at=None)
    db.session.commit()
    assert client.post(f"/applications/{theirs.id}/resume-code").status_code == 404
    assert db.session.get(Application, theirs.id).resume_code is None


def test_a_sent_application_gets_no_code(client, login_as, db):
    me = login_as("youth")
    sent = ApplicationFactory(applicant=me, status=S.SUBMITTED)
    db.session.commit()
    response = client.post(f"/applications/{sent.id}/resume-code")
    assert response.status_code == 302 and response.location.endswith(f"/applications/{sent.id}")
    assert db.session.get(Application, sent.id).resume_code is None


def test_guessing_codes_is_stopped_and_a_right_code_never_counts(client, login_as, db):
    me = login_as("youth")
    draft = ApplicationFactory(applicant=me, status=S.DRAFT, submitted_at=None)
    code = issued(db, draft)
    for _ in range(5):
        assert client.post("/applications/resume", data={"code": code}).status_code == 302
    statuses = [client.post("/applications/resume", data={"code": "AAAAAA"}).status_code
                for _ in range(11)]  # fmt: skip
    assert statuses[:10] == [400] * 10 and statuses[10] == 429
