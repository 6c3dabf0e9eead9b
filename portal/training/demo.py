"""A demo youth-ambassador programme (part of `flask seed-demo`)."""

from datetime import datetime
from datetime import time
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.i18n import BISHKEK
from portal.i18n import local_today
from portal.security import Role
from portal.training import services
from portal.training.models import AttendanceStatus
from portal.training.models import CompletionRule
from portal.training.models import DeliveryMode
from portal.training.models import Programme
from portal.training.models import Topic

MODULES = [
    (Topic.DEMOCRACY, {"ky": "Демократия жана жаштар", "ru": "Демократия и молодёжь",
                       "uz_Cyrl": "Демократия ва ёшлар"}),
    (Topic.TOLERANCE, {"ky": "Толеранттуулук", "ru": "Толерантность", "uz_Cyrl": "Бағрикенглик"}),
    (Topic.CONFLICT_ANALYSIS, {"ky": "Чыр-чатакты талдоо", "ru": "Анализ конфликта",
                               "uz_Cyrl": "Низоларни таҳлил қилиш"}),
    (Topic.GENDER_SAFETY, {"ky": "Гендер жана коопсуздук", "ru": "Гендер и безопасность",
                           "uz_Cyrl": "Гендер ва хавфсизлик"}),
]  # fmt: skip

ROOM = {
    "ky": "Ош шаардык жаштар борбору, 2-бөлмө",
    "ru": "Ошский городской молодёжный центр, кабинет 2",
    "uz_Cyrl": "Ўш шаҳар ёшлар маркази, 2-хона",
}
CHAT = {
    "ky": "Курстун WhatsApp тобу",
    "ru": "Группа курса в WhatsApp",
    "uz_Cyrl": "Курснинг WhatsApp гуруҳи",
}


def seed_training(organiser: User, mentor: User) -> None:
    if db.session.scalar(sa.select(sa.func.count()).select_from(Programme)):
        return
    programme = services.save_programme(
        Programme(), by=organiser,
        title={"ky": "Жаштар элчилери: 1-агым", "ru": "Молодёжные послы: 1-й поток",
               "uz_Cyrl": "Ёшлар элчилари: 1-оқим"},
        description={"ky": "Төрт модулдан турган окуу.", "ru": "Обучение из четырёх модулей.",
                     "uz_Cyrl": "Тўрт модулдан иборат ўқув."},
        delivery_mode=DeliveryMode.IN_PERSON, makes_ambassadors=True,
        completion_rule=CompletionRule.REQUIRED_MODULES, completion_percent=75,
    )  # fmt: skip
    modules = [
        services.add_module(
            programme, by=organiser, title=title, topic=topic, required=True, hours=Decimal("3")
        )
        for topic, title in MODULES
    ]
    db.session.flush()
    today = local_today()
    start = datetime.combine(today - timedelta(days=40), time(10, 0), BISHKEK)
    sessions = [
        services.add_session(
            programme,
            by=organiser,
            module_id=module.id,
            trainer=mentor,
            place=ROOM,
            starts_at=start + timedelta(days=7 * number),
        )  # fmt: skip
        for number, module in enumerate(modules)
    ]
    services.add_session(
        programme, by=organiser, module_id=modules[0].id, trainer=mentor, place=CHAT,
        starts_at=datetime.combine(today + timedelta(days=5), time(18, 0), BISHKEK),
    )  # fmt: skip
    db.session.flush()
    people = db.session.scalars(
        sa.select(User).where(User.role_rows.any(role=Role.YOUTH)).order_by(User.id).limit(8)
    ).all()
    graduate = db.session.scalars(
        sa.select(User).where(User.email == "youth2@demo.example.org")
    ).one()
    others = [p for p in people if p.id != graduate.id][:6]
    first_day = sessions[0].starts_at.astimezone(BISHKEK).date()
    enrolments = [
        services.enrol(programme, person, by=organiser, enrolled_on=first_day)[0]
        for person in [graduate, *others[:5]]
    ]
    # Entered late: enrolled from the third session's day, so the first two never count.
    late_day = sessions[2].starts_at.astimezone(BISHKEK).date()
    enrolments.append(services.enrol(programme, others[5], by=organiser, enrolled_on=late_day)[0])
    db.session.flush()
    marks = [AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT,
             AttendanceStatus.EXCUSED]  # fmt: skip
    for number, enrolment in enumerate(enrolments):
        for index, session in enumerate(sessions):
            if index < 2 and enrolment is enrolments[-1]:
                continue
            # The graduate and the next three attend everything; the others miss some.
            status = AttendanceStatus.PRESENT if number < 4 else marks[(number + index) % 4]
            services.record_attendance(session, enrolment, status, by=mentor)
    # Three certificates whose basis went when a mark was corrected: one waits for the
    # organiser's decision, one was kept with a reason and one was revoked.
    flagged, kept, revoked = enrolments[1:4]
    for enrolment in (flagged, kept, revoked):
        services.record_attendance(sessions[1], enrolment, AttendanceStatus.ABSENT, by=mentor)
    services.keep_certificate(
        kept.certificates[-1], by=organiser,
        reason="Жалал-Абаддагы кошумча сабакка катышкан (кагаз журналда белгиленген).",
    )  # fmt: skip
    services.revoke_certificate(
        revoked.certificates[-1], by=organiser,
        reason="Белгилер башка адамдыкы болуп чыкты: жаңылыш киргизилген.",
    )  # fmt: skip
    services.drop(enrolments[5], by=organiser)  # left the programme
