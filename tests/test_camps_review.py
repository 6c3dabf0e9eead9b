"""Organisers set up camps, review applications and decide, alone or in bulk."""

import html
import re
from datetime import timedelta

import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.camps import queries
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import Camp
from portal.camps.models import CampQuestion
from portal.camps.models import CampStatus
from portal.camps.models import QuestionKind
from portal.i18n import local_today
from portal.i18n import short_date
from portal.notify import Notification
from portal.notify import OutboundEmail
from portal.security import Role
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import GuardianConsentFactory
from tests.factories import UserFactory
from tests.factories import minor
from tests.helpers import error_summary
from tests.helpers import translated


def ticked(page: str) -> set[int]:
    """The applications ticked in a list page."""
    return {
        int(number)
        for number in re.findall(r'name="applications" value="([0-9]+)"[^>]*\schecked', page)
    }


def camp_data(**changes):
    start = local_today() + timedelta(days=40)
    data = {
        "title_ky": "Жаңы лагерь", "title_ru": "Новый лагерь", "title_uz_Cyrl": "",
        "description_ky": "Үч күн", "region": "KG-J", "venue_ky": "Arslanbob",
        "start_date": start.isoformat(), "end_date": (start + timedelta(days=2)).isoformat(),
        "applications_open": local_today().isoformat(),
        "applications_close": (start - timedelta(days=10)).isoformat(),
        "confirmation_deadline": (start - timedelta(days=3)).isoformat(),
        "capacity": "24", "min_age": "14", "max_age": "25", "eligible_regions": ["KG-J", "KG-O"],
        "languages": ["ky", "uz"],
    }  # fmt: skip
    data.update(changes)
    return data


def test_organiser_creates_publishes_and_closes_a_camp(client, login_as, db):
    login_as("organiser")
    response = client.post("/manage/camps/new", data=camp_data())
    assert response.status_code == 302
    camp = db.session.scalar(sa.select(Camp))
    assert camp.status is CampStatus.DRAFT
    assert camp.title == {"ky": "Жаңы лагерь", "ru": "Новый лагерь", "uz_Cyrl": ""}
    assert camp.eligible_regions == ["KG-J", "KG-O"]
    assert "Жаңы лагерь" not in client.get("/camps").text

    client.post(f"/manage/camps/{camp.id}/status", data={"status": "published"})
    assert "Жаңы лагерь" in client.get("/camps").text
    client.post(f"/manage/camps/{camp.id}/status", data={"status": "closed"})
    db.session.refresh(camp)
    assert camp.status is CampStatus.CLOSED
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["camp.created", "camp.published", "camp.closed"]


def test_camp_form_explains_date_problems_and_keeps_input(client, login_as, db):
    login_as("organiser")
    data = camp_data(
        end_date=(local_today() + timedelta(days=1)).isoformat(), title_ky="", title_ru=""
    )
    data["title_uz_Cyrl"] = ""
    response = client.post("/manage/camps/new?lang=en", data=data)
    assert response.status_code == 400
    messages = error_summary(response.text)
    assert "Give the camp a title in at least one language." in messages
    assert "The last day cannot be before the first day." in messages
    assert 'value="Arslanbob"' in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Camp)) == 0


def test_cancelling_tells_applicants(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory()
    client.post(
        f"/manage/camps/{application.camp_id}/status",
        data={"status": "cancelled", "confirm": "yes"},
    )
    notice = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == application.user_id)
    )
    assert notice is not None


def option_rows(*rows) -> dict:
    """The builder's option rows: each (ky, ru, uz_Cyrl), optionally with its stored value."""
    data = {}
    for index, row in enumerate(rows):
        *texts, value = row if len(row) == 4 else (*row, "")
        for locale, text in zip(("ky", "ru", "uz_Cyrl"), texts, strict=True):
            data[f"options-{index}-text_{locale}"] = text
        data[f"options-{index}-value"] = value
    return data


def test_questions_are_added_with_options_and_removed(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    page = client.get(f"/manage/camps/{camp.id}?lang=en").text
    # Pickers and one field per language, no pipes to type.
    assert '<select class="input" id="kind" name="kind">' in page
    assert "Option in Kyrgyz" in page and "Option in Russian" in page and "Option in Uzbek" in page
    assert 'id="options-3-text_uz_Cyrl"' in page  # four empty option rows
    assert "|" not in page.split('id="questions-title"')[1]
    rows = option_rows(("Эт", "Мясо", "Гўшт"), ("", "", ""), ("Жашылча", "Овощи", "Сабзавот"))
    data = {"kind": "choice", "label_ky": "Кайсы тамак?", "required": "y", **rows}
    assert client.post(f"/manage/camps/{camp.id}/questions", data=data).status_code == 302
    db.session.refresh(camp)
    [question] = camp.questions
    assert question.choices == [
        {"value": "1", "label": {"ky": "Эт", "ru": "Мясо", "uz_Cyrl": "Гўшт"}},
        {"value": "2", "label": {"ky": "Жашылча", "ru": "Овощи", "uz_Cyrl": "Сабзавот"}},
    ]
    bad = client.post(
        f"/manage/camps/{camp.id}/questions?lang=en",
        data={"kind": "choice", "label_ky": "?", **option_rows(("бир", "", ""))},
    )
    assert bad.status_code == 400
    assert "Give at least two options, each in at least one language." in error_summary(bad.text)
    assert 'value="бир"' in bad.text  # what was typed stays
    client.post(f"/manage/camps/{camp.id}/questions/{question.id}/delete")
    db.session.refresh(camp)
    assert camp.questions == []


def test_the_builders_messages_are_translated(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    bad = client.post(f"/manage/camps/{camp.id}/questions?lang=ru", data={"kind": "choice"})
    assert error_summary(bad.text) == [
        html.unescape(translated("Write the question in at least one language.", "ru")),
        html.unescape(
            translated("Give at least two options, each in at least one language.", "ru")
        ),
    ]


def test_more_option_rows_without_javascript_keeps_what_was_typed(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    data = {"kind": "choice", "label_ky": "Кайсы?", "action": "more_options",
            **option_rows(("a", "", ""), ("b", "", ""), ("c", "", ""), ("d", "", ""))}  # fmt: skip
    page = client.post(f"/manage/camps/{camp.id}/questions", data=data)
    assert page.status_code == 200
    assert 'id="options-7-text_ky"' in page.text and 'value="d"' in page.text
    assert 'value="Кайсы?"' in page.text
    assert camp.questions == []


def test_a_condition_is_picked_from_the_earlier_questions_answers(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    laptop = CampQuestion(camp=camp, kind=QuestionKind.YES_NO, label={"ky": "Ноутбук барбы?"},
                          position=1)  # fmt: skip
    food = CampQuestion(camp=camp, kind=QuestionKind.CHOICE, label={"ky": "Тамак"}, position=2,
                        choices=[{"value": "1", "label": {"ky": "Эт"}},
                                 {"value": "2", "label": {"ky": "Жашылча"}}])  # fmt: skip
    db.session.add_all([laptop, food])
    db.session.commit()
    page = client.get(f"/manage/camps/{camp.id}?lang=en").text
    assert f'<option value="{laptop.id}:yes">Only when “Ноутбук барбы?” is answered “Yes”' in page
    assert f'<option value="{food.id}:2">Only when “Тамак” is answered “Жашылча”' in page
    data = {"kind": "short_text", "label_ky": "Кандай ноутбук?", "condition": f"{laptop.id}:yes"}
    assert client.post(f"/manage/camps/{camp.id}/questions", data=data).status_code == 302
    db.session.refresh(camp)
    which = camp.questions[-1]
    assert (which.condition_question_id, which.condition_value) == (laptop.id, "yes")
    # A forged condition (a question of another camp, an answer nobody offers) is refused.
    forged = client.post(
        f"/manage/camps/{camp.id}/questions?lang=en",
        data={**data, "condition": f"{laptop.id}:maybe"},
    )
    assert forged.status_code == 400 and "Not a valid choice." in error_summary(forged.text)


def test_an_existing_question_is_changed_and_its_options_keep_their_values(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    food = CampQuestion(camp=camp, kind=QuestionKind.CHOICE, label={"ky": "Тамак"}, position=1,
                        choices=[{"value": "1", "label": {"ky": "Эт"}},
                                 {"value": "2", "label": {"ky": "Жашылча"}}])  # fmt: skip
    db.session.add(food)
    db.session.commit()
    url = f"/manage/camps/{camp.id}/questions/{food.id}"
    page = client.get(url + "?lang=en").text
    assert 'value="Тамак"' in page and 'value="Жашылча"' in page
    assert '<option selected value="choice">' in page
    data = {"kind": "choice", "label_ky": "Кандай тамак?", "label_ru": "Какая еда?",
            **option_rows(("Жашылча", "Овощи", "", "2"), ("Балык", "Рыба", "", ""))}  # fmt: skip
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(food)
    assert food.label == {"ky": "Кандай тамак?", "ru": "Какая еда?", "uz_Cyrl": ""}
    assert food.choices == [
        {"value": "2", "label": {"ky": "Жашылча", "ru": "Овощи", "uz_Cyrl": ""}},
        {"value": "3", "label": {"ky": "Балык", "ru": "Рыба", "uz_Cyrl": ""}},
    ]
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "camp.question_changed")
    )


def test_another_camps_question_cannot_be_changed_through_this_camp(client, login_as, db):
    login_as("organiser")
    question = CampQuestion(camp=CampFactory(), kind=QuestionKind.SHORT_TEXT, label={"ky": "?"})
    db.session.add(question)
    db.session.commit()
    assert (
        client.get(f"/manage/camps/{CampFactory().id}/questions/{question.id}").status_code == 404
    )


def test_camp_list_counts_applications_by_status_without_n_plus_one(
    login_as, assert_constant_queries, client
):
    login_as("organiser")
    camp = CampFactory()
    ApplicationFactory(camp=camp)

    def add_rows():
        for _ in range(6):
            other = CampFactory()
            ApplicationFactory(camp=other, status=S.WAITLISTED)

    assert_constant_queries("/manage/camps", add_rows)
    assert '<td class="num">1</td>' in client.get("/manage/camps").text


def test_review_list_filters_and_sorts(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    girl = ApplicationFactory(
        camp=camp,
        applicant=UserFactory(
            full_name="Айпери", gender="female", region_code="KG-B", district_code="KG-B-LEILEK"
        ),
        score=5,
    )
    boy = ApplicationFactory(
        camp=camp,
        applicant=UserFactory(full_name="Тилек", gender="male"),
        score=3,
        spoken_languages=["uz"],
    )
    young = ApplicationFactory(camp=camp, applicant=minor(full_name="Жаныл"), status=S.WAITLISTED)
    ApplicationFactory(camp=camp, applicant=UserFactory(full_name="Долбоор"), status=S.DRAFT)

    def names(query):
        page = client.get(f"/manage/camps/{camp.id}/applications?{query}").text
        return [n for n in ("Айпери", "Тилек", "Жаныл", "Долбоор") if n in page]

    assert names("") == ["Айпери", "Тилек", "Жаныл"]
    assert names("region=KG-B") == ["Айпери"]
    assert names("district=KG-B-LEILEK") == ["Айпери"]
    assert names("gender=male") == ["Тилек"]
    assert names("language=uz") == ["Тилек"]
    assert names("status=waitlisted") == ["Жаныл"]
    assert names("age_band=16-17") == ["Жаныл"]
    assert names("consent=missing") == ["Жаныл"]
    assert names("q=тил") == ["Тилек"]
    page = client.get(f"/manage/camps/{camp.id}/applications?sort=score").text
    assert page.index("Айпери") < page.index("Тилек")
    GuardianConsentFactory(application=young)
    assert names("consent=missing") == []
    assert girl and boy


def test_offers_sort_soonest_end_first_and_show_their_date(app, client, login_as, db):
    """The home's "offers expiring" to-do opens the accepted applicants with the offer that
    ends first on top, each with the date it ends."""
    login_as("organiser")
    camp = CampFactory()
    today = local_today()
    later = ApplicationFactory(
        camp=camp, status=S.ACCEPTED, offer_expires_on=today + timedelta(days=6)
    )
    sooner = ApplicationFactory(
        camp=camp, status=S.ACCEPTED, offer_expires_on=today + timedelta(days=1)
    )
    page = client.get(
        f"/manage/camps/{camp.id}/applications?status=accepted&sort=offer&lang=en"
    ).text
    assert page.index(sooner.applicant.full_name) < page.index(later.applicant.full_name)
    with app.test_request_context("/?lang=en"):
        assert f"confirms by {short_date(sooner.offer_expires_on)}" in page
    neighbours = queries.neighbours(camp, sooner, filters={"status": "accepted", "sort": "offer"})
    assert neighbours == (None, later.id)


def test_review_list_query_count_does_not_grow(login_as, assert_constant_queries):
    login_as("organiser")
    camp = CampFactory(capacity=500)
    ApplicationFactory(camp=camp, applicant=minor())

    def add_rows():
        for number in range(30):
            person = minor() if number % 2 else UserFactory()
            application = ApplicationFactory(camp=camp, applicant=person)
            if number % 4 == 1:
                GuardianConsentFactory(application=application)

    assert_constant_queries(f"/manage/camps/{camp.id}/applications", add_rows)


def test_viewing_a_minors_sensitive_fields_is_audited(client, login_as, db):
    organiser = login_as("organiser")
    young = ApplicationFactory(applicant=minor(), needs="Астма", guardian_name="Гүлзат")
    adult = ApplicationFactory(needs="Вегетарианец")
    page = client.get(f"/manage/applications/{young.id}").text
    assert "Астма" in page and "Гүлзат" in page
    client.get(f"/manage/applications/{adult.id}")
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "application.sensitive_viewed")
    ).all()
    assert [(e.object_id, e.actor_id) for e in events] == [(young.id, organiser.id)]


def test_score_and_private_notes_stay_with_organisers(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory()
    client.post(
        f"/manage/applications/{application.id}/review",
        data={"score": "4", "notes": "Жакшы жооптор"},
    )
    db.session.refresh(application)
    assert (application.score, application.notes) == (4, "Жакшы жооптор")
    client.post("/auth/logout")
    with client.session_transaction() as session:
        session["_user_id"] = application.applicant.get_id()
    assert "Жакшы жооптор" not in client.get(f"/applications/{application.id}").text


def test_decision_needs_a_reason_for_a_rejection(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory()
    response = client.post(
        f"/manage/applications/{application.id}/decide?lang=en", data={"decision": "rejected"}
    )
    assert response.status_code == 400
    assert error_summary(response.text) == ["Write a short reason for the applicant."]


def test_blank_decision_forms_are_kept_per_choices_and_drawn_afresh_with_errors(
    client, login_as, db, monkeypatch
):
    """The decision form is kept rendered (forms.kept_fields) under its choices and values: a
    full camp offers no "Accept", and a form sent back with an error shows that error and the
    choice made, never a kept blank one."""
    from portal import fragments

    monkeypatch.setattr(fragments, "KEPT", {})
    login_as("organiser")
    camp = CampFactory(capacity=1)
    application = ApplicationFactory(camp=camp)
    page = f"/manage/applications/{application.id}?lang=en"
    first = client.get(page).text
    assert 'value="accepted"' in first and 'value="rejected"' in first
    kept = [key for key in fragments.KEPT if key[0] == "fields"]
    assert len(kept) == 2  # the review form and the decision form, drawn once
    assert masked(client.get(page).text) == masked(first)
    assert [key for key in fragments.KEPT if key[0] == "fields"] == kept
    russian = client.get(page.replace("lang=en", "lang=ru")).text  # the labels are lazy
    assert translated("Reject", "ru") in russian and ">Reject<" not in russian
    assert masked(client.get(page).text) == masked(first)
    ApplicationFactory(camp=camp, status=S.ACCEPTED)  # the camp is full now
    full = client.get(page).text
    assert 'value="accepted"' not in full and 'value="waitlisted"' in full
    sent_back = client.post(
        f"/manage/applications/{application.id}/decide?lang=en", data={"decision": "rejected"}
    ).text
    assert 'checked id="decision-' in sent_back and 'aria-invalid="true"' in sent_back
    assert "Write a short reason for the applicant." in sent_back
    assert not any("Write a short reason" in html for html in fragments.KEPT.values())


def masked(page: str) -> str:
    """The page with its CSRF tokens (new on every request) blanked."""
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", page)


def test_decision_is_saved_with_history_audit_and_news_in_the_applicants_language(
    client, login_as, db
):
    organiser = login_as("organiser")
    application = ApplicationFactory(applicant=UserFactory(locale="uz_Cyrl"))
    response = client.post(
        f"/manage/applications/{application.id}/decide",
        data={"decision": "rejected", "reason": "Бу сафар жой қолмади."},
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status is S.REJECTED
    assert application.events[-1].actor_id == organiser.id
    assert application.events[-1].reason == "Бу сафар жой қолмади."
    audit = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "application.decided")
    )
    assert audit.details == {"decision": "rejected"}
    email = db.session.scalar(sa.select(OutboundEmail).order_by(OutboundEmail.id.desc()))
    assert email.subject == translated("News about your camp application", "uz_Cyrl")
    expected = translated(
        "We could not offer you a place at this camp. See the reason in your application.",
        "uz_Cyrl",
    )
    assert expected in email.body


def test_minor_cannot_be_accepted_without_consent(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    response = client.post(
        f"/manage/applications/{application.id}/decide?lang=en", data={"decision": "accepted"}
    )
    assert response.status_code == 400
    assert error_summary(response.text) == [
        "Record the guardian's consent before accepting a minor."
    ]
    db.session.refresh(application)
    assert application.status is S.SUBMITTED


def test_bulk_decisions_apply_to_each_and_report_refusals(client, login_as, db):
    login_as("organiser")
    camp = CampFactory(capacity=2)
    adults = [ApplicationFactory(camp=camp) for _ in range(3)]
    young = ApplicationFactory(camp=camp, applicant=minor(full_name="Жаш бала"))
    ids = [a.id for a in adults] + [young.id]
    response = client.post(
        f"/manage/camps/{camp.id}/applications/decide?lang=en",
        data={"applications": ids, "decision": "accepted"},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "Decision saved for 2 applications." in page
    third = adults[2].applicant.full_name
    assert f"Not changed for 1 application ({third}): The camp is full." in page
    assert "Not changed for 1 application (Жаш бала): Record the guardian" in page
    # What could not change stays ticked, to try another decision on it.
    assert ticked(page) == {adults[2].id, young.id}
    statuses = db.session.scalars(
        sa.select(Application.status).where(Application.camp_id == camp.id).order_by(Application.id)
    ).all()
    assert statuses == [S.ACCEPTED, S.ACCEPTED, S.SUBMITTED, S.SUBMITTED]


def test_organiser_tools_are_forbidden_to_others(client, login_as, db):
    application = ApplicationFactory()
    for role in (Role.YOUTH, Role.MENTOR):
        login_as(role)
        assert client.get(f"/manage/applications/{application.id}").status_code == 403
        assert (
            client.post(
                f"/manage/applications/{application.id}/decide", data={"decision": "accepted"}
            ).status_code
            == 403
        )
