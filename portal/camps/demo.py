"""Demo camps and applications in every state (part of `flask seed-demo`)."""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.camps import services
from portal.camps.models import Application
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import Camp
from portal.camps.models import CampQuestion
from portal.camps.models import CampStatus
from portal.camps.models import ConsentMethod
from portal.camps.models import QuestionKind
from portal.camps.services.history import move
from portal.camps.services.history import record
from portal.camps.transitions import Who
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import local_today
from portal.security import Role

#: Real kinds of places, named as people there say them in each language.
VENUES = {
    "karasuu": {
        "ky": "Кара-Суу райондук жаштар борбору",
        "ru": "Карасуйский районный молодёжный центр",
        "uz_Cyrl": "Қорасув туман ёшлар маркази",
    },
    "akbulak": {
        "ky": "Кадамжай, «Ак-Булак» эс алуу жайы",
        "ru": "Кадамжай, база отдыха «Ак-Булак»",
        "uz_Cyrl": "Қадамжой, «Оқбулоқ» дам олиш маскани",
    },
    "arslanbob": {
        "ky": "Арстанбап, «Жаңгак» конок үйү",
        "ru": "Арсланбоб, гостевой дом «Жангак»",
        "uz_Cyrl": "Арслонбоб, «Ёнғоқ» меҳмон уйи",
    },
    "osh_city": {
        "ky": "Ош шаардык жаштар борбору",
        "ru": "Ошский городской молодёжный центр",
        "uz_Cyrl": "Ўш шаҳар ёшлар маркази",
    },
}

CAMPS = [
    # key, region, venue, days from today to the start, capacity, titles
    ("osh", "KG-O", VENUES["karasuu"], 40, 20, {
        "ky": "Ош: Тынчтык жана достук лагери",
        "ru": "Ош: лагерь мира и дружбы",
        "uz_Cyrl": "Ўш: тинчлик ва дўстлик лагери",
    }),
    ("batken", "KG-B", VENUES["akbulak"], 30, 16, {
        "ky": "Баткен: Жаштар жана демократия",
        "ru": "Баткен: молодёжь и демократия",
        "uz_Cyrl": "Баткен: ёшлар ва демократия",
    }),
    ("jalalabad", "KG-J", VENUES["arslanbob"], 55, 24, {
        "ky": "Жалал-Абад: Толеранттуулук мектеби",
        "ru": "Джалал-Абад: школа толерантности",
        "uz_Cyrl": "Жалолобод: бағрикенглик мактаби",
    }),
    ("past", "KG-GO", VENUES["osh_city"], -60, 12, {
        "ky": "Ош шаары: Бирге келечек (өткөн)",
        "ru": "Город Ош: общее будущее (прошёл)",
        "uz_Cyrl": "Ўш шаҳри: умумий келажак (ўтган)",
    }),
]  # fmt: skip

DESCRIPTION = {
    "ky": "Үч күн оюндар, талкуулар жана жаңы достор. Ар кайсы айылдардан келген жаштар "
    "бири-бирин угууну жана чогуу чечим чыгарууну үйрөнүшөт.",
    "ru": "Три дня игр, обсуждений и новых друзей. Молодёжь из разных сёл учится слышать друг "
    "друга и принимать решения вместе.",
    "uz_Cyrl": "Уч кун ўйинлар, мунозаралар ва янги дўстлар. Турли қишлоқлардан келган ёшлар "
    "бир-бирини тинглашни ва бирга қарор қабул қилишни ўрганади.",
}


def seed_camps(organiser: User) -> None:
    """Camps in Osh, Batken and Jalal-Abad with applications in every state."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Camp)):
        return
    today = local_today()
    camps = {}
    for key, region, venue, starts_in, capacity, title in CAMPS:
        start = today + timedelta(days=starts_in)
        camp = Camp(
            title=title, description=DESCRIPTION, region_code=region, venue=venue,
            start_date=start, end_date=start + timedelta(days=2),
            applications_open=start - timedelta(days=60),
            applications_close=start - timedelta(days=10),
            confirmation_deadline=start - timedelta(days=5),
            capacity=capacity, languages=["ky", "ru", "uz"], created_by_id=organiser.id,
            status=CampStatus.PUBLISHED,
        )  # fmt: skip
        db.session.add(camp)
        camps[key] = camp
    camps["osh"].questions.append(
        CampQuestion(
            kind=QuestionKind.YES_NO,
            position=1,
            required=True,
            label={
                "ky": "Ноутбук же телефон ала келе аласызбы?",
                "ru": "Сможете взять с собой ноутбук или телефон?",
                "uz_Cyrl": "Ноутбук ёки телефон олиб кела оласизми?",
            },
        )  # fmt: skip
    )
    camps["osh"].targets = {"gender": {"female": [40, 60], "male": [40, 60]}}
    db.session.flush()
    youth = _people()
    _applications(camps, youth, organiser)


def _people() -> Sequence[User]:
    return db.session.scalars(
        sa.select(User)
        .where(User.role_rows.any(role=Role.YOUTH), User.date_of_birth.is_not(None))
        .order_by(User.id)
    ).all()


#: What young people wrote, in the language they read the portal in (stored as written).
WRITTEN = {
    "ky": {
        "motivation": [
            "Мен башка айылдардын жаштары менен таанышып, чогуу иштегим келет.",
            "Биздин айылда жаштар үчүн эч нерсе жок. Лагерден үйрөнгөнүмдү досторума айтып берем.",
        ],
        "safety_problem": [
            "Кыздар мектепти эрте таштап кетишет.",
            "Кечкисин көчөдө жарык жок, кыздар жалгыз чыкканга коркушат.",
        ],
        "emergency_name": "Апам", "guardian_name": "Гүлзат", "guardian_relation": "апам",
    },
    "uz_Cyrl": {
        "motivation": [
            "Бошқа қишлоқлардан келган ёшлар билан танишиб, бирга ишлашни истайман.",
            "Маҳалламизда қирғиз ва ўзбек ёшлари кам учрашади. Лагердан кейин бирга тадбир "
            "ўтказмоқчимиз.",
        ],
        "safety_problem": [
            "Қизлар мактабни эрта ташлаб кетишади.",
            "Бозор олдида йигитлар ўртасида тез-тез жанжал чиқади.",
        ],
        "emergency_name": "Онам", "guardian_name": "Мавлуда", "guardian_relation": "онам",
    },
    "ru": {
        "motivation": ["Хочу познакомиться с ребятами из других сёл и делать что-то вместе."],
        "safety_problem": ["В нашем селе девушки рано бросают школу."],
        "emergency_name": "Мама", "guardian_name": "Гульнара", "guardian_relation": "мама",
    },
}  # fmt: skip

#: The languages a person says they speak: Uzbek speakers in Osh and Jalal-Abad often speak
#: Kyrgyz or Russian too.
SPOKEN = {"ky": [["ky", "ru"], ["ky"]], "uz_Cyrl": [["uz", "ru"], ["uz", "ky", "ru"]],
          "ru": [["ru", "uz"]]}  # fmt: skip

#: What the organiser wrote to explain a decision, in the applicant's language.
REASONS = {
    "balance": {
        "ky": "Курамды облустар жана кыз-балдар боюнча тең салмактап жатабыз. Орун бошосо, "
        "дароо кабар беребиз.",
        "uz_Cyrl": "Таркибни вилоятлар ва қиз-йигитлар бўйича мувозанатлаяпмиз. Ўрин бўшаса, "
        "дарҳол хабар берамиз.",
        "ru": "Мы выравниваем состав участников по областям и полу. Если место освободится, "
        "сразу сообщим.",
    },
    "short": {
        "ky": "Мотивацияңыз өтө кыска болду. Кийинки лагерге кайра арыз бериңиз.",
        "uz_Cyrl": "Мотивациянгиз жуда қисқа бўлди. Кейинги лагерга яна ариза беринг.",
        "ru": "Мотивация получилась слишком короткой. Подайте заявку на следующий лагерь.",
    },
    "full": {
        "ky": "Бардык орундар ээленди. Кийинки лагерге кайра арыз бериңиз.",
        "uz_Cyrl": "Барча ўринлар банд бўлди. Кейинги лагерга яна ариза беринг.",
        "ru": "Все места заняты. Подайте заявку на следующий лагерь.",
    },
}

#: Self-described ethnicity: by default the group of the person's language; these people
#: gave none ("prefer not to say") or more than one. In the past camp 10 say Kyrgyz (a figure
#: the balance page shows) and 4 Uzbek (under 10, so suppressed).
ETHNICITY_EXCEPTIONS = {
    "Руслан Садыков": [], "Nilufar Karimova": [], "Улан Алиев": [],
    "Тилек Исаков": ["kyrgyz", "uzbek"],
}  # fmt: skip
ETHNICITY_OF_LOCALE = {"ky": ["kyrgyz"], "uz_Cyrl": ["uzbek"], "ru": []}


def _apply(camp, person, organiser, *, status, score=None, consent=True):
    locale = person.locale if person.locale in WRITTEN else "ky"
    written = WRITTEN[locale]
    variant = person.id % 2
    application = Application(
        camp=camp, applicant=person, status=S.DRAFT,
        motivation=written["motivation"][variant % len(written["motivation"])],
        safety_problem=written["safety_problem"][variant % len(written["safety_problem"])],
        spoken_languages=SPOKEN[locale][variant % len(SPOKEN[locale])],
        emergency_name=written["emergency_name"], emergency_phone="+996555000111",
    )  # fmt: skip
    if application.is_minor:
        application.guardian_name = written["guardian_name"]
        application.guardian_relation = written["guardian_relation"]
        application.guardian_phone = "+996555000112"
    db.session.add(application)
    record(application, None, S.DRAFT, actor=person, who=Who.APPLICANT)
    if status is S.DRAFT:
        return application
    application.submitted_at = utcnow()
    application.fix_age_rule()
    groups = ETHNICITY_EXCEPTIONS.get(person.full_name, ETHNICITY_OF_LOCALE[locale])
    db.session.flush()
    for group in groups:
        db.session.add(ApplicationEthnicity(application_id=application.id, group=group))
    move(application, S.SUBMITTED, actor=person, who=Who.APPLICANT)
    application.score = score
    if consent and application.is_minor and status not in (S.SUBMITTED,):
        services.record_guardian_consent(
            application,
            ConsentMethod.PHONE_CALL,
            by=organiser,
            note={"ky": "Апасы телефон аркылуу макул болду.",
                  "uz_Cyrl": "Онаси телефонда рози бўлди.",
                  "ru": "Мама дала согласие по телефону."}[locale],
        )  # fmt: skip
    if status is S.SUBMITTED:
        return application
    first = (
        S.REJECTED
        if status is S.REJECTED
        else S.WAITLISTED
        if status is S.WAITLISTED
        else S.ACCEPTED
    )
    services.decide(application, first, reason=_reason(camp, first, locale), by=organiser)
    if status in (S.CONFIRMED, S.ATTENDED, S.NO_SHOW):
        move(application, S.CONFIRMED, actor=person, who=Who.APPLICANT)
    if status is S.DECLINED:
        move(application, S.DECLINED, actor=person, who=Who.APPLICANT)
    if status is S.WITHDRAWN:
        move(application, S.WITHDRAWN, actor=person, who=Who.APPLICANT)
    if status in (S.ATTENDED, S.NO_SHOW):
        for day in camp.days():
            services.mark_attendance(application, day, status is S.ATTENDED, by=organiser)
    return application


def _reason(camp, decision, locale) -> str:
    """A reason that is true of the camp: "no places left" only when none are left."""
    if decision is S.ACCEPTED:
        return ""
    if decision is S.WAITLISTED:
        return REASONS["balance"][locale]
    db.session.flush()
    return REASONS["full" if services.places_free(camp) == 0 else "short"][locale]


def _applications(camps, youth, organiser) -> None:
    by_email = {person.email: person for person in youth if person.email}
    minor = by_email["youth@demo.example.org"]
    adult = by_email["youth2@demo.example.org"]
    _apply(camps["osh"], minor, organiser, status=S.SUBMITTED, consent=False)
    _apply(camps["batken"], minor, organiser, status=S.ACCEPTED, score=5)
    _apply(camps["jalalabad"], minor, organiser, status=S.DRAFT)
    _apply(camps["past"], adult, organiser, status=S.ATTENDED, score=4)
    _apply(camps["batken"], adult, organiser, status=S.CONFIRMED, score=4)
    others = [p for p in youth if p not in (minor, adult)]
    plan = [
        ("osh", S.SUBMITTED, 4), ("osh", S.SUBMITTED, 3), ("osh", S.SUBMITTED, 5),
        ("osh", S.ACCEPTED, 5), ("osh", S.WAITLISTED, 3), ("osh", S.REJECTED, 2),
        ("batken", S.WAITLISTED, 3), ("batken", S.DECLINED, 4), ("batken", S.WITHDRAWN, 3),
        ("past", S.ATTENDED, 5), ("past", S.NO_SHOW, 3), ("jalalabad", S.SUBMITTED, None),
        ("osh", S.SUBMITTED, 4), ("osh", S.SUBMITTED, 5), ("osh", S.SUBMITTED, 3),
        ("osh", S.SUBMITTED, 4), ("osh", S.SUBMITTED, 2), ("osh", S.WAITLISTED, 4),
        ("batken", S.SUBMITTED, 5), ("batken", S.SUBMITTED, 3), ("jalalabad", S.SUBMITTED, 4),
        ("jalalabad", S.SUBMITTED, None), ("past", S.ATTENDED, 4), ("past", S.ATTENDED, 3),
        ("jalalabad", S.SUBMITTED, 5), ("jalalabad", S.SUBMITTED, 3),
    ]  # fmt: skip
    for person, (key, status, score) in zip(others, plan, strict=False):
        _apply(camps[key], person, organiser, status=status, score=score)
    # The past camp filled its 12 places; the last two were told so, truthfully.
    past = [
        (0, S.ATTENDED, 4), (1, S.ATTENDED, 5), (2, S.ATTENDED, 4), (4, S.ATTENDED, 3),
        (5, S.NO_SHOW, 3), (7, S.ATTENDED, 4), (11, S.ATTENDED, 5),
        (12, S.REJECTED, 3), (13, S.REJECTED, 2),
    ]  # fmt: skip
    for index, status, score in past:
        if index < len(others):
            _apply(camps["past"], others[index], organiser, status=status, score=score)
