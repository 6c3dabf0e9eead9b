"""The review list's orders by name and by age read indexes of the camp's own: each application
keeps its applicant's name key (camps/names.py), in step with every rename and erasure, and
the age it was sent at; neither order sorts the camp's applications through their people."""

import re

import pytest
import sqlalchemy as sa

from portal.accounts import privacy
from portal.camps import queries
from portal.camps.models import Application
from portal.extensions import db as _db
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.factories import minor


def key_of(db, application) -> str:
    return db.session.scalar(
        sa.select(Application.applicant_name_key).where(Application.id == application.id)
    )


def names_in_order(client, camp, query="sort=name") -> list[str]:
    page = client.get(f"/manage/camps/{camp.id}/applications?{query}").text
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', page)


def test_a_new_application_keeps_its_applicants_name_key(db):
    person = UserFactory(full_name="Айбек Асанов")
    made_by_relationship = ApplicationFactory(applicant=person)
    made_by_id = Application(camp=CampFactory(), user_id=UserFactory(full_name="Бермет Бекова").id)
    db.session.add(made_by_id)
    db.session.commit()
    assert key_of(db, made_by_relationship) == "айбек асанов"
    assert key_of(db, made_by_id) == "бермет бекова"


def test_a_rename_and_an_erasure_move_the_key_and_the_order(client, login_as, db):
    organiser = login_as("organiser")
    camp = CampFactory()
    first, second, third = (
        ApplicationFactory(camp=camp, applicant=UserFactory(full_name=name))
        for name in ("Асель Арынова", "Бакыт Бекмуратов", "Гүлнара Гапарова")
    )
    db.session.commit()
    assert names_in_order(client, camp) == ["Асель Арынова", "Бакыт Бекмуратов", "Гүлнара Гапарова"]
    first.applicant.full_name = "Эльмира Эркинова"
    db.session.commit()
    assert key_of(db, first) == "эльмира эркинова"
    assert names_in_order(client, camp) == [
        "Бакыт Бекмуратов", "Гүлнара Гапарова", "Эльмира Эркинова",
    ]  # fmt: skip
    privacy.erase(third.applicant, by=organiser)
    db.session.commit()
    pseudonym = third.applicant.full_name
    assert key_of(db, third) == pseudonym.casefold() != "гүлнара гапарова"
    assert pseudonym in names_in_order(client, camp)
    assert "Гүлнара Гапарова" not in client.get(f"/manage/camps/{camp.id}/applications").text
    assert key_of(db, second) == "бакыт бекмуратов"  # nobody else's key moved


def test_the_age_order_follows_the_age_shown(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    ApplicationFactory(camp=camp, applicant=UserFactory(full_name="Улан Улуу"))
    ApplicationFactory(camp=camp, applicant=minor(full_name="Нурай Нурланова"))
    ApplicationFactory(camp=camp, applicant=UserFactory(full_name="Белгисиз", date_of_birth=None))
    assert names_in_order(client, camp, "sort=age") == ["Нурай Нурланова", "Улан Улуу", "Белгисиз"]


@pytest.mark.parametrize(("sort", "index"), [
    ("name", "ix_application_camp_name_key"), ("age", "ix_application_camp_age"),
])  # fmt: skip
def test_a_page_of_the_order_walks_the_camps_index(db, sort, index):
    """The page's window is read from the index in its order, not sorted after reading every
    application of the camp with its applicant (PostgreSQL plans a tiny table by scanning it:
    it is asked for its plan with sorting and scanning priced out)."""
    camp = CampFactory()
    ApplicationFactory(camp=camp)
    window = queries.review_query(camp, filters={"sort": sort}).with_only_columns(Application.id)
    window = window.limit(25).offset(50)
    compiled = window.compile(_db.engine, compile_kwargs={"literal_binds": True})
    if _db.engine.dialect.name == "sqlite":
        plan = " ".join(str(row[-1]) for row in db.session.execute(
            sa.text(f"EXPLAIN QUERY PLAN {compiled}")))  # fmt: skip
        assert index in plan and "TEMP B-TREE" not in plan, plan
    else:
        db.session.execute(sa.text("SET LOCAL enable_sort = off"))
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in db.session.execute(sa.text(f"EXPLAIN {compiled}")))
        assert index in plan and "Sort" not in plan, plan
