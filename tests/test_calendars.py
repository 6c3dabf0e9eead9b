"""Calendar feeds: a person's secret link to their camps and sessions, a public camp's feed."""

import re
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa

from portal.accesslog import redact
from portal.accounts import privacy
from portal.audit import AuditEvent
from portal.calendars.models import CalendarFeed
from portal.camps.models import ApplicationStatus
from portal.camps.models import CampStatus
from portal.extensions import utcnow
from portal.i18n import BISHKEK
from portal.security import Role
from portal.training.models import EnrolmentStatus
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import EnrolmentFactory
from tests.factories import ModuleFactory
from tests.factories import ProgrammeFactory
from tests.factories import TrainingSessionFactory
from tests.factories import UserFactory
from tests.helpers import translated

BASE = "https://portal.example.org"
LINK = re.compile(r'value="(https?://[^"]+/calendar/([^"/]+)\.ics)"')


def make_link(client, **headers) -> tuple[str, str]:
    """Press "turn on" / "make a new link" as the signed-in person: (the link, its token)."""
    page = client.post("/account/calendar/reset", headers=headers)
    assert page.status_code == 200
    link, token = LINK.search(page.text).groups()
    return link, token


def feed(client, token: str, **kwargs):
    """The feed as a calendar app fetches it: without the person's session."""
    with client.session_transaction() as session:
        session.clear()
    return client.get(f"/calendar/{token}.ics", **kwargs)


def events(response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.data)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_holds_my_camps_and_my_programmes_sessions_and_nobody_elses(client, login_as, db):
    me = login_as("youth")
    confirmed = ApplicationFactory(applicant=me, status=ApplicationStatus.CONFIRMED)
    accepted = ApplicationFactory(applicant=me, status=ApplicationStatus.ACCEPTED)
    ApplicationFactory(applicant=me, status=ApplicationStatus.SUBMITTED)
    ApplicationFactory(applicant=me, status=ApplicationStatus.DECLINED)
    others_camp = ApplicationFactory(status=ApplicationStatus.CONFIRMED).camp
    programme = ProgrammeFactory()
    EnrolmentFactory(person=me, programme=programme)
    module = ModuleFactory(programme=programme, title={"ky": "Демократия"})
    mine = [
        TrainingSessionFactory(programme=programme, module=module,
                               starts_at=utcnow() + timedelta(days=3)),
        TrainingSessionFactory(programme=programme),
    ]  # fmt: skip
    other_session = TrainingSessionFactory()  # a programme I am not in
    left = EnrolmentFactory(person=me, status=EnrolmentStatus.DROPPED)
    left_session = TrainingSessionFactory(programme=left.programme)
    _link, token = make_link(client)

    found = events(feed(client, token))

    assert set(found) == {
        f"camp-{confirmed.camp_id}@portal.example.org",
        f"camp-{accepted.camp_id}@portal.example.org",
        *(f"training-session-{session.id}@portal.example.org" for session in mine),
    }
    camp = found[f"camp-{confirmed.camp_id}@portal.example.org"]
    assert camp["STATUS"] == "CONFIRMED"
    assert camp.start == confirmed.camp.start_date
    assert camp.end == confirmed.camp.end_date + timedelta(days=1)  # all day, end exclusive
    assert str(camp["LOCATION"]).startswith("Кара-Суу жаштар борбору")
    assert found[f"camp-{accepted.camp_id}@portal.example.org"]["STATUS"] == "TENTATIVE"
    session = found[f"training-session-{mine[0].id}@portal.example.org"]
    assert str(session["SUMMARY"]) == "Демократия"
    assert "Жаштар элчилери" in str(session["DESCRIPTION"])
    assert str(session["LOCATION"]) == "Ош жаштар борбору"
    for event in found.values():
        assert event["DTSTAMP"] and event["UID"]
    text = feed(client, token).text
    assert f"camp-{others_camp.id}@" not in text
    assert f"training-session-{other_session.id}@" not in text
    assert f"training-session-{left_session.id}@" not in text


def test_session_times_are_in_bishkek_with_the_zone_named(client, login_as, db):
    me = login_as("youth")
    enrolment = EnrolmentFactory(person=me)
    starts = datetime(2026, 12, 10, 9, 30, tzinfo=UTC)  # 15:30 in Bishkek
    session = TrainingSessionFactory(programme=enrolment.programme, starts_at=starts)
    _link, token = make_link(client)
    response = feed(client, token)

    event = events(response)[f"training-session-{session.id}@portal.example.org"]
    assert event.start == starts
    assert event.start.astimezone(BISHKEK).hour == 15
    assert event.start.tzinfo.key == "Asia/Bishkek"
    assert event.end - event.start == timedelta(hours=2)
    raw = response.text.replace("\r\n ", "")
    assert "DTSTART;TZID=Asia/Bishkek:20261210T153000" in raw
    assert "BEGIN:VTIMEZONE\r\nTZID:Asia/Bishkek" in raw
    assert "TZOFFSETTO:+0600" in raw
    assert re.search(r"DTSTAMP:\d{8}T\d{6}Z", raw)


@pytest.mark.parametrize("locale", ["ky", "ru", "uz_Cyrl"])
def test_summaries_speak_the_persons_saved_language(client, login_as, db, locale):
    me = login_as("youth", locale=locale)
    application = ApplicationFactory(applicant=me, status=ApplicationStatus.CONFIRMED)
    enrolment = EnrolmentFactory(person=me)
    session = TrainingSessionFactory(programme=enrolment.programme)
    _link, token = make_link(client)
    # The calendar app's own language (or a ?lang=) does not change the person's feed.
    response = feed(client, token, query_string={"lang": "en"}, headers={"Accept-Language": "en"})

    found = events(response)
    camp = found[f"camp-{application.camp_id}@portal.example.org"]
    title = application.camp.title[locale]
    assert str(camp["SUMMARY"]) == translated("Camp: %(title)s", locale, title=title)
    assert str(camp["SUMMARY"]) != f"Camp: {title}"
    programme = enrolment.programme.title[locale]
    assert str(found[f"training-session-{session.id}@portal.example.org"]["SUMMARY"]) == (
        translated("Training: %(programme)s", locale, programme=programme)
    )
    calendar = icalendar.Calendar.from_ical(response.data)
    assert calendar.calendar_name == translated("Jashtar: my camps and training", locale)
    assert "confirmed" not in response.text.lower().replace("status:confirmed", "")


def test_making_a_new_link_voids_the_old_one_and_turning_off_voids_it_too(client, login_as, db):
    me = login_as("youth")
    _link, old = make_link(client)
    with client.session_transaction() as session:
        session["_user_id"] = me.get_id()
    _link, new = make_link(client)
    assert old != new and len(new) >= 22  # ≥ 128 bits of urlsafe base64

    assert feed(client, old).status_code == 404
    assert feed(client, new).status_code == 200
    stored = db.session.get(CalendarFeed, me.id)
    assert new not in stored.token_hash and len(stored.token_hash) == 64

    with client.session_transaction() as session:
        session["_user_id"] = me.get_id()
    assert client.post("/account/calendar/off").status_code == 302
    assert feed(client, new).status_code == 404
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == me.id,
                                           AuditEvent.action.like("calendar.%"))
        .order_by(AuditEvent.id)
    ).all()  # fmt: skip
    assert actions == ["calendar.reset", "calendar.reset", "calendar.off"]


def test_a_bad_token_is_not_found_and_the_feed_takes_no_post(client, login_as, db):
    login_as("youth")
    _link, token = make_link(client)
    assert feed(client, "x" * 43).status_code == 404
    assert feed(client, "x" * 500).status_code == 404
    assert feed(client, token[:-1]).status_code == 404
    assert client.post(f"/calendar/{token}.ics").status_code == 405


def test_a_switched_off_or_erased_account_has_no_feed(client, login_as, db):
    me = login_as("youth")
    _link, token = make_link(client)
    me.active = False
    db.session.commit()
    assert feed(client, token).status_code == 404
    me.active = True
    db.session.commit()
    assert feed(client, token).status_code == 200
    privacy.erase(me, by=UserFactory(roles={Role.ADMIN}))
    db.session.commit()
    assert db.session.get(CalendarFeed, me.id) is None
    assert feed(client, token).status_code == 404


@pytest.fixture
def forged(app, monkeypatch):
    """An attacker's own request (CSRF off, so the forged Host is what is tested)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)


@pytest.mark.parametrize("header", ["Host", "X-Forwarded-Host"])
def test_the_link_comes_from_base_url_whatever_the_host_header(
    client, login_as, db, forged, header
):
    me = login_as("youth")
    # The attacker's browser holds a session for the host they forge.
    with client.session_transaction(headers={header: "evil.example"}) as session:
        session["_user_id"] = me.get_id()
    link, token = make_link(client, **{header: "evil.example"})
    assert link == f"{BASE}/calendar/{token}.ics"
    page = client.post("/account/calendar/reset", headers={header: "evil.example"}).text
    assert "evil.example" not in page
    assert 'href="webcal://portal.example.org/calendar/' in page


def test_the_page_shows_the_link_only_when_it_is_made(client, login_as, db):
    login_as("youth")
    assert "/calendar/" not in client.get("/account/calendar").text.replace("/account/calendar", "")
    _link, token = make_link(client)
    page = client.get("/account/calendar?lang=en").text
    assert token not in page
    assert "Make a new link" in page and "Turn off" in page
    assert 'href="/account/calendar"' in client.get("/account/profile").text


def test_the_feed_carries_no_sensitive_details(client, login_as, db):
    me = login_as("youth")
    application = ApplicationFactory(
        applicant=me, status=ApplicationStatus.CONFIRMED, needs="Астма, ингалятор",
        guardian_name="Айгүл Токтосунова", emergency_phone="+996555000111",
        motivation="Менин себебим",
    )  # fmt: skip
    _link, token = make_link(client)
    text = feed(client, token).text.replace("\r\n ", "")
    for secret in ("Астма", "Токтосунова", "+996555000111", "Менин себебим", me.full_name,
                   me.email):  # fmt: skip
        assert secret not in text
    assert f"camp-{application.camp_id}@" in text


def test_a_cancelled_camp_is_marked_cancelled_and_a_moved_session_says_when(client, login_as, db):
    me = login_as("youth")
    application = ApplicationFactory(applicant=me, status=ApplicationStatus.CONFIRMED)
    application.camp.status = CampStatus.CANCELLED
    enrolment = EnrolmentFactory(person=me)
    session = TrainingSessionFactory(programme=enrolment.programme)
    session.updated_at = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.commit()
    _link, token = make_link(client)
    before = events(feed(client, token))
    uid = f"training-session-{session.id}@portal.example.org"
    assert before[f"camp-{application.camp_id}@portal.example.org"]["STATUS"] == "CANCELLED"
    assert before[uid].last_modified == datetime(2026, 1, 1, tzinfo=UTC)

    session.starts_at = session.starts_at + timedelta(hours=3)
    db.session.commit()
    after = events(feed(client, token))[uid]
    assert after.start == before[uid].start + timedelta(hours=3)
    assert after.last_modified > before[uid].last_modified
    assert after["DTSTAMP"].dt >= after.last_modified


def test_the_feed_costs_the_same_queries_for_1_and_20_sessions(client, login_as, db, count_queries):
    me = login_as("youth")
    ApplicationFactory(applicant=me, status=ApplicationStatus.CONFIRMED)
    enrolment = EnrolmentFactory(person=me)
    module = ModuleFactory(programme=enrolment.programme)
    TrainingSessionFactory(programme=enrolment.programme, module=module)
    _link, token = make_link(client)
    with client.session_transaction() as session:
        session.clear()
    with count_queries() as one:
        assert len(events(client.get(f"/calendar/{token}.ics"))) == 2
    for day in range(19):
        TrainingSessionFactory(programme=enrolment.programme, module=module,
                               starts_at=utcnow() + timedelta(days=day))  # fmt: skip
    for _ in range(3):
        ApplicationFactory(applicant=me, status=ApplicationStatus.ATTENDED)
    other = EnrolmentFactory(person=me)
    TrainingSessionFactory(programme=other.programme, module=ModuleFactory())
    with count_queries() as twenty:
        assert len(events(client.get(f"/calendar/{token}.ics"))) == 25
    assert one.total == twenty.total <= 4


# --- a public camp's feed ----------------------------------------------------------------------


def test_a_published_camps_feed_speaks_the_readers_language(client, db):
    camp = CampFactory(start_date=date(2027, 3, 1), end_date=date(2027, 3, 3))
    response = client.get(f"/camps/{camp.id}/calendar.ics?lang=ru")
    (event,) = events(response).values()
    assert str(event["UID"]) == f"camp-{camp.id}@portal.example.org"  # as in a person's feed
    assert str(event["SUMMARY"]) == translated("Camp: %(title)s", "ru", title="Лагерь мира")
    assert str(event["LOCATION"]).startswith("Молодёжный центр Кара-Суу")
    assert (event.start, event.end) == (date(2027, 3, 1), date(2027, 3, 4))
    assert f"{BASE}/camps/{camp.id}" in str(event["DESCRIPTION"])
    client.delete_cookie("lang")
    uz = events(client.get(f"/camps/{camp.id}/calendar.ics", headers={"Accept-Language": "uz"}))
    assert str(next(iter(uz.values()))["SUMMARY"]) == translated(
        "Camp: %(title)s", "uz_Cyrl", title="Тинчлик лагери"
    )


@pytest.mark.parametrize("status", [CampStatus.DRAFT, CampStatus.CANCELLED])
def test_a_hidden_camp_has_no_feed_not_even_for_organisers(client, login_as, db, status):
    camp = CampFactory(status=status)
    assert client.get(f"/camps/{camp.id}/calendar.ics").status_code == 404
    login_as("organiser")
    assert client.get(f"/camps/{camp.id}/calendar.ics").status_code == 404
    assert f"/camps/{camp.id}/calendar.ics" not in client.get(f"/camps/{camp.id}").text
    assert client.get("/camps/999999/calendar.ics").status_code == 404


def test_the_camp_page_offers_add_to_calendar(client, db):
    camp = CampFactory()
    page = client.get(f"/camps/{camp.id}?lang=ru").text
    assert f'href="/camps/{camp.id}/calendar.ics"' in page
    assert translated("Add to calendar", "ru") in page


def test_the_access_log_never_writes_a_calendar_token():
    line = redact('"GET /calendar/s3cr3t-t0ken.ics HTTP/1.1" 200 "/account/calendar"')
    assert "s3cr3t" not in line and "/calendar/<token>.ics" in line
    assert "/account/calendar" in line
