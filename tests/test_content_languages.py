"""Content organisers write for everyone follows the reader: camp venues and session places are
kept per language with the titles' fallback, and the migration keeps what was typed before."""

from datetime import timedelta

import sqlalchemy as sa

from portal.camps.models import Camp
from portal.extensions import db
from portal.i18n import local_today
from portal.security import Role
from portal.training.models import TrainingSession
from portal.translit import to_latin
from tests.factories import CampFactory
from tests.factories import ProgrammeFactory
from tests.factories import UserFactory
from tests.helpers import error_summary
from tests.test_camps_review import camp_data

VENUE = {
    "ky": "Ош шаардык жаштар борбору",
    "ru": "Ошский городской молодёжный центр",
    "uz_Cyrl": "Ўш шаҳар ёшлар маркази",
}


def test_a_camp_venue_is_written_and_shown_per_language(client, login_as, db):
    login_as("organiser")
    data = camp_data(venue_ky=VENUE["ky"], venue_ru=VENUE["ru"], venue_uz_Cyrl=VENUE["uz_Cyrl"])
    assert client.post("/manage/camps/new", data=data).status_code == 302
    camp = db.session.scalar(sa.select(Camp))
    assert camp.venue == VENUE
    client.post(f"/manage/camps/{camp.id}/status", data={"status": "published"})

    for lang, locale in (("ky", "ky"), ("ru", "ru"), ("uz", "uz_Cyrl")):
        page = client.get(f"/camps/{camp.id}?lang={lang}").text
        assert VENUE[locale] in page
        assert all(VENUE[other] not in page for other in VENUE if other != locale)
    assert to_latin(VENUE["uz_Cyrl"]) in client.get(f"/camps/{camp.id}?lang=uz-Latn").text
    form = client.get(f"/manage/camps/{camp.id}/edit").text
    assert all(f'value="{text}"' in form for text in VENUE.values())


def test_a_venue_in_one_language_is_shown_in_every_language(client, db):
    camp = CampFactory(venue={"ky": "Кара-Суу жаштар борбору"})
    for lang in ("ky", "ru", "uz"):
        assert "Кара-Суу жаштар борбору" in client.get(f"/camps/{camp.id}?lang={lang}").text


def test_a_camp_needs_its_venue_in_at_least_one_language(client, login_as, db):
    login_as("organiser")
    response = client.post("/manage/camps/new?lang=en", data=camp_data(venue_ky=""))
    assert response.status_code == 400
    assert "Write where the camp takes place." in error_summary(response.text)
    data = camp_data(venue_ky="", venue_uz_Cyrl=VENUE["uz_Cyrl"])
    assert client.post("/manage/camps/new", data=data).status_code == 302
    camp = db.session.scalar(sa.select(Camp))
    assert camp.venue == {"ky": "", "ru": "", "uz_Cyrl": VENUE["uz_Cyrl"]}
    assert camp.display_venue == VENUE["uz_Cyrl"]  # the fallback for a Kyrgyz reader


def test_a_session_place_is_written_and_shown_per_language(client, login_as, db):
    organiser = login_as("organiser")
    programme = ProgrammeFactory()
    response = client.post(
        f"/manage/programmes/{programme.id}/sessions",
        data={"starts_at": "2027-03-05T10:00", "place_ky": "Курстун WhatsApp тобу",
              "place_ru": "Группа курса в WhatsApp", "trainer": str(organiser.id)},
    )  # fmt: skip
    assert response.status_code == 302
    session = db.session.scalar(sa.select(TrainingSession))
    assert session.place == {
        "ky": "Курстун WhatsApp тобу", "ru": "Группа курса в WhatsApp", "uz_Cyrl": "",
    }  # fmt: skip
    assert "Группа курса в WhatsApp" in client.get("/training/sessions?lang=ru").text
    page = client.get("/training/sessions?lang=uz").text  # no Uzbek: Kyrgyz is the fallback
    assert "Курстун WhatsApp тобу" in page and "Группа курса" not in page

    response = client.post(
        f"/manage/programmes/{programme.id}/sessions?lang=en",
        data={"starts_at": "2027-03-06T10:00", "trainer": str(organiser.id)},
    )
    assert response.status_code == 400
    assert "Write where the session happens." in error_summary(response.text)


def test_the_migration_keeps_old_venues_places_and_notifications(tmp_path):
    from flask_migrate import downgrade
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with app.test_request_context("/?lang=ru"):
        upgrade(revision="0011_camp_integrity")
        run = db.session.execute
        # Rows as the older schema stored them: one text for everyone.
        camp_id = _old_camp(run)
        programme = ProgrammeFactory()
        run(
            sa.text(
                "INSERT INTO training_session (programme_id, starts_at, place) "
                "VALUES (:programme, :at, 'Osh youth centre, room 2')"
            ),
            {"programme": programme.id, "at": "2027-03-05 04:00:00.000000"},
        )
        user = UserFactory(roles={Role.YOUTH})
        run(
            sa.text(
                "INSERT INTO notification (user_id, created_at, message) "
                "VALUES (:user, CURRENT_TIMESTAMP, 'Кош келиңиз!')"
            ),
            {"user": user.id},
        )
        db.session.commit()
        upgrade()
        camp = db.session.get(Camp, camp_id)
        assert camp.venue == {"ky": "Kara-Suu, youth centre"}
        assert camp.display_venue == "Kara-Suu, youth centre"
        session = db.session.scalar(sa.select(TrainingSession))
        assert session.place == {"ky": "Osh youth centre, room 2"}
        from portal.notify import Notification

        notification = db.session.scalar(sa.select(Notification))
        assert notification.msgid is None and notification.text == "Кош келиңиз!"
        db.session.remove()
        downgrade(revision="0011_camp_integrity")
        assert run(sa.text("SELECT venue FROM camp")).scalar() == "Kara-Suu, youth centre"
        assert run(sa.text("SELECT place FROM training_session")).scalar() == (
            "Osh youth centre, room 2"
        )
        assert run(sa.text("SELECT COUNT(*) FROM notification")).scalar() == 1
        db.session.remove()


def _old_camp(run) -> int:
    start = local_today() + timedelta(days=30)
    return run(
        sa.text(
            "INSERT INTO camp (title, description, region_code, venue, start_date, end_date, "
            "applications_open, applications_close, confirmation_deadline, capacity, min_age, "
            "max_age, eligible_regions, languages, targets, status, created_at) VALUES "
            "('{\"ky\": \"Лагерь\"}', '{}', 'KG-O', 'Kara-Suu, youth centre', :start, :end, "
            ":open, :close, :confirm, 20, 14, 25, '[]', '[\"ky\"]', '{}', 'published', "
            "CURRENT_TIMESTAMP) RETURNING id"
        ),
        {"start": start, "end": start + timedelta(days=2), "open": local_today(),
         "close": start - timedelta(days=5), "confirm": start - timedelta(days=2)},
    ).scalar()  # fmt: skip
