"""Young people browse camps, apply, save drafts, send, confirm, decline and withdraw."""

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from portal.camps.models import Application
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import CampQuestion
from portal.camps.models import CampStatus
from portal.camps.models import QuestionKind
from portal.i18n import local_today
from portal.notify import Notification
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import GuardianConsentFactory
from tests.factories import UserFactory
from tests.helpers import error_summary
from tests.helpers import translated
from tests.helpers import years_ago

COMPLETE = {
    "motivation": "Мен башка айылдардын жаштары менен таанышкым келет.",
    "safety_problem": "Кыздар мектепти эрте таштап кетишет.",
    "spoken_languages": ["ky", "uz"],
    "emergency_name": "Апам",
    "emergency_phone": "0555 111 222",
}
GUARDIAN = {
    "guardian_name": "Гүлзат",
    "guardian_relation": "апам",
    "guardian_phone": "0555 333 444",
}


def start(client, camp) -> Application:
    response = client.post(f"/camps/{camp.id}/apply")
    assert response.status_code == 302
    application_id = int(response.headers["Location"].rsplit("/", 1)[1])
    from portal.extensions import db

    db.session.expire_all()
    return db.session.get(Application, application_id)


def test_camp_list_shows_published_camps_filtered_by_region_and_month(client, db):
    in_osh = CampFactory(region_code="KG-O", title={"ky": "Ош лагери"})
    CampFactory(region_code="KG-B", title={"ky": "Баткен лагери"})
    CampFactory(title={"ky": "Долбоор лагери"}, status=CampStatus.DRAFT)

    page = client.get("/camps").text
    assert "Ош лагери" in page and "Баткен лагери" in page
    assert "Долбоор лагери" not in page
    page = client.get("/camps?region=KG-O").text
    assert "Баткен лагери" not in page
    month = in_osh.start_date.strftime("%Y-%m")
    assert "Ош лагери" in client.get(f"/camps?month={month}").text
    assert "Ош лагери" not in client.get("/camps?month=2001-01").text
    assert client.get("/camps?month=not-a-month").status_code == 200


def test_draft_camps_are_hidden_from_young_people(client, login_as, db):
    login_as("youth")
    camp = CampFactory(status=CampStatus.DRAFT)
    assert client.get(f"/camps/{camp.id}").status_code == 404
    assert client.post(f"/camps/{camp.id}/apply").status_code == 404


def test_camp_page_is_in_the_visitors_language_with_fallback(client, db):
    camp = CampFactory(title={"ky": "Тынчтык", "ru": "Мир"})
    assert "Мир" in client.get(f"/camps/{camp.id}?lang=ru").text
    assert "Тынчтык" in client.get(f"/camps/{camp.id}?lang=uz").text


def test_draft_is_saved_and_resumed(client, login_as, db):
    login_as("youth")
    camp = CampFactory()
    application = start(client, camp)
    response = client.post(
        f"/applications/{application.id}", data={"motivation": "Жарым жазылган", "action": "save"}
    )
    assert response.status_code == 302
    page = client.get(f"/applications/{application.id}").text
    assert "Жарым жазылган" in page
    db.session.refresh(application)
    assert application.status is S.DRAFT


def test_sending_needs_every_required_answer_and_keeps_what_was_typed(client, login_as, db):
    login_as("youth")
    application = start(client, CampFactory())
    data = {"motivation": "Келгим келет", "emergency_phone": "12", "action": "submit"}
    response = client.post(f"/applications/{application.id}?lang=en", data=data)
    assert response.status_code == 400
    messages = error_summary(response.text)
    assert "Describe a safety problem in your community." in messages
    assert "Choose the languages you speak." in messages
    assert any("Kyrgyz mobile number" in m for m in messages)
    assert "Келгим келет" in response.text
    db.session.refresh(application)
    assert application.status is S.DRAFT


def test_complete_application_is_sent_and_acknowledged(client, login_as, db):
    user = login_as("youth", locale="ru")
    application = start(client, CampFactory())
    response = client.post(f"/applications/{application.id}", data={**COMPLETE, "action": "submit"})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status is S.SUBMITTED
    assert application.emergency_phone == "+996555111222"
    assert application.submitted_at is not None
    assert [e.to_status for e in application.events] == [S.DRAFT, S.SUBMITTED]
    notice = db.session.scalar(
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
    )
    with force_locale("ru"):
        assert notice.text == translated(
            "We received your application. We will tell you our decision here.", "ru"
        )
    assert (notice.subject_kind, notice.subject_id) == ("camp", application.camp_id)
    # Once sent, the answers cannot be changed any more: a later post shows it as sent.
    response = client.post(f"/applications/{application.id}", data={**COMPLETE, "action": "save"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/applications/{application.id}"


def test_minors_must_name_a_guardian(client, login_as, db):
    login_as("youth", date_of_birth=years_ago(16))
    application = start(client, CampFactory())
    response = client.post(
        f"/applications/{application.id}?lang=en", data={**COMPLETE, "action": "submit"}
    )
    assert "Give your parent's or guardian's name." in error_summary(response.text)
    response = client.post(
        f"/applications/{application.id}", data={**COMPLETE, **GUARDIAN, "action": "submit"}
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.guardian_phone == "+996555333444"


def test_guardian_rule_uses_age_on_the_camps_first_day(client, login_as, db):
    camp = CampFactory(start_date=local_today() + timedelta(days=30))
    # 18 by the first day: no guardian needed even though 17 today.
    login_as("youth", date_of_birth=years_ago(18, days=-10))
    application = start(client, camp)
    assert not application.is_minor
    assert "guardian_name" not in client.get(f"/applications/{application.id}").text


def test_one_application_per_person_and_camp(client, login_as, db):
    login_as("youth")
    camp = CampFactory()
    first = start(client, camp)
    second = start(client, camp)
    assert first.id == second.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1


def test_applicants_outside_the_age_range_or_regions_are_told_why(client, login_as, db):
    login_as("youth", date_of_birth=years_ago(24))
    camp = CampFactory(max_age=20)
    response = client.post(f"/camps/{camp.id}/apply?lang=en")
    assert response.status_code == 302
    assert "aged 14 to 20" in client.get(f"/camps/{camp.id}?lang=en").text
    other_region = CampFactory(eligible_regions=["KG-B"])
    assert "from other regions" in client.get(f"/camps/{other_region.id}?lang=en").text


def test_closed_application_window_refuses_new_applications(client, login_as, db):
    login_as("youth")
    camp = CampFactory(applications_close=local_today() - timedelta(days=1))
    client.post(f"/camps/{camp.id}/apply")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 0


def test_extra_questions_with_a_condition(client, login_as, db):
    login_as("youth")
    camp = CampFactory()
    laptop = CampQuestion(
        camp=camp,
        kind=QuestionKind.YES_NO,
        required=True,
        label={"ky": "Ноутбук барбы?"},
        position=1,
    )
    db.session.add(laptop)
    db.session.flush()
    which = CampQuestion(
        camp=camp, kind=QuestionKind.SHORT_TEXT, required=True, label={"ky": "Кандай ноутбук?"},
        position=2, condition_question_id=laptop.id, condition_value="yes",
    )  # fmt: skip
    db.session.add(which)
    db.session.commit()
    application = start(client, camp)
    url = f"/applications/{application.id}?lang=en"

    response = client.post(url, data={**COMPLETE, "action": "submit"})
    assert error_summary(response.text) == ["Answer this question."]  # the yes/no one
    response = client.post(url, data={**COMPLETE, f"q_{laptop.id}": "yes", "action": "submit"})
    assert error_summary(response.text) == ["Answer this question."]  # now the follow-up applies
    response = client.post(
        url,
        data={**COMPLETE, f"q_{laptop.id}": "no", f"q_{which.id}": "ignored", "action": "submit"},
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.answers == {str(laptop.id): "no"}


def test_photo_consent_and_ethnicity_are_optional_and_kept_apart(client, login_as, db):
    login_as("youth")
    application = start(client, CampFactory())
    data = {**COMPLETE, "photo_consent": "y", "ethnicity": ["uzbek", "kyrgyz"], "action": "submit"}
    client.post(f"/applications/{application.id}", data=data)
    db.session.refresh(application)
    assert application.photo_consent_at is not None
    groups = db.session.scalars(
        sa.select(ApplicationEthnicity.group).where(
            ApplicationEthnicity.application_id == application.id
        )
    ).all()
    assert sorted(groups) == ["kyrgyz", "uzbek"]
    assert "uzbek" not in client.get(f"/applications/{application.id}").text


def test_applicant_sees_status_and_reason_and_confirms(client, login_as, db):
    user = login_as("youth")
    application = ApplicationFactory(
        applicant=user, status=S.ACCEPTED, offer_expires_on=local_today() + timedelta(days=3)
    )
    page = client.get(f"/applications/{application.id}?lang=ru").text
    assert translated("Accepted, waiting for confirmation", "ru") in page
    assert client.post(f"/applications/{application.id}/confirm").status_code == 302
    db.session.refresh(application)
    assert application.status is S.CONFIRMED


def test_rejection_reason_is_shown_to_the_applicant(client, login_as, db):
    user = login_as("youth")
    application = ApplicationFactory(
        applicant=user, status=S.REJECTED, decision_reason="Орун калган жок."
    )
    assert "Орун калган жок." in client.get(f"/applications/{application.id}").text


def test_confirming_after_the_deadline_is_refused(client, login_as, db):
    user = login_as("youth")
    application = ApplicationFactory(
        applicant=user, status=S.ACCEPTED, offer_expires_on=local_today() - timedelta(days=1)
    )
    client.post(f"/applications/{application.id}/confirm")
    db.session.refresh(application)
    assert application.status is S.ACCEPTED


def test_minor_cannot_confirm_without_guardian_consent(client, login_as, db):
    user = login_as("youth", date_of_birth=years_ago(16))
    application = ApplicationFactory(applicant=user, status=S.ACCEPTED)
    client.post(f"/applications/{application.id}/confirm")
    db.session.refresh(application)
    assert application.status is S.ACCEPTED
    GuardianConsentFactory(application=application)
    client.post(f"/applications/{application.id}/confirm")
    db.session.refresh(application)
    assert application.status is S.CONFIRMED


def test_withdrawn_applicant_may_apply_again_while_open(client, login_as, db):
    user = login_as("youth")
    application = ApplicationFactory(applicant=user, status=S.SUBMITTED)
    client.post(f"/applications/{application.id}/withdraw", data={"confirm": "yes"})
    db.session.refresh(application)
    assert application.status is S.WITHDRAWN
    again = start(client, application.camp)
    assert again.id == application.id and again.status is S.DRAFT


def test_another_young_persons_application_is_hidden(client, login_as, db):
    login_as("youth")
    theirs = ApplicationFactory(applicant=UserFactory())
    assert client.get(f"/applications/{theirs.id}").status_code == 404
    for step in ("confirm", "decline", "withdraw"):
        assert client.post(f"/applications/{theirs.id}/{step}").status_code == 404
    db.session.refresh(theirs)
    assert theirs.status is S.SUBMITTED


def test_owner_sees_their_application(client, login_as, db):
    user = login_as("youth")
    mine = ApplicationFactory(applicant=user)
    assert client.get(f"/applications/{mine.id}").status_code == 200
    assert mine.camp.display_title in client.get("/applications").text


def test_the_service_drops_answers_to_questions_not_asked(db):
    """The rule lives in the service, whoever calls it: answers to a question removed from the
    form, or to a conditional question that does not apply, are not kept."""
    from portal.camps import services

    camp = CampFactory()
    laptop = CampQuestion(
        label={"ky": "Ноутбук барбы?"}, kind=QuestionKind.YES_NO, position=1, required=True
    )
    camp.questions.append(laptop)
    db.session.flush()
    which = CampQuestion(
        label={"ky": "Кайсы?"}, kind=QuestionKind.SHORT_TEXT, position=2,
        condition_question_id=laptop.id, condition_value="yes",
    )  # fmt: skip
    camp.questions.append(which)
    db.session.flush()
    application = ApplicationFactory(camp=camp, status=S.DRAFT, submitted_at=None)
    answers = {str(laptop.id): "no", str(which.id): "Lenovo", "999999": "an old question"}
    services.save_answers(application, ethnicity=[], photo_consent=False, answers=answers)
    assert application.answers == {str(laptop.id): "no"}


# --- photo/media consent ----------------------------------------------------------------------


def test_photo_consent_can_be_withdrawn_at_any_time_and_the_withdrawal_is_audited(
    client, login_as, db
):
    from portal.audit import AuditEvent
    from portal.extensions import utcnow

    user = login_as("youth")
    application = ApplicationFactory(applicant=user, status=S.CONFIRMED, photo_consent_at=utcnow())
    page = client.get(f"/applications/{application.id}?lang=en").text
    action = f'action="/applications/{application.id}/photo-consent/withdraw"'
    assert action in page and "Withdraw my photo consent" in page
    # Without the form's CSRF token nothing happens.
    assert (
        client.post(
            f"/applications/{application.id}/photo-consent/withdraw", csrf=False
        ).status_code
        == 400
    )
    response = client.post(f"/applications/{application.id}/photo-consent/withdraw")
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.photo_consent_at is None
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "application.photo_consent_withdrawn")
    )
    assert event.actor_id == user.id and event.object_id == application.id
    page = client.get(f"/applications/{application.id}?lang=en").text
    assert action not in page and "Not allowed" in page


def test_photo_consent_cannot_be_given_again_after_sending(client, login_as, db):
    login_as("youth")
    application = start(client, CampFactory())
    client.post(f"/applications/{application.id}", data={**COMPLETE, "action": "submit"})
    db.session.refresh(application)
    assert application.photo_consent_at is None
    response = client.post(
        f"/applications/{application.id}", data={**COMPLETE, "photo_consent": "y", "action": "save"}
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.photo_consent_at is None


# --- applying again after withdrawing ---------------------------------------------------------


def test_a_withdrawn_applicant_applies_again_through_the_pages(client, login_as, db):
    login_as("youth")
    camp = CampFactory()
    application = start(client, camp)
    client.post(f"/applications/{application.id}", data={**COMPLETE, "action": "submit"})
    client.post(f"/applications/{application.id}/withdraw", data={"confirm": "yes"})
    db.session.refresh(application)
    assert application.status is S.WITHDRAWN

    # Both the camp page and the application page offer to apply again.
    apply_form = f'action="/camps/{camp.id}/apply"'
    assert apply_form in client.get(f"/camps/{camp.id}?lang=en").text
    page = client.get(f"/applications/{application.id}?lang=en").text
    assert apply_form in page and "Apply again" in page

    response = client.post(f"/camps/{camp.id}/apply")
    assert response.headers["Location"] == f"/applications/{application.id}"
    form = client.get(response.headers["Location"]).text
    assert 'name="motivation"' in form and COMPLETE["motivation"] in form
    response = client.post(
        f"/applications/{application.id}",
        data={**COMPLETE, "motivation": "Дагы бир жолу аракет кылам.", "action": "submit"},
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status is S.SUBMITTED and application.submitted_at is not None
    assert [e.to_status for e in application.events] == [
        S.DRAFT, S.SUBMITTED, S.WITHDRAWN, S.DRAFT, S.SUBMITTED,
    ]  # fmt: skip
    listing = client.get("/applications?lang=en").text
    assert listing.count(f'/applications/{application.id}"') == 1 and "Sent" in listing


def test_no_apply_again_once_applications_are_closed(client, login_as, db):
    user = login_as("youth")
    camp = CampFactory(applications_close=local_today() - timedelta(days=1))
    application = ApplicationFactory(applicant=user, camp=camp, status=S.WITHDRAWN)
    assert f'action="/camps/{camp.id}/apply"' not in client.get(f"/camps/{camp.id}").text
    assert "Apply again" not in client.get(f"/applications/{application.id}?lang=en").text
    response = client.post(f"/camps/{camp.id}/apply?lang=en", follow_redirects=True)
    assert "Applications for this camp are not open." in response.text
    db.session.refresh(application)
    assert application.status is S.WITHDRAWN
