"""A draft is the young person's alone: organisers never see what was not sent."""

import csv
import io

import pytest
import sqlalchemy as sa

from portal.camps import balance
from portal.camps import services
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import GuardianConsentFactory
from tests.factories import UserFactory
from tests.factories import minor

DRAFTER = "Жазып жаткан Кыз"


def unsent(camp, status=S.DRAFT, **attributes):
    """A draft (or a draft withdrawn before it was ever sent)."""
    return ApplicationFactory(
        camp=camp,
        status=status,
        submitted_at=None,
        applicant=UserFactory(full_name=DRAFTER),
        motivation="Жашыруун ой",
        **attributes,
    )


def reopened(camp):
    """Sent, withdrawn, then started again: a draft once more until it is sent again."""
    person = UserFactory(full_name=DRAFTER)
    application = ApplicationFactory(camp=camp, applicant=person, status=S.SUBMITTED)
    services.withdraw(application)
    assert services.start_application(camp, person) is application
    application.motivation = "Жаңы жашыруун ой"
    return application


DRAFT_KINDS = {
    "draft": lambda camp: unsent(camp),
    "withdrawn_unsent": lambda camp: unsent(camp, status=S.WITHDRAWN),
    "reopened": reopened,
}


@pytest.fixture(params=sorted(DRAFT_KINDS))
def draft(request, db):
    camp = CampFactory()
    application = DRAFT_KINDS[request.param](camp)
    db.session.commit()
    return application


def test_the_review_list_does_not_show_drafts(client, login_as, draft):
    login_as("organiser")
    ApplicationFactory(camp=draft.camp, applicant=UserFactory(full_name="Жиберген Бала"))
    page = client.get(f"/manage/camps/{draft.camp_id}/applications").text
    assert "Жиберген Бала" in page and DRAFTER not in page
    for status in ("withdrawn", "draft"):
        filtered = client.get(f"/manage/camps/{draft.camp_id}/applications?status={status}").text
        assert DRAFTER not in filtered


@pytest.mark.parametrize(
    "method, path, data",
    [
        ("get", "/manage/applications/{id}", None),
        ("post", "/manage/applications/{id}/review", {"score": "5", "notes": "x"}),
        ("post", "/manage/applications/{id}/decide", {"decision": "rejected", "reason": "x"}),
        ("post", "/manage/applications/{id}/consent", {"method": "phone_call", "note": "x"}),
        ("post", "/manage/applications/{id}/remind-consent", {}),
        ("post", "/manage/applications/{id}/waitlist", {"position": "1", "reason": "x"}),
        ("post", "/manage/applications/{id}/checkin", {"day": "2030-01-01", "present": "yes"}),
    ],
)
def test_an_organiser_cannot_open_or_act_on_a_draft(client, login_as, draft, method, path, data):
    login_as("organiser")
    url = path.format(id=draft.id)
    response = client.get(url) if method == "get" else client.post(url, data=data)
    assert response.status_code == 404
    assert DRAFTER not in response.text and "жашыруун" not in response.text.lower()


def test_a_bulk_decision_naming_a_draft_neither_decides_nor_names_it(client, login_as, db, draft):
    login_as("organiser")
    before = draft.status
    response = client.post(
        f"/manage/camps/{draft.camp_id}/applications/decide?lang=en",
        data={"applications": [str(draft.id)], "decision": "rejected", "reason": ""},
        follow_redirects=True,
    )
    db.session.expire_all()
    assert db.session.get(Application, draft.id).status is before
    assert DRAFTER not in response.text


def test_the_applicant_export_does_not_list_drafts(client, login_as, draft):
    login_as("organiser")
    ApplicationFactory(camp=draft.camp, applicant=UserFactory(full_name="Жиберген Бала"))
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/manage/camps/{draft.camp_id}/export.{fmt}?who=applicants")
        assert response.status_code == 200
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/manage/camps/{draft.camp_id}/export.csv?who=applicants").data.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    names = [row[0] for row in rows[1:]]
    assert names == ["Жиберген Бала"]


def test_camp_counts_leave_drafts_out(client, login_as, draft):
    login_as("organiser")
    page = client.get(f"/manage/camps/{draft.camp_id}?lang=en").text
    assert "Draft:" not in page and "Withdrawn:" not in page and "None yet." in page
    assert client.get("/manage/camps?lang=en").status_code == 200


def test_the_balance_pool_leaves_drafts_out(db, draft):
    sent = ApplicationFactory(camp=draft.camp)
    assert [a.id for a in balance.pool_of(draft.camp)] == [sent.id]
    assert balance.balance_of(draft.camp).pool_size == 1


def test_a_consent_on_a_reopened_draft_is_hidden(client, login_as, db, upload_folder):
    login_as("organiser")
    camp = CampFactory()
    person = minor(full_name=DRAFTER)
    application = ApplicationFactory(camp=camp, applicant=person, status=S.SUBMITTED)
    consent = GuardianConsentFactory(application=application)
    services.withdraw(application)
    services.start_application(camp, person)
    db.session.commit()
    assert client.get(f"/manage/consents/{consent.id}/scan").status_code == 404
    assert client.post(f"/manage/consents/{consent.id}/withdraw").status_code == 404
    db.session.expire_all()
    assert db.session.get(type(consent), consent.id).withdrawn_at is None


def test_a_reopened_draft_is_seen_again_once_sent(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    application = reopened(camp)
    db.session.commit()
    assert client.get(f"/manage/applications/{application.id}").status_code == 404
    services.submit(application)
    db.session.commit()
    assert client.get(f"/manage/applications/{application.id}").status_code == 200
    assert DRAFTER in client.get(f"/manage/camps/{camp.id}/applications").text
    assert db.session.scalar(sa.select(Application.status)) is S.SUBMITTED


def test_a_failed_send_keeps_every_valid_answer_in_the_draft(client, login_as, db):
    """One wrong phone number on "send" costs nothing typed: the rest is saved as the draft,
    the wrong number is shown again with its message, and the page says the draft is kept."""
    from tests.helpers import error_summary

    login_as("youth")
    camp = CampFactory()
    response = client.post(f"/camps/{camp.id}/apply")
    application = db.session.get(Application, int(response.headers["Location"].rsplit("/", 1)[1]))
    application.emergency_phone = "+996555000111"
    db.session.commit()
    data = {
        "motivation": "Башка айылдардын жаштары менен таанышкым келет.",
        "safety_problem": "Кыздар мектепти эрте таштап кетишет.",
        "spoken_languages": ["ky", "ru"],
        "needs": "Вегетариан тамак",
        "emergency_name": "Апам",
        "emergency_phone": "12345",
        "ethnicity": ["kyrgyz"],
        "action": "submit",
    }
    response = client.post(f"/applications/{application.id}?lang=en", data=data)
    assert response.status_code == 400
    assert any("Kyrgyz mobile number" in m for m in error_summary(response.text))
    assert 'value="12345"' in response.text  # the wrong number as typed, to correct it
    assert "Your other answers are saved in the draft." in response.text
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status is S.DRAFT
    assert application.motivation == data["motivation"]
    assert application.safety_problem == data["safety_problem"]
    assert application.spoken_languages == ["ky", "ru"]
    assert application.needs == "Вегетариан тамак"
    assert application.emergency_name == "Апам"
    assert application.emergency_phone == "+996555000111"  # the invalid one is not stored
    # Opened again later, the form shows what was typed.
    page = client.get(f"/applications/{application.id}").text
    assert data["motivation"] in page and "Вегетариан тамак" in page


def test_a_send_without_its_csrf_token_saves_nothing(client, login_as, db):
    login_as("youth")
    camp = CampFactory()
    response = client.post(f"/camps/{camp.id}/apply")
    application_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = client.post(
        f"/applications/{application_id}",
        data={"motivation": "Келгим келет", "emergency_phone": "12", "action": "submit"},
        csrf=False,
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Application, application_id).motivation == ""
