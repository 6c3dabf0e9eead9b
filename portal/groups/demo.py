"""Demo youth groups and action plans in every state (part of `flask seed-demo`): a test
checks that every PlanStatus is there."""

from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.groups import members
from portal.groups import services
from portal.groups.models import Decision
from portal.groups.models import ProblemCategory
from portal.groups.models import YouthGroup

SCORES = {
    key: {"score": 3, "note": "Жакшы ойлонулган."}
    for key in ("relevance", "feasibility", "inclusion", "do_no_harm", "sustainability")
}


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def _plan(group, author, title, category, **extra):
    plan = services.start_plan(group, by=author)
    services.save_draft(
        plan, by=author, title=title, category=category,
        problem="Айылда кыздар 9-класстан кийин мектепти таштап кетишет.",
        root_causes="Ата-энелер эрте турмушка берүүнү туура көрүшөт.",
        affected="14–17 жаштагы кыздар жана алардын үй-бүлөлөрү.",
        objectives="Бир жылда мектепти таштаган кыздардын санын азайтуу.",
        partners=["school", "parents", "local_authority"], partners_other="",
        risks="Үй-бүлөлөр уялып калышы мүмкүн; эч кимдин атын атабайбыз.",
        tension_avoidance="Жолугушууларды мектепте, ата-энелер менен бирге өткөрөбүз.",
        indicators="Кыздардын катышуусун мектеп журналы менен салыштырабыз.",
        budget_som=15000,
        activities=[
            {"what": "Ата-энелер менен жолугушуу", "who": "Айгерим", "resources": "Зал, чай",
             "starts_on": date.today() + timedelta(days=10), "ends_on": date.today() + timedelta(days=10)},
            {"what": "Кыздар үчүн кеңеш берүү клубу", "who": "Топ", "resources": "Класс",
             "starts_on": date.today() + timedelta(days=20), "ends_on": date.today() + timedelta(days=80)},
        ],
    )  # fmt: skip
    for name, value in extra.items():
        setattr(plan, name, value)
    db.session.flush()
    return plan


def seed_groups() -> None:
    if db.session.scalar(sa.select(sa.func.count()).select_from(YouthGroup)):
        return
    lead, other = _user("youth@demo.example.org"), _user("youth2@demo.example.org")
    mentor, mentor2 = _user("mentor@demo.example.org"), _user("mentor2@demo.example.org")
    organiser = _user("organiser@demo.example.org")
    papan = services.create_group(lead=lead, name="Папан жаштары", region_code="KG-O",
                                  district_code="KG-O-KARASUU", community="Papan")  # fmt: skip
    suzak = services.create_group(lead=other, name="Сузоқ ёшлари", region_code="KG-J",
                                  district_code="KG-J-SUZAK", community="Suzak")  # fmt: skip
    db.session.flush()
    services.assign_mentor(papan, mentor, by=organiser)
    services.assign_mentor(suzak, mentor2, by=organiser)
    classmates = db.session.scalars(
        sa.select(User).where(User.email.like("young%@demo.example.org")).order_by(User.id).limit(5)
    ).all()
    # Members come in by their own step: an accepted invitation or the join code.
    for group, by, invited, by_code in ((papan, lead, classmates[0], classmates[1]),
                                        (suzak, other, classmates[2], classmates[3])):  # fmt: skip
        members.accept(members.invite(group, ("email", invited.email or ""), by=by), invited)
        members.join_by_code(group.join_code, by_code)
    # One invitation still waiting for an answer, so the lead sees the list.
    members.invite(papan, ("email", classmates[4].email or ""), by=lead)

    _plan(papan, lead, "Кыздар мектепте калсын", ProblemCategory.GIRLS_LEAVING_SCHOOL)
    sent = _plan(papan, lead, "Ала качууга жок дейли", ProblemCategory.BRIDE_KIDNAPPING)
    services.submit(sent, by=lead)
    changes = _plan(papan, lead, "Көчөдө коопсуз", ProblemCategory.STREET_HARASSMENT)
    services.submit(changes, by=lead)
    services.review(
        changes, mentor=mentor, scores=SCORES, decision=Decision.REQUEST_CHANGES,
        section_comments={"do_no_harm": "Кыздардын өздөрүнүн пикирин кантип угасыңар?"},
        overall_comment="Жакшы башталыш. Коопсуздук бөлүгүн толуктагыла.",
    )  # fmt: skip
    under_way = _plan(
        papan, lead, "Үй-бүлөдө зомбулукка жол жок", ProblemCategory.DOMESTIC_VIOLENCE
    )
    _approve(under_way, lead, mentor)
    services.post_progress(
        under_way, by=lead, percent=40,
        what_happened="Ата-энелер менен биринчи жолугушуу өттү, 23 киши келди.",
        statuses={str(under_way.activities[0].id): "done",
                  str(under_way.activities[1].id): "under_way"},
    )  # fmt: skip
    approved = _plan(papan, lead, "Милиция менен ишеним", ProblemCategory.POLICE_TRUST)
    _approve(approved, lead, mentor)
    _plan(suzak, other, "Маҳаллада тинчлик", ProblemCategory.INTERGROUP_TENSION)
    done = _plan(suzak, other, "Кўчада хавфсиз", ProblemCategory.STREET_HARASSMENT)
    _approve(done, other, mentor2)
    services.post_progress(
        done, by=other, percent=100, what_happened="Ҳамма тадбирлар ўтди.",
        statuses={str(activity.id): "done" for activity in done.activities},
    )  # fmt: skip
    services.complete(done, by=other)
    old = _plan(suzak, other, "Эски режа", ProblemCategory.OTHER)
    services.archive(old, by=organiser)


def _approve(plan, lead, mentor) -> None:
    services.submit(plan, by=lead)
    services.review(
        plan, mentor=mentor, scores=SCORES, decision=Decision.APPROVE, section_comments={},
        overall_comment="Сонун план. Ийгилик!",
    )  # fmt: skip
